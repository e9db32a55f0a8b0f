"""Deadline reminders: the owner is told 7 and 2 working days before the submission deadline
(Friday 20 March 2026: Wednesday 11 and Wednesday 18 March), each reminder once, through the core
notifications; a moved deadline starts them again; closed and owner-less opportunities are quiet."""
from __future__ import annotations

from datetime import date, datetime, UTC

from sqlalchemy import select

from core.extensions import db
from core.jobs import registered_jobs
from core.models import Notification
from core.notifications import render
from core.tenancy import tenant_scope
from plugins.consulting_crm import reminders
from plugins.consulting_crm.models import ConsultingSettings, Opportunity
from tests.helpers import make_member
from tests.plugins.consulting_crm.conftest import add_opportunity, switch_off

DEADLINE = date(2026, 3, 20)


def at(day: date) -> datetime:
    """08:00 in Phnom Penh on `day`."""
    return datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)


def owned(tenant, owner, title="EU call: access to information in 20 districts", **fields) -> Opportunity:
    opportunity = add_opportunity(tenant, title, submission_due_on=DEADLINE, **fields)
    with tenant_scope(tenant.id):
        db.session.get(Opportunity, opportunity.id).owner_id = owner.id
        db.session.commit()
    return opportunity


def notes(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def test_the_job_is_registered_daily(app):
    job = registered_jobs()["consulting.deadline_reminders"]
    assert job.every.days == 1 and job.function is reminders.send_reminders


def test_the_owner_is_reminded_7_and_2_working_days_before_once_each(tenant, staff):
    opportunity = owned(tenant, staff)
    assert reminders.send_reminders(at(date(2026, 3, 10))) == 0          # 8 working days before
    assert reminders.send_reminders(at(date(2026, 3, 11))) == 1          # 7 working days before
    assert reminders.send_reminders(at(date(2026, 3, 11))) == 0          # not twice
    assert reminders.send_reminders(at(date(2026, 3, 12))) == 0
    assert reminders.send_reminders(at(date(2026, 3, 17))) == 0          # 3 working days before
    assert reminders.send_reminders(at(date(2026, 3, 18))) == 1          # 2 working days before
    assert reminders.send_reminders(at(date(2026, 3, 19))) == 0
    sent = notes(staff)
    text = "The submission deadline of EU call: access to information in 20 districts is 2026-03-20 "
    assert [render(note) for note in sent] == [text + "(working days left: 7).", text + "(working days left: 2)."]
    assert sent[0].url == f"/t/{tenant.slug}/consulting/opportunities/{opportunity.id}"


def test_a_late_runner_sends_only_the_nearest_reminder(tenant, staff):
    owned(tenant, staff)
    assert reminders.send_reminders(at(date(2026, 3, 19))) == 1
    assert reminders.send_reminders(at(date(2026, 3, 19))) == 0
    assert "working days left: 1" in render(notes(staff)[0]) and len(notes(staff)) == 1


def test_a_moved_deadline_starts_the_reminders_again(tenant, staff):
    opportunity = owned(tenant, staff)
    assert reminders.send_reminders(at(date(2026, 3, 11))) == 1
    with tenant_scope(tenant.id):
        db.session.get(Opportunity, opportunity.id).submission_due_on = date(2026, 3, 27)
        db.session.commit()
    assert reminders.send_reminders(at(date(2026, 3, 18))) == 1          # 7 working days before the 27th
    assert "2026-03-27" in render(notes(staff)[-1])


def test_the_tenants_own_reminder_days_are_used(tenant, staff):
    owned(tenant, staff)
    with tenant_scope(tenant.id):
        db.session.add(ConsultingSettings(tenant_id=tenant.id, reminder_days="3"))
        db.session.commit()
    assert reminders.send_reminders(at(date(2026, 3, 11))) == 0
    assert reminders.send_reminders(at(date(2026, 3, 17))) == 1


def test_closed_unowned_and_switched_off_opportunities_are_quiet(tenant, other_tenant, staff, admin_user):
    owned(tenant, staff, "Already won", code="won")
    add_opportunity(tenant, "Nobody's", submission_due_on=DEADLINE)
    theirs = make_member(other_tenant)
    owned(other_tenant, theirs, "Switched off")
    switch_off(other_tenant)
    assert reminders.send_reminders(at(date(2026, 3, 11))) == 0
    assert notes(staff) == [] and notes(theirs) == []
