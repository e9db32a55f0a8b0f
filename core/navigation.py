"""The tenant menu: entries from the core and every enabled plugin, via `samaki_nav_items`.

Building it calls every plugin's hook, builds a dozen URLs and translates each label on every page,
so each worker keeps the finished entries, keyed by everything that changes them: the tenant (id
and slug: the URLs carry it), the language, the member's role (which fixes the permissions: the
registry is built once, at app start), the plugins the tenant has switched on and the URL prefix.
A viewer therefore never gets the menu built for an administrator, nor one tenant another's. The
entries name no person; which one is highlighted is decided per page."""
from __future__ import annotations

from dataclasses import replace

from flask import current_app, request

from core.i18n import current_locale
from core.plugins import NavItem

MAX_MENUS = 2_000   # tenants × roles × languages of one instance; cleared when full


def _is_current(item: NavItem, endpoint: str) -> bool:
    # A plugin's entry stays highlighted on all of its pages; core entries only on their own page.
    if endpoint == item.endpoint:
        return True
    blueprint = item.endpoint.split(".", 1)[0]
    return blueprint not in {"core", ""} and endpoint.startswith(blueprint + ".")


def menu_key(tenant, membership) -> tuple:
    """What the menu of `membership` in `tenant` depends on (see the module docstring)."""
    role = membership.role if membership.is_active else None
    enabled = tuple(name for name in current_app.extensions["samaki"].modules if tenant.plugin_enabled(name))
    return tenant.id, tenant.slug, current_locale(), role, enabled, request.script_root


def _menu(tenant, user, membership) -> list[NavItem]:
    menus = current_app.extensions.setdefault("samaki_menus", {})
    key = menu_key(tenant, membership)
    items = menus.get(key)
    if items is None:
        found = current_app.extensions["samaki"].collect("samaki_nav_items", tenant, user=user)
        items = [replace(item, label=str(item.label)) for item in sorted(found, key=lambda item: item.order)]
        if len(menus) >= MAX_MENUS:
            menus.clear()
        menus[key] = items
    return items


def nav_items(tenant, user, membership) -> list[NavItem]:
    endpoint = request.endpoint or ""
    items = [replace(item) for item in _menu(tenant, user, membership)]
    exact = any(item.endpoint == endpoint for item in items)
    for item in items:
        # Highlight one entry: the page's own, else the first entry of the plugin it belongs to.
        item.active = item.endpoint == endpoint if exact else _is_current(item, endpoint)
        exact = exact or item.active
    return items
