"""Attendance on a 360 px phone with a connection that drops: taps toggle at once, wait on the
phone while offline (with a walk-in typed meanwhile), and reach the database exactly once when the
connection returns; the screen never scrolls sideways."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from core.extensions import db
from core.registers.models import Contact
from core.tenancy import tenant_scope
from plugins.training_registry import services
from plugins.training_registry.models import Attendance, Enrolment, EnrolmentSource
from tests.e2e.test_browser import log_in
from tests.plugins.training_registry.conftest import PEOPLE, add_course, add_people

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}


def fits_the_phone(page: Page) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth"), f"the screen is {width}px wide at {PHONE['width']}px"


def saved_marks(tenant, session_id: int) -> dict[int, bool]:
    db.session.rollback()      # read what the server's threads committed
    with tenant_scope(tenant.id):
        return dict(db.session.execute(select(Attendance.enrolment_id, Attendance.present)
                                       .where(Attendance.session_id == session_id)).all())


def test_attendance_taken_offline_arrives_once_when_the_connection_returns(new_page, tenant, staff):
    course = add_course(tenant, title_en="Access to information for commune councils and citizens' groups")
    people = add_people(tenant, PEOPLE + [("សុខ ចាន់ថា", "Sok Chantha", *PEOPLE[0][2:7], False)])
    with tenant_scope(tenant.id):
        ids = [services.enrol(course, person).id for person in people]
        db.session.commit()
        session_id = course.sessions[0].id
    page: Page = new_page(PHONE)
    log_in(page, staff.email)
    page.goto(f"/t/{tenant.slug}/training/sessions/{session_id}/attendance")
    status = page.locator("#att-status")
    count = page.locator("#att-count")
    expect(count).to_have_text("0 of 6 present")
    fits_the_phone(page)

    def person(enrolment_id: int):
        return page.locator(f'button[data-enrolment="{enrolment_id}"]')

    # Online: two taps, saved at once.
    person(ids[0]).click()
    person(ids[1]).click()
    expect(person(ids[0])).to_have_attribute("aria-pressed", "true")
    expect(status).to_have_text("All saved")
    expect(count).to_have_text("2 of 6 present")
    assert saved_marks(tenant, session_id) == {ids[0]: True, ids[1]: True}

    # The connection drops: taps still toggle, and wait on the phone.
    page.context.set_offline(True)
    person(ids[2]).click()
    person(ids[3]).click()
    person(ids[0]).click()                       # marked present by mistake: now absent
    expect(person(ids[0])).to_have_attribute("data-state", "absent")
    expect(person(ids[2])).to_have_attribute("data-state", "present")
    expect(status).to_contain_text("3 taps waiting to be sent")
    expect(status).to_contain_text("No connection")

    # A walk-in typed while offline waits too.
    page.get_by_label("Name in Latin script").fill("Ouk Veasna")
    page.get_by_label("Name in Khmer").fill("អ៊ុក វាសនា")
    page.get_by_label("Sex").select_option("male")
    page.get_by_label("Phone").fill("097 555 1234")
    page.get_by_role("button", name="Add and mark present").click()
    expect(page.locator("#walk-in-pending")).to_contain_text("អ៊ុក វាសនា: waiting to be sent")
    expect(status).to_contain_text("1 walk-in waiting to be sent")
    expect(count).to_have_text("4 of 7 present")
    expect(page.get_by_label("Name in Latin script")).to_have_value("")
    page.screenshot(path="/tmp/att_offline.png", full_page=True)
    fits_the_phone(page)
    assert saved_marks(tenant, session_id) == {ids[0]: True, ids[1]: True}

    # Back online: everything arrives, once.
    page.context.set_offline(False)
    expect(status).to_have_text("All saved", timeout=20000)
    walk_in_button = page.locator("#att-people button", has_text="Ouk Veasna")
    expect(walk_in_button).to_have_attribute("data-state", "present")
    expect(page.locator("#walk-in-pending li")).to_have_count(0)
    fits_the_phone(page)

    marks = saved_marks(tenant, session_id)
    with tenant_scope(tenant.id):
        walk_ins = db.session.scalars(select(Enrolment).where(Enrolment.source == EnrolmentSource.WALK_IN)).all()
        veasnas = db.session.scalar(select(func.count()).select_from(Contact).where(Contact.name_latin == "Ouk Veasna"))
    assert len(walk_ins) == 1 and veasnas == 1
    assert marks == {ids[0]: False, ids[1]: True, ids[2]: True, ids[3]: True, walk_ins[0].id: True}

    page.screenshot(path="/tmp/att_online.png", full_page=True)
    # A reload sends nothing again and shows the same state.
    page.reload()
    expect(count).to_have_text("4 of 7 present")
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('samaki-attendance')).length") == 0
    with tenant_scope(tenant.id):
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Attendance)) == 5
        assert db.session.scalar(select(func.count()).select_from(Contact).where(
            Contact.name_latin == "Ouk Veasna")) == 1
