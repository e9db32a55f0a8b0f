"""The dashboard card: sessions of the next 14 days (with a link to take attendance) and the courses
whose participants completed without a valid certificate."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from core.extensions import db
from core.tenancy import tenant_scope
from plugins.training_registry import services
from plugins.training_registry.models import Certificate, EnrolmentStatus
from plugins.training_registry.reports import tenant_today
from tests.helpers import statements_for
from tests.plugins.training_registry.conftest import add_course, add_people


def test_next_sessions_within_two_weeks_link_to_the_course_and_attendance(staff_client, tenant, other_tenant):
    today = tenant_today(tenant)
    soon = add_course(tenant, title_en="Right to information for youth", starts_on=today + timedelta(days=3), days=2)
    add_course(tenant, title_en="Far ahead", starts_on=today + timedelta(days=30))
    add_course(tenant, title_en="Already held", starts_on=today - timedelta(days=10))
    add_course(other_tenant, title_en="Their workshop", starts_on=today + timedelta(days=1))
    page = staff_client.get(f"/t/{tenant.slug}/").text
    assert "Next sessions (14 days)" in page
    assert "Right to information for youth" in page and "in 3 days" in page and "in 4 days" in page
    assert f"/t/{tenant.slug}/training/courses/{soon.id}" in page
    assert f"/t/{tenant.slug}/training/sessions/{soon.sessions[0].id}/attendance" in page
    for hidden in ["Far ahead", "Already held", "Their workshop"]:
        assert hidden not in page, hidden


def test_certificates_to_issue_for_those_who_completed_without_a_valid_one(staff_client, tenant, enrolled):
    with tenant_scope(tenant.id):
        enrolled.ends_on = tenant_today(tenant) - timedelta(days=10)     # a recent course (the card's window)
        p1, p2, p3, p4, p5 = enrolled.enrolments
        for enrolment in (p1, p5):                      # met the rule
            for session in enrolled.sessions:
                services.record_attendance(session, enrolment, True)
        services.record_attendance(enrolled.sessions[0], p2, True)       # did not
        p3.status = EnrolmentStatus.COMPLETED                              # completed by hand
        p4.status = EnrolmentStatus.DROPPED
        db.session.add(Certificate(tenant_id=tenant.id, enrolment=p1, code="VALID-1", issued_on=date(2026, 3, 5)))
        db.session.add(Certificate(tenant_id=tenant.id, enrolment=p5, code="REVOKED-5", issued_on=date(2026, 3, 5),
                                   revoked_at=datetime(2026, 3, 6, tzinfo=UTC), revoked_reason="typo"))
        db.session.commit()
    page = staff_client.get(f"/t/{tenant.slug}/").text
    # P3 (completed by hand) and P5 (met the rule, certificate revoked); not P1, P2 or P4.
    assert "Certificates to issue" in page and "2 certificates" in page
    assert f"/t/{tenant.slug}/training/certificates/courses/{enrolled.id}" in page
    assert "2 participants completed without a certificate." in page


def test_a_viewer_sees_sessions_but_not_certificates_to_issue(client, tenant, enrolled):
    from tests.helpers import login, make_member
    viewer = make_member(tenant, "viewer")
    login(client, viewer.email)
    page = client.get(f"/t/{tenant.slug}/").text
    assert "Next sessions (14 days)" in page and "Certificates to issue" not in page


def test_empty_card_says_so(staff_client, tenant):
    page = staff_client.get(f"/t/{tenant.slug}/").text
    assert "No training session in the coming days." in page
    assert "Every participant who completed has a certificate." in page


def test_the_card_is_light(staff_client, tenant):
    today = tenant_today(tenant)
    url = f"/t/{tenant.slug}/"
    add_course(tenant, title_en="One course", starts_on=today + timedelta(days=2), days=1)
    few = statements_for(staff_client, url)
    for number in range(4):
        course = add_course(tenant, title_en=f"Course {number}", starts_on=today + timedelta(days=number + 1))
        with tenant_scope(tenant.id):
            for person in add_people(tenant):
                enrolment = services.enrol(course, person, status=EnrolmentStatus.COMPLETED)
                services.record_attendance(course.sessions[0], enrolment, True)
            db.session.commit()
    assert statements_for(staff_client, url) == few


def test_the_card_counts_the_courses_of_the_last_year_only(staff_client, tenant, enrolled):
    """Certificates still to issue for a course that ended more than CERTIFICATE_DAYS ago are on that
    course's certificate page, not on the dashboard's to-do card."""
    from plugins.training_registry.reports import CERTIFICATE_DAYS
    with tenant_scope(tenant.id):
        for enrolment in enrolled.enrolments:
            enrolment.status = EnrolmentStatus.COMPLETED
        enrolled.ends_on = tenant_today(tenant) - timedelta(days=CERTIFICATE_DAYS + 1)
        db.session.commit()
    page = staff_client.get(f"/t/{tenant.slug}/").text
    assert "Every participant who completed has a certificate." in page and "Courses of the last 365 days." in page
    with tenant_scope(tenant.id):
        enrolled.ends_on = tenant_today(tenant) - timedelta(days=CERTIFICATE_DAYS - 1)
        db.session.commit()
    page = staff_client.get(f"/t/{tenant.slug}/").text
    assert "5 participants completed without a certificate." in page
