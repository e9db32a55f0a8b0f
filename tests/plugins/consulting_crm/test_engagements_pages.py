"""Engagement pages as users see them: a new engagement from a won opportunity (prefilled), bad input
answered with 422 and nothing saved, deliverables, tranches, team and timesheet through the forms,
the margin for those who see rates, the list's filters and pages in a constant number of queries, and
who may see what (viewer 403, other tenant 404, module switched off 404)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.consulting_crm import engagements
from plugins.consulting_crm.models import (Assignment, Currency, Deliverable, DeliverableStatus, Engagement,
                                           EngagementStatus, TimesheetLine, Tranche)
from tests.helpers import login, make_member, statements_for
from tests.plugins.consulting_crm.conftest import add_opportunity, switch_off

BASE = "/t/kampot-network/consulting/engagements"
CONTRACT = {"title": "Social accountability training", "contract_reference": "SDC-2026-04", "currency": "USD",
            "contract_value": "48,000", "starts_on": "2026-02-01", "ends_on": "2026-09-30",
            "withholding_applies": "y"}


def make_engagement(tenant, client_org, title, *, status=EngagementStatus.ACTIVE, starts_on=date(2026, 1, 5),
                    ends_on=date(2026, 6, 30), value=Decimal("20000")) -> Engagement:
    won = add_opportunity(tenant, title, client=client_org, code="won", value=value)
    with tenant_scope(tenant.id):
        engagement = Engagement(tenant_id=tenant.id, opportunity_id=won.id, client_id=client_org.id, title=title,
                                currency=Currency.USD, contract_value=value, starts_on=starts_on, ends_on=ends_on,
                                status=status)
        db.session.add(engagement)
        db.session.commit()
    return engagement


def client_as(app, tenant, role: Role):
    user = make_member(tenant, role)
    browser = app.test_client()
    login(browser, user.email)
    return browser


def count(model) -> int:
    """Rows of `model` in the database (tests run unscoped outside requests)."""
    return db.session.query(model).count()


# --- a new engagement ---------------------------------------------------------------------------------------

def test_staff_turn_a_won_opportunity_into_an_engagement_prefilled_from_it(tenant, staff_client, client_org):
    won = add_opportunity(tenant, "Social accountability training", client=client_org, code="won",
                          value=Decimal("48000"))
    page = staff_client.get(f"{BASE}/new?opportunity={won.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="48000.00"' in html and 'value="Social accountability training"' in html

    response = staff_client.post(f"{BASE}/new?opportunity={won.id}", data=CONTRACT)
    assert response.status_code == 302
    with tenant_scope(tenant.id):
        engagement = db.session.query(Engagement).one()
        assert engagement.opportunity_id == won.id and engagement.client_id == client_org.id
        assert engagement.contract_value == Decimal("48000.00") and engagement.withholding_applies is True
    detail = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Social accountability training" in detail and "$48,000.00" in detail
    assert "Swiss Agency for Development and Cooperation" in detail and "SDC-2026-04" in detail

    again = staff_client.get(f"{BASE}/new?opportunity={won.id}")      # one engagement per opportunity
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/engagements/{engagement.id}")
    refused = staff_client.post(f"{BASE}/new?opportunity={won.id}", data=CONTRACT)
    assert refused.status_code == 422 and "This opportunity already has an engagement." in refused.get_data(True)


def test_the_list_offers_only_won_opportunities_without_an_engagement(tenant, staff_client, client_org):
    add_opportunity(tenant, "Still a lead", client=client_org)
    add_opportunity(tenant, "Won and waiting", client=client_org, code="won")
    make_engagement(tenant, client_org, "Won and running")
    html = staff_client.get(f"{BASE}/new").get_data(as_text=True)
    assert "Won and waiting" in html
    assert "Still a lead" not in html and "Won and running" not in html


def test_an_opportunity_that_is_not_won_cannot_become_an_engagement(tenant, staff_client, client_org):
    lead = add_opportunity(tenant, "Still a lead", client=client_org)
    page = staff_client.get(f"{BASE}/new?opportunity={lead.id}")
    assert page.status_code == 422 and "Only a won opportunity can become an engagement." in page.get_data(True)
    refused = staff_client.post(f"{BASE}/new?opportunity={lead.id}", data=CONTRACT)
    assert refused.status_code == 422
    assert count(Engagement) == 0


def test_bad_contract_input_is_explained_and_nothing_is_saved(tenant, staff_client, client_org):
    won = add_opportunity(tenant, "Won call", client=client_org, code="won")
    for changes, message in [({"contract_value": "-5"}, "An amount cannot be negative."),
                             ({"contract_value": "0"}, "The contract value must be more than zero."),
                             ({"contract_value": "a lot"}, "Give a number, for example 2500 or 2500.50."),
                             ({"currency": "KHR"}, "An amount in riel needs the exchange rate used"),
                             ({"ends_on": "2026-01-01"}, "The engagement cannot end before it starts.")]:
        response = staff_client.post(f"{BASE}/new?opportunity={won.id}", data={**CONTRACT, **changes})
        assert response.status_code == 422, changes
        assert message in response.get_data(as_text=True), changes
    assert count(Engagement) == 0


def test_a_riel_contract_is_saved_with_its_rate(tenant, staff_client, client_org):
    won = add_opportunity(tenant, "Riel call", client=client_org, code="won", value=Decimal("41000000"),
                          currency=Currency.KHR, khr_per_usd=Decimal("4100"))
    response = staff_client.post(f"{BASE}/new?opportunity={won.id}", data={
        **CONTRACT, "currency": "KHR", "contract_value": "41000000", "khr_per_usd": "4,100",
        "rate_on": "2026-01-30", "rate_source": "National Bank of Cambodia"})
    assert response.status_code == 302
    html = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "KHR" in html and "41,000,000" in html and "National Bank of Cambodia" in html


# --- deliverables, tranches, team, timesheet ---------------------------------------------------------------

def test_a_tranche_waits_for_its_deliverable_and_stays_within_the_contract(tenant, staff_client, engagement):
    url = f"{BASE}/{engagement.id}"
    assert staff_client.post(f"{url}/deliverables/new", data={"title": "Inception report",
                                                               "due_on": "2026-02-15"}).status_code == 302
    with tenant_scope(tenant.id):
        report = db.session.query(Deliverable).one()
    assert staff_client.post(f"{url}/tranches/new", data={"label": "Advance", "amount": "6000"}).status_code == 302
    assert staff_client.post(f"{url}/tranches/new", data={"label": "On the inception report", "amount": "8000",
                                                           "deliverable_id": str(report.id)}).status_code == 302
    # 6,000 + 8,000 = 14,000 of 20,000: a tranche of 6,000.50 would pass the contract value.
    refused = staff_client.post(f"{url}/tranches/new", data={"label": "Final", "amount": "6000.50"})
    assert refused.status_code == 422
    assert "The tranches would add up to more than the contract value" in refused.get_data(as_text=True)
    assert count(Tranche) == 2

    html = staff_client.get(url).get_data(as_text=True)
    assert "Not yet: the deliverable is not accepted" in html
    assert "$6,000.00 of the contract value not in a tranche yet" in html
    accepted = staff_client.post(f"{url}/deliverables/{report.id}/status",
                                 data={f"d{report.id}-status": "accepted", f"d{report.id}-accepted_on": "2026-02-20"})
    assert accepted.status_code == 302
    with tenant_scope(tenant.id):
        report = db.session.get(Deliverable, report.id)
        assert report.status is DeliverableStatus.ACCEPTED and report.accepted_on == date(2026, 2, 20)
    assert "Not yet: the deliverable is not accepted" not in staff_client.get(url).get_data(as_text=True)


def test_acceptance_in_the_future_is_refused(tenant, staff_client, engagement):
    with tenant_scope(tenant.id):
        report = engagements.add_deliverable(engagements.load_engagement(engagement.id), title="Report",
                                             due_on=date(2026, 2, 1))
        db.session.commit()
    response = staff_client.post(f"{BASE}/{engagement.id}/deliverables/{report.id}/status",
                                 data={f"d{report.id}-status": "accepted", f"d{report.id}-accepted_on": "2999-01-01"})
    assert response.status_code == 422
    assert "The acceptance date cannot be in the future." in response.get_data(as_text=True)
    with tenant_scope(tenant.id):
        assert db.session.get(Deliverable, report.id).status is DeliverableStatus.PLANNED


def test_the_team_and_timesheet_give_the_margin_that_managers_see(app, tenant, admin_client, engagement,
                                                                  consultants):
    url = f"{BASE}/{engagement.id}"
    pov, rith = consultants
    assert admin_client.post(f"{url}/assignments/new", data={"consultant_id": pov.id, "role": "Team leader",
                                                              "planned_days": "30"}).status_code == 302
    assert admin_client.post(f"{url}/assignments/new", data={"consultant_id": rith.id, "role": "Researcher",
                                                              "planned_days": "20.5", "day_rate": "200"}
                             ).status_code == 302
    with tenant_scope(tenant.id):
        rows = {row.consultant_id: row for row in db.session.query(Assignment)}
    assert rows[pov.id].day_rate == Decimal("250.00")       # her own rate, same currency
    for assignment_id, worked_on, days, expense in [(rows[pov.id].id, "2026-02-02", "3", "120.50"),
                                                    (rows[rith.id].id, "2026-02-03", "10", "")]:
        assert admin_client.post(f"{url}/timesheet/new", data={"assignment_id": assignment_id,
                                                                "worked_on": worked_on, "days": days,
                                                                "expense_amount": expense}).status_code == 302
    refused = admin_client.post(f"{url}/timesheet/new", data={"assignment_id": rows[pov.id].id,
                                                               "worked_on": "2026-07-01", "days": "1"})
    assert refused.status_code == 422
    assert "The date must fall within the engagement&#39;s period." in refused.get_data(as_text=True)
    assert count(TimesheetLine) == 2

    html = admin_client.get(url).get_data(as_text=True)
    # Planned: 30 × 250 = 7,500 + 20.5 × 200 = 4,100 → 11,600; margin 20,000 − 11,600 = 8,400 = 42 %.
    # Actual: 3 × 250 = 750 + 10 × 200 = 2,000 → 2,750 + expenses 120.50 = 2,870.50;
    #         margin 20,000 − 2,870.50 = 17,129.50 = 85.6475 % → 85.6 %.
    assert '<td class="number" id="planned-margin">$8,400.00 (42%)</td>' in html
    assert '<td class="number" id="actual-margin">$17,129.50 (85.6%)</td>' in html
    assert "$250.00" in html                               # the day rate, for a manager

    staff_html = client_as(app, tenant, Role.STAFF).get(url).get_data(as_text=True)
    assert "Srey Pov" in staff_html and "planned-margin" not in staff_html and "$250.00" not in staff_html


def test_staff_without_rates_assign_at_the_consultants_rate(app, tenant, engagement, consultants):
    staff = client_as(app, tenant, Role.STAFF)
    form = staff.get(f"{BASE}/{engagement.id}/assignments/new").get_data(as_text=True)
    assert 'name="day_rate"' not in form
    response = staff.post(f"{BASE}/{engagement.id}/assignments/new",
                          data={"consultant_id": consultants[1].id, "planned_days": "4", "day_rate": "1"})
    assert response.status_code == 302
    with tenant_scope(tenant.id):
        assert db.session.query(Assignment).one().day_rate == Decimal("180.00")   # the posted rate is ignored


def test_status_moves_and_a_closed_engagement_refuses_additions(tenant, staff_client, engagement):
    url = f"{BASE}/{engagement.id}"
    refused = staff_client.post(f"{url}/status", data={"status": "delivered"})
    assert refused.status_code == 422 and "Record the deliverables first" in refused.get_data(as_text=True)
    assert staff_client.post(f"{url}/status", data={"status": "cancelled"}).status_code == 302
    response = staff_client.post(f"{url}/tranches/new", data={"label": "Advance", "amount": "100"})
    assert response.status_code == 422
    assert "This engagement is closed or cancelled" in response.get_data(as_text=True)
    assert count(Tranche) == 0
    assert "New payment tranche" not in staff_client.get(url).get_data(as_text=True)


# --- the list ------------------------------------------------------------------------------------------------

def test_the_list_filters_by_status_client_and_year(tenant, staff_client, client_org, partner_org):
    make_engagement(tenant, client_org, "Running for SDC")
    make_engagement(tenant, client_org, "Closed for SDC", status=EngagementStatus.CLOSED,
                    starts_on=date(2025, 3, 1), ends_on=date(2025, 8, 31))
    make_engagement(tenant, partner_org, "Research with partners", starts_on=date(2026, 11, 1),
                    ends_on=date(2027, 2, 28))

    def titles(query):
        html = staff_client.get(f"{BASE}/?{query}").get_data(as_text=True)
        return {title for title in ("Running for SDC", "Closed for SDC", "Research with partners") if title in html}
    assert titles("") == {"Running for SDC", "Closed for SDC", "Research with partners"}
    assert titles("status=closed") == {"Closed for SDC"}
    assert titles(f"client={partner_org.id}") == {"Research with partners"}
    assert titles("year=2025") == {"Closed for SDC"}
    assert titles("year=2027") == {"Research with partners"}
    assert titles(f"year=2026&client={client_org.id}") == {"Running for SDC"}
    assert staff_client.get(f"{BASE}/?year=abc").status_code == 200       # ignored, with a message


def test_the_list_pages_and_costs_the_same_queries_for_more_rows(app, tenant, client_org, consultants):
    admin = client_as(app, tenant, Role.ADMIN)      # sees margins too: the costliest list
    for number in range(3):
        make_engagement(tenant, client_org, f"Engagement {number:02d}")
    admin.get(f"{BASE}/")
    few = statements_for(admin, f"{BASE}/")
    for number in range(3, 27):
        engagement = make_engagement(tenant, client_org, f"Engagement {number:02d}")
        with tenant_scope(tenant.id):
            engagements.add_assignment(engagements.load_engagement(engagement.id),
                                       consultant_id=consultants[number % 2].id, planned_days="2")
            db.session.commit()
    many = statements_for(admin, f"{BASE}/")
    assert many == few
    first, second = admin.get(f"{BASE}/").get_data(as_text=True), admin.get(f"{BASE}/?page=2").get_data(True)
    assert "27 engagements" in first and "Page 1 of 2" in first
    # Newest first (same start, so by id): page 1 holds 26 … 02, page 2 the last two.
    assert "Engagement 26" in first and "Engagement 00" not in first
    assert "Engagement 00" in second and "Engagement 01" in second and "Engagement 02" not in second


def test_the_engagement_page_costs_the_same_queries_for_more_rows(app, tenant, engagement, consultants):
    admin = client_as(app, tenant, Role.ADMIN)
    url = f"{BASE}/{engagement.id}"
    with tenant_scope(tenant.id):
        loaded = engagements.load_engagement(engagement.id)
        report = engagements.add_deliverable(loaded, title="Report 0", due_on=date(2026, 2, 1))
        engagements.add_tranche(loaded, label="Tranche 0", amount="100", deliverable_id=report.id)
        assignment = engagements.add_assignment(loaded, consultant_id=consultants[0].id, planned_days="5")
        engagements.add_timesheet_line(loaded, assignment_id=assignment.id, worked_on=date(2026, 2, 2), days="1")
        db.session.commit()
    admin.get(url)
    few = statements_for(admin, url)
    with tenant_scope(tenant.id):
        loaded = engagements.load_engagement(engagement.id)
        other = engagements.add_assignment(loaded, consultant_id=consultants[1].id, planned_days="5")
        for number in range(1, 6):
            report = engagements.add_deliverable(loaded, title=f"Report {number}", due_on=date(2026, 3, number))
            engagements.add_tranche(loaded, label=f"Tranche {number}", amount="100", deliverable_id=report.id)
            engagements.add_timesheet_line(loaded, assignment_id=other.id, worked_on=date(2026, 3, number), days="1")
        db.session.commit()
    assert statements_for(admin, url) == few


# --- who may see what --------------------------------------------------------------------------------------

def test_a_viewer_sees_but_cannot_change(app, tenant, engagement):
    viewer = client_as(app, tenant, Role.VIEWER)
    assert viewer.get(f"{BASE}/").status_code == 200
    page = viewer.get(f"{BASE}/{engagement.id}")
    assert page.status_code == 200 and "New deliverable" not in page.get_data(as_text=True)
    assert viewer.get(f"{BASE}/new").status_code == 403
    assert viewer.post(f"{BASE}/{engagement.id}/deliverables/new",
                       data={"title": "Sneaky", "due_on": "2026-02-01"}).status_code == 403
    assert viewer.post(f"{BASE}/{engagement.id}/status", data={"status": "cancelled"}).status_code == 403
    assert count(Deliverable) == 0


def test_another_tenants_engagement_and_opportunity_are_not_found(app, tenant, other_tenant, engagement,
                                                                  client_org):
    from tests.plugins.consulting_crm.conftest import add_organisation
    theirs_client = add_organisation(other_tenant, "Their donor")
    theirs = make_engagement(other_tenant, theirs_client, "Their engagement")
    their_opportunity = add_opportunity(other_tenant, "Their win", client=theirs_client, code="won")
    staff = client_as(app, tenant, Role.STAFF)
    assert staff.get(f"{BASE}/{theirs.id}").status_code == 404
    assert staff.post(f"{BASE}/{theirs.id}/deliverables/new",
                      data={"title": "x", "due_on": "2026-02-01"}).status_code == 404
    assert staff.get(f"{BASE}/new?opportunity={their_opportunity.id}").status_code == 404
    assert "Their engagement" not in staff.get(f"{BASE}/").get_data(as_text=True)


def test_switched_off_the_module_answers_404(app, tenant, staff_client, engagement):
    switch_off(tenant)
    assert staff_client.get(f"{BASE}/").status_code == 404
    assert staff_client.get(f"{BASE}/{engagement.id}").status_code == 404
    assert staff_client.get(f"{BASE}/new").status_code == 404
