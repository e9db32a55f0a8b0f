"""Every page a demo user reaches from the menu, plus one record page and one form of each module,
fits a 360 px phone screen without sideways scrolling — for every role of every demo tenant."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from core.cli import DEMO_TENANTS
from core.models import Role
from tests.e2e.test_browser import log_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}
DEMO_PASSWORD = "demo-pass-phone-2026"
# Links that are not pages: files, sign-out, language switches and the API's own reference.
NOT_PAGES = re.compile(r"\.(csv|xlsx|pdf|ics|zip|json|png|svg)(\?|$)|/export|/download|/logout|/api/|/locale/|"
                       r"/calendar\.ics|/feed|/file/|/photo|/attachments/\d+")
DETAIL = re.compile(r"/\d+/?$")
FORM = re.compile(r"/new/?$")


def route_shape(path: str) -> str:
    """A path with its record ids folded, so each kind of page is checked once per user."""
    return re.sub(r"/\d+", "/N", path)


def menu_links(page: Page) -> list[str]:
    return page.eval_on_selector_all("nav a[href]", "links => links.map(a => a.getAttribute('href'))")


def page_links(page: Page) -> list[str]:
    return page.eval_on_selector_all("main a[href]", "links => links.map(a => a.getAttribute('href'))")


def too_wide(page: Page) -> int | None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    return width if width > page.evaluate("window.innerWidth") else None


def own_page(href: str, tenant_prefix: str) -> str | None:
    if not href or href.startswith(("#", "mailto:", "tel:")):
        return None
    parts = urlsplit(href)
    if parts.netloc and not parts.netloc.startswith("127.0.0.1"):
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if NOT_PAGES.search(path):
        return None
    return path if path.startswith(("/t/", "/account", "/groups/", "/admin", "/search", "/notifications")) or \
        path == "/" else None


def walk(page: Page, email: str, tenant_slug: str) -> tuple[list[str], list[str]]:
    """Visit the menu's pages, then one record page and one form found on each; return the pages
    checked and those wider than the screen."""
    log_in(page, email, DEMO_PASSWORD)
    prefix = f"/t/{tenant_slug}/"
    page.goto(prefix)
    menu = [path for path in dict.fromkeys(own_page(h, prefix) for h in menu_links(page)) if path]
    checked, wide, seen = [], [], set()

    def check(path: str) -> bool:
        shape = route_shape(path.split("?")[0])
        if shape in seen:
            return False
        seen.add(shape)
        response = page.goto(path)
        if response is None or response.status >= 400:
            return False
        checked.append(path)
        width = too_wide(page)
        if width:
            wide.append(f"{path} ({width}px)")
        return True

    for path in menu:
        if not check(path):
            continue
        found = [own_page(h, prefix) for h in page_links(page)]
        found = [p for p in found if p and p.startswith(prefix)]
        for pattern in (DETAIL, FORM):
            target = next((p for p in found if pattern.search(p.split("?")[0])), None)
            if target:
                check(target)
                page.goto(path)
    return checked, wide


@pytest.mark.parametrize("tenant_slug", [slug for slug, _name, _locale in DEMO_TENANTS])
def test_every_page_of_the_menu_fits_a_phone_for_every_demo_role(app, new_page, tenant_slug):
    """Each demo tenant's five users (its modules differ: the consulting one has the consulting
    module); the demo data is loaded for each, as the database is emptied after every test."""
    result = app.test_cli_runner().invoke(args=["demo", "--password", DEMO_PASSWORD])
    assert result.exit_code == 0, result.output
    wide_pages = []
    for role in Role:
        page = new_page(PHONE)
        checked, wide = walk(page, f"{role.value}@{tenant_slug}.example", tenant_slug)
        assert len(checked) >= 4, f"{role.value}@{tenant_slug} reached only {checked}"
        wide_pages += [f"{role.value}@{tenant_slug}: {path}" for path in wide]
        page.context.close()
    assert wide_pages == [], f"wider than a {PHONE['width']}px phone: {wide_pages}"
