"""Participants on the course page: enrolling by typing a name, the list with disaggregation and
completion standing (protected names never shown in it, a constant number of queries), status
changes, removal, closing the course, and where a participant appears on the contact page (merge
keeps one enrolment per course)."""
from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from core.registers.duplicates import merge_contacts
from core.registers.models import Contact, ContactKind
from core.tenancy import tenant_scope
from plugins.training_registry import services
from plugins.training_registry.course_views import contact_links
from plugins.training_registry.models import Enrolment, EnrolmentStatus, TrainingSettings
from tests.helpers import login, statements_for
from tests.plugins.training_registry.conftest import PEOPLE, add_course, add_people
from tests.plugins.training_registry.course_helpers import base, make_contact, make_trainer


def enrolments_of(course) -> dict[int, Enrolment]:
    db.session.expire_all()
    return {row.contact_id: row for row in db.session.scalars(select(Enrolment).where(
        Enrolment.course_id == course.id))}


def test_enrol_a_person_by_typing_the_name(staff_client, tenant, course, people):
    url = f"{base(tenant)}/{course.id}/enrolments"
    response = staff_client.post(url, data={"contact_id": "Sok Sreyny", "status": "invited"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#participants")
    assert enrolments_of(course)[people[0].id].status is EnrolmentStatus.INVITED
    again = staff_client.post(url, data={"contact_id": "Sok Sreyny", "status": "registered"}, follow_redirects=True)
    assert "was already enrolled in this course" in again.get_data(as_text=True)
    assert len(enrolments_of(course)) == 1


def test_enrolling_nobody_or_an_organisation_or_another_tenants_person_is_refused(staff_client, tenant, other_tenant,
                                                                                  course):
    make_contact(tenant, "Kampot Youth Network", kind=ContactKind.ORGANISATION)
    theirs = make_contact(other_tenant, "Their Person")
    url = f"{base(tenant)}/{course.id}/enrolments"
    for data in ({"contact_id": "Nobody Known", "status": "registered"},
                 {"contact_id": "Kampot Youth Network", "status": "registered"},
                 {"contact_id": "Their Person", "contact_id-id": str(theirs.id), "status": "registered"},
                 {"contact_id": "", "status": "registered"}):
        response = staff_client.post(url, data=data)
        assert response.status_code == 422, data
        body = response.get_data(as_text=True)
        assert 'id="contact_id-error"' in body and "<details open>" in body
    assert enrolments_of(course) == {}


def test_participants_list_shows_disaggregation_standing_and_hides_protected_names(admin_client, tenant, enrolled,
                                                                                   people):
    with tenant_scope(tenant.id):
        first = enrolled.enrolments[0]
        for session in enrolled.sessions:
            services.record_attendance(session, first, True)
        db.session.commit()
    page = admin_client.get(f"{base(tenant)}/{enrolled.id}").get_data(as_text=True)
    assert "5 people enrolled" in page
    for name in ("Sok Sreyny", "Chan Dara", "Keo Mealea", "Heng Vichet"):
        assert name in page
    # Even an administrator, who may open the person, sees a stand-in in the list.
    assert "Sean Pisey" not in page and f"Protected person #{people[4].id}" in page
    assert "3 of 3" in page and "Meets the rule" in page and "0 of 3" in page
    row = page[page.index("Sok Sreyny"):page.index("</tr>", page.index("Sok Sreyny"))]
    assert "Female" in row and row.count("Yes") == 2         # youth (2001, at 2026) and IDPoor
    row = page[page.index("Heng Vichet"):page.index("</tr>", page.index("Heng Vichet"))]
    assert "Male" in row and row.count("Yes") == 1           # IDPoor; 31–59 is not youth


def test_youth_follows_the_tenants_band(staff_client, tenant, enrolled):
    with tenant_scope(tenant.id):
        db.session.add(TrainingSettings(tenant_id=tenant.id, youth_min_age=15, youth_max_age=24))
        db.session.commit()
    page = staff_client.get(f"{base(tenant)}/{enrolled.id}").get_data(as_text=True)
    row = page[page.index("Sok Sreyny"):page.index("</tr>", page.index("Sok Sreyny"))]
    assert row.count("Yes") == 1                            # IDPoor only: 25 in 2026 is no longer youth


def test_participants_page_costs_the_same_queries_for_5_or_25_people(staff_client, tenant, enrolled):
    few = statements_for(staff_client, f"{base(tenant)}/{enrolled.id}")
    more = add_people(tenant, [(f"ឈ្មោះ {n}", f"Extra Person {n}", *PEOPLE[n % 5][2:]) for n in range(20)])
    with tenant_scope(tenant.id):
        for number, person in enumerate(more):
            enrolment = services.enrol(enrolled, person)
            if number % 2:
                services.record_attendance(enrolled.sessions[0], enrolment, True)
        db.session.commit()
    assert statements_for(staff_client, f"{base(tenant)}/{enrolled.id}") == few


def test_change_status_and_remove_an_enrolment(staff_client, tenant, enrolled, people):
    enrolment = enrolments_of(enrolled)[people[1].id]
    page = staff_client.get(f"{base(tenant)}/{enrolled.id}/enrolments/{enrolment.id}").get_data(as_text=True)
    assert "Chan Dara" in page
    response = staff_client.post(f"{base(tenant)}/{enrolled.id}/enrolments/{enrolment.id}/status",
                                 data={"status": "dropped"})
    assert response.status_code == 302
    assert enrolments_of(enrolled)[people[1].id].status is EnrolmentStatus.DROPPED
    assert staff_client.post(f"{base(tenant)}/{enrolled.id}/enrolments/{enrolment.id}/status",
                             data={"status": "graduated"}).status_code == 422
    assert staff_client.post(f"{base(tenant)}/{enrolled.id}/enrolments/{enrolment.id}/remove").status_code == 302
    assert people[1].id not in enrolments_of(enrolled)


def test_someone_with_attendance_cannot_be_removed_only_dropped(staff_client, tenant, enrolled, people):
    enrolment = enrolments_of(enrolled)[people[0].id]
    with tenant_scope(tenant.id):
        services.record_attendance(enrolled.sessions[0], db.session.get(Enrolment, enrolment.id), True)
        db.session.commit()
    response = staff_client.post(f"{base(tenant)}/{enrolled.id}/enrolments/{enrolment.id}/remove")
    assert response.status_code == 422
    assert "mark them as dropped out instead" in response.get_data(as_text=True)
    assert people[0].id in enrolments_of(enrolled)


def test_enrolment_pages_of_another_course_or_tenant_are_not_found(staff_client, tenant, other_tenant, enrolled):
    other = add_course(tenant, title_en="Other course")
    enrolment = next(iter(enrolments_of(enrolled).values()))
    assert staff_client.get(f"{base(tenant)}/{other.id}/enrolments/{enrolment.id}").status_code == 404
    theirs = add_course(other_tenant)
    assert staff_client.post(f"{base(tenant)}/{theirs.id}/enrolments",
                             data={"contact_id": "Sok Sreyny", "status": "registered"}).status_code == 404


def test_viewer_sees_participants_but_cannot_enrol(client, tenant, viewer, enrolled):
    login(client, viewer.email)
    page = client.get(f"{base(tenant)}/{enrolled.id}").get_data(as_text=True)
    assert "Sok Sreyny" in page and "Enrol a person" not in page
    assert client.post(f"{base(tenant)}/{enrolled.id}/enrolments",
                       data={"contact_id": "Sok Sreyny", "status": "registered"}).status_code == 403
    enrolment = next(iter(enrolments_of(enrolled).values()))
    assert client.get(f"{base(tenant)}/{enrolled.id}/enrolments/{enrolment.id}").status_code == 403


def test_close_course_marks_who_met_the_rule_completed(staff_client, tenant, enrolled, people):
    with tenant_scope(tenant.id):
        first, second = enrolled.enrolments[:2]
        for session in enrolled.sessions:
            services.record_attendance(session, first, True)
        services.record_attendance(enrolled.sessions[0], second, True)
        db.session.commit()
    response = staff_client.post(f"{base(tenant)}/{enrolled.id}/close", follow_redirects=True)
    assert "1 participant met the completion rule and is now marked completed." in response.get_data(as_text=True)
    statuses = {contact_id: row.status for contact_id, row in enrolments_of(enrolled).items()}
    assert statuses[first.contact_id] is EnrolmentStatus.COMPLETED
    assert statuses[second.contact_id] is EnrolmentStatus.ATTENDED


def test_contact_page_lists_participation_and_trainer_roles(admin_client, tenant, enrolled, people):
    trainer = make_trainer(tenant, "Pen Sokha", topics="Budget")
    admin_client.post(f"{base(tenant)}/{enrolled.id}/trainers", data={"trainer_id": str(trainer.id),
                                                                       "role": "Lead trainer"})
    body = admin_client.get(f"/t/{tenant.slug}/contacts/{people[0].id}").get_data(as_text=True)
    assert "Participant" in body and "Access to information for commune councils" in body
    body = admin_client.get(f"/t/{tenant.slug}/contacts/{trainer.contact_id}").get_data(as_text=True)
    assert "Trainer" in body and "Access to information for commune councils (Lead trainer)" in body
    with tenant_scope(tenant.id):
        links = contact_links(db.session.get(Contact, trainer.contact_id))
    assert [str(link.role) for link in links] == ["Trainer"]
    assert links[0].review_on_erasure == ("Trainer topics: Budget",)


def test_merging_two_enrolled_contacts_keeps_one_enrolment_per_course(tenant, enrolled, people):
    other = add_course(tenant, title_en="Budget monitoring")
    with tenant_scope(tenant.id):
        services.enrol(other, db.session.get(Contact, people[1].id))
        db.session.commit()
        merge_contacts(db.session.get(Contact, people[0].id), db.session.get(Contact, people[1].id))
        db.session.commit()
        rows = db.session.execute(select(Enrolment.course_id, Enrolment.contact_id).order_by(
            Enrolment.course_id)).all()
    # The course both were in keeps the kept contact's enrolment only; the other moves to it.
    assert [(row.course_id, row.contact_id) for row in rows if row.contact_id in (people[0].id, people[1].id)] == [
        (enrolled.id, people[0].id), (other.id, people[0].id)]
