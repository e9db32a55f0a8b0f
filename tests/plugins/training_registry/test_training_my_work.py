""""My work" of the training registry: the sessions of the coming week and the past month's
sessions with participants but no attendance recorded, for those who may take attendance; never
another tenant's sessions."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from flask import current_app, g
from sqlalchemy import select

from core.extensions import db
from core.models import Membership, Role
from core.tenancy import tenant_scope
from plugins.training_registry import services
from plugins.training_registry.my_work import my_work
from plugins.training_registry.reports import tenant_today
from tests.helpers import make_member
from tests.plugins.training_registry.conftest import add_course, add_people


@contextmanager
def as_member(tenant, user):
    """A request of `user` in `tenant`, as the dashboard would make it."""
    with current_app.test_request_context(f"/t/{tenant.slug}/"):
        g.tenant = tenant
        g.membership = db.session.execute(select(Membership).where(
            Membership.user_id == user.id, Membership.tenant_id == tenant.id)).scalar_one()
        yield


def enrol_all(tenant, course, people, attended_first_day=False):
    with tenant_scope(tenant.id):
        for person in people:
            enrolment = services.enrol(course, person)
            if attended_first_day:
                services.record_attendance(course.sessions[0], enrolment, True)
        db.session.commit()


def build(tenant, other_tenant):
    today = tenant_today(tenant)
    people = add_people(tenant)
    recorded_once = add_course(tenant, title_en="Budget monitoring", starts_on=today - timedelta(days=10))
    enrol_all(tenant, recorded_once, people, attended_first_day=True)        # days 2 and 3 not recorded
    too_old = add_course(tenant, title_en="Old course", starts_on=today - timedelta(days=40))
    enrol_all(tenant, too_old, people)
    add_course(tenant, title_en="Nobody enrolled", starts_on=today - timedelta(days=5))
    add_course(tenant, title_en="Coming course", starts_on=today + timedelta(days=2), days=2)
    add_course(tenant, title_en="Later course", starts_on=today + timedelta(days=10))
    add_course(other_tenant, title_en="Their course", starts_on=today + timedelta(days=1))
    theirs = add_course(other_tenant, title_en="Their past course", starts_on=today - timedelta(days=3))
    enrol_all(other_tenant, theirs, add_people(other_tenant))
    return today


def test_staff_see_unrecorded_sessions_first_then_the_coming_week(tenant, other_tenant, staff):
    today = build(tenant, other_tenant)
    with as_member(tenant, staff):
        items = my_work(tenant, staff)
    assert [(item.title, item.due_on, item.note) for item in items] == [
        ("Day 2 · Budget monitoring", today - timedelta(days=9), "No attendance recorded"),
        ("Day 3 · Budget monitoring", today - timedelta(days=8), "No attendance recorded"),
        ("Day 1 · Coming course", today + timedelta(days=2), "Coming session"),
        ("Day 2 · Coming course", today + timedelta(days=3), "Coming session"),
    ]
    assert all(str(item.kind) == "Training session" for item in items)


def test_the_hook_lists_them_and_each_link_opens_the_attendance_page(tenant, other_tenant, staff, staff_client):
    build(tenant, other_tenant)
    with as_member(tenant, staff):
        items = [item for item in current_app.extensions["samaki"].collect("samaki_my_work", tenant, user=staff)
                 if str(item.kind) == "Training session"]
    assert len(items) == 4
    for item in items:
        assert item.url.startswith(f"/t/{tenant.slug}/training/sessions/")
        assert staff_client.get(item.url).status_code == 200


def test_another_tenants_sessions_are_not_listed(tenant, other_tenant):
    build(tenant, other_tenant)
    theirs = make_member(other_tenant, Role.STAFF)
    with as_member(other_tenant, theirs):
        titles = [item.title for item in my_work(other_tenant, theirs)]
    assert titles == ["Day 1 · Their past course", "Day 2 · Their past course", "Day 3 · Their past course",
                      "Day 1 · Their course", "Day 2 · Their course", "Day 3 · Their course"]


def test_a_viewer_who_cannot_take_attendance_gets_nothing(tenant, other_tenant, viewer):
    build(tenant, other_tenant)
    with as_member(tenant, viewer):
        assert my_work(tenant, viewer) == []


def test_at_most_ten_items(tenant, other_tenant, staff):
    today = tenant_today(tenant)
    for number in range(4):
        add_course(tenant, title_en=f"Course {number}", starts_on=today + timedelta(days=number), days=4)
    with as_member(tenant, staff):
        items = my_work(tenant, staff)
    assert len(items) == 10
    assert [item.due_on for item in items] == sorted(item.due_on for item in items)
