"""Working groups (A2IWG, DRWG…): member tenants, records a tenant chose to share with a group, and
the group's feed of status updates. These rows are read across tenants by design, so they are not
TenantScoped; every query goes through core.sharing, which checks group membership."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audited
from core.columns import UTCDateTime, utcnow
from core.extensions import db
from core.models.tenant import Tenant


class WorkingGroup(Audited, db.Model):
    __tablename__ = "core_working_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    convening_tenant_id: Mapped[int] = mapped_column(ForeignKey("core_tenant.id"), index=True)
    # Opt-in: a public, no-login scoreboard built only from what the members published.
    public_scoreboard: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    convening_tenant: Mapped[Tenant] = relationship(lazy="joined")
    members: Mapped[list["WorkingGroupMember"]] = relationship(back_populates="group", cascade="all, delete-orphan",
                                                                lazy="selectin")

    @property
    def tenant_id(self) -> int:
        # The audit log files group changes under the convening tenant's chain.
        return self.convening_tenant_id


class WorkingGroupMember(Audited, db.Model):
    __tablename__ = "core_working_group_member"
    __table_args__ = (UniqueConstraint("group_id", "tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("core_working_group.id", ondelete="CASCADE"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("core_tenant.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[WorkingGroup] = relationship(back_populates="members")
    tenant: Mapped[Tenant] = relationship(lazy="joined")


class SharedRecord(Audited, db.Model):
    """One record a tenant shares with one group: only the published fields, as last seen."""

    __tablename__ = "core_shared_record"
    __table_args__ = (UniqueConstraint("group_id", "record_type", "record_id"),
                      Index("ix_core_shared_record_record", "record_type", "record_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("core_working_group.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("core_tenant.id", ondelete="CASCADE"), index=True)  # the owner
    record_type: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    shared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    group: Mapped[WorkingGroup] = relationship()
    tenant: Mapped[Tenant] = relationship(lazy="joined")


class GroupFeedEntry(db.Model):
    """A line in a group's feed: a record was shared, updated or withdrawn."""

    __tablename__ = "core_group_feed_entry"
    __table_args__ = (Index("ix_core_group_feed_entry_group_time", "group_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("core_working_group.id", ondelete="CASCADE"))
    shared_record_id: Mapped[int] = mapped_column(ForeignKey("core_shared_record.id", ondelete="CASCADE"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("core_tenant.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))          # shared, updated, unshared
    title: Mapped[str] = mapped_column(String(300))
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tenant: Mapped[Tenant] = relationship(lazy="joined")
    shared_record: Mapped[SharedRecord] = relationship()
