"""The place picker in a real browser: typing a district's Khmer name offers it in the list, the
keyboard picks it and the form goes to that district; without JavaScript the server resolves the
typed name. On a phone-sized screen the list fits."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from core.extensions import db
from tests.core.registers.places_helpers import TUEK_CHHU, TUEK_CHHU_KM, load_places, place
from tests.e2e.test_browser import log_in

pytestmark = pytest.mark.e2e

PLACES = "/t/kampot-network/places/"
PHONE = {"width": 360, "height": 740}


def test_typing_a_district_khmer_name_offers_it_and_the_keyboard_picks_it(new_page, tenant, staff):
    load_places()
    district_id = place(TUEK_CHHU).id
    page: Page = new_page()
    log_in(page, staff.email)
    page.goto(PLACES)

    box = page.get_by_role("combobox", name="Go to a place")
    box.press_sequentially(TUEK_CHHU_KM, delay=30)
    option = page.get_by_role("option", name=re.compile("Tuek Chhu — Kampot"))
    expect(option).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", re.compile("listbox-"))
    box.press("Enter")

    expect(box).to_have_value("0707 Tuek Chhu — Kampot")
    expect(page.locator("input[name='place-id']")).to_have_value(str(district_id))
    with page.expect_navigation():
        page.get_by_role("button", name="Go").click()
    expect(page).to_have_url(re.compile(rf"/places/{district_id}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tuek Chhu")


def test_picker_list_fits_a_phone_and_a_click_picks(new_page, tenant, staff):
    load_places()
    page: Page = new_page(PHONE)
    log_in(page, staff.email)
    page.goto(PLACES)

    box = page.locator("#place")
    box.fill("kampot")
    option = page.get_by_role("option", name=re.compile(r"^0708 "))
    expect(option).to_be_visible()
    list_box = page.get_by_role("listbox").bounding_box()
    assert list_box["x"] >= 0 and list_box["x"] + list_box["width"] <= PHONE["width"]
    option.click()

    expect(box).to_have_value("0708 Kampot — Kampot")
    expect(page.get_by_role("listbox")).to_be_hidden()


def test_without_javascript_the_typed_name_is_resolved_by_the_server(browser, live_server, tenant, staff):
    load_places()
    db.session.commit()
    context = browser.new_context(base_url=live_server, java_script_enabled=False, locale="en-GB")
    try:
        page = context.new_page()
        log_in(page, staff.email)
        page.goto(PLACES)
        page.get_by_label("Go to a place").fill(TUEK_CHHU_KM)
        with page.expect_navigation():
            page.get_by_role("button", name="Go").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Tuek Chhu")
    finally:
        context.close()
