"""Notifications in the app and by e-mail, per-user preference and language, and the outbox."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.columns import utcnow
from core.extensions import db
from core.models import EmailMode, Notification, NotificationPreference, OutboxMail
from core.notifications import notify, send_daily_digests
from core.outbox import MAX_ATTEMPTS, deliver_due, send_mail

# The message a plugin would send; marked so it is extracted and translated.
OVERDUE = _l("The request %(reference)s is overdue.")


def mails(app):
    return app.extensions.setdefault("console_mail", [])


def prefer(user, mode: EmailMode) -> None:
    db.session.add(NotificationPreference(user_id=user.id, email_mode=mode))
    db.session.commit()


def test_bell_shows_unread_count_and_list_marks_read(staff_client, staff, tenant):
    notify([staff], tenant, OVERDUE, {"reference": "A2I-2026-0007"}, url=f"/t/{tenant.slug}/")
    db.session.commit()
    page = staff_client.get(f"/t/{tenant.slug}/").text
    assert 'class="count">1</span>' in page
    listing = staff_client.get(f"/t/{tenant.slug}/notifications/").text
    assert "The request A2I-2026-0007 is overdue." in listing
    staff_client.post(f"/t/{tenant.slug}/notifications/read")
    assert 'class="count">' not in staff_client.get(f"/t/{tenant.slug}/").text


def test_notifications_of_another_tenant_are_not_shown(staff_client, staff, tenant, other_tenant):
    notify([staff], other_tenant, OVERDUE, {"reference": "SECRET-1"})
    db.session.commit()
    assert "SECRET-1" not in staff_client.get(f"/t/{tenant.slug}/notifications/").text


def test_immediate_mode_mails_in_the_users_language(app, staff, tenant):
    mails(app).clear()
    staff.locale = "km"
    notify([staff], tenant, OVERDUE, {"reference": "A2I-2026-0001"})
    db.session.commit()
    deliver_due()
    mail = mails(app)[-1]
    assert mail.to == staff.email and "A2I-2026-0001" in mail.body
    assert "Hello" not in mail.body and any("\u1780" <= ch <= "\u17ff" for ch in mail.body)


def test_off_mode_sends_no_mail_but_keeps_the_notification(app, staff, tenant):
    prefer(staff, EmailMode.OFF)
    notify([staff], tenant, OVERDUE, {"reference": "A2I-2026-0002"})
    db.session.commit()
    assert db.session.execute(select(OutboxMail)).first() is None
    assert db.session.execute(select(Notification)).scalar_one().params == {"reference": "A2I-2026-0002"}


def test_daily_digest_gathers_the_days_notifications_into_one_mail(app, staff, tenant):
    prefer(staff, EmailMode.DAILY)
    for n in range(3):
        notify([staff], tenant, OVERDUE, {"reference": f"A2I-2026-000{n}"})
    db.session.commit()
    assert db.session.execute(select(OutboxMail)).first() is None
    assert send_daily_digests(utcnow()) == 1
    outbox = db.session.execute(select(OutboxMail)).scalars().all()
    assert len(outbox) == 1 and all(f"A2I-2026-000{n}" in outbox[0].body for n in range(3))
    assert send_daily_digests(utcnow()) == 0     # nothing twice


def test_account_page_saves_the_email_preference(staff_client, staff):
    staff_client.post("/account", data={"details-name": staff.name, "details-locale": "en",
                                        "details-email_mode": "daily"})
    assert db.session.get(NotificationPreference, staff.id).email_mode == EmailMode.DAILY


def test_outbox_keeps_mail_while_smtp_is_down_and_retries_with_backoff(app, monkeypatch):
    # A real SMTP connection to a closed port: the failure is genuine, not mocked.
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", 9)
    send_mail("sokha@example.org", "Subject", "Body")
    db.session.commit()
    now = utcnow()
    assert deliver_due(now) == (0, 1)
    mail = db.session.execute(select(OutboxMail)).scalar_one()
    assert mail.sent_at is None and mail.attempts == 1 and mail.last_error
    assert deliver_due(now) == (0, 0)                              # not due again yet
    first_delay = mail.next_attempt_at - now
    deliver_due(mail.next_attempt_at)
    db.session.refresh(mail)
    assert mail.attempts == 2 and mail.next_attempt_at - (now + first_delay) > first_delay
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "console")
    assert deliver_due(mail.next_attempt_at) == (1, 0)
    db.session.refresh(mail)
    assert mail.sent_at is not None


def test_outbox_gives_up_after_the_last_attempt(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", 9)
    send_mail("sokha@example.org", "Subject", "Body")
    db.session.commit()
    moment = utcnow()
    for _ in range(MAX_ATTEMPTS):
        deliver_due(moment)
        moment += timedelta(days=2)
    mail = db.session.execute(select(OutboxMail)).scalar_one()
    assert mail.failed_at is not None and mail.attempts == MAX_ATTEMPTS


def test_outbox_send_command_delivers(app):
    mails(app).clear()
    send_mail("dara@example.org", "Hello", "Body")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0 and "1 sent" in result.output
    assert mails(app)[-1].to == "dara@example.org"


def test_mail_of_a_failed_request_is_never_sent(app, client, staff):
    mails(app).clear()
    send_mail("x@example.org", "Subject", "Body")
    db.session.rollback()
    deliver_due()
    assert mails(app) == []
