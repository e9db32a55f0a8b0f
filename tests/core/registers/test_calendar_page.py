"""The working-day calendar page: the year's public holidays (Khmer names on Khmer pages), the
organisation's closure days added and removed by managers (audited), seen by every deadline."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent, Role
from core.registers.calendar import add_closure_day, tenant_calendar
from core.registers.models import ClosureDay
from core.tenancy import tenant_scope
from tests.helpers import login, make_member

# A Wednesday that is no public holiday.
OFFICE_RETREAT = date(2026, 7, 8)


def url(tenant, path: str = "") -> str:
    return f"/t/{tenant.slug}/calendar/{path}"


def closures(tenant) -> list[ClosureDay]:
    with tenant_scope(tenant.id):
        return list(db.session.scalars(select(ClosureDay)))


def test_page_lists_the_years_public_holidays(staff_client, tenant):
    page = staff_client.get(url(tenant, "?year=2026")).text
    assert "Working-day calendar 2026" in page
    assert "Khmer New Year" in page and "Tuesday, April 14, 2026" in page
    assert "Add a closure day" not in page   # staff look, managers change


def test_khmer_page_names_holidays_in_khmer(client, tenant):
    user = make_member(tenant, Role.STAFF, locale="km")
    login(client, user.email)
    page = client.get(url(tenant, "?year=2026")).text
    assert "ពិធីបុណ្យចូលឆ្នាំថ្មីប្រពៃណីជាតិ" in page


def test_manager_adds_a_closure_day_that_deadlines_skip(admin_client, tenant):
    assert tenant_calendar(tenant.id).is_working_day(OFFICE_RETREAT)
    response = admin_client.post(url(tenant, "closure-days"), data={"day": "2026-07-08", "label": "Staff retreat"})
    assert response.status_code == 302
    page = admin_client.get(response.headers["Location"]).text
    assert "Staff retreat" in page and "Wednesday, July 8, 2026" in page
    with tenant_scope(tenant.id):
        assert tenant_calendar(tenant.id).is_working_day(OFFICE_RETREAT) is False
        assert tenant_calendar(tenant.id).add_working_days(date(2026, 7, 7), 1) == date(2026, 7, 9)
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.model == "ClosureDay"))
        assert event is not None and event.action == "insert"


def test_the_same_day_twice_is_a_form_error(admin_client, tenant):
    with tenant_scope(tenant.id):
        add_closure_day(tenant.id, OFFICE_RETREAT, "Staff retreat")
        db.session.commit()
    response = admin_client.post(url(tenant, "closure-days"), data={"day": "2026-07-08", "label": "Again"})
    assert response.status_code == 422
    assert "This day is already a closure day." in response.text
    assert len(closures(tenant)) == 1


def test_a_date_that_is_not_a_date_is_a_form_error(admin_client, tenant):
    response = admin_client.post(url(tenant, "closure-days"), data={"day": "8 July", "label": "x"})
    assert response.status_code == 422
    assert closures(tenant) == []
    far = admin_client.post(url(tenant, "closure-days"), data={"day": "2999-01-01"})
    assert far.status_code == 422 and "Give a date between 2000 and 2100." in far.text


def test_manager_removes_a_closure_day(admin_client, tenant):
    with tenant_scope(tenant.id):
        closure = add_closure_day(tenant.id, OFFICE_RETREAT, "Staff retreat")
        db.session.commit()
        closure_id = closure.id
    response = admin_client.post(url(tenant, f"closure-days/{closure_id}/remove"))
    assert response.status_code == 302
    assert closures(tenant) == []
    assert tenant_calendar(tenant.id).is_working_day(OFFICE_RETREAT)
    with tenant_scope(tenant.id):
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.model == "ClosureDay",
                                                          AuditEvent.action == "delete")) is not None


def test_staff_cannot_change_closure_days(staff_client, tenant):
    with tenant_scope(tenant.id):
        closure = add_closure_day(tenant.id, OFFICE_RETREAT)
        db.session.commit()
        closure_id = closure.id
    assert staff_client.post(url(tenant, "closure-days"), data={"day": "2026-07-09"}).status_code == 403
    assert staff_client.post(url(tenant, f"closure-days/{closure_id}/remove")).status_code == 403
    assert len(closures(tenant)) == 1


def test_another_tenants_closure_day_cannot_be_removed(client, tenant, other_tenant):
    with tenant_scope(tenant.id):
        closure = add_closure_day(tenant.id, OFFICE_RETREAT, "Secret retreat")
        db.session.commit()
        closure_id = closure.id
    admin_b = make_member(other_tenant, Role.ADMIN, email="admin@b.example")
    login(client, admin_b.email)
    assert client.post(url(other_tenant, f"closure-days/{closure_id}/remove")).status_code == 404
    assert "Secret retreat" not in client.get(url(other_tenant, "?year=2026")).text
    assert len(closures(tenant)) == 1


def test_counting_working_days_on_the_page(staff_client, tenant):
    with tenant_scope(tenant.id):
        add_closure_day(tenant.id, OFFICE_RETREAT, "Staff retreat")
        db.session.commit()
    page = staff_client.get(url(tenant, "?start=2026-04-10&days=3")).text
    # Friday 10 April: Monday 13, then Khmer New Year (14-16 April), Friday 17, Monday 20.
    assert "3 working days after Friday, April 10, 2026 is Monday, April 20, 2026." in page
    assert "Khmer New Year" in page
    page = staff_client.get(url(tenant, "?start=2026-07-08&days=0")).text
    assert "is a closure day of your organisation: Staff retreat." in page
