"""Sessions on the course page: added (at the course's place by default), edited and deleted; inside
the course's dates, ending after they start, with places above 0; a warning (never a refusal) on a
public holiday or a closure day of the organisation, but not on a Saturday."""
from __future__ import annotations

from datetime import date, time

from sqlalchemy import func, select

from core.extensions import db
from core.registers.models import ClosureDay
from core.tenancy import tenant_scope
from plugins.training_registry import services
from plugins.training_registry.models import Course, TrainingSession
from tests.plugins.training_registry.conftest import add_course
from tests.plugins.training_registry.course_helpers import base, make_place


def april_course(tenant, place=None) -> Course:
    """A course from Monday 6 to Monday 20 April 2026 (Khmer New Year inside) with one session."""
    course = add_course(tenant, title_en="Youth and A2I", starts_on=date(2026, 4, 6), days=1)
    with tenant_scope(tenant.id):
        course = db.session.get(Course, course.id)
        course.ends_on = date(2026, 4, 20)
        course.place_id = place.id if place else None
        db.session.commit()
    return course


def session_form(**overrides) -> dict:
    data = {"title": "Day 2: requests", "starts_on": "2026-04-07", "start_time": "08:30", "end_time": "16:30",
            "place_id": "", "venue": "Commune hall", "mode": "in_person", "capacity": "25"}
    data.update(overrides)
    return data


def sessions_of(course) -> list[TrainingSession]:
    db.session.expire_all()
    return list(db.session.scalars(select(TrainingSession).where(TrainingSession.course_id == course.id)
                                   .order_by(TrainingSession.starts_on)))


def test_new_session_starts_at_the_courses_place_and_is_listed(staff_client, tenant):
    kampot = make_place("07", "Kampot")
    course = april_course(tenant, kampot)
    form = staff_client.get(f"{base(tenant)}/{course.id}/sessions/new").get_data(as_text=True)
    assert 'value="07 Kampot' in form and 'value="2026-04-06"' in form
    response = staff_client.post(f"{base(tenant)}/{course.id}/sessions/new",
                                 data=session_form(place_id="07", is_mandatory="y"))
    assert response.status_code == 302 and response.headers["Location"].endswith("#sessions")
    added = sessions_of(course)[1]
    assert (added.place_id, added.start_time, added.capacity, added.is_mandatory) == (
        kampot.id, time(8, 30), 25, True)
    page = staff_client.get(f"{base(tenant)}/{course.id}").get_data(as_text=True)
    assert "Day 2: requests" in page and "08:30–16:30" in page and "Mandatory" in page and "25 places" in page


def test_session_rules_give_form_errors_and_save_nothing(staff_client, tenant):
    course = april_course(tenant)
    url = f"{base(tenant)}/{course.id}/sessions/new"
    cases = [({"starts_on": "2026-04-21"}, "The session must be between the course&#39;s first and last day."),
             ({"end_time": "08:00"}, "The session must end after it starts."),
             ({"capacity": "0"}, 'id="capacity-error"'),
             ({"starts_on": ""}, 'id="starts_on-error"'),
             ({"mode": "by_pigeon"}, 'id="mode-error"'),
             ({"place_id": "Atlantis"}, "No place matches")]
    for change, message in cases:
        response = staff_client.post(url, data=session_form(**change))
        assert response.status_code == 422, change
        assert message in response.get_data(as_text=True), change
    assert len(sessions_of(course)) == 1


def test_holiday_and_closure_day_warn_but_saturday_does_not(staff_client, tenant):
    course = april_course(tenant)
    with tenant_scope(tenant.id):
        db.session.add(ClosureDay(tenant_id=tenant.id, day=date(2026, 4, 17), label="Staff retreat"))
        db.session.commit()
    url = f"{base(tenant)}/{course.id}/sessions/new"
    saturday = staff_client.post(url, data=session_form(starts_on="2026-04-11"), follow_redirects=True)
    assert saturday.status_code == 200 and "Saved, but note" not in saturday.get_data(as_text=True)
    holiday = staff_client.post(url, data=session_form(starts_on="2026-04-14"), follow_redirects=True)
    body = holiday.get_data(as_text=True)
    assert "Saved, but note: Tuesday, April 14, 2026 is a public holiday: Khmer New Year" in body
    closure = staff_client.post(url, data=session_form(starts_on="2026-04-17"), follow_redirects=True)
    assert "Friday, April 17, 2026 is a closure day of your organisation: Staff retreat." in closure.get_data(
        as_text=True)
    assert len(sessions_of(course)) == 4          # saved all the same
    page = staff_client.get(f"{base(tenant)}/{course.id}").get_data(as_text=True)
    assert page.count("is a public holiday") == 1 and page.count("is a closure day") == 1
    assert "weekend" not in page


def test_edit_and_delete_a_session(staff_client, tenant):
    course = april_course(tenant)
    session = sessions_of(course)[0]
    url = f"{base(tenant)}/{course.id}/sessions/{session.id}/edit"
    assert 'value="Commune hall"' in staff_client.get(url).get_data(as_text=True)
    response = staff_client.post(url, data=session_form(starts_on="2026-04-15", title="Moved", mode="online"),
                                 follow_redirects=True)
    assert "is a public holiday" in response.get_data(as_text=True)
    session = sessions_of(course)[0]
    assert (session.title, session.starts_on, session.mode.value) == ("Moved", date(2026, 4, 15), "online")
    assert staff_client.post(f"{base(tenant)}/{course.id}/sessions/{session.id}/delete").status_code == 302
    assert sessions_of(course) == []


def test_a_session_with_attendance_cannot_be_deleted(staff_client, tenant, enrolled):
    with tenant_scope(tenant.id):
        services.record_attendance(enrolled.sessions[0], enrolled.enrolments[0], True)
        db.session.commit()
    session_id = enrolled.sessions[0].id
    response = staff_client.post(f"{base(tenant)}/{enrolled.id}/sessions/{session_id}/delete", follow_redirects=True)
    assert "Attendance was taken at this session" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(TrainingSession.id)).where(TrainingSession.id == session_id)) == 1


def test_another_courses_session_is_not_found(staff_client, tenant, other_tenant):
    mine, other = april_course(tenant), add_course(tenant, title_en="Other course")
    theirs = add_course(other_tenant)
    other_session = sessions_of(other)[0]
    assert staff_client.get(f"{base(tenant)}/{mine.id}/sessions/{other_session.id}/edit").status_code == 404
    assert staff_client.post(f"{base(tenant)}/{mine.id}/sessions/{other_session.id}/delete").status_code == 404
    their_session = sessions_of(theirs)[0]
    assert staff_client.get(f"{base(tenant)}/{theirs.id}/sessions/{their_session.id}/edit").status_code == 404


def test_capacity_warning_when_more_people_are_enrolled_than_the_smallest_session_holds(staff_client, tenant,
                                                                                        enrolled):
    assert "smallest session" not in staff_client.get(f"{base(tenant)}/{enrolled.id}").get_data(as_text=True)
    with tenant_scope(tenant.id):
        db.session.get(TrainingSession, enrolled.sessions[1].id).capacity = 4
        db.session.commit()
    page = staff_client.get(f"{base(tenant)}/{enrolled.id}").get_data(as_text=True)
    assert "5 people are enrolled but the smallest session has 4 places." in page
