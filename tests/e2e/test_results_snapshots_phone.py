"""The snapshot pages of the results framework in a real browser on a phone-sized screen, in Khmer
and in English: the list, freezing, a snapshot and the comparison of four periods never scroll
sideways (the comparison table scrolls inside its own box), and a period is frozen by hand."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page

from core.extensions import db
from core.models import Role, User
from core.periods import parse_period
from core.tenancy import tenant_scope
from tests.e2e.test_browser import log_in
from tests.helpers import make_member
from tests.plugins.results_framework.conftest import enter, make_indicator, make_outcome

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}
LONG_NAME = "Sub-national administrations and NCDD ministries that answered at least one request on time"


@pytest.mark.parametrize("locale", ["km", "en"])
def test_snapshot_pages_fit_a_phone_in_both_languages(new_page, tenant, locale):
    from plugins.results_framework import services
    manager = make_member(tenant, Role.ADMIN)
    outcome = make_outcome(tenant)
    for number in range(1, 5):
        indicator = make_indicator(tenant, outcome, f"1.1.{number}", name_en=LONG_NAME,
                                   targets={"2025": 1000 * number})
        for quarter in (1, 2, 3):
            enter(tenant, indicator, f"2025-Q{quarter}", 123456 * number + quarter,
                  breakdown={"sex": {"female": 60000 * number, "male": 63456 * number}})
    with tenant_scope(tenant.id):
        snapshot = services.freeze(tenant, parse_period("2025-Q1"), actor_id=manager.id,
                                   comment="Quarterly report to the board of the network")
        db.session.commit()
        snapshot_id = snapshot.id
    db.session.get(User, manager.id).locale = locale
    db.session.commit()
    page: Page = new_page(PHONE)
    log_in(page, manager.email)
    base = f"/t/{tenant.slug}/results/snapshots"
    compare = "/compare?period=2025-Q1&period=2025-Q2&period=2025-Q3&period=2025"
    for path in ("/", "/freeze?kind=quarter&period=2025-Q2", f"/{snapshot_id}", compare):
        page.goto(base + path)
        assert page.locator("html").get_attribute("lang") == locale
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width}px wide at {PHONE['width']}px ({locale})"
    # The comparison is wider than the phone: it scrolls inside its own box.
    assert page.evaluate("document.querySelector('.table-wrap').scrollWidth") > PHONE["width"]


def test_a_manager_freezes_a_period_on_a_phone(new_page, tenant):
    manager = make_member(tenant, Role.ADMIN)
    outcome = make_outcome(tenant)
    indicator = make_indicator(tenant, outcome, "1.1.1", name_en="People trained")
    enter(tenant, indicator, "2025-Q2", 42)
    page: Page = new_page(PHONE)
    log_in(page, manager.email)
    page.goto(f"/t/{tenant.slug}/results/snapshots/freeze")
    page.get_by_label("Period", exact=True).select_option("2025-Q2")
    page.get_by_role("button", name="Show the values").click()
    page.get_by_label("Comment on 1.1.1").fill("Two workshops in Kep")
    page.get_by_role("button", name="Freeze Q2 2025").click()
    assert page.get_by_role("heading", name="Snapshot of Q2 2025").is_visible()
    assert page.get_by_text("Two workshops in Kep").is_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
