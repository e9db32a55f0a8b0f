"""In a real browser, on a phone-sized screen: an admin of an organisation that requires a second
factor is sent to set it up, reads the key from the page into an authenticator (pyotp here), keeps
the recovery codes, and next time signs in with password and code."""
from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import Page, expect

from core.columns import utcnow
from core.extensions import db
from core.models import User
from tests.e2e.test_browser import log_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}


def fresh_code(user_id: int, secret: str) -> str:
    """What the app shows now, or the next code when the current one was already used."""
    db.session.rollback()   # read what the server committed
    last_step = db.session.get(User, user_id).totp_last_step
    totp = pyotp.TOTP(secret)
    step = max(totp.timecode(utcnow()), (last_step or 0) + 1)
    return totp.generate_otp(step)


def expect_no_sideways_scrolling(page: Page) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide at {PHONE['width']}px"


@pytest.mark.e2e
def test_admin_enrols_when_the_organisation_requires_it_and_signs_in_with_a_code(new_page, tenant, admin_user):
    tenant.require_two_factor = True
    db.session.commit()
    page = new_page(PHONE)

    log_in(page, admin_user.email)
    expect(page).to_have_url(re.compile(r"/account/two-factor"))
    expect(page.get_by_text("asks you to sign in with a second factor")).to_be_visible()
    expect(page.locator("svg.qr-code")).to_be_visible()
    expect_no_sideways_scrolling(page)

    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill(fresh_code(admin_user.id, secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Switch on").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor sign-in is on")
    codes = page.locator("#recovery-codes code")
    expect(codes).to_have_count(10)
    with page.expect_navigation():
        page.get_by_role("link", name="I have kept my recovery codes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kampot CSO Network")

    page.context.clear_cookies()
    log_in(page, admin_user.email)
    expect(page).to_have_url(re.compile(r"/login/two-factor$"))
    expect_no_sideways_scrolling(page)
    page.get_by_label("Code").fill(fresh_code(admin_user.id, secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Kampot CSO Network")
