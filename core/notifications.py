"""Notifying people: one function plugins call (`notify`), the in-app list with its unread count,
per-user e-mail preference (immediate, daily or weekly digest, off) and each user's own language."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from core.columns import utcnow
from core.extensions import db
from core.models import EmailMode, Membership, Notification, NotificationPreference, Tenant, User
from core.outbox import send_mail


def render(notification: Notification) -> str:
    """The notification's text in the current locale (the msgid was marked with _l by its sender)."""
    return _(notification.message, **notification.params)


def email_mode(user: User) -> EmailMode:
    preference = db.session.get(NotificationPreference, user.id)
    return preference.email_mode if preference else EmailMode.IMMEDIATE


def notify(users: Iterable[User], tenant: Tenant, message, params: dict | None = None, url: str = "") -> list[Notification]:
    """Tell `users` something about `tenant`. `message` is a lazily translated msgid (_l("…")) with
    named placeholders filled from `params` (plain values). Joins the caller's transaction."""
    msgid = getattr(message, "_args", [str(message)])[0] if hasattr(message, "_args") else str(message)
    created = []
    for user in {u.id: u for u in users}.values():
        if not user.is_active:
            continue
        notification = Notification(tenant_id=tenant.id, user_id=user.id, message=msgid, params=params or {}, url=url)
        db.session.add(notification)
        created.append(notification)
        if email_mode(user) == EmailMode.IMMEDIATE:
            _mail_now(user, tenant, [notification])
    return created


def _absolute(url: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url if url.startswith("/") else url


def _mail_now(user: User, tenant: Tenant, notifications: list[Notification]) -> None:
    with force_locale(user.locale or tenant.default_locale):
        lines = [f"- {render(n)}" + (f"\n  {_absolute(n.url)}" if n.url else "") for n in notifications]
        if len(notifications) == 1:
            subject = _("Samaki: %(text)s", text=render(notifications[0]))
        else:
            subject = _("Samaki: %(num)s updates from %(tenant)s", num=len(notifications), tenant=tenant.name)
        body = _("Hello %(name)s,\n\n%(items)s\n\nChange how often Samaki e-mails you on your account page.",
                 name=user.name, items="\n".join(lines))
    send_mail(user.email, subject, body)
    for notification in notifications:
        notification.emailed_at = utcnow()


def unread_count(user: User, tenant: Tenant) -> int:
    return db.session.execute(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.tenant_id == tenant.id, Notification.read_at.is_(None))).scalar_one()


def mark_read(user: User, tenant: Tenant, notification_ids: list[int] | None = None) -> int:
    """Mark the user's notifications in `tenant` read; all of them without ids."""
    statement = update(Notification).where(Notification.user_id == user.id, Notification.tenant_id == tenant.id,
                                           Notification.read_at.is_(None))
    if notification_ids is not None:
        statement = statement.where(Notification.id.in_(notification_ids))
    return db.session.execute(statement.values(read_at=utcnow())).rowcount


WEEKLY_DIGEST_WEEKDAY = 0   # Monday, in the tenant's time zone


def _is_weekly_digest_day(tenant: Tenant, now: datetime) -> bool:
    return now.astimezone(ZoneInfo(tenant.timezone or "Asia/Phnom_Penh")).weekday() == WEEKLY_DIGEST_WEEKDAY


def send_daily_digests(now: datetime) -> int:
    """The daily digest job: one e-mail per user and tenant with the notifications not yet mailed,
    every day for users who chose the daily digest and on Mondays (in the tenant's time zone) for
    those who chose the weekly one. Returns how many e-mails were written."""
    pending = db.session.execute(
        select(Notification, NotificationPreference.email_mode)
        .join(NotificationPreference, NotificationPreference.user_id == Notification.user_id)
        .where(NotificationPreference.email_mode.in_([EmailMode.DAILY, EmailMode.WEEKLY]),
               Notification.emailed_at.is_(None), Notification.created_at <= now)
        .order_by(Notification.user_id, Notification.tenant_id, Notification.id)).all()
    groups: dict[tuple[int, int], list[Notification]] = {}
    weekly: set[tuple[int, int]] = set()
    for notification, mode in pending:
        key = (notification.user_id, notification.tenant_id)
        groups.setdefault(key, []).append(notification)
        if mode == EmailMode.WEEKLY:
            weekly.add(key)
    sent = 0
    for (user_id, tenant_id), notifications in groups.items():
        tenant = db.session.get(Tenant, tenant_id)
        if (user_id, tenant_id) in weekly and not _is_weekly_digest_day(tenant, now):
            continue
        _mail_now(db.session.get(User, user_id), tenant, notifications)
        sent += 1
    db.session.commit()
    return sent


def members_of(tenant: Tenant, roles=None) -> list[User]:
    """Active users of a tenant (optionally only some roles): whom to notify."""
    query = select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.tenant_id == tenant.id, Membership.is_active, User.is_active)
    if roles:
        query = query.where(Membership.role.in_(list(roles)))
    return list(db.session.execute(query).scalars())


DIGEST_EVERY = timedelta(days=1)
