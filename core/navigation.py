"""The tenant menu: entries from the core and every enabled plugin, via `samaki_nav_items`."""
from __future__ import annotations

from flask import current_app, request

from core.plugins import NavItem


def _is_current(item: NavItem, endpoint: str) -> bool:
    # A plugin's entry stays highlighted on all of its pages; core entries only on their own page.
    if endpoint == item.endpoint:
        return True
    blueprint = item.endpoint.split(".", 1)[0]
    return blueprint not in {"core", ""} and endpoint.startswith(blueprint + ".")


def nav_items(tenant, user) -> list[NavItem]:
    items = current_app.extensions["samaki"].collect("samaki_nav_items", tenant, user=user)
    endpoint = request.endpoint or ""
    exact = any(item.endpoint == endpoint for item in items)
    for item in items:
        # Highlight one entry: the page's own, else the first entry of the plugin it belongs to.
        item.active = item.endpoint == endpoint if exact else _is_current(item, endpoint)
        exact = exact or item.active
    return sorted(items, key=lambda item: item.order)
