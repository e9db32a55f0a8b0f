"""The queries administration pages need, one function per list."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from core.extensions import db
from core.models import AuditEvent, Membership, Role, User
from core.search import any_contains


def member_count_by_role(tenant) -> dict[Role, int]:
    rows = db.session.execute(select(Membership.role, func.count()).where(
        Membership.tenant_id == tenant.id, Membership.is_active).group_by(Membership.role))
    return {role: count for role, count in rows}


def members_of(tenant) -> list[Membership]:
    return list(db.session.execute(select(Membership).where(Membership.tenant_id == tenant.id)
                                   .order_by(Membership.is_active.desc(), Membership.id)).scalars())


def active_members(tenant_id: int):
    """The tenant's active members as users, by name (Membership is not TenantScoped: the tenant is explicit)."""
    return (select(User).join(Membership, Membership.user_id == User.id)
            .where(Membership.tenant_id == tenant_id, Membership.is_active).order_by(User.name, User.id))


def member_names(tenant_id: int) -> list[tuple[int, str]]:
    """(id, name or else e-mail) of the tenant's active members, by name: for a select (one query)."""
    rows = db.session.execute(active_members(tenant_id).with_only_columns(User.id, User.name, User.email))
    return [(row.id, row.name or row.email) for row in rows]


def active_member(tenant_id: int, user_id: int) -> User | None:
    return db.session.scalar(active_members(tenant_id).where(User.id == user_id))


def find_active_members(tenant_id: int, text: str, limit: int) -> list[User]:
    """At most `limit` active members whose name or e-mail contains `text` (for a picker)."""
    return list(db.session.scalars(active_members(tenant_id).where(any_contains([User.name, User.email], text))
                                   .limit(limit)))


AUDIT_PAGE_SIZE = 50


def audit_events_query(tenant, filters: dict):
    """The tenant's audit events, newest first, narrowed by the browser's filters. AuditEvent is
    not TenantScoped (the log outlives tenants), so the tenant condition is explicit here."""
    query = select(AuditEvent).where(AuditEvent.tenant_id == tenant.id)
    if filters.get("action"):
        query = query.where(AuditEvent.action == filters["action"])
    if filters.get("model"):
        query = query.where(AuditEvent.model == filters["model"])
    if filters.get("record_id"):
        query = query.where(AuditEvent.record_id == filters["record_id"])
    if filters.get("actor"):
        query = query.where(AuditEvent.actor_label.contains(filters["actor"], autoescape=True))
    if filters.get("date_from"):
        query = query.where(AuditEvent.occurred_at >= _start_of(filters["date_from"], tenant))
    if filters.get("date_to"):
        query = query.where(AuditEvent.occurred_at < _start_of(filters["date_to"] + timedelta(days=1), tenant))
    return query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())


def _start_of(day: date, tenant) -> datetime:
    # Filters are days in the tenant's time zone; events are stored in UTC.
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tenant.timezone)).astimezone(timezone.utc)


# The distinct models of a tenant's events, one index lookup per model ("loose index scan"):
# a plain SELECT DISTINCT reads every one of millions of events.
_DISTINCT_MODELS = text("""
    WITH RECURSIVE models(model) AS (
        SELECT min(model) FROM core_audit_event WHERE tenant_id = :tenant AND model > ''
        UNION ALL
        SELECT (SELECT min(e.model) FROM core_audit_event e WHERE e.tenant_id = :tenant AND e.model > models.model)
        FROM models WHERE models.model IS NOT NULL)
    SELECT model FROM models WHERE model IS NOT NULL""")


def audit_models(tenant) -> list[str]:
    return list(db.session.execute(_DISTINCT_MODELS, {"tenant": tenant.id}).scalars())
