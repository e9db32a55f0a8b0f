"""Administration rules shared by the pages and the CLI: slugs, members and roles, module
switches, new tenants. They raise DomainError and never commit (the caller does, once)."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core.errors import DomainError
from core.extensions import db
from core.models import Membership, Role, Tenant, TenantPlugin, User

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
RESERVED_SLUGS = {"admin", "api", "static", "login", "logout"}


def validate_slug(slug: str):
    """A translatable reason the slug cannot be used, or None."""
    if not SLUG_PATTERN.match(slug or ""):
        return _l("Use 1 to 64 lower-case letters, digits and dashes, not starting or ending with a dash.")
    if slug in RESERVED_SLUGS:
        return _l("This name is reserved.")
    return None


def create_tenant(slug: str, name: str, default_locale: str = "km", timezone: str = "Asia/Phnom_Penh") -> Tenant:
    problem = validate_slug(slug)
    if problem:
        raise DomainError(problem, field="slug")
    if db.session.execute(select(Tenant.id).where(Tenant.slug == slug)).first():
        raise DomainError(_l("An organisation with this address already exists."), field="slug")
    tenant = Tenant(slug=slug, name=name.strip(), default_locale=default_locale, timezone=timezone)
    db.session.add(tenant)
    db.session.flush()
    return tenant


def _active_owner_count(tenant: Tenant) -> int:
    return db.session.execute(select(func.count()).select_from(Membership).where(
        Membership.tenant_id == tenant.id, Membership.role == Role.OWNER, Membership.is_active)).scalar_one()


def _check_may_touch(actor_role: Role, current: Role | None, new: Role | None) -> None:
    # Only owners hand out or take away ownership; admins manage everyone else.
    if actor_role != Role.OWNER and Role.OWNER in (current, new):
        raise DomainError(_l("Only an owner can give or take away the owner role."), field="role")


def add_member(tenant: Tenant, *, email: str, name: str, role: Role, actor_role: Role) -> tuple[Membership, bool]:
    """Add a person to the tenant, creating their account if needed. Returns (membership, account_created)."""
    _check_may_touch(actor_role, None, role)
    email = email.strip().lower()
    user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    created = user is None
    if created:
        user = User(email=email, name=name.strip() or email.split("@")[0], locale=tenant.default_locale)
        db.session.add(user)
    else:
        existing = db.session.execute(select(Membership).where(
            Membership.tenant_id == tenant.id, Membership.user_id == user.id)).scalar_one_or_none()
        if existing is not None:
            raise DomainError(_l("This person is already a member."), field="email")
    membership = Membership(user=user, tenant=tenant, role=role)
    db.session.add(membership)
    return membership, created


def change_role(membership: Membership, new_role: Role, *, actor_role: Role) -> None:
    _check_may_touch(actor_role, membership.role, new_role)
    if membership.role == Role.OWNER and new_role != Role.OWNER and _active_owner_count(membership.tenant) <= 1:
        raise DomainError(_l("An organisation needs at least one owner."), field="role")
    membership.role = new_role


def set_member_active(membership: Membership, active: bool, *, actor_role: Role, actor_id: int) -> None:
    _check_may_touch(actor_role, membership.role, None)
    if not active and membership.user_id == actor_id:
        raise DomainError(_l("You cannot deactivate yourself."))
    if not active and membership.role == Role.OWNER and _active_owner_count(membership.tenant) <= 1:
        raise DomainError(_l("An organisation needs at least one owner."))
    membership.is_active = active


def set_plugin_enabled(tenant: Tenant, plugin: str, enabled: bool) -> None:
    switch = next((s for s in tenant.plugin_switches if s.plugin == plugin), None)
    if switch is None:
        tenant.plugin_switches.append(TenantPlugin(plugin=plugin, enabled=enabled))
    else:
        switch.enabled = enabled
