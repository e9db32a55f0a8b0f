"""Who follows which law: a user subscribes to a law, or to everything a working group follows, and
is told about stage changes in their own language, exactly once per change, only when they may see
the law. New shared updates reach them through the core: sharing with a group notifies the members
of its organisations, and only they may see what was shared. Delivery (at once, daily, weekly,
never) is the core's."""
from __future__ import annotations

from collections import defaultdict

from flask_babel import force_locale, format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from core.errors import DomainError
from core.extensions import db
from core.models import Membership, Tenant, User
from core.models.sharing import WorkingGroup, WorkingGroupMember
from core.notifications import notify
from core.tenancy import unscoped
from plugins.policy_tracker.events import get_visible_law
from plugins.policy_tracker.models import GroupLaw, Law, StageChange, Subscription

PLUGIN = "policy_tracker"
STAGE_CHANGED = _l("%(law)s moved to the stage “%(stage)s” on %(date)s.")


def law_url(tenant: Tenant, law: Law) -> str:
    return f"/t/{tenant.slug}/policy/laws/{law.id}"


# --- subscribing ---------------------------------------------------------------------------------------

def group_of_tenant(tenant_id: int, group_id: int | None) -> WorkingGroup | None:
    """The working group if the tenant convenes it or is one of its members."""
    if group_id is None:
        return None
    return db.session.execute(select(WorkingGroup).outerjoin(
        WorkingGroupMember, (WorkingGroupMember.group_id == WorkingGroup.id) & (WorkingGroupMember.tenant_id == tenant_id))
        .where(WorkingGroup.id == group_id,
               or_(WorkingGroup.convening_tenant_id == tenant_id, WorkingGroupMember.id.is_not(None)))
    ).unique().scalar_one_or_none()


def groups_of_tenant(tenant_id: int) -> list[WorkingGroup]:
    """The working groups the tenant convenes or belongs to, by name."""
    return list(db.session.execute(select(WorkingGroup).outerjoin(
        WorkingGroupMember, (WorkingGroupMember.group_id == WorkingGroup.id) & (WorkingGroupMember.tenant_id == tenant_id))
        .where(or_(WorkingGroup.convening_tenant_id == tenant_id, WorkingGroupMember.id.is_not(None)))
        .order_by(WorkingGroup.name, WorkingGroup.id)).unique().scalars())


def _target(tenant_id: int, law_id: int | None, group_id: int | None) -> tuple[int | None, int | None]:
    if (law_id is None) == (group_id is None):
        raise DomainError(_l("Choose a law or a working group to follow."), "law_id")
    if law_id is not None and get_visible_law(tenant_id, law_id) is None:
        raise DomainError(_l("Choose a law from the register."), "law_id")
    if group_id is not None and group_of_tenant(tenant_id, group_id) is None:
        raise DomainError(_l("Choose a working group your organisation belongs to."), "group_id")
    return law_id, group_id


def _existing(tenant_id: int, user: User, law_id: int | None, group_id: int | None) -> Subscription | None:
    query = select(Subscription).where(Subscription.tenant_id == tenant_id, Subscription.user_id == user.id)
    query = query.where(Subscription.law_id == law_id) if law_id is not None else query.where(
        Subscription.law_id.is_(None))
    query = query.where(Subscription.group_id == group_id) if group_id is not None else query.where(
        Subscription.group_id.is_(None))
    return db.session.execute(query).scalars().first()


def subscribe(tenant_id: int, user: User, *, law_id: int | None = None, group_id: int | None = None) -> Subscription:
    """Follow a law or a group (once: subscribing again changes nothing)."""
    law_id, group_id = _target(tenant_id, law_id, group_id)
    existing = _existing(tenant_id, user, law_id, group_id)
    if existing is not None:
        return existing
    subscription = Subscription(tenant_id=tenant_id, user_id=user.id, law_id=law_id, group_id=group_id)
    db.session.add(subscription)
    db.session.flush()
    return subscription


