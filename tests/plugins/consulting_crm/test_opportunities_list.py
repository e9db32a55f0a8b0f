"""The opportunity list: filters (text, stage, owner, client, deadline, currency), sorted by the
submission deadline, paginated, folded filters on a phone, and a constant number of queries."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.extensions import db
from core.tenancy import tenant_scope
from plugins.consulting_crm.models import Currency, Opportunity
from tests.helpers import statements_for
from tests.plugins.consulting_crm.conftest import add_opportunity, add_organisation


def list_url(tenant, query: str = "") -> str:
    return f"/t/{tenant.slug}/consulting/opportunities/" + (f"?{query}" if query else "")


def test_filters_narrow_the_list(staff_client, tenant, staff, client_org):
    other_client = add_organisation(tenant, "Open Development Cambodia")
    add_opportunity(tenant, "Access to information training", client=client_org,
                    submission_due_on=date(2026, 12, 18))
    riel = add_opportunity(tenant, "Ministry manual update", client=other_client, code="qualified",
                           currency=Currency.KHR, value=Decimal(41000000), khr_per_usd=Decimal(4100),
                           submission_due_on=date(2027, 2, 1))
    with tenant_scope(tenant.id):
        db.session.get(Opportunity, riel.id).owner_id = staff.id
        db.session.commit()
    everything = staff_client.get(list_url(tenant)).get_data(as_text=True)
    assert "2 opportunities" in everything and "<details class=\"filters-panel\">" in everything

    def shown(query: str) -> tuple[bool, bool]:
        page = staff_client.get(list_url(tenant, query)).get_data(as_text=True)
        return "Access to information training" in page, "Ministry manual update" in page

    assert shown("q=manual") == (False, True)
    assert shown("q=cfp-2026") == (True, True)                 # the call reference
    assert shown("client=Open+Development") == (False, True)          # typed (a picker), not a select
    assert shown(f"client=Open+Development+Cambodia&client-id={other_client.id}") == (False, True)
    assert shown(f"owner={staff.email}") == (False, True)
    assert shown("owner=nobody-here") == (True, True)                  # not understood: ignored
    assert shown("currency=KHR") == (False, True)
    assert shown("due_from=2027-01-01") == (False, True)
    assert shown("due_to=2026-12-31") == (True, False)
    with tenant_scope(tenant.id):
        lead_id = db.session.get(Opportunity, riel.id).stage_id - 1   # stages are seeded in order
    assert shown(f"stage={lead_id}") == (True, False)
    assert "Filters (in use)" in staff_client.get(list_url(tenant, "q=manual")).get_data(as_text=True)


def test_sorted_by_deadline_either_way(staff_client, tenant, client_org):
    add_opportunity(tenant, "Due in February", client=client_org, submission_due_on=date(2027, 2, 1))
    add_opportunity(tenant, "Due in December", client=client_org, submission_due_on=date(2026, 12, 1))
    add_opportunity(tenant, "No deadline yet", client=client_org, submission_due_on=None)
    page = staff_client.get(list_url(tenant)).get_data(as_text=True)
    assert page.index("Due in December") < page.index("Due in February") < page.index("No deadline yet")
    page = staff_client.get(list_url(tenant, "sort=-deadline")).get_data(as_text=True)
    assert page.index("Due in February") < page.index("Due in December") < page.index("No deadline yet")


def test_bad_filter_values_are_ignored_not_a_crash(staff_client, tenant, opportunity):
    response = staff_client.get(list_url(tenant, "due_from=notadate&stage=x&owner=9999999999999&currency=EUR"))
    assert response.status_code == 200 and opportunity.title in response.get_data(as_text=True)


def test_the_list_is_paginated_with_constant_queries(staff_client, tenant):
    clients = [add_organisation(tenant, f"Partner {n}") for n in range(3)]
    for n in range(3):
        add_opportunity(tenant, f"Call {n:02d}", client=clients[n])
    staff_client.get(list_url(tenant))
    few = statements_for(staff_client, list_url(tenant))
    for n in range(3, 30):
        add_opportunity(tenant, f"Call {n:02d}", client=clients[n % 3])
    staff_client.get(list_url(tenant))          # the user is read again after the commits above
    many = statements_for(staff_client, list_url(tenant))
    assert many == few, f"{few} statements for 3 opportunities, {many} for 30"
    page = staff_client.get(list_url(tenant)).get_data(as_text=True)
    assert "30 opportunities" in page and "Page 1 of 2" in page
    assert "Page 2 of 2" in staff_client.get(list_url(tenant, "page=2")).get_data(as_text=True)
