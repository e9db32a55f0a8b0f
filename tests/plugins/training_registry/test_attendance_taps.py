"""Taking attendance on the session screen: one tap per person without JavaScript (a small form
that comes back to the screen), the script's JSON batches (the same batch twice counts once),
refusals for people outside the course, tenant isolation and a flat query count."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.training_registry import services
from plugins.training_registry.models import Enrolment, EnrolmentStatus
from tests.helpers import login, make_member, statements_for
from tests.plugins.training_registry.attendance_helpers import (attendance_rows, enrolment_ids, marks, post_batch,
                                                                screen_url, tap)
from tests.plugins.training_registry.conftest import PEOPLE, add_course, add_people


def test_screen_shows_course_date_count_and_each_person(staff_client, tenant, enrolled):
    session = enrolled.sessions[0]
    response = staff_client.get(screen_url(tenant, session.id))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Access to information for commune councils" in html
    assert "Monday, March 2, 2026" in html
    assert "0 of 5 present" in html
    assert "Sok Sreyny" in html and "Chan Dara" in html
    # The protected person is on the list, under a stand-in name only.
    protected_id = enrolled.enrolments[4].contact_id
    assert "Sean Pisey" not in html and f"Protected person #{protected_id}" in html
    assert html.count('class="att-person"') == 5
    assert "attendance.js" in html and "<script>" not in html     # external script only (strict CSP)


def test_tap_without_script_marks_present_and_comes_back_to_the_person(staff_client, tenant, enrolled):
    session = enrolled.sessions[0]
    first = enrolment_ids(tenant, enrolled)[0]
    response = staff_client.post(screen_url(tenant, session.id), data={"enrolment_id": first, "present": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{screen_url(tenant, session.id)}#p{first}")
    assert marks(tenant, session.id) == {first: True}
    html = staff_client.get(screen_url(tenant, session.id)).get_data(as_text=True)
    assert "1 of 5 present" in html
    # Tapping again says "not here" (the form now carries present=0).
    assert f'name="enrolment_id" value="{first}">\n    <input type="hidden" name="present" value="0">' in html
    staff_client.post(screen_url(tenant, session.id), data={"enrolment_id": first, "present": "0"})
    assert marks(tenant, session.id) == {first: False}
    with tenant_scope(tenant.id):
        assert db.session.get(Enrolment, first).status is EnrolmentStatus.ATTENDED


def test_the_same_batch_sent_twice_counts_once(staff_client, tenant, enrolled):
    session = enrolled.sessions[1]
    ids = enrolment_ids(tenant, enrolled)
    batch = [tap(ids[0]), tap(ids[1]), tap(ids[2]), tap(ids[2], False, key="later")]
    first = post_batch(staff_client, tenant, session.id, batch)
    second = post_batch(staff_client, tenant, session.id, batch)
    assert first.status_code == second.status_code == 200
    assert first.get_json()["present"] == second.get_json()["present"] == 2
    assert second.get_json()["enrolled"] == 5
    assert second.get_json()["marks"] == {str(ids[0]): True, str(ids[1]): True, str(ids[2]): False}
    assert attendance_rows(tenant, session.id) == 3
    assert services.completions(enrolled)[ids[0]].attended == 1


def test_a_batch_naming_someone_outside_the_course_is_refused_and_saves_nothing(staff_client, tenant, enrolled):
    session = enrolled.sessions[0]
    other_course = add_course(tenant, title_en="Budget monitoring", title_km="")
    outsider = add_people(tenant, [("", "Outside Person", PEOPLE[0][2], 1990, PEOPLE[0][4], None, None, False)])[0]
    with tenant_scope(tenant.id):
        elsewhere = services.enrol(other_course, outsider).id
        db.session.commit()
    ids = enrolment_ids(tenant, enrolled)
    response = post_batch(staff_client, tenant, session.id, [tap(ids[0], key="ok"), tap(elsewhere, key="bad")])
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["refused"] == ["bad"]
    assert body["detail"] == "This person is not enrolled in the session's course."
    assert marks(tenant, session.id) == {}


def test_a_tap_for_someone_not_enrolled_is_refused_with_a_clear_message(staff_client, tenant, enrolled):
    session = enrolled.sessions[0]
    response = staff_client.post(screen_url(tenant, session.id), data={"enrolment_id": 999999, "present": "1"})
    assert response.status_code == 422
    assert "This person is not enrolled in the session&#39;s course." in response.get_data(as_text=True)
    assert marks(tenant, session.id) == {}


def test_a_tap_that_is_not_understood_is_refused(staff_client, tenant, enrolled):
    session = enrolled.sessions[0]
    response = staff_client.post(screen_url(tenant, session.id), data={"enrolment_id": "x", "present": "yes"})
    assert response.status_code == 422
    assert "This tap was not understood" in response.get_data(as_text=True)
    bad = staff_client.post(screen_url(tenant, session.id) + "/sync", data="not json", content_type="application/json")
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"
    assert post_batch(staff_client, tenant, session.id, [{"enrolment_id": "1", "present": 1}]).status_code == 400


def test_dropped_people_are_listed_apart_and_cannot_be_marked_present(staff_client, tenant, enrolled):
    session = enrolled.sessions[0]
    dropped = enrolment_ids(tenant, enrolled)[1]
    with tenant_scope(tenant.id):
        db.session.get(Enrolment, dropped).status = EnrolmentStatus.DROPPED
        db.session.commit()
    html = staff_client.get(screen_url(tenant, session.id)).get_data(as_text=True)
    assert "0 of 4 present" in html
    assert "Dropped out of the course" in html
    assert f'data-enrolment="{dropped}"' not in html and "Chan Dara" in html
    response = post_batch(staff_client, tenant, session.id, [tap(dropped, key="dropped")])
    assert response.status_code == 422 and response.get_json()["refused"] == ["dropped"]
    assert "dropped out of the course" in response.get_json()["detail"]
    assert marks(tenant, session.id) == {}


def test_a_session_that_does_not_exist_is_not_found(staff_client, tenant, enrolled):
    assert staff_client.get(screen_url(tenant, 999999)).status_code == 404
    assert staff_client.post(screen_url(tenant, 999999), data={"enrolment_id": 1, "present": "1"}).status_code == 404
    missing = post_batch(staff_client, tenant, 999999, [tap(1)])
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"


def test_another_organisations_session_is_not_found(client, tenant, other_tenant, enrolled):
    session = enrolled.sessions[0]
    first = enrolment_ids(tenant, enrolled)[0]
    outsider = make_member(other_tenant, Role.STAFF)
    login(client, outsider.email)
    assert client.get(screen_url(other_tenant, session.id)).status_code == 404
    assert client.post(screen_url(other_tenant, session.id),
                       data={"enrolment_id": first, "present": "1"}).status_code == 404
    assert post_batch(client, other_tenant, session.id, [tap(first)]).status_code == 404
    assert client.get(screen_url(tenant, session.id)).status_code == 404      # not a member there
    assert marks(tenant, session.id) == {}


def test_a_session_of_another_tenant_cannot_take_its_people(client, tenant, other_tenant, enrolled):
    """An enrolment id of another organisation sent to one's own session is simply not enrolled."""
    theirs = enrolment_ids(tenant, enrolled)[0]
    own_course = add_course(other_tenant, title_en="Own course")
    outsider = make_member(other_tenant, Role.STAFF)
    login(client, outsider.email)
    response = post_batch(client, other_tenant, own_course.sessions[0].id, [tap(theirs, key="theirs")])
    assert response.status_code == 422 and response.get_json()["refused"] == ["theirs"]
    assert marks(tenant, enrolled.sessions[0].id) == {}


