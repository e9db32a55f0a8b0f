"""Tenants: one organisation's space, with its language, time zone and plugin switches."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audited
from core.extensions import db
from core.columns import UTCDateTime, utcnow


class Tenant(Audited, db.Model):
    __tablename__ = "core_tenant"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    default_locale: Mapped[str] = mapped_column(String(10), default="km")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Phnom_Penh")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Owners, admins and every role that may see protected identities must sign in with a second factor.
    require_two_factor: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plugin_switches: Mapped[list["TenantPlugin"]] = relationship(
        back_populates="tenant", cascade="all, delete-orphan")   # loaded once, when first asked

    def today(self) -> date:
        """Today's date where the organisation works (its deadlines and periods are counted in it)."""
        return datetime.now(ZoneInfo(self.timezone or "Asia/Phnom_Penh")).date()

    def plugin_enabled(self, plugin_name: str) -> bool:
        """Installed plugins are on for a tenant until an admin switches them off."""
        for switch in self.plugin_switches:
            if switch.plugin == plugin_name:
                return switch.enabled
        return True

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"


class TenantPlugin(Audited, db.Model):
    """An admin's choice to switch a plugin on or off for one tenant."""

    __tablename__ = "core_tenant_plugin"
    __table_args__ = (UniqueConstraint("tenant_id", "plugin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("core_tenant.id", ondelete="CASCADE"), index=True)
    plugin: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)

    tenant: Mapped[Tenant] = relationship(back_populates="plugin_switches")
