""""My work": the open requests assigned to a user that are overdue or due within a week, soonest first."""
from __future__ import annotations

from datetime import timedelta

import pytest

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.a2i_requests import services
from plugins.a2i_requests.models import RequestStatus
from tests.helpers import make_member

S = RequestStatus


@pytest.fixture
def today(tenant):
    return services.tenant_today(tenant.id)


def assigned(tenant, actor, body, assignee, subject: str, due_in_days: int | None, status=S.SUBMITTED):
    """A request assigned to `assignee`, submitted today, then given the due date the test needs."""
    today = services.tenant_today(tenant.id)
    with tenant_scope(tenant.id):
        req = services.create_request(tenant.id, subject=subject, question="Please share it.", body_id=body.id,
                                      actor=actor, assignee_id=assignee.id if assignee else None)
        if status != S.DRAFT:
            services.transition(req, S.SUBMITTED, actor=actor, on=today)
        if status not in (S.DRAFT, S.SUBMITTED):
            services.transition(req, status, actor=actor, on=today, **(
                {"disclosed_summary": "All of it"} if status == S.ANSWERED_FULL else {}))
        req.due_on = None if due_in_days is None else today + timedelta(days=due_in_days)
        db.session.commit()
        return req


def my_work(app, tenant, user):
    return app.extensions["samaki"].collect("samaki_my_work", tenant, user=user)


def test_my_work_lists_my_overdue_and_soon_due_requests_soonest_first(app, tenant, staff, ministry, today):
    colleague = make_member(tenant, Role.STAFF, email="colleague@example.org")
    late = assigned(tenant, staff, ministry, staff, "Commune budget 2025", -20)
    due_today = assigned(tenant, staff, ministry, staff, "School repairs", 0)
    due_soon = assigned(tenant, staff, ministry, staff, "Road contracts", 6)
    assigned(tenant, staff, ministry, staff, "Far away", 8)                           # not within a week
    assigned(tenant, staff, ministry, colleague, "Someone else's", -3)                 # not mine
    assigned(tenant, staff, ministry, None, "Nobody's", -3)                            # not assigned
    assigned(tenant, staff, ministry, staff, "Answered", -3, status=S.ANSWERED_FULL)  # no longer open
    assigned(tenant, staff, ministry, staff, "Draft", -3, status=S.DRAFT)             # not sent yet

    items = my_work(app, tenant, staff)

    assert [item.title for item in items] == [f"{late.reference} · Commune budget 2025",
                                              f"{due_today.reference} · School repairs",
                                              f"{due_soon.reference} · Road contracts"]
    assert [item.due_on for item in items] == [late.due_on, due_today.due_on, due_soon.due_on]
    assert items[0].note.startswith("Overdue by ") and items[0].note.endswith(" working days")
    assert items[1].note == "Reply due today"
    assert items[2].note.startswith("Reply due in ")
    assert str(items[0].kind) == "Information request"
    assert items[0].url == f"/t/{tenant.slug}/a2i/requests/{late.id}"


def test_my_work_is_at_most_ten_requests(app, tenant, staff, ministry):
    for number in range(12):
        assigned(tenant, staff, ministry, staff, f"Request {number}", -number)
    items = my_work(app, tenant, staff)
    assert len(items) == 10
    assert items[0].title.endswith("Request 11")   # the most overdue first


def test_my_work_is_empty_for_a_user_without_requests(app, tenant, staff, viewer, ministry):
    assigned(tenant, staff, ministry, staff, "Mine", 1)
    assert my_work(app, tenant, viewer) == []


def test_my_work_is_empty_in_a_tenant_that_switched_the_module_off(app, tenant, staff, ministry):
    from core.models import TenantPlugin
    assigned(tenant, staff, ministry, staff, "Mine", 1)
    db.session.add(TenantPlugin(tenant_id=tenant.id, plugin="a2i_requests", enabled=False))
    db.session.commit()
    db.session.refresh(tenant)
    assert my_work(app, tenant, staff) == []


def test_the_linked_request_opens_for_the_assignee(app, staff_client, tenant, staff, ministry):
    assigned(tenant, staff, ministry, staff, "Commune budget 2025", -1)
    item = my_work(app, tenant, staff)[0]
    page = staff_client.get(item.url)
    assert page.status_code == 200 and "Commune budget 2025" in page.text
