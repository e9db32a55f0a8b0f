"""Webhooks: the HTTPS endpoints a tenant registers for event types, and each delivery to them
(queued, signed, retried with growing delays; see core.webhooks)."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audited
from core.columns import UTCDateTime, utcnow
from core.data_key import SealedString
from core.enums import enum_column
from core.extensions import db
from core.tenancy import TenantScoped


class WebhookEndpoint(TenantScoped, Audited, db.Model):
    """An address that receives the tenant's events of the chosen types.

    The signing secret is kept (not hashed like an API token: an HMAC can only be computed with the
    secret itself), encrypted under the data key like two-factor secrets, so a database dump does not
    hold it. It is shown once, at creation or rotation, is never written to the audit log nor to a
    tenant export (`__audit_redact__`), and can be replaced at any time."""

    __tablename__ = "core_webhook_endpoint"
    __audit_redact__ = {"secret"}
    # Delivery bookkeeping: a failed attempt is not an administrator's change.
    __audit_ignore__ = {"consecutive_failures", "last_success_at", "last_failure_at"}

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(200), default="")
    event_types: Mapped[list] = mapped_column(JSON, default=list)      # names, e.g. ["a2i.request.status_changed"]
    secret: Mapped[str] = mapped_column(SealedString(100, always=True))   # encrypted under SAMAKI_DATA_KEY
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)    # switched off after repeated failures
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeliveryStatus(str, enum.Enum):
    PENDING = "pending"        # waiting for its (next) attempt
    DELIVERED = "delivered"    # the endpoint answered 2xx
    FAILED = "failed"          # given up (too many attempts, or a test ping that failed)


class WebhookDelivery(TenantScoped, db.Model):
    """One event sent (or to be sent) to one endpoint. `body` is the exact JSON posted, the same on
    every attempt; each attempt signs it with a fresh timestamp. Bookkeeping: not audited."""

    __tablename__ = "core_webhook_delivery"
    __table_args__ = (Index("ix_core_webhook_delivery_due", "status", "next_attempt_at"),
                      Index("ix_core_webhook_delivery_endpoint_log", "endpoint_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("core_webhook_endpoint.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(36))        # Samaki-Webhook-Id: the receiver's de-duplication key
    event_type: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[DeliveryStatus] = enum_column(DeliveryStatus, default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    endpoint: Mapped[WebhookEndpoint] = relationship()
