"""The weekly digest: users who chose it get one e-mail a week (on Monday in their organisation's
time zone) with everything not yet mailed, in their language; the account page offers it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.extensions import db
from core.models import EmailMode, Notification, NotificationPreference, OutboxMail
from core.notifications import notify, send_daily_digests
from core.outbox import deliver_due

OVERDUE = _l("The request %(reference)s is overdue.")
# The coming Monday (notifications are created "now", digests look at those created before `now`).
_today = datetime.now(UTC)
MONDAY = datetime(_today.year, _today.month, _today.day, 2, 0, tzinfo=UTC) + timedelta(
    days=14 - _today.weekday())                                         # 09:00 Monday in Phnom Penh
SUNDAY = MONDAY - timedelta(days=1)                                     # 09:00 Sunday in Phnom Penh
NEXT_TUESDAY = MONDAY + timedelta(days=1)


def prefer(user, mode: EmailMode) -> None:
    db.session.add(NotificationPreference(user_id=user.id, email_mode=mode))
    db.session.commit()


def mails(app):
    return app.extensions.setdefault("console_mail", [])


def test_weekly_users_get_one_digest_on_monday(app, staff, tenant):
    prefer(staff, EmailMode.WEEKLY)
    for reference in ("A2I-2026-0001", "A2I-2026-0002", "A2I-2026-0003"):
        notify([staff], tenant, OVERDUE, {"reference": reference})
    db.session.commit()
    assert db.session.execute(select(OutboxMail)).first() is None        # nothing at once
    assert send_daily_digests(SUNDAY) == 0                                 # not on Sunday
    assert send_daily_digests(MONDAY) == 1
    assert send_daily_digests(MONDAY) == 0                                 # nothing twice
    assert send_daily_digests(NEXT_TUESDAY) == 0
    (mail,) = db.session.execute(select(OutboxMail)).scalars().all()
    assert mail.to == staff.email and "A2I-2026-0001" in mail.body and "A2I-2026-0003" in mail.body
    assert all(n.emailed_at is not None for n in db.session.execute(select(Notification)).scalars())


def test_weekly_and_daily_users_each_get_their_rhythm(app, staff, admin_user, tenant):
    prefer(staff, EmailMode.WEEKLY)
    prefer(admin_user, EmailMode.DAILY)
    notify([staff, admin_user], tenant, OVERDUE, {"reference": "A2I-2026-0009"})
    db.session.commit()
    assert send_daily_digests(SUNDAY) == 1           # the daily user only
    assert [m.to for m in db.session.execute(select(OutboxMail)).scalars()] == [admin_user.email]
    assert send_daily_digests(MONDAY) == 1           # now the weekly one
    assert db.session.execute(select(OutboxMail).where(OutboxMail.to == staff.email)).scalar_one()


def test_monday_is_counted_in_the_organisations_time_zone(app, staff, tenant):
    prefer(staff, EmailMode.WEEKLY)
    notify([staff], tenant, OVERDUE, {"reference": "A2I-2026-0010"})
    db.session.commit()
    sunday_evening_utc = SUNDAY + timedelta(hours=18)     # 20:00 UTC Sunday: Monday 03:00 in Phnom Penh
    assert send_daily_digests(sunday_evening_utc) == 1


def test_weekly_digest_is_in_the_users_language(app, staff, tenant):
    mails(app).clear()
    staff.locale = "km"
    prefer(staff, EmailMode.WEEKLY)
    notify([staff], tenant, OVERDUE, {"reference": "A2I-2026-0011"})
    notify([staff], tenant, OVERDUE, {"reference": "A2I-2026-0012"})
    db.session.commit()
    send_daily_digests(MONDAY)
    deliver_due()
    mail = mails(app)[-1]
    assert "A2I-2026-0011" in mail.body and "A2I-2026-0012" in mail.body
    assert "Hello" not in mail.body and any("\u1780" <= ch <= "\u17ff" for ch in mail.body)


def test_account_page_offers_the_weekly_digest(staff_client, staff):
    page = staff_client.get("/account").text
    assert 'value="weekly"' in page and "Once a week" in page
    response = staff_client.post("/account", data={"details-name": staff.name, "details-locale": "en",
                                                   "details-email_mode": "weekly"})
    assert response.status_code == 302
    assert db.session.get(NotificationPreference, staff.id).email_mode == EmailMode.WEEKLY
