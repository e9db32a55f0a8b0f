"""Walk-ins on the attendance screen: a new person is added to the contacts register, enrolled as
a walk-in and marked present; a likely duplicate is offered first ("this is <person>" or "a new
person"); the same submission sent twice (an offline queue replayed) adds one person, not two."""
from __future__ import annotations

import uuid

from sqlalchemy import func, select

import pytest

from core.extensions import db
from core.registers.contacts import refresh_match_keys
from core.registers.models import Contact
from core.tenancy import tenant_scope
from plugins.training_registry.models import Enrolment, EnrolmentSource, EnrolmentStatus
from tests.core.registers.institution_factories import make_place
from tests.plugins.training_registry.attendance_helpers import marks, post_batch, screen_url


@pytest.fixture
def people(people, tenant):
    """The shared people, with the match keys the register keeps (they were added directly)."""
    with tenant_scope(tenant.id):
        for person in people:
            refresh_match_keys(db.session.merge(person))
        db.session.commit()
    return people


def walk_in_url(tenant, session_id: int) -> str:
    return screen_url(tenant, session_id) + "/walk-ins"


def walk_in(**fields) -> dict:
    values = {"name_km": "", "name_latin": "Mao Sophal", "sex": "female", "age_group": "18_30", "phone": "012 345 678",
              "commune": "", "client_key": str(uuid.uuid4())}
    values.update(fields)
    return values


def contacts_named(tenant, name_latin: str) -> list[Contact]:
    db.session.expire_all()
    with tenant_scope(tenant.id):
        return list(db.session.scalars(select(Contact).where(Contact.name_latin == name_latin)))


def walk_in_enrolments(tenant, course) -> list[Enrolment]:
    with tenant_scope(tenant.id):
        return list(db.session.scalars(select(Enrolment).where(Enrolment.course_id == course.id,
                                                               Enrolment.source == EnrolmentSource.WALK_IN)))


def test_a_walk_in_without_script_is_added_enrolled_and_marked_present(staff_client, tenant, enrolled):
    session = enrolled.sessions[0]
    commune = make_place("070101", "Kampong Kraeng", "កំពង់ក្រែង")
    fields = walk_in(commune="070101")
    response = staff_client.post(walk_in_url(tenant, session.id), data=fields)
    assert response.status_code == 302
    [person] = contacts_named(tenant, "Mao Sophal")
    assert person.place_id == commune.id and person.sex.value == "female" and person.phone == "012 345 678"
    [enrolment] = walk_in_enrolments(tenant, enrolled)
    assert enrolment.contact_id == person.id and enrolment.client_key == fields["client_key"]
    assert enrolment.status is EnrolmentStatus.ATTENDED
    assert marks(tenant, session.id) == {enrolment.id: True}
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Mao Sophal was added and marked present." in page
    assert "1 of 6 present" in page


def test_a_walk_in_sent_twice_adds_one_person(staff_client, tenant, enrolled):
    session = enrolled.sessions[0]
    fields = walk_in()
    assert staff_client.post(walk_in_url(tenant, session.id), data=fields).status_code == 302
    assert staff_client.post(walk_in_url(tenant, session.id), data=fields).status_code == 302
    assert len(contacts_named(tenant, "Mao Sophal")) == 1
    assert len(walk_in_enrolments(tenant, enrolled)) == 1


def test_an_offline_walk_in_replayed_in_a_batch_adds_one_person(staff_client, tenant, enrolled):
    session = enrolled.sessions[0]
    item = walk_in(name_km="ម៉ៅ សុផល")
    first = post_batch(staff_client, tenant, session.id, walk_ins=[item])
    again = post_batch(staff_client, tenant, session.id, walk_ins=[item])
    assert first.status_code == again.status_code == 200
    outcome = first.get_json()["walk_ins"][item["client_key"]]
    assert outcome["status"] == "saved" and outcome["present"] is True
    assert outcome["name"] == "Mao Sophal / ម៉ៅ សុផល"
    assert again.get_json()["walk_ins"][item["client_key"]]["enrolment_id"] == outcome["enrolment_id"]
    assert again.get_json()["present"] == 1 and again.get_json()["enrolled"] == 6
    assert len(contacts_named(tenant, "Mao Sophal")) == 1
    assert len(walk_in_enrolments(tenant, enrolled)) == 1