def unsubscribe(tenant_id: int, user: User, *, law_id: int | None = None, group_id: int | None = None) -> bool:
    if (law_id is None) == (group_id is None):
        raise DomainError(_l("Choose a law or a working group to follow."), "law_id")
    existing = _existing(tenant_id, user, law_id, group_id)
    if existing is None:
        return False
    db.session.delete(existing)
    db.session.flush()
    return True


def is_subscribed(tenant_id: int, user: User, *, law_id: int | None = None, group_id: int | None = None) -> bool:
    return _existing(tenant_id, user, law_id, group_id) is not None


def subscriptions_of(tenant_id: int, user: User) -> list[Subscription]:
    return list(db.session.execute(select(Subscription).where(
        Subscription.tenant_id == tenant_id, Subscription.user_id == user.id).order_by(Subscription.id)).scalars())


# --- who is told -------------------------------------------------------------------------------------

def recipients(law: Law) -> list[tuple[User, Tenant]]:
    """Each subscriber of the law (directly or through a group that follows it) once, with the tenant
    the notification is filed under, keeping only active members of an enabled tenant who may see
    the law: any tenant's for an official law, the owner's for a private one."""
    following_groups = select(GroupLaw.group_id).where(GroupLaw.law_id == law.id)
    with unscoped():   # subscriptions of every tenant: this is the explicit cross-tenant step
        rows = db.session.execute(
            select(Subscription, User, Tenant)
            .join(User, User.id == Subscription.user_id)
            .join(Tenant, Tenant.id == Subscription.tenant_id)
            .join(Membership, (Membership.user_id == Subscription.user_id) & (Membership.tenant_id == Subscription.tenant_id))
            .where(or_(Subscription.law_id == law.id, Subscription.group_id.in_(following_groups)),
                   User.is_active, Membership.is_active, Tenant.is_active)
            .order_by(Subscription.id)).all()
        group_ids = {subscription.group_id for subscription, _user, _tenant in rows if subscription.group_id}
        group_tenants = set()
        if group_ids:
            group_tenants = set(db.session.execute(
                select(WorkingGroupMember.group_id, WorkingGroupMember.tenant_id)
                .where(WorkingGroupMember.group_id.in_(group_ids))).all())
            group_tenants |= set(db.session.execute(
                select(WorkingGroup.id, WorkingGroup.convening_tenant_id).where(WorkingGroup.id.in_(group_ids))).all())
    chosen: dict[int, tuple[User, Tenant]] = {}
    for subscription, user, tenant in rows:
        if user.id in chosen:
            continue
        if not law.is_official and tenant.id != law.owner_tenant_id:
            continue
        if subscription.group_id and (subscription.group_id, tenant.id) not in group_tenants:
            continue
        if not tenant.plugin_enabled(PLUGIN):
            continue
        chosen[user.id] = (user, tenant)
    return list(chosen.values())


def notify_in_languages(recipients_: list[tuple[User, Tenant]], message, params_for, url_for_tenant) -> int:
    """One notify() per tenant and language, with `params_for(locale)` rendered in that language."""
    batches: dict[tuple[int, str], list[User]] = defaultdict(list)
    tenants: dict[int, Tenant] = {}
    for user, tenant in recipients_:
        locale = user.locale or tenant.default_locale or "en"
        batches[(tenant.id, locale)].append(user)
        tenants[tenant.id] = tenant
    sent = 0
    for (tenant_id, locale), users in batches.items():
        tenant = tenants[tenant_id]
        with force_locale(locale):
            params = params_for(locale)
        sent += len(notify(users, tenant, message, params, url=url_for_tenant(tenant)))
    return sent


def notify_stage_change(law: Law, change: StageChange) -> int:
    """Tell every subscriber of the law about a new stage, once each, in their language. Called by
    services.record_stage_change in its transaction; returns how many were notified."""
    def params(locale: str) -> dict:
        return {"law": law.title_in(locale), "stage": change.stage.name_in(locale),
                "date": format_date(change.occurred_on, "medium")}
    return notify_in_languages(recipients(law), STAGE_CHANGED, params, lambda tenant: law_url(tenant, law))
