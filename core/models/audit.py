"""The append-only, hash-chained audit log."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.columns import UTCDateTime


class AuditEvent(db.Model):
    """One thing that happened. Rows are never updated; each links to the previous one of its chain."""

    __tablename__ = "core_audit_event"
    __table_args__ = (
        UniqueConstraint("chain", "seq"),
        Index("ix_core_audit_event_tenant_time", "tenant_id", "occurred_at"),
        Index("ix_core_audit_event_record", "tenant_id", "model", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain: Mapped[str] = mapped_column(String(32))          # "tenant:<id>" or "instance"
    seq: Mapped[int] = mapped_column(Integer)
    tenant_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: the log outlives tenants
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(Integer)   # not a foreign key: the log outlives users
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(64))          # insert, update, delete, login, export…
    model: Mapped[str] = mapped_column(String(64), default="")
    record_id: Mapped[str] = mapped_column(String(64), default="")
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    request_id: Mapped[str] = mapped_column(String(64), default="")
    ip_address: Mapped[str] = mapped_column(String(64), default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(db.Model):
    """The latest link of each chain; locking it serialises writers so links never fork."""

    __tablename__ = "core_audit_chain_head"

    chain: Mapped[str] = mapped_column(String(32), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))
