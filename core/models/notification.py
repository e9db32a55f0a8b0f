"""In-app notifications, each user's e-mail preference, and the outbox e-mail goes through."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.columns import UTCDateTime, utcnow
from core.extensions import db
from core.models.user import User


class EmailMode(str, enum.Enum):
    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"      # a digest on Mondays (core.notifications.send_daily_digests)
    OFF = "off"


class Notification(db.Model):
    """Something a user should know about. The text is stored as a message id and parameters and
    translated when shown or mailed, so each user reads it in their own language.

    Not TenantScoped: one tenant's event may notify members of another (working groups). A
    notification belongs to its user; every query filters by user (and tenant) explicitly."""

    __tablename__ = "core_notification"
    __table_args__ = (Index("ix_core_notification_user_unread", "user_id", "tenant_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("core_tenant.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(Text)                 # an English msgid, e.g. "%(reference)s is overdue."
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)   # immediately or in a digest

    user: Mapped[User] = relationship()


class NotificationPreference(db.Model):
    """How a user wants notification e-mail (in-app notifications always appear)."""

    __tablename__ = "core_notification_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), primary_key=True)
    email_mode: Mapped[EmailMode] = mapped_column(Enum(EmailMode, native_enum=False, length=16,
                                                       values_callable=lambda modes: [m.value for m in modes]),
                                                  default=EmailMode.IMMEDIATE)


class OutboxMail(db.Model):
    """An e-mail waiting to be delivered; kept until sent so nothing is lost while SMTP is down."""

    __tablename__ = "core_outbox_mail"
    __table_args__ = (Index("ix_core_outbox_mail_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)     # gave up after MAX_ATTEMPTS
    last_error: Mapped[str] = mapped_column(String(500), default="")


class JobRun(db.Model):
    """The schedule and lock of one scheduled job (see core.jobs)."""

    __tablename__ = "core_job_run"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(String(500), default="")
