"""The e-mail outbox: `send_mail` stores the message and, inside a web request, delivers it right
after the response; `deliver_due` (the `flask outbox send` command and a scheduled job) retries
what failed with growing delays. Claiming rows with a conditional UPDATE keeps two senders from
sending the same mail, on SQLite and PostgreSQL alike."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, g, has_request_context
from sqlalchemy import or_, select, update

from core.columns import utcnow
from core.extensions import db
from core.mail import Mail, deliver
from core.models.notification import OutboxMail

MAX_ATTEMPTS = 8
CLAIM_SECONDS = 120


def send_mail(to: str, subject: str, body: str) -> OutboxMail:
    """Queue an e-mail in the caller's transaction (so it is sent only if the change commits)."""
    mail = OutboxMail(to=to, subject=str(subject)[:300], body=str(body))
    db.session.add(mail)   # no flush here: this may run inside a flush (notifications from session events)
    if has_request_context():
        g.setdefault("outbox_mails", []).append(mail)
    return mail


def retry_delay(attempts: int) -> timedelta:
    return timedelta(minutes=min(24 * 60, 2 ** attempts))


def _claim(mail_id: int, now: datetime) -> bool:
    claimed = db.session.execute(
        update(OutboxMail).where(OutboxMail.id == mail_id, OutboxMail.sent_at.is_(None), OutboxMail.failed_at.is_(None),
                                 or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now))
        .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS)))
    db.session.commit()
    return claimed.rowcount == 1


def _deliver_one(mail_id: int, now: datetime) -> bool:
    if not _claim(mail_id, now):
        return False
    mail = db.session.get(OutboxMail, mail_id)
    try:
        deliver(Mail(mail.to, mail.subject, mail.body))
    except Exception as error:   # any SMTP/network failure: keep the mail and retry later
        mail.attempts += 1
        mail.last_error = str(error)[:500]
        mail.claimed_until = None
        if mail.attempts >= MAX_ATTEMPTS:
            mail.failed_at = now
            current_app.logger.error("Giving up on e-mail %s to %s: %s", mail.id, mail.to, error)
        else:
            mail.next_attempt_at = now + retry_delay(mail.attempts)
        db.session.commit()
        return False
    mail.sent_at, mail.claimed_until = now, None
    mail.attempts += 1
    db.session.commit()
    return True


def deliver_due(now: datetime | None = None, limit: int = 200) -> tuple[int, int]:
    """Send what is due; returns (sent, failed this round)."""
    now = now or utcnow()
    ids = db.session.execute(select(OutboxMail.id).where(
        OutboxMail.sent_at.is_(None), OutboxMail.failed_at.is_(None), OutboxMail.next_attempt_at <= now)
        .order_by(OutboxMail.id).limit(limit)).scalars().all()
    sent = failed = 0
    for mail_id in ids:
        if _deliver_one(mail_id, now):
            sent += 1
        else:
            failed += 1
    return sent, failed


def deliver_after_request(response):
    """Mail queued during a request that committed goes out at once; the rest waits for the job."""
    mails = g.pop("outbox_mails", None)
    if mails and response.status_code < 400:
        try:
            for mail_id in [mail.id for mail in mails if mail.id is not None]:   # None: never committed
                _deliver_one(mail_id, utcnow())
        except Exception:   # never fail the user's request because of mail; the job retries
            db.session.rollback()
            current_app.logger.exception("Immediate e-mail delivery failed; the outbox will retry")
    return response
