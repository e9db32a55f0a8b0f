"""What a user sees in a real browser: logging in and out, the language switcher, a plugin's forms, the phone menu."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from core.extensions import db
from core.models import User
from tests.example_plugin.models import FieldVisit
from tests.helpers import PASSWORD

pytestmark = pytest.mark.e2e

DASHBOARD = "/t/kampot-network/"
VISITS = "/t/kampot-network/visits/"


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Fill in the login form like a user does."""
    page.goto("/login")
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()


def record_visit(page: Page, title: str, visited_on: str = "2024-03-15") -> None:
    page.goto(VISITS + "new")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Date of the visit").fill(visited_on)
    page.get_by_label("Notes").fill("Met the commune council about the water pump.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()


def expect_khmer_page(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "km")
    expect(page.locator("details.menu nav").get_by_role("link", name="ផ្ទាំងគ្រប់គ្រង")).to_be_visible()


def visits_in_db() -> list[str]:
    db.session.rollback()   # read what the server committed, not this thread's stale snapshot
    return list(db.session.scalars(select(FieldVisit.title)))


@pytest.mark.e2e
def test_staff_logs_in_and_sees_the_dashboard_with_field_visits_link(page, tenant, staff):
    log_in(page, staff.email)

    expect(page).to_have_url(re.compile(re.escape(DASHBOARD) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kampot CSO Network")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Field visits")).to_be_visible()


@pytest.mark.e2e
def test_khmer_chosen_in_the_switcher_is_remembered_after_reload_and_new_login(page, tenant, staff):
    log_in(page, staff.email)
    with page.expect_navigation():
        page.get_by_role("button", name="ខ្មែរ").click()

    expect_khmer_page(page)

    page.reload()
    expect_khmer_page(page)

    with page.expect_navigation():
        page.locator("details.menu form[action$='/logout'] button").click()   # labelled in Khmer now
    # Forget the language cookie too: after logging in again the choice must come from the user.
    page.context.clear_cookies()
    log_in(page, staff.email)
    expect_khmer_page(page)
    db.session.rollback()
    assert db.session.get(User, staff.id).locale == "km"


@pytest.mark.e2e
def test_field_visit_created_in_the_form_shows_on_the_list_and_its_edited_title_on_the_detail_page(
        page, tenant, staff):
    log_in(page, staff.email)
    record_visit(page, "Visit to Kampong Trach")
    expect(page.get_by_role("heading", level=1)).to_have_text("Visit to Kampong Trach")

    page.goto(VISITS)
    expect(page.get_by_role("main").get_by_role("link", name="Visit to Kampong Trach")).to_be_visible()

    page.get_by_role("main").get_by_role("link", name="Visit to Kampong Trach").click()
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Title").fill("Visit to Kampong Trach commune hall")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(r"/t/kampot-network/visits/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Visit to Kampong Trach commune hall")
    assert visits_in_db() == ["Visit to Kampong Trach commune hall"]


@pytest.mark.e2e
def test_empty_title_shows_the_error_next_to_the_field_and_creates_nothing(page, tenant, staff):
    log_in(page, staff.email)
    record_visit(page, "")

    title = page.get_by_label("Title")
    expect(title).to_have_attribute("aria-invalid", "true")
    error = page.locator("#title-error.field-error")
    expect(error).to_have_text("This field is required.")
    expect(title).to_have_attribute("aria-describedby", re.compile(r"\btitle-error\b"))
    expect(title).to_be_focused()
    assert visits_in_db() == []


@pytest.mark.e2e
def test_log_out_from_the_menu_returns_to_login_and_the_dashboard_then_asks_to_log_in(page, tenant, staff):
    log_in(page, staff.email)
    page.locator("details.menu").get_by_role("button", name="Log out").click()

    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.get_by_text("You have logged out.")).to_be_visible()

    page.goto(DASHBOARD)
    expect(page).to_have_url(re.compile(r"/login(\?.*)?$"))
    expect(page.get_by_role("button", name="Log in")).to_be_visible()


@pytest.mark.e2e
def test_on_a_phone_the_menu_is_collapsed_behind_menu_and_opens_on_click(new_page, tenant, staff):
    page = new_page({"width": 375, "height": 667})
    log_in(page, staff.email)
    menu_link = page.locator("details.menu nav").get_by_role("link", name="Field visits")

    expect(page.locator("details.menu summary")).to_have_text("Menu")
    expect(menu_link).to_be_hidden()

    page.get_by_text("Menu", exact=True).click()
    expect(page.locator("details.menu")).to_have_attribute("open", "")
    expect(menu_link).to_be_visible()


@pytest.mark.e2e
def test_a_khmer_speaking_officer_files_a_request_and_sees_its_due_date_after_khmer_new_year(page, app, tenant, staff):
    """The A2I module end to end in Khmer: file a draft, record its submission on the Friday before
    Khmer New Year, and read a due date that skips the weekend and the three holidays."""
    from datetime import date

    from flask_babel import force_locale, format_date

    from core.registers.models import Institution, InstitutionKind
    from plugins.a2i_requests.models import InfoRequest, RequestStatus

    body = Institution(code="MOI", kind=InstitutionKind.MINISTRY, name_en="Ministry of Information",
                       name_km="ក្រសួងព័ត៌មាន")
    db.session.add(body)
    db.session.get(User, staff.id).locale = "km"
    db.session.commit()
    log_in(page, staff.email)

    page.goto("/t/kampot-network/a2i/requests/new")
    expect_khmer_page(page)
    page.locator("#subject").fill("ថវិកាឃុំកំពង់ត្រាចឆ្នាំ២០២៦")
    page.locator("#question").fill("សូមផ្ដល់ថវិកាឃុំសម្រាប់ឆ្នាំ២០២៦។")
    page.locator("#body_id").press_sequentially("ព័ត៌មាន", delay=30)    # the body picker (type-ahead)
    option = page.get_by_role("option", name=re.compile("ក្រសួងព័ត៌មាន"))
    expect(option).to_be_visible()
    option.click()
    with page.expect_navigation():
        page.locator("main form.stacked button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("ថវិកាឃុំកំពង់ត្រាចឆ្នាំ២០២៦")

    with app.test_request_context(), force_locale("km"):
        submitted_label = str(RequestStatus.SUBMITTED.label)
        due_text = format_date(date(2026, 4, 22), "full")
    with page.expect_navigation():
        page.get_by_role("link", name=submitted_label, exact=True).click()
    page.locator("#occurred_on").fill("2026-04-10")          # a Friday; 14-16 April are Khmer New Year
    page.locator("#receipt_number").fill("MOI-0412")
    with page.expect_navigation():
        page.locator("main form.stacked button[type=submit]").click()

    main = page.get_by_role("main")
    expect(main).to_contain_text(submitted_label)
    expect(main).to_contain_text(due_text)                    # Mon 13, Fri 17, Mon 20, Tue 21, Wed 22
    db.session.rollback()
    request = db.session.scalars(select(InfoRequest)).one()
    assert (request.status, request.receipt_number, request.due_on) == (RequestStatus.SUBMITTED, "MOI-0412",
                                                                       date(2026, 4, 22))
