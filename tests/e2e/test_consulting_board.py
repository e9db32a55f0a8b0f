"""The pipeline board in a real browser: at 360 px the page never scrolls sideways (the board
scrolls in its own box, or shows one stage); with JavaScript a card dragged to another column is
saved, and a refused move snaps back with the reason; without JavaScript the card's own form moves it."""
from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from core.extensions import db
from plugins.consulting_crm.models import Opportunity
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.test_browser import log_in
from tests.plugins.consulting_crm.conftest import add_opportunity, add_organisation, stage

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}


def board_path(tenant) -> str:
    return f"/t/{tenant.slug}/consulting/opportunities/board"


def stage_of(opportunity) -> int:
    db.session.rollback()          # read what the server's threads committed
    return db.session.get(Opportunity, opportunity.id).stage_id


@pytest.fixture
def pipeline(tenant):
    donor = add_organisation(tenant, "Swiss Agency for Development and Cooperation")
    lead = add_opportunity(tenant, "Social accountability training for commune councils", client=donor)
    unvalued = add_opportunity(tenant, "Digital rights manual, second edition", client=donor, code="negotiation",
                               value=None)
    add_opportunity(tenant, "A very long title: access to information law awareness for provincial departments "
                            "and one-window service offices in Kampot, Kep and Takeo", client=donor,
                    code="qualified", value=Decimal(125000))
    return lead, unvalued


@pytest.mark.parametrize("path", ["", "?stage=qualified"])
def test_the_board_fits_a_phone(new_page, tenant, staff, pipeline, path):
    page: Page = new_page(PHONE)
    log_in(page, staff.email)
    page.goto(board_path(tenant) + path)
    expect(page.get_by_role("heading", name="Pipeline", level=1)).to_be_visible()
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"the board is {width}px wide at {PHONE['width']}px"
    for other in ("/t/{slug}/consulting/opportunities/", "/t/{slug}/consulting/opportunities/new"):
        page.goto(other.format(slug=tenant.slug))
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"], f"{other} is {width}px wide"


def test_dragging_a_card_to_another_column_saves_the_move(new_page, tenant, staff, pipeline):
    lead, _unvalued = pipeline
    qualified = stage(tenant, "qualified")
    page: Page = new_page()
    log_in(page, staff.email)
    page.goto(board_path(tenant))
    card = page.locator(f"#opp-{lead.id}")
    target = page.locator(f'.board-column[data-stage-id="{qualified.id}"]')
    with page.expect_response(lambda r: r.url.endswith(f"/{lead.id}/move") and r.request.method == "POST"):
        card.drag_to(target)
    expect(target.locator(f"#opp-{lead.id}")).to_be_visible()
    expect(page.locator("#board-status")).to_have_text("Moved to Qualified.")
    expect(target.locator(".total-count")).to_have_text("2")
    assert stage_of(lead) == qualified.id
    page.reload()                                           # still there after a reload
    expect(target.locator(f"#opp-{lead.id}")).to_be_visible()


def test_a_refused_drag_snaps_back_with_the_reason(new_page, tenant, staff, pipeline):
    _lead, unvalued = pipeline
    won, negotiation = stage(tenant, "won"), stage(tenant, "negotiation")
    page: Page = new_page()
    log_in(page, staff.email)
    page.goto(board_path(tenant))
    with page.expect_response(lambda r: r.url.endswith(f"/{unvalued.id}/move")):
        page.locator(f"#opp-{unvalued.id}").drag_to(page.locator(f'.board-column[data-stage-id="{won.id}"]'))
    expect(page.locator("#board-status")).to_have_text("Enter the estimated value first.")
    expect(page.locator(f'.board-column[data-stage-id="{negotiation.id}"] #opp-{unvalued.id}')).to_be_visible()
    expect(page.locator(f"#opp-{unvalued.id}")).to_have_class("opp-card refused")
    assert stage_of(unvalued) == negotiation.id


def test_the_cards_form_moves_it_with_the_keyboard_and_scripts_on(new_page, tenant, staff, pipeline):
    lead, _unvalued = pipeline
    writing = stage(tenant, "writing")
    page: Page = new_page()
    log_in(page, staff.email)
    page.goto(board_path(tenant))
    page.get_by_label(f"Move {lead.title} to").select_option(str(writing.id))
    with page.expect_response(lambda r: r.url.endswith(f"/{lead.id}/move")):
        page.locator(f"#opp-{lead.id} .opp-move button").press("Enter")
    expect(page.locator(f'.board-column[data-stage-id="{writing.id}"] #opp-{lead.id}')).to_be_visible()
    assert stage_of(lead) == writing.id


def test_without_javascript_the_cards_form_moves_it(browser, live_server, tenant, staff, pipeline):
    lead, _unvalued = pipeline
    qualified = stage(tenant, "qualified")
    db.session.commit()
    context = browser.new_context(base_url=live_server, java_script_enabled=False, locale="en-GB", viewport=PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        log_in(page, staff.email)
        page.goto(board_path(tenant) + "?stage=lead")
        page.get_by_label(f"Move {lead.title} to").select_option(str(qualified.id))
        with page.expect_navigation():
            page.locator(f"#opp-{lead.id} .opp-move button").click()
        assert page.url.endswith("/board?stage=lead")
        expect(page.get_by_text(f"{lead.title} moved to Qualified.")).to_be_visible()
        assert stage_of(lead) == qualified.id
        page.goto(board_path(tenant) + "?stage=qualified")
        expect(page.locator(f"#opp-{lead.id}")).to_be_visible()
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"]
    finally:
        context.close()
