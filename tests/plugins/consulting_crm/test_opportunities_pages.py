"""Creating and editing opportunities: the form with its consortium partners, the exchange rate a
riel value needs, bad input refused with a translated message and nothing saved, and who may see
or change what."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEvent
from core.tenancy import tenant_scope
from plugins.consulting_crm.models import ConsortiumPartner, Currency, ExchangeRate, Opportunity
from tests.helpers import csrf_token_from, login, make_member
from tests.plugins.consulting_crm.conftest import add_opportunity, add_organisation, stage, switch_off


def base(tenant) -> str:
    return f"/t/{tenant.slug}/consulting/opportunities"


def form_data(page: str, **fields) -> dict:
    data = {"csrf_token": csrf_token_from(page), "title": "Access to information training for 20 districts",
            "source": "call_for_proposals", "call_reference": "EU-CfP-2026-031", "description": "Two rounds.",
            "questions_due_on": "2026-12-04", "submission_due_on": "2026-12-18", "expected_start_on": "2027-03",
            "currency": "USD", "estimated_value": "48,000.50", "khr_per_usd": "", "rate_on": "", "rate_source": "",
            "probability": "", "owner_id": "", "project_id": ""}
    data.update(fields)
    return data


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_staff_creates_an_opportunity_with_partners_in_the_first_stage(staff_client, tenant, staff, client_org,
                                                                          partner_org):
    page = staff_client.get(f"{base(tenant)}/new").get_data(as_text=True)
    assert "Consortium partners" in page and 'name="partners-0-partner"' in page
    response = staff_client.post(f"{base(tenant)}/new", data=form_data(
        page, client="Swiss Agency for Development and Cooperation", owner_id=str(staff.id),
        **{"partners-0-partner": "Khmer Research Partners", "partners-0-share_percent": "30",
           "partners-0-role": "sub-contractor", "partners-1-partner": "", "partners-1-share_percent": ""}))
    assert response.status_code == 302
    with tenant_scope(tenant.id):
        opportunity = db.session.scalar(select(Opportunity))
        assert opportunity.stage_id == stage(tenant, "lead").id and opportunity.probability == 10
        assert opportunity.client_id == client_org.id and opportunity.owner_id == staff.id
        assert opportunity.estimated_value == Decimal("48000.50") and opportunity.expected_start_on == date(2027, 3, 1)
        assert [(p.partner_id, p.share_percent, p.role) for p in opportunity.partners] == [
            (partner_org.id, Decimal("30.00"), "sub-contractor")]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.model == "Opportunity",
                                                      AuditEvent.action == "insert")) is not None
    detail = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Access to information training for 20 districts" in detail
    assert "Khmer Research Partners" in detail and "sub-contractor" in detail and "$48,000.50" in detail
    assert "Lead" in detail


def test_editing_changes_the_fields_and_the_partners(staff_client, tenant, opportunity, partner_org):
    third = add_organisation(tenant, "Battambang Data Cooperative")
    with tenant_scope(tenant.id):
        db.session.add(ConsortiumPartner(tenant_id=tenant.id, opportunity_id=opportunity.id,
                                         partner_id=partner_org.id, share_percent=Decimal(40), role="lead"))
        db.session.commit()
    page = staff_client.get(f"{base(tenant)}/{opportunity.id}/edit").get_data(as_text=True)
    assert 'value="Khmer Research Partners"' in page and 'value="40"' in page
    response = staff_client.post(f"{base(tenant)}/{opportunity.id}/edit", data=form_data(
        page, title="Social accountability, second phase", probability="35",
        client="Swiss Agency for Development and Cooperation",
        **{"partners-0-partner": "Khmer Research Partners", "partners-0-share_percent": "50",
           "partners-0-role": "lead", "partners-1-partner": "Battambang Data Cooperative",
           "partners-1-share_percent": "20", "partners-1-role": "research"}))
    assert response.status_code == 302
    with tenant_scope(tenant.id):
        opportunity = db.session.get(Opportunity, opportunity.id)
        assert opportunity.title == "Social accountability, second phase" and opportunity.probability == 35
        assert sorted((p.partner_id, p.share_percent) for p in opportunity.partners) == sorted(
            [(partner_org.id, Decimal("50.00")), (third.id, Decimal("20.00"))])
    # Emptying a row removes that partner.
    page = staff_client.get(f"{base(tenant)}/{opportunity.id}/edit").get_data(as_text=True)
    response = staff_client.post(f"{base(tenant)}/{opportunity.id}/edit", data=form_data(
        page, client="Swiss Agency for Development and Cooperation",
        **{"partners-0-partner": "", "partners-0-share_percent": "", "partners-1-partner": "Battambang Data "
           "Cooperative", "partners-1-share_percent": "20"}))
    assert response.status_code == 302
    with tenant_scope(tenant.id):
        assert [p.partner_id for p in db.session.scalars(select(ConsortiumPartner))] == [third.id]


def test_a_riel_value_without_the_rate_is_refused_and_nothing_saved(staff_client, tenant):
    page = staff_client.get(f"{base(tenant)}/new").get_data(as_text=True)
    response = staff_client.post(f"{base(tenant)}/new", data=form_data(
        page, currency="KHR", estimated_value="196,800,000", khr_per_usd=""))
    assert response.status_code == 422
    assert "An amount in riel needs the exchange rate used (riel per US dollar)." in response.get_data(as_text=True)
    assert count(Opportunity) == 0
    # With the rate, its date and its source it is saved, and shown in dollars too.
    response = staff_client.post(f"{base(tenant)}/new", data=form_data(
        page, currency="KHR", estimated_value="196,800,000", khr_per_usd="4100", rate_on="2026-11-02",
        rate_source="National Bank of Cambodia"))
    assert response.status_code == 302
    detail = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "$48,000.00" in detail and "196,800,000" in detail


def test_the_new_form_offers_the_latest_recorded_rate(staff_client, tenant):
    with tenant_scope(tenant.id):
        db.session.add_all([ExchangeRate(tenant_id=tenant.id, rate_on=date(2026, 10, 1), khr_per_usd=Decimal(4090)),
                            ExchangeRate(tenant_id=tenant.id, rate_on=date(2026, 11, 2), khr_per_usd=Decimal("4105.5"),
                                         source="National Bank of Cambodia")])
        db.session.commit()
    page = staff_client.get(f"{base(tenant)}/new").get_data(as_text=True)
    assert 'value="4105.5"' in page and 'value="2026-11-02"' in page and 'value="National Bank of Cambodia"' in page


def test_partner_shares_over_100_percent_are_refused_and_nothing_saved(staff_client, tenant, client_org,
                                                                         partner_org):
    third = add_organisation(tenant, "Battambang Data Cooperative")
    page = staff_client.get(f"{base(tenant)}/new").get_data(as_text=True)
    response = staff_client.post(f"{base(tenant)}/new", data=form_data(
        page, **{"partners-0-partner": "Khmer Research Partners", "partners-0-share_percent": "70",
                 "partners-1-partner": third.name_latin, "partners-1-share_percent": "40"}))
    assert response.status_code == 422
    assert "The partners&#39; shares add up to more than 100 %." in response.get_data(as_text=True)
    assert count(Opportunity) == 0 and count(ConsortiumPartner) == 0
    response = staff_client.post(f"{base(tenant)}/new", data=form_data(
        page, **{"partners-0-partner": "Khmer Research Partners", "partners-0-share_percent": "120"}))
    assert response.status_code == 422
    assert "A partner&#39;s share must be between 0 and 100 %." in response.get_data(as_text=True)
    assert count(Opportunity) == 0


def test_bad_input_gets_translated_form_errors_and_422(staff_client, tenant):
    page = staff_client.get(f"{base(tenant)}/new").get_data(as_text=True)
    cases = [({"questions_due_on": "2026-12-20"},
              "The deadline for questions cannot be after the submission deadline."),
             ({"estimated_value": "-5"}, "An amount cannot be negative."),
             ({"estimated_value": "lots"}, "Give the amount as a number, for example 48000 or 48000.50."),
             ({"probability": "140"}, "The probability is a percentage between 0 and 100."),
             ({"title": ""}, "Give the opportunity a title."),
             ({"client": "Nobody we know"}, "No organisation matches “Nobody we know”."),
             ({"currency": "KHR", "estimated_value": "4100000", "khr_per_usd": "4100", "rate_on": "2026-11-02"},
              "Give the source of the exchange rate used")]
    for fields, message in cases:
        response = staff_client.post(f"{base(tenant)}/new", data=form_data(page, **fields))
        assert response.status_code == 422, fields
        assert message in response.get_data(as_text=True), fields
    assert count(Opportunity) == 0


def test_an_owner_must_be_a_member_of_the_organisation(staff_client, tenant, other_tenant):
    outsider = make_member(other_tenant)
    page = staff_client.get(f"{base(tenant)}/new").get_data(as_text=True)
    response = staff_client.post(f"{base(tenant)}/new", data=form_data(page, owner_id=str(outsider.id)))
    assert response.status_code == 422 and count(Opportunity) == 0


def test_khmer_reader_sees_the_form_in_khmer(client, tenant):
    staff = make_member(tenant, "staff", locale="km")
    login(client, staff.email)
    page = client.get(f"{base(tenant)}/new")
    assert page.status_code == 200 and 'lang="km"' in page.get_data(as_text=True)


def test_viewer_sees_but_cannot_change(client, tenant, viewer, opportunity):
    login(client, viewer.email)
    assert client.get(f"{base(tenant)}/{opportunity.id}").status_code == 200
    board = client.get(f"{base(tenant)}/board").get_data(as_text=True)
    assert opportunity.title in board and 'class="opp-move"' not in board and "board.js" not in board
    assert client.get(f"{base(tenant)}/new").status_code == 403
    assert client.get(f"{base(tenant)}/{opportunity.id}/edit").status_code == 403
    won = stage(tenant, "won")
    assert client.post(f"{base(tenant)}/{opportunity.id}/move", data={"stage": str(won.id)}).status_code == 403
    assert client.post(f"{base(tenant)}/{opportunity.id}/move", json={"stage_id": won.id}).status_code == 403


def test_another_organisations_opportunity_is_not_found(staff_client, tenant, other_tenant):
    theirs = add_opportunity(other_tenant, "Their call")
    for path in (f"/{theirs.id}", f"/{theirs.id}/edit", f"/{theirs.id}/move"):
        assert staff_client.get(base(tenant) + path).status_code == 404, path
    assert staff_client.post(f"{base(tenant)}/{theirs.id}/move", json={"stage_id": 1}).status_code == 404
    assert "Their call" not in staff_client.get(f"{base(tenant)}/board").get_data(as_text=True)
    assert "Their call" not in staff_client.get(f"{base(tenant)}/").get_data(as_text=True)


def test_a_tenant_with_the_module_switched_off_gets_404(staff_client, tenant, opportunity):
    switch_off(tenant)
    for path in ("/", "/board", "/new", f"/{opportunity.id}", f"/{opportunity.id}/edit"):
        assert staff_client.get(base(tenant) + path).status_code == 404, path
    assert staff_client.post(f"{base(tenant)}/{opportunity.id}/move", json={"stage_id": 1}).status_code == 404


def test_the_client_is_kept_when_a_riel_opportunity_is_edited(staff_client, tenant, client_org):
    riel = add_opportunity(tenant, "Manual update for the Ministry", client=client_org, currency=Currency.KHR,
                           value=Decimal(20500000), khr_per_usd=Decimal(4100))
    with tenant_scope(tenant.id):
        riel = db.session.get(Opportunity, riel.id)
        riel.rate_on, riel.rate_source = date(2026, 11, 2), "National Bank of Cambodia"
        db.session.commit()
    page = staff_client.get(f"{base(tenant)}/{riel.id}/edit").get_data(as_text=True)
    assert 'value="Swiss Agency for Development and Cooperation"' in page and 'value="20500000"' in page
    fields = {"title": "Manual update for the Ministry", "currency": "KHR", "estimated_value": "20500000",
              "khr_per_usd": "4100", "rate_on": "2026-11-02", "rate_source": "National Bank of Cambodia",
              "client": "Swiss Agency for Development and Cooperation", "client-id": str(client_org.id)}
    response = staff_client.post(f"{base(tenant)}/{riel.id}/edit", data=form_data(page, **fields))
    assert response.status_code == 302
    with tenant_scope(tenant.id):
        assert db.session.get(Opportunity, riel.id).client_id == client_org.id


def test_an_edit_cannot_take_away_the_value_of_a_won_opportunity(tenant, client_org):
    from core.errors import DomainError
    from plugins.consulting_crm import opportunities
    from tests.plugins.consulting_crm.conftest import add_opportunity
    won = add_opportunity(tenant, "Budget literacy manual", client=client_org, code="won")
    with tenant_scope(tenant.id):
        with pytest.raises(DomainError) as refused:
            opportunities.update_opportunity(won, estimated_value=None)
        assert refused.value.field == "estimated_value"
