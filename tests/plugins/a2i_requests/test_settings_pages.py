"""The A2I settings page: deadline periods, closure days and exemption grounds."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent
from core.tenancy import tenant_scope
from plugins.a2i_requests import services
from core.registers.models import ClosureDay, Institution, InstitutionKind
from plugins.a2i_requests.models import DeadlineRules, ExemptionGround

PERIODS = {"initial_reply_days": "5", "initial_reply_kind": "working", "information_days": "15",
           "information_kind": "working", "extension_cap_days": "40", "extension_cap_kind": "working"}


def settings_url(tenant, path=""):
    return f"/t/{tenant.slug}/a2i/settings{path}"


def add_shared_body() -> Institution:
    body = Institution(code="MOI", kind=InstitutionKind.MINISTRY, name_en="Ministry of Information", name_km="ក្រសួងព័ត៌មាន")
    db.session.add(body)
    db.session.commit()
    return body


def test_staff_cannot_open_the_settings(staff_client, tenant):
    assert staff_client.get(settings_url(tenant)).status_code == 403
    assert staff_client.post(settings_url(tenant), data=PERIODS).status_code == 403


def test_settings_page_shows_the_default_periods_and_grounds(admin_client, tenant):
    response = admin_client.get(settings_url(tenant))
    assert response.status_code == 200
    assert re.search(r'<input[^>]*name="initial_reply_days"[^>]*value="5"', response.text)
    assert "National security and defence" in response.text


def test_changed_initial_reply_period_is_used_for_the_next_deadline(admin_client, tenant, admin_user):
    body = add_shared_body()
    response = admin_client.post(settings_url(tenant), data={**PERIODS, "initial_reply_days": "10",
                                                             "initial_reply_kind": "calendar"},
                                 follow_redirects=True)
    assert "The deadline rules are saved" in response.text
    with tenant_scope(tenant.id):
        rules = db.session.scalar(select(DeadlineRules))
        assert (rules.initial_reply_days, rules.initial_reply_working) == (10, False)
        req = services.create_request(tenant.id, subject="Budget", question="The 2026 budget?", body_id=body.id,
                                      actor=admin_user)
        services.transition(req, "submitted", actor=admin_user, on=date(2026, 3, 2))
        assert req.due_on == date(2026, 3, 12)
    audited = db.session.scalar(select(AuditEvent).where(AuditEvent.model == "DeadlineRules"))
    assert audited.tenant_id == tenant.id


def test_zero_days_shows_an_error_next_to_the_field(admin_client, tenant):
    response = admin_client.post(settings_url(tenant), data={**PERIODS, "information_days": "0"})
    assert response.status_code == 422
    assert "Give a number of days from 1 to 365." in response.text
    with tenant_scope(tenant.id):
        assert db.session.scalar(select(DeadlineRules)) is None


def test_text_instead_of_days_shows_an_error_next_to_the_field(admin_client, tenant):
    response = admin_client.post(settings_url(tenant), data={**PERIODS, "extension_cap_days": "forty"})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text and 'id="extension_cap_days-error"' in response.text


def test_settings_page_sends_closure_days_to_the_core_calendar(admin_client, tenant):
    page = admin_client.get(settings_url(tenant)).text
    assert f'href="/t/{tenant.slug}/calendar/"' in page
    assert 'name="day"' not in page


def test_a_closure_day_of_the_core_calendar_is_not_a_working_day_for_a2i(tenant):
    with tenant_scope(tenant.id):
        db.session.add(ClosureDay(tenant_id=tenant.id, day=date(2026, 4, 20), label="Provincial office closed"))
        db.session.commit()
        assert not services.calendar_for(tenant.id).is_working_day(date(2026, 4, 20))   # a Monday


def test_admin_adds_a_ground_and_a_duplicate_code_is_refused(admin_client, tenant):
    data = {"code": "tax_secrecy", "label_en": "Tax secrecy", "label_km": "អាថ៌កំបាំងពន្ធ"}
    response = admin_client.post(settings_url(tenant, "/grounds"), data=data, follow_redirects=True)
    assert "អាថ៌កំបាំងពន្ធ" in response.text
    response = admin_client.post(settings_url(tenant, "/grounds"), data=data)
    assert response.status_code == 422 and "A ground with this code already exists." in response.text


def test_switched_off_ground_can_no_longer_be_chosen(admin_client, tenant):
    admin_client.get(settings_url(tenant))
    with tenant_scope(tenant.id):
        ground = db.session.scalar(select(ExemptionGround).where(ExemptionGround.code == "personal_privacy"))
    admin_client.post(settings_url(tenant, f"/grounds/{ground.id}/active"), data={"active": "0"})
    with tenant_scope(tenant.id):
        assert services.active_ground(tenant.id, "personal_privacy") is None
    admin_client.post(settings_url(tenant, f"/grounds/{ground.id}/active"), data={"active": "1"})
    with tenant_scope(tenant.id):
        assert services.active_ground(tenant.id, "personal_privacy") is not None


def test_the_old_closure_day_address_removes_nothing(admin_client, tenant, other_tenant):
    with tenant_scope(other_tenant.id):
        closure = ClosureDay(tenant_id=other_tenant.id, day=date(2026, 5, 1), label="Theirs")
        db.session.add(closure)
        db.session.commit()
        closure_id = closure.id
    assert admin_client.post(settings_url(tenant, f"/closure-days/{closure_id}/remove")).status_code == 302
    with tenant_scope(other_tenant.id):
        assert db.session.get(ClosureDay, closure_id) is not None
