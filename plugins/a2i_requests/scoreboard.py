"""The public disclosure scoreboard of a working group: the network's A2I figures per kind of body,
province or body, built only from the requests that the group's member organisations published.

This is one of the few places that read requests across tenants. It does so explicitly and narrowly:
the group must have opted in (WorkingGroup.public_scoreboard), the tenants read are exactly its
active members that use this module, and only their published requests are counted
(statistics.statistics_table with tenant_ids and published_only). Only counts leave this module:
no request, requester or member figure is shown one by one."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select

from core.extensions import db
from core.models import Tenant, TenantPlugin, WorkingGroup, WorkingGroupMember
from plugins.a2i_requests import statistics

PLUGIN_NAME = "a2i_requests"
# The network works in Cambodia: "past due" is judged on the day it is there.
NETWORK_ZONE = ZoneInfo("Asia/Phnom_Penh")


def public_group(group_slug: str) -> WorkingGroup | None:
    """The working group with this slug, only if it chose to publish its scoreboard."""
    return db.session.execute(select(WorkingGroup).where(
        WorkingGroup.slug == group_slug, WorkingGroup.public_scoreboard.is_(True))).unique().scalar_one_or_none()


def publishing_members(group: WorkingGroup) -> list[Tenant]:
    """The group's member organisations whose published requests count: active, with this module on
    (a member that switched it off has no public A2I page either). One query."""
    switched_off = select(TenantPlugin.id).where(TenantPlugin.tenant_id == Tenant.id,
                                                 TenantPlugin.plugin == PLUGIN_NAME, TenantPlugin.enabled.is_(False))
    return list(db.session.scalars(
        select(Tenant).join(WorkingGroupMember, and_(WorkingGroupMember.tenant_id == Tenant.id,
                                                     WorkingGroupMember.group_id == group.id))
        .where(Tenant.is_active.is_(True), ~switched_off.exists()).order_by(Tenant.name)))


def network_today() -> date:
    return datetime.now(NETWORK_ZONE).date()


def scoreboard_table(members: list[Tenant], group_by: str, *, locale: str, today: date | None = None,
                     **filters) -> tuple[list[statistics.StatRow], statistics.StatRow]:
    """The statistics table (see statistics.statistics_table) over the members' published requests."""
    return statistics.statistics_table(group_by, locale=locale, today=today or network_today(),
                                       tenant_ids=[member.id for member in members], published_only=True,
                                       **filters)