def test_a_viewer_sees_the_screen_but_cannot_tap(client, tenant, enrolled, viewer):
    session = enrolled.sessions[0]
    login(client, viewer.email)
    response = client.get(screen_url(tenant, session.id))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Sok Sreyny" in html
    assert "att-tap" not in html and "walk-in-form" not in html and "attendance.js" not in html
    first = enrolment_ids(tenant, enrolled)[0]
    assert client.post(screen_url(tenant, session.id), data={"enrolment_id": first, "present": "1"}).status_code == 403
    assert post_batch(client, tenant, session.id, [tap(first)]).status_code == 403
    assert marks(tenant, session.id) == {}


def test_the_screen_costs_the_same_queries_for_5_and_40_people(staff_client, tenant):
    small = add_course(tenant, title_en="Small group", starts_on=date(2026, 4, 1))
    large = add_course(tenant, title_en="Large group", starts_on=date(2026, 5, 1))
    people = add_people(tenant, [(f"មនុស្ស {n}", f"Person {n}", *PEOPLE[n % 5][2:]) for n in range(40)])
    with tenant_scope(tenant.id):
        for person in people[:5]:
            services.enrol(small, person)
        for person in people:
            services.enrol(large, person)
        db.session.commit()
        large_first = large.sessions[0].id
        ids = list(db.session.scalars(select(Enrolment.id).where(Enrolment.course_id == large.id)))
    post_batch(staff_client, tenant, large_first, [tap(ids[n]) for n in range(0, 40, 2)])
    staff_client.get(screen_url(tenant, small.sessions[0].id))        # warm caches (nav, plugin switches)
    few = statements_for(staff_client, screen_url(tenant, small.sessions[0].id))
    many = statements_for(staff_client, screen_url(tenant, large_first))
    assert few == many
    assert "20 of 40 present" in staff_client.get(screen_url(tenant, large_first)).get_data(as_text=True)
