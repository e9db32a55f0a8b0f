"""The consulting API: opportunities (filters, create, patch with If-Match, stage moves refused with
the field at fault), proposals with their budget total and team, the pool search with rates only for
managers, engagements with planned and actual margin, invoices with balance and the overdue filter,
the pipeline figures, permissions and a flat list cost."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.api import BUSINESS_RULE_TYPE
from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.consulting_crm.models import (Assignment, Availability, Deliverable, DeliverableStatus, Invoice,
                                           InvoiceLine, InvoiceStatus, Opportunity, Payment, Rating, StageMove,
                                           TimesheetLine, Tranche)
from tests.helpers import StatementCounter, make_member, token_for
from tests.plugins.consulting_crm.conftest import add_opportunity, add_organisation

BASE = "/api/v1/t/kampot-network/consulting"


def test_opportunities_list_with_filters_and_pages(client, tenant, staff, client_org):
    other_client = add_organisation(tenant, "UNDP Cambodia")
    add_opportunity(tenant, "Budget literacy for commune councils", client=client_org,
                    submission_due_on=date(2026, 3, 1))
    add_opportunity(tenant, "Youth civic tech fellowship", client=other_client, code="qualified",
                    submission_due_on=date(2026, 5, 20))
    add_opportunity(tenant, "Manual on access to information", client=client_org, code="writing",
                    submission_due_on=date(2026, 9, 30))
    headers = token_for(staff, tenant)
    everything = client.get(f"{BASE}/opportunities/", headers=headers).get_json()
    assert [item["title"] for item in everything["items"]] == [
        "Budget literacy for commune councils", "Youth civic tech fellowship", "Manual on access to information"]
    first = everything["items"][0]
    assert first["stage"]["code"] == "lead" and first["estimated_value"] == "48000.00"
    assert first["weighted_value_usd"] == "4800.00" and first["client_name"].startswith("Swiss Agency")

    def titles(query: str) -> list[str]:
        response = client.get(f"{BASE}/opportunities/?{query}", headers=headers)
        assert response.status_code == 200, response.get_json()
        return [item["title"] for item in response.get_json()["items"]]

    assert titles("stage=qualified") == ["Youth civic tech fellowship"]
    assert titles(f"client_id={other_client.id}") == ["Youth civic tech fellowship"]
    assert titles("deadline_from=2026-04-01&deadline_to=2026-12-31") == [
        "Youth civic tech fellowship", "Manual on access to information"]
    assert titles("q=manual") == ["Manual on access to information"]
    assert titles(f"owner_id={staff.id}") == []
    page = client.get(f"{BASE}/opportunities/?per_page=2&page=2&sort=-title", headers=headers).get_json()
    assert page["total"] == 3 and [item["title"] for item in page["items"]] == ["Budget literacy for commune councils"]
    refused = client.get(f"{BASE}/opportunities/?deadline_from=2026-05-01&deadline_to=2026-01-01", headers=headers)
    # Two valid dates in the wrong order: refused by a rule (422 of the business-rule type).
    assert refused.status_code == 422 and "deadline_to" in refused.get_json()["errors"]
    assert refused.get_json()["type"] == BUSINESS_RULE_TYPE
    assert client.get(f"{BASE}/opportunities/?colour=red", headers=headers).status_code == 400


def test_creating_an_opportunity_checks_its_data_and_writes_nothing_when_refused(client, tenant, staff, client_org,
                                                                                  partner_org):
    headers = token_for(staff, tenant)
    riel = {"title": "Commune budget training (riel)", "client_id": client_org.id, "currency": "KHR",
            "estimated_value": 120000000}
    refused = client.post(f"{BASE}/opportunities/", json=riel, headers=headers)
    assert refused.status_code == 422
    assert refused.content_type == "application/problem+json"
    assert "riel" in refused.get_json()["errors"]["khr_per_usd"][0]
    negative = client.post(f"{BASE}/opportunities/", json={"title": "X", "estimated_value": -5}, headers=headers)
    assert negative.status_code == 422 and "estimated_value" in negative.get_json()["errors"]["json"]
    stranger = client.post(f"{BASE}/opportunities/", json={"title": "X", "client_id": 999999}, headers=headers)
    assert stranger.status_code == 422 and list(stranger.get_json()["errors"]) == ["client_id"]
    too_much = client.post(f"{BASE}/opportunities/", headers=headers, json={
        "title": "X", "partners": [{"partner_id": partner_org.id, "share_percent": 60},
                                   {"partner_id": client_org.id, "share_percent": 50}]})
    assert too_much.status_code == 422 and list(too_much.get_json()["errors"]) == ["partners"]
    with tenant_scope(tenant.id):
        assert db.session.scalar(select(func.count()).select_from(Opportunity)) == 0

    created = client.post(f"{BASE}/opportunities/", headers=headers, json={
        **riel, "khr_per_usd": 4100, "rate_on": "2026-01-05", "rate_source": "National Bank of Cambodia",
        "submission_due_on": "2026-02-20", "partners": [{"partner_id": partner_org.id, "share_percent": 30,
                                                         "role": "sub-contractor"}]})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["stage"]["code"] == "lead" and body["probability"] == 10 and body["owner_id"] == staff.id
    assert body["value_usd"] == "29268.29" and body["khr_per_usd"] == "4100.00"
    assert body["partners"] == [{"partner_id": partner_org.id, "name": "Khmer Research Partners",
                                 "share_percent": "30.00", "role": "sub-contractor"}]
    assert "qualified" in body["allowed_stages"] and "won" in body["allowed_stages"]


def test_patch_needs_if_match_and_keeps_what_the_stage_needs(client, tenant, staff, client_org):
    won = add_opportunity(tenant, "Curriculum update", client=client_org, code="won")
    headers = token_for(staff, tenant)
    url = f"{BASE}/opportunities/{won.id}"
    read = client.get(url, headers=headers)
    assert client.patch(url, json={"title": "New"}, headers=headers).status_code == 428
    refused = client.patch(url, json={"estimated_value": None}, headers={**headers, "If-Match": read.headers["ETag"]})
    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["estimated_value"]
    changed = client.patch(url, json={"title": "Curriculum update 2026", "probability": 100},
                           headers={**headers, "If-Match": read.headers["ETag"]})
    assert changed.status_code == 200 and changed.get_json()["title"] == "Curriculum update 2026"
    stale = client.patch(url, json={"title": "Again"}, headers={**headers, "If-Match": read.headers["ETag"]})
    assert stale.status_code == 412


def test_stage_moves_name_the_missing_field_and_are_recorded(client, tenant, staff, opportunity):
    headers = token_for(staff, tenant)
    url = f"{BASE}/opportunities/{opportunity.id}/stage"
    with tenant_scope(tenant.id):
        db.session.get(Opportunity, opportunity.id).estimated_value = None
        db.session.commit()
    won = client.post(url, json={"stage": "won"}, headers=headers)
    assert won.status_code == 422 and won.get_json()["errors"] == {
        "estimated_value": ["Enter the estimated value first."]}
    lost = client.post(url, json={"stage": "lost"}, headers=headers)
    assert lost.status_code == 422 and list(lost.get_json()["errors"]) == ["lost_reason"]
    unknown = client.post(url, json={"stage": "dreaming"}, headers=headers)
    assert unknown.status_code == 422 and list(unknown.get_json()["errors"]) == ["stage"]
    moved = client.post(url, json={"stage": "lost", "lost_reason": "Budget went to a larger consortium"},
                        headers=headers)
    assert moved.status_code == 200
    body = moved.get_json()
    assert body["stage"]["code"] == "lost" and body["probability"] == 0 and body["closed_on"]
    assert body["lost_reason"] == "Budget went to a larger consortium"
    assert [move["to_stage_code"] for move in body["moves"]] == ["lost"]
    again = client.post(url, json={"stage": "lost"}, headers=headers)
    assert again.status_code == 200
    with tenant_scope(tenant.id):
        assert db.session.scalar(select(func.count()).select_from(StageMove)) == 1


def test_readers_read_and_only_editors_write(client, tenant, viewer, opportunity):
    headers = token_for(viewer, tenant)
    assert client.get(f"{BASE}/opportunities/{opportunity.id}", headers=headers).status_code == 200
    assert client.post(f"{BASE}/opportunities/", json={"title": "X"}, headers=headers).status_code == 403
    assert client.post(f"{BASE}/opportunities/{opportunity.id}/stage", json={"stage": "qualified"},
                       headers=headers).status_code == 403
    assert client.get(f"{BASE}/opportunities/").status_code == 401


def test_proposals_with_budget_total_and_team(client, tenant, staff, opportunity, consultants):
    headers = token_for(staff, tenant)
    created = client.post(f"{BASE}/proposals/", headers=headers, json={
        "opportunity_id": opportunity.id, "title": "Technical and financial proposal", "submitted_on": "2026-02-01",
        "version_label": "final", "budget_lines": [
            {"description": "Team leader", "unit": "day", "quantity": 20, "unit_cost": 350},
            {"description": "Workshops", "unit": "workshop", "quantity": 3, "unit_cost": "1250.50"}],
        "team": [{"consultant_id": consultants[0].id, "role": "team leader", "days": 20}]})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["budget_total"] == "10751.50" and body["submitted_on"] == "2026-02-01"
    assert [line["amount"] for line in body["budget_lines"]] == ["7000.00", "3751.50"]
    assert body["team"] == [{"consultant_id": consultants[0].id, "name": "Srey Pov", "role": "team leader",
                             "days": "20.00"}]
    assert [version["label"] for version in body["versions"]] == ["final"]
    listed = client.get(f"{BASE}/proposals/?opportunity_id={opportunity.id}", headers=headers).get_json()
    assert [item["budget_total"] for item in listed["items"]] == ["10751.50"]
    # The proposal submitted, the opportunity may now enter "submitted".
    moved = client.post(f"{BASE}/opportunities/{opportunity.id}/stage", json={"stage": "writing"}, headers=headers)
    assert moved.status_code == 200
    assert client.post(f"{BASE}/opportunities/{opportunity.id}/stage", json={"stage": "submitted"},
                       headers=headers).status_code == 200
    twice = client.post(f"{BASE}/proposals/", headers=headers, json={
        "opportunity_id": opportunity.id, "title": "Second", "team": [
            {"consultant_id": consultants[0].id}, {"consultant_id": consultants[0].id}]})
    assert twice.status_code == 422 and list(twice.get_json()["errors"]["team"]) == ["1"]
    missing = client.post(f"{BASE}/proposals/", headers=headers, json={"opportunity_id": 999999, "title": "X"})
    assert missing.status_code == 422 and list(missing.get_json()["errors"]) == ["opportunity_id"]
    assert client.get(f"{BASE}/proposals/", headers=headers).get_json()["total"] == 1


def test_pool_search_shows_rates_and_ratings_only_to_managers(client, tenant, staff, admin_user, consultants,
                                                             engagement):
    with tenant_scope(tenant.id):
        db.session.add_all([Availability(tenant_id=tenant.id, consultant_id=consultants[0].id,
                                         starts_on=date(2026, 3, 1), ends_on=date(2026, 4, 30)),
                            Rating(tenant_id=tenant.id, consultant_id=consultants[0].id, engagement_id=engagement.id,
                                   score=4, comment="Clear reports")])
        db.session.commit()
    staff_headers, admin_headers = token_for(staff, tenant), token_for(admin_user, tenant)

    def names(query: str, headers=staff_headers) -> list[str]:
        response = client.get(f"{BASE}/consultants/?{query}", headers=headers)
        assert response.status_code == 200, response.get_json()
        return [item["name"] for item in response.get_json()["items"]]

    assert names("") == ["Srey Pov", "Vuthy Rith"]
    assert names("expertise=budget") == ["Vuthy Rith"]
    assert names("language=en") == ["Srey Pov"]
    assert names("available_from=2026-03-10&available_to=2026-03-20") == ["Srey Pov"]
    assert names("available_from=2026-04-20&available_to=2026-05-10") == []
    assert client.get(f"{BASE}/consultants/?language=xx", headers=staff_headers).status_code == 400
    seen_by_staff = client.get(f"{BASE}/consultants/{consultants[0].id}", headers=staff_headers).get_json()
    assert seen_by_staff["day_rate"] is None and seen_by_staff["ratings"] is None and seen_by_staff["cvs"] is None
    assert seen_by_staff["availability"] == [{"starts_on": "2026-03-01", "ends_on": "2026-04-30", "note": ""}]
    seen_by_admin = client.get(f"{BASE}/consultants/{consultants[0].id}", headers=admin_headers).get_json()
    assert seen_by_admin["day_rate"] == "250.00" and seen_by_admin["rate_currency"] == "USD"
    assert seen_by_admin["average_rating"] == 4.0 and seen_by_admin["ratings"][0]["comment"] == "Clear reports"
    listed = client.get(f"{BASE}/consultants/", headers=admin_headers).get_json()["items"]
    assert [item["day_rate"] for item in listed] == ["250.00", "180.00"]
    assert "250" not in client.get(f"{BASE}/consultants/", headers=staff_headers).get_data(as_text=True)


def test_engagement_detail_has_deliverables_tranches_and_margins(client, tenant, staff, admin_user, engagement,
                                                                consultants):
    with tenant_scope(tenant.id):
        report = Deliverable(tenant_id=tenant.id, engagement_id=engagement.id, title="Inception report",
                             due_on=date(2026, 1, 30), status=DeliverableStatus.ACCEPTED,
                             accepted_on=date(2026, 2, 2))
        assignment = Assignment(tenant_id=tenant.id, engagement_id=engagement.id, consultant_id=consultants[0].id,
                                role="team leader", planned_days=Decimal(40), day_rate=Decimal(250))
        db.session.add_all([report, assignment])
        db.session.flush()
        db.session.add_all([
            Tranche(tenant_id=tenant.id, engagement_id=engagement.id, position=1, label="First tranche (30 %)",
                    amount=Decimal(6000), deliverable_id=report.id),
            TimesheetLine(tenant_id=tenant.id, engagement_id=engagement.id, assignment_id=assignment.id,
                          worked_on=date(2026, 1, 20), days=Decimal(12), expense_amount=Decimal(340))])
        db.session.commit()
    url = f"{BASE}/engagements/{engagement.id}"
    seen_by_staff = client.get(url, headers=token_for(staff, tenant)).get_json()
    assert seen_by_staff["deliverables"][0]["status"] == "accepted"
    assert seen_by_staff["tranches"] == [{"id": seen_by_staff["tranches"][0]["id"], "label": "First tranche (30 %)",
                                          "amount": "6000.00", "deliverable_id": report.id, "invoiced": False}]
    assert seen_by_staff["assignments"][0]["actual_days"] == "12.00"
    assert seen_by_staff["assignments"][0]["day_rate"] is None
    assert seen_by_staff["planned"] is None and seen_by_staff["actual"] is None
    seen_by_admin = client.get(url, headers=token_for(admin_user, tenant)).get_json()
    # Planned: 20,000 − 40 × 250 = 10,000 (50 %); actual: 20,000 − (12 × 250 + 340) = 16,660 (83.3 %).
    assert seen_by_admin["planned"] == {"cost": "10000.00", "margin": "10000.00", "margin_percent": 50.0}
    assert seen_by_admin["actual"] == {"cost": "3340.00", "margin": "16660.00", "margin_percent": 83.3}
    listed = client.get(f"{BASE}/engagements/?status=active", headers=token_for(staff, tenant)).get_json()
    assert [item["contract_value"] for item in listed["items"]] == ["20000.00"]


def add_invoice(tenant, engagement, number: str, *, due_on: date, amount_due: Decimal,
                status=InvoiceStatus.ISSUED, paid: Decimal | None = None) -> Invoice:
    with tenant_scope(tenant.id):
        invoice = Invoice(tenant_id=tenant.id, engagement_id=engagement.id, number=number, status=status,
                          issued_on=due_on - timedelta(days=30), due_on=due_on, buyer_name="SDC",
                          subtotal=amount_due, total=amount_due, amount_due=amount_due, vat_percent=Decimal(0))
        invoice.lines.append(InvoiceLine(tenant_id=tenant.id, position=1, description="First tranche",
                                         quantity=Decimal(1), unit_price=amount_due))
        if paid is not None:
            invoice.payments.append(Payment(tenant_id=tenant.id, paid_on=due_on, amount=paid, reference="TT-1"))
        db.session.add(invoice)
        db.session.commit()
    return invoice


def test_invoices_show_balance_and_filter_the_overdue(client, tenant, staff, engagement):
    late = add_invoice(tenant, engagement, "INV-0001", due_on=date(2025, 3, 1), amount_due=Decimal(6000),
                       paid=Decimal(2500))
    add_invoice(tenant, engagement, "INV-0002", due_on=date(2025, 4, 1), amount_due=Decimal(4000),
                paid=Decimal(4000), status=InvoiceStatus.PAID)
    add_invoice(tenant, engagement, "INV-0003", due_on=date(2099, 1, 1), amount_due=Decimal(1000))
    headers = token_for(staff, tenant)

    def numbers(query: str) -> list[str]:
        response = client.get(f"{BASE}/invoices/?{query}", headers=headers)
        assert response.status_code == 200, response.get_json()
        return sorted(item["number"] for item in response.get_json()["items"])

    assert numbers("") == ["INV-0001", "INV-0002", "INV-0003"]
    assert numbers("overdue=true") == ["INV-0001"]
    assert numbers("overdue=false") == ["INV-0002", "INV-0003"]
    assert numbers("status=paid") == ["INV-0002"]
    detail = client.get(f"{BASE}/invoices/{late.id}", headers=headers).get_json()
    assert detail["overdue"] is True and detail["paid"] == "2500.00" and detail["balance"] == "3500.00"
    assert detail["payments"] == [{"paid_on": "2025-03-01", "amount": "2500.00", "reference": "TT-1"}]
    assert detail["lines"][0]["amount"] == "6000.00"


def test_pipeline_figures_are_those_of_the_figures_page(client, tenant, staff, client_org):
    add_opportunity(tenant, "Open call", client=client_org, code="qualified", value=Decimal(40000))
    response = client.get(f"{BASE}/pipeline", headers=token_for(staff, tenant))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["pipeline"]["opportunities"] == 1 and body["pipeline"]["weighted_usd"] == "10000.00"
    assert [row["key"] for row in body["by_stage"] if row["opportunities"]] == ["qualified"]
    both = client.get(f"{BASE}/pipeline?year=2026&date_from=2026-01-01", headers=token_for(staff, tenant))
    assert both.status_code == 422 and both.get_json()["type"] == BUSINESS_RULE_TYPE


def test_opportunity_list_costs_the_same_for_more_rows(client, tenant, staff, client_org):
    headers = token_for(staff, tenant)
    add_opportunity(tenant, "One", client=client_org)

    def cost() -> int:
        with StatementCounter() as counter:
            assert client.get(f"{BASE}/opportunities/", headers=headers).status_code == 200
        return counter.count

    cost()                                    # the first request loads the token's user once
    few = cost()
    for index in range(5):
        owner = make_member(tenant, Role.STAFF, email=f"owner{index}@kampot.example")
        add_opportunity(tenant, f"More {index}", client=add_organisation(tenant, f"Client {index}"))
        with tenant_scope(tenant.id):
            db.session.execute(Opportunity.__table__.update().where(Opportunity.title == f"More {index}").values(
                owner_id=owner.id))
            db.session.commit()
    assert cost() == few
