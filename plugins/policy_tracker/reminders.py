"""Scheduled jobs of the policy tracker: a daily reminder of coming events (consultation deadlines,
hearings, A2I Day) `remind_days_before` days ahead, once per event and date, through the core
notifications, each user reading it in their own language.

Who is reminded: for an official event of a law, that law's subscribers (directly or through a
working group that follows it) who may see it; for a tenant's own event, every member of that
tenant. An official event without a law reminds nobody (nobody follows it)."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core.extensions import db
from core.jobs import Job
from core.models import Tenant
from core.notifications import members_of
from plugins.policy_tracker.events import MAX_REMIND_DAYS, tenant_today
from plugins.policy_tracker.models import EventReminderSent, LawEvent
from plugins.policy_tracker.subscriptions import PLUGIN, notify_in_languages, recipients

REMINDER = _l("Coming up on %(date)s: %(title)s.")
REMINDER_OF_LAW = _l("Coming up on %(date)s: %(title)s (%(law)s).")


def _calendar_url(tenant: Tenant) -> str:
    return f"/t/{tenant.slug}/policy/calendar/"


def _remind(event: LawEvent, audience) -> int:
    def params(locale: str) -> dict:
        values = {"title": event.title_in(locale), "date": format_date(event.starts_on, "full")}
        if event.law is not None:
            values["law"] = event.law.title_in(locale)
        return values
    message = REMINDER_OF_LAW if event.law is not None else REMINDER
    return notify_in_languages(audience, message, params, _calendar_url)


def _due(event: LawEvent, today) -> bool:
    return event.starts_on - timedelta(days=event.remind_days_before) <= today <= event.starts_on


def send_reminders(now: datetime) -> int:
    """Send every reminder that is due and not yet sent; returns how many events were reminded."""
    tenants = {tenant.id: tenant for tenant in db.session.execute(select(Tenant).where(Tenant.is_active)).scalars()}
    official_today = tenant_today(None, now)
    earliest = official_today - timedelta(days=1)        # time zones differ by less than a day
    candidates = db.session.execute(
        select(LawEvent).options(joinedload(LawEvent.law))
        .where(LawEvent.starts_on >= earliest, LawEvent.starts_on <= official_today + timedelta(days=MAX_REMIND_DAYS + 1))
        .order_by(LawEvent.starts_on, LawEvent.id)).unique().scalars().all()
    done = set(db.session.execute(select(EventReminderSent.event_id, EventReminderSent.starts_on)).all())
    reminded = 0
    for event in candidates:
        if (event.id, event.starts_on) in done:
            continue
        if event.is_official:
            if not _due(event, official_today):
                continue
            audience = recipients(event.law) if event.law is not None else []
        else:
            tenant = tenants.get(event.owner_tenant_id)
            if tenant is None or not tenant.plugin_enabled(PLUGIN) or not _due(event, tenant_today(tenant, now)):
                continue
            audience = [(user, tenant) for user in members_of(tenant)]
        _remind(event, audience)
        db.session.add(EventReminderSent(event_id=event.id, starts_on=event.starts_on))
        reminded += 1
    db.session.commit()
    return reminded


def jobs() -> list[Job]:
    return [Job("policy.event_reminders", timedelta(days=1), send_reminders)]