def test_a_likely_duplicate_is_offered_before_anyone_is_added(staff_client, tenant, enrolled, people):
    session = enrolled.sessions[0]
    with tenant_scope(tenant.id):
        chan_dara = db.session.merge(people[1])
        chan_dara.phone = "012 999 888"
        refresh_match_keys(chan_dara)
        db.session.commit()
    fields = walk_in(name_latin="Chan Dara", name_km="", phone="012999888", sex="male", age_group="31_59")
    response = staff_client.post(walk_in_url(tenant, session.id), data=fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "These people are already in the register" in html
    assert f'name="contact_id" value="{people[1].id}"' in html and "This is Chan Dara" in html
    assert "Same name in Latin script, Same phone" in html
    assert len(contacts_named(tenant, "Chan Dara")) == 1 and walk_in_enrolments(tenant, enrolled) == []
    # "A new person": a second Chan Dara is added.
    response = staff_client.post(walk_in_url(tenant, session.id), data={**fields, "confirm_new": "1"})
    assert response.status_code == 302
    assert len(contacts_named(tenant, "Chan Dara")) == 2


def test_choosing_the_person_offered_enrols_that_contact(staff_client, tenant, course, people):
    session = course.sessions[0]
    fields = walk_in(name_latin="Keo Mealea", phone="")
    assert "This is Keo Mealea" in staff_client.post(walk_in_url(tenant, session.id), data=fields).get_data(as_text=True)
    response = staff_client.post(walk_in_url(tenant, session.id), data={**fields, "contact_id": people[2].id})
    assert response.status_code == 302
    assert len(contacts_named(tenant, "Keo Mealea")) == 1
    [enrolment] = walk_in_enrolments(tenant, course)
    assert enrolment.contact_id == people[2].id
    assert marks(tenant, session.id) == {enrolment.id: True}


def test_a_protected_person_is_never_offered_to_staff(staff_client, tenant, course, people):
    session = course.sessions[0]
    matches = staff_client.get(walk_in_url(tenant, session.id) + "/matches?name_latin=Sean+Pisey").get_json()
    assert matches == {"matches": []}
    fields = walk_in(name_latin="Sean Pisey", phone="")
    response = staff_client.post(walk_in_url(tenant, session.id), data=fields)
    assert response.status_code == 302          # nothing to offer: a new person is added
    # Nor can a protected person be chosen by their id.
    other = walk_in(name_latin="Someone Else", contact_id=people[4].id)
    response = staff_client.post(walk_in_url(tenant, session.id), data=other)
    assert response.status_code == 422
    assert "Choose one of the people offered" in response.get_data(as_text=True)


def test_possible_matches_while_typing(staff_client, tenant, course, people):
    session = course.sessions[0]
    response = staff_client.get(walk_in_url(tenant, session.id) + "/matches?name_latin=chan+dara")
    assert response.status_code == 200
    [match] = response.get_json()["matches"]
    assert match["id"] == people[1].id and match["name"] == "Chan Dara / ចាន់ ដារា"
    assert "Same name" in match["reasons"] or "Same name in Latin script" in match["reasons"]
    assert staff_client.get(walk_in_url(tenant, session.id) + "/matches?name_latin=nobody").get_json() == {"matches": []}


def test_a_batch_walk_in_with_a_likely_duplicate_asks_and_keeps_nothing(staff_client, tenant, course, people):
    session = course.sessions[0]
    item = walk_in(name_latin="Heng Vichet", phone="")
    response = post_batch(staff_client, tenant, session.id, walk_ins=[item])
    outcome = response.get_json()["walk_ins"][item["client_key"]]
    assert outcome["status"] == "choose" and outcome["candidates"][0]["id"] == people[3].id
    assert walk_in_enrolments(tenant, course) == []
    chosen = post_batch(staff_client, tenant, session.id, walk_ins=[{**item, "contact_id": people[3].id}])
    assert chosen.get_json()["walk_ins"][item["client_key"]]["status"] == "saved"
    assert len(contacts_named(tenant, "Heng Vichet")) == 1


def test_a_walk_in_without_a_name_is_refused_with_a_clear_message(staff_client, tenant, course):
    session = course.sessions[0]
    response = staff_client.post(walk_in_url(tenant, session.id), data=walk_in(name_latin="", name_km=""))
    assert response.status_code == 422
    assert "Give a name in Khmer or in Latin script." in response.get_data(as_text=True)
    bad_phone = walk_in(phone="12")
    response = staff_client.post(walk_in_url(tenant, session.id), data=bad_phone)
    assert response.status_code == 422
    assert "Give a phone number with at least 6 digits." in response.get_data(as_text=True)
    item = walk_in(name_latin="", commune="nowhere at all")
    outcome = post_batch(staff_client, tenant, session.id, walk_ins=[item]).get_json()["walk_ins"][item["client_key"]]
    assert outcome["status"] == "invalid", outcome
    assert outcome["errors"]["name_latin"] == ["Give a name in Khmer or in Latin script."]
    assert outcome["errors"]["commune"] == ["No place matches “nowhere at all”. Type a code or part of a name."]
    with tenant_scope(tenant.id):
        assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 0


def test_a_walk_in_key_of_another_course_is_refused(staff_client, tenant, enrolled):
    from tests.plugins.training_registry.conftest import add_course
    other = add_course(tenant, title_en="Another course")
    fields = walk_in()
    assert staff_client.post(walk_in_url(tenant, enrolled.sessions[0].id), data=fields).status_code == 302
    response = staff_client.post(walk_in_url(tenant, other.sessions[0].id), data=fields)
    assert response.status_code == 422
    assert "This walk-in was already added to another course." in response.get_data(as_text=True)
    assert walk_in_enrolments(tenant, other) == []
