"""Due-soon and overdue reminders reach the assignee once per deadline, through the job runner."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import select

from core.extensions import db
from core.jobs import run_due
from core.models import Notification
from core.tenancy import tenant_scope
from plugins.a2i_requests import services
from plugins.a2i_requests.models import RequestStatus
from plugins.a2i_requests.reminders import send_reminders
from tests.helpers import make_member

# Monday 23 November 2026, 09:00 in Phnom Penh (the Water Festival runs 23–25 November).
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)



def submitted_on(tenant, staff, ministry, day: date, subject: str):
    with tenant_scope(tenant.id):
        req = services.create_request(tenant.id, subject=subject, question="?", body_id=ministry.id, actor=staff)
        services.transition(req, RequestStatus.SUBMITTED, actor=staff, on=day)
        db.session.commit()
        return req


def messages_for(user) -> list[str]:
    return [n.message % n.params for n in db.session.execute(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)).scalars()]


def test_assignee_is_told_about_overdue_and_due_soon_requests_once(tenant, staff, ministry):
    overdue = submitted_on(tenant, staff, ministry, date(2026, 11, 2), "Road budget")        # due 9 November
    soon = submitted_on(tenant, staff, ministry, date(2026, 11, 16), "School fund")          # due 26 November
    later = submitted_on(tenant, staff, ministry, date(2026, 11, 20), "Health centre fees")  # due after the holidays
    assert send_reminders(NOW) == 2
    texts = messages_for(staff)
    assert any(overdue.reference in t and "overdue" in t for t in texts)
    assert any(soon.reference in t and "due on 2026-11-26" in t for t in texts)
    assert not any(later.reference in t for t in texts)
    assert send_reminders(NOW) == 0          # the next day's run does not repeat them


def test_nobody_is_reminded_for_a_switched_off_module(tenant, staff, ministry):
    from core.admin.services import set_plugin_enabled
    submitted_on(tenant, staff, ministry, date(2026, 11, 2), "Road budget")
    set_plugin_enabled(tenant, "a2i_requests", False)
    db.session.commit()
    assert send_reminders(NOW) == 0


def test_reminders_run_as_a_scheduled_job(tenant, staff, ministry):
    submitted_on(tenant, staff, ministry, date(2026, 11, 2), "Road budget")
    assert "a2i.reminders" in run_due(NOW)
    assert len(messages_for(staff)) == 1


def test_reminders_go_to_the_assignee_not_other_members(tenant, staff, ministry):
    colleague = make_member(tenant, "staff", email="colleague@a.example")
    submitted_on(tenant, staff, ministry, date(2026, 11, 2), "Road budget")
    send_reminders(NOW)
    assert messages_for(colleague) == [] and len(messages_for(staff)) == 1
