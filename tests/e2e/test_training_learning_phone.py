"""The scores sheet and a curriculum's learning gain in a real browser on a phone-sized screen, in
Khmer and in English: the page never scrolls sideways (a wide table scrolls in its own box), and an
editor saves the sheet without JavaScript."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page

from core.extensions import db
from core.models import User
from core.tenancy import tenant_scope
from plugins.training_registry.models import Course
from tests.e2e.test_browser import log_in
from tests.plugins.training_registry.conftest import course, enrolled, people  # noqa: F401  (fixtures)
from tests.plugins.training_registry.test_learning_gain import add_curriculum
from tests.plugins.training_registry.test_learning_scores import set_scores

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}


@pytest.mark.parametrize("locale", ["km", "en"])
def test_learning_pages_fit_a_phone_in_both_languages(new_page, tenant, staff, enrolled, locale):  # noqa: F811
    curriculum = add_curriculum(tenant)
    with tenant_scope(tenant.id):
        course = db.session.get(Course, enrolled.id)
        course.curriculum_version_id = curriculum.versions[0].id
        course.title_en = "Access to information for commune councils, district officials and CSO networks"
        db.session.commit()
    set_scores(tenant, enrolled, {"Sok Sreyny": (8, 14), "Chan Dara": (10, 15)})
    db.session.get(User, staff.id).locale = locale
    db.session.commit()
    page: Page = new_page(PHONE)
    log_in(page, staff.email)
    base = f"/t/{tenant.slug}/training"
    for path in (f"/courses/{enrolled.id}/scores", f"/curricula/{curriculum.id}/learning-gain"):
        page.goto(base + path)
        assert page.locator("html").get_attribute("lang") == locale
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width}px wide at {PHONE['width']}px ({locale})"


def test_an_editor_saves_the_sheet_on_a_phone(new_page, tenant, staff, enrolled):  # noqa: F811
    page: Page = new_page(PHONE)
    log_in(page, staff.email)
    page.goto(f"/t/{tenant.slug}/training/courses/{enrolled.id}/scores")
    page.get_by_label("Pre-test score of Sok Sreyny / សុខ ស្រីនី").fill("8")
    page.get_by_label("Post-test score of Sok Sreyny / សុខ ស្រីនី").fill("14")
    with page.expect_navigation():
        page.get_by_role("button", name="Save scores").click()
    assert page.get_by_text("Scores saved.").is_visible()
    row = page.get_by_role("row", name="Sok Sreyny")
    assert row.get_by_role("cell", name="+6").is_visible() and row.get_by_role("cell", name="50%").is_visible()
