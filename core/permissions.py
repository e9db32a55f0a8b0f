"""Roles grant permission strings; plugins declare theirs through `samaki_permissions`.
Views are guarded with `@require("perm")`."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps

from flask import abort, current_app, g
from flask_babel import lazy_gettext as _l

from core.models.user import Role

ALL_ROLES = (Role.OWNER, Role.ADMIN, Role.STAFF, Role.MEMBER, Role.VIEWER)
MANAGERS = (Role.OWNER, Role.ADMIN)
EDITORS = (Role.OWNER, Role.ADMIN, Role.STAFF)
ROLE_LABELS = {Role.OWNER: _l("Owner"), Role.ADMIN: _l("Administrator"), Role.STAFF: _l("Staff"),
               Role.MEMBER: _l("Member"), Role.VIEWER: _l("Viewer")}


def role_label(role: Role | str):
    return ROLE_LABELS[Role(role)]


@dataclass(frozen=True)
class Permission:
    name: str
    label: object                    # a lazily translated string
    roles: tuple[Role, ...] = field(default=MANAGERS)


class PermissionRegistry:
    def __init__(self, permissions: list[Permission]):
        self.permissions = {p.name: p for p in permissions}

    def role_has(self, role: Role, name: str) -> bool:
        permission = self.permissions.get(name)
        if permission is None:
            raise KeyError(f"Unknown permission {name!r}: declare it in a samaki_permissions hook")
        return role in permission.roles

    def for_role(self, role: Role) -> set[str]:
        return {name for name, p in self.permissions.items() if role in p.roles}


def registry() -> PermissionRegistry:
    return current_app.extensions["samaki"].permissions


def can(name: str) -> bool:
    """Whether the current user may do `name` in the current tenant."""
    membership = g.get("membership")
    if membership is None or not membership.is_active:
        return False
    return registry().role_has(membership.role, name)


def require(name: str):
    """Guard a tenant view: 403 unless the user's role in the tenant grants `name`."""
    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not can(name):
                abort(403)
            return view(*args, **kwargs)
        guarded.samaki_permission = name
        return guarded
    return decorator
