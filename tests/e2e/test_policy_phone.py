"""The policy tracker in a real browser on a phone-sized screen, in Khmer and in English: the law
list, a law's timeline, campaigns, recommendations and the policy calendar never scroll sideways."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page

from core.extensions import db
from core.models import User
from core.tenancy import tenant_scope
from tests.e2e.test_browser import log_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}


@pytest.mark.parametrize("locale", ["km", "en"])
def test_policy_pages_fit_a_phone_in_both_languages(new_page, tenant, staff, locale):
    from plugins.policy_tracker import campaign_demo, campaigns, demo
    from plugins.policy_tracker.models import Law
    with tenant_scope(tenant.id):
        demo.load_demo_data(tenant)
        campaign_demo.load_demo_data(tenant)
        # A long title: a filter's choice list must not widen the page.
        campaigns.create_campaign(tenant.id, title="Citizens' access to commune budgets and procurement records "
                                                   "in Kampot, Kep and Takeo provinces, 2026 to 2028")
        db.session.commit()
        law_id = db.session.query(Law.id).order_by(Law.id).first()[0]
    db.session.get(User, staff.id).locale = locale
    db.session.commit()
    page: Page = new_page(PHONE)
    log_in(page, staff.email)
    base = f"/t/{tenant.slug}/policy"
    for path in ("/laws/", f"/laws/{law_id}", "/campaigns/", "/campaigns/recommendations", "/calendar/"):
        page.goto(base + path)
        assert page.locator("html").get_attribute("lang") == locale
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width}px wide at {PHONE['width']}px ({locale})"
