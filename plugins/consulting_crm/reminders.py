"""Submission deadline reminders, run daily by the core job runner (`samaki_jobs`): each open
opportunity's owner is told through the core notifications 7 and 2 working days (the tenant's
`reminder_days` setting) before the submission deadline, counted on the tenant's working-day calendar.

Each reminder is sent once: the opportunity keeps which ones went out and for which deadline
(`reminders_sent`, `reminded_due_on`), so a moved deadline starts them again. A runner that missed
days sends only the nearest reminder that is due, not every one it skipped."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core.extensions import db
from core.jobs import Job
from core.models import Tenant
from core.notifications import notify
from core.registers.calendar import tenant_calendar
from core.tenancy import tenant_scope
from plugins.consulting_crm import services
from plugins.consulting_crm.models import ConsultingSettings, Opportunity, Stage, StageOutcome

PLUGIN = "consulting_crm"
DEADLINE_SOON = _l("The submission deadline of %(title)s is %(due_on)s (working days left: %(days)s).")


def _sent(opportunity: Opportunity) -> set[int]:
    if opportunity.reminded_due_on != opportunity.submission_due_on:
        return set()
    return {int(part) for part in opportunity.reminders_sent.split(",") if part.strip().isdigit()}


def reminder_due(opportunity: Opportunity, today, days_before: list[int], calendar) -> int | None:
    """The reminder (working days before the deadline) to send today, or None. Due once today is
    within that many working days of the deadline; the nearest one due wins."""
    deadline = opportunity.submission_due_on
    if deadline is None or deadline < today:
        return None
    sent = _sent(opportunity)
    due = [days for days in days_before if days not in sent and calendar.add_working_days(today, days) >= deadline]
    return min(due) if due else None


def remind_tenant(tenant: Tenant, now: datetime) -> int:
    """Send this tenant's due reminders; returns how many were sent."""
    sent = 0
    today = now.astimezone(ZoneInfo(tenant.timezone)).date()
    with tenant_scope(tenant.id):
        settings = db.session.scalar(select(ConsultingSettings).where(ConsultingSettings.tenant_id == tenant.id))
        days_before = services.reminder_days(settings or ConsultingSettings(reminder_days=""))   # default 7, 2
        calendar = tenant_calendar(tenant.id)
        # Nothing further away than the largest reminder (in working days, so at most ~3 weeks per 10).
        horizon = calendar.add_working_days(today, max(days_before))
        query = (select(Opportunity).join(Stage, Stage.id == Opportunity.stage_id)
                 .where(Opportunity.tenant_id == tenant.id, Stage.outcome == StageOutcome.OPEN,
                        Opportunity.owner_id.is_not(None), Opportunity.submission_due_on >= today,
                        Opportunity.submission_due_on <= horizon)
                 .options(joinedload(Opportunity.owner)).order_by(Opportunity.submission_due_on, Opportunity.id))
        for opportunity in db.session.execute(query).unique().scalars():
            days = reminder_due(opportunity, today, days_before, calendar)
            if days is None:
                continue
            left = calendar.working_days_between(today, opportunity.submission_due_on)
            notify([opportunity.owner], tenant, DEADLINE_SOON,
                   {"title": opportunity.title, "due_on": opportunity.submission_due_on.isoformat(), "days": left},
                   url=f"/t/{tenant.slug}/consulting/opportunities/{opportunity.id}")
            # The farther reminders are now pointless: mark them sent with this one.
            done = _sent(opportunity) | {d for d in days_before if d >= days}
            opportunity.reminded_due_on = opportunity.submission_due_on
            opportunity.reminders_sent = ",".join(str(d) for d in sorted(done, reverse=True))
            sent += 1
        db.session.commit()
    return sent


def send_reminders(now: datetime) -> int:
    """The daily job: every active tenant that has the module switched on."""
    tenants = db.session.execute(select(Tenant).where(Tenant.is_active)).scalars().all()
    return sum(remind_tenant(tenant, now) for tenant in tenants if tenant.plugin_enabled(PLUGIN))


def jobs() -> list[Job]:
    return [Job("consulting.deadline_reminders", timedelta(days=1), send_reminders)]
