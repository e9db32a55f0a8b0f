"""Course pages: create and edit a named course, its trainers, deletion by managers, the list with
its filters (historical courses marked with their totals) and the links to the other training pages."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from core.extensions import db
from core.models import Role
from core.registers.models import ContactKind
from core.tenancy import tenant_scope
from plugins.training_registry import services
from plugins.training_registry.models import Certificate, Course, CourseTrainer
from tests.helpers import login, make_member, statements_for
from tests.plugins.training_registry.conftest import add_course
from tests.plugins.training_registry.course_helpers import (base, get_course, make_contact, make_curriculum,
                                                            make_historical, make_place, make_project, make_trainer)


def course_form(**overrides) -> dict:
    data = {"title_en": "Budget monitoring for CBOs", "title_km": "ការតាមដានថវិកា", "curriculum_version_id": "",
            "objectives": "Read a commune budget", "organiser_id": "", "project_id": "",
            "target_group": "CBO members", "place_id": "", "starts_on": "2026-05-04", "ends_on": "2026-05-06",
            "completion_percent": "80", "test_max_score": "20", "signatory_name": "Pich Sophea",
            "signatory_title": "Executive Director"}
    data.update(overrides)
    return data


def count_courses() -> int:
    return db.session.scalar(select(func.count(Course.id)))


def test_staff_creates_a_course_with_curriculum_project_organiser_and_place(staff_client, tenant, other_tenant):
    curriculum = make_curriculum(tenant, labels=("1st edition 2024", "2nd edition 2025"))
    make_curriculum(other_tenant, title="Someone else's manual", labels=("Secret edition",))
    project = make_project(tenant)
    organiser = make_contact(tenant, "Kampot Youth Network", kind=ContactKind.ORGANISATION)
    kampot = make_place("07", "Kampot")
    page = staff_client.get(f"{base(tenant)}/new").get_data(as_text=True)
    # The versions are grouped by curriculum, and only this tenant's are offered.
    assert '<optgroup label="A2I for commune councils">' in page and "2nd edition 2025" in page
    assert "Secret edition" not in page
    version = curriculum.versions[1]
    response = staff_client.post(f"{base(tenant)}/new", data=course_form(
        curriculum_version_id=str(version.id), project_id=str(project.id), organiser_id="Kampot Youth Network",
        place_id="07"))
    assert response.status_code == 302
    course = db.session.scalars(select(Course)).one()
    assert (course.curriculum_version_id, course.project_id, course.organiser_id, course.place_id) == (
        version.id, project.id, organiser.id, kampot.id)
    assert course.test_max_score == Decimal(20) and course.completion_percent == 80
    detail = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Budget monitoring for CBOs" in detail and "2nd edition 2025" in detail
    assert "Kampot Youth Network" in detail and "A2I-2026" in detail and "Pich Sophea" in detail


def test_bad_course_input_is_refused_with_422_and_nothing_saved(staff_client, tenant):
    response = staff_client.post(f"{base(tenant)}/new", data=course_form(ends_on="2026-05-01"))
    assert response.status_code == 422
    assert "The course cannot end before it starts." in response.get_data(as_text=True)
    for bad in ({"completion_percent": "0"}, {"completion_percent": "101"}, {"test_max_score": "-3"},
                {"test_max_score": "twenty"}, {"title_en": "", "title_km": ""}, {"starts_on": ""},
                {"place_id": "Nowhere at all"}, {"project_id": "999999"}):
        response = staff_client.post(f"{base(tenant)}/new", data=course_form(**bad))
        assert response.status_code == 422, bad
        assert 'class="field-error"' in response.get_data(as_text=True) or "form-errors" in response.get_data(
            as_text=True)
    assert count_courses() == 0


def test_editing_dates_that_would_leave_a_session_outside_is_refused(staff_client, tenant, course):
    response = staff_client.post(f"{base(tenant)}/{course.id}/edit", data=course_form(
        starts_on="2026-03-02", ends_on="2026-03-03"))
    assert response.status_code == 422
    assert "outside these dates" in response.get_data(as_text=True)
    assert get_course(course.id).ends_on == date(2026, 3, 4)
    response = staff_client.post(f"{base(tenant)}/{course.id}/edit", data=course_form(
        title_en="A2I for councils (revised)", starts_on="2026-03-01", ends_on="2026-03-05"))
    assert response.status_code == 302
    assert get_course(course.id).title_en == "A2I for councils (revised)"


def test_a_lower_maximum_score_than_recorded_scores_is_refused(staff_client, tenant, enrolled):
    with tenant_scope(tenant.id):
        services.set_scores(enrolled.enrolments[0], Decimal(12), Decimal(18))
        db.session.commit()
    response = staff_client.post(f"{base(tenant)}/{enrolled.id}/edit", data=course_form(
        starts_on="2026-03-02", ends_on="2026-03-04", test_max_score="10"))
    assert response.status_code == 422 and "Scores up to 18" in response.get_data(as_text=True)


def test_another_tenants_course_is_not_found(staff_client, tenant, other_tenant):
    theirs = add_course(other_tenant, title_en="Their private course")
    for url in (f"{base(tenant)}/{theirs.id}", f"{base(tenant)}/{theirs.id}/edit",
                f"{base(tenant)}/{theirs.id}/sessions/new"):
        assert staff_client.get(url).status_code == 404
    assert staff_client.post(f"{base(tenant)}/{theirs.id}/close").status_code == 404
    assert "Their private course" not in staff_client.get(f"{base(tenant)}/").get_data(as_text=True)


def test_viewer_sees_courses_but_cannot_change_them(client, tenant, viewer, course):
    login(client, viewer.email)
    page = client.get(f"{base(tenant)}/{course.id}")
    assert page.status_code == 200 and "Access to information for commune councils" in page.get_data(as_text=True)
    assert "Add session" not in page.get_data(as_text=True)
    assert client.get(f"{base(tenant)}/new").status_code == 403
    assert client.get(f"{base(tenant)}/{course.id}/edit").status_code == 403
    assert client.post(f"{base(tenant)}/{course.id}/delete").status_code == 403
    assert client.post(f"{base(tenant)}/{course.id}/close").status_code == 403


def test_trainers_are_picked_among_the_tenants_trainers_with_a_role(staff_client, tenant, other_tenant, course):
    trainer = make_trainer(tenant, "Pen Sokha")
    theirs = make_trainer(other_tenant, "Their Trainer")
    page = staff_client.get(f"{base(tenant)}/{course.id}").get_data(as_text=True)
    assert "Pen Sokha" in page and "Their Trainer" not in page
    response = staff_client.post(f"{base(tenant)}/{course.id}/trainers",
                                 data={"trainer_id": str(trainer.id), "role": "Lead trainer"})
    assert response.status_code == 302
    page = staff_client.get(f"{base(tenant)}/{course.id}").get_data(as_text=True)
    assert "Pen Sokha · Lead trainer" in page
    assert staff_client.post(f"{base(tenant)}/{course.id}/trainers",
                             data={"trainer_id": str(theirs.id), "role": "x"}).status_code == 422
    row = db.session.scalars(select(CourseTrainer)).one()
    assert staff_client.post(f"{base(tenant)}/{course.id}/trainers/{row.id}/remove").status_code == 302
    assert db.session.scalar(select(func.count(CourseTrainer.id))) == 0


def test_only_managers_delete_and_never_a_course_with_certificates(client, tenant, staff, admin_user, enrolled):
    login(client, staff.email)
    assert client.post(f"{base(tenant)}/{enrolled.id}/delete").status_code == 403
    client.post("/logout")
    login(client, admin_user.email)
    with tenant_scope(tenant.id):
        db.session.add(Certificate(tenant_id=tenant.id, enrolment_id=enrolled.enrolments[0].id, code="ABCD-1234",
                                   issued_on=date(2026, 3, 5)))
        db.session.commit()
    response = client.post(f"{base(tenant)}/{enrolled.id}/delete", follow_redirects=True)
    assert "Certificates were issued for this course" in response.get_data(as_text=True)
    assert get_course(enrolled.id) is not None
    other = add_course(tenant, title_en="Budget monitoring")
    assert client.post(f"{base(tenant)}/{other.id}/delete").status_code == 302
    assert get_course(other.id) is None


def test_course_page_links_to_attendance_scores_certificates_and_import(staff_client, tenant, course):
    page = staff_client.get(f"{base(tenant)}/{course.id}").get_data(as_text=True)
    for session in course.sessions:
        assert f"/t/{tenant.slug}/training/sessions/{session.id}/attendance" in page
    assert "Take attendance" in page and "Test scores" in page and "Certificates" in page
    assert "Import participants" in page and "Close course" not in page   # nobody enrolled yet
    historical = make_historical(tenant)
    page = staff_client.get(f"{base(tenant)}/{historical.id}").get_data(as_text=True)
    assert f"/t/{tenant.slug}/training/historical/{historical.id}" in page
    assert "Take attendance" not in page and "120" in page
    assert staff_client.get(f"{base(tenant)}/{historical.id}/edit").headers["Location"].endswith(
        f"/training/historical/{historical.id}")


def test_list_marks_historical_courses_with_their_totals_and_filters(staff_client, tenant):
    kampot = make_place("07", "Kampot")
    kampot_district = make_place("0701", "Angkor Chey", kampot)
    takeo = make_place("21", "Takeo")
    project = make_project(tenant)
    curriculum = make_curriculum(tenant)
    a2i = add_course(tenant, title_en="A2I for communes", starts_on=date(2026, 3, 2))
    budget = add_course(tenant, title_en="Budget monitoring", starts_on=date(2025, 9, 1))
    with tenant_scope(tenant.id):
        a2i, budget = db.session.get(Course, a2i.id), db.session.get(Course, budget.id)
        a2i.place_id, a2i.project_id = kampot_district.id, project.id
        a2i.curriculum_version_id = curriculum.versions[0].id
        budget.place_id = takeo.id
        db.session.commit()
    make_historical(tenant, "Budget literacy 2019")
    page = staff_client.get(f"{base(tenant)}/").get_data(as_text=True)
    assert "3 courses" in page and "Historical" in page
    assert "120 participants, 64 women, 30 youth, 3 sessions" in page

    def titles(**args) -> set[str]:
        body = staff_client.get(f"{base(tenant)}/", query_string=args).get_data(as_text=True)
        return {title for title in ("A2I for communes", "Budget monitoring", "Budget literacy 2019") if title in body}

    assert titles(q="budget") == {"Budget monitoring", "Budget literacy 2019"}
    assert titles(province=str(kampot.id)) == {"A2I for communes"}
    assert titles(project=str(project.id)) == {"A2I for communes"}
    assert titles(curriculum=str(curriculum.id)) == {"A2I for communes"}
    assert titles(kind="historical") == {"Budget literacy 2019"}
    assert titles(date_from="2025-01-01", date_to="2025-12-31") == {"Budget monitoring"}
    # Filters in use stay open; a bad filter is ignored with a message, never an error page.
    body = staff_client.get(f"{base(tenant)}/", query_string={"kind": "weird"}).get_data(as_text=True)
    assert "Some filters were not understood" in body and "3 courses" in body


def test_list_costs_the_same_queries_for_3_or_30_courses(staff_client, tenant):
    for number in range(3):
        add_course(tenant, title_en=f"Course {number}", days=1)
    make_historical(tenant)
    few = statements_for(staff_client, f"{base(tenant)}/")
    for number in range(3, 30):
        add_course(tenant, title_en=f"Course {number}", days=1)
        make_historical(tenant, f"Old course {number}")
    assert statements_for(staff_client, f"{base(tenant)}/") == few


def test_list_pages_through_many_courses(staff_client, tenant):
    for number in range(27):
        add_course(tenant, title_en=f"Course {number:02d}", days=1)
    page = staff_client.get(f"{base(tenant)}/").get_data(as_text=True)
    assert "Page 1 of 2" in page
    assert "Page 2 of 2" in staff_client.get(f"{base(tenant)}/?page=2").get_data(as_text=True)


def test_course_pages_in_khmer(client, tenant):
    admin = make_member(tenant, Role.ADMIN, email="km@kampot.example", locale="km")
    login(client, admin.email)
    course = add_course(tenant)
    make_historical(tenant)
    body = client.get(f"{base(tenant)}/{course.id}").get_data(as_text=True)
    assert "<h1>សិទ្ធិទទួលបានព័ត៌មានសម្រាប់ក្រុមប្រឹក្សាឃុំ</h1>" in body
    listing = client.get(f"{base(tenant)}/").get_data(as_text=True)
    assert "សិទ្ធិទទួលបានព័ត៌មានសម្រាប់ក្រុមប្រឹក្សាឃុំ" in listing
