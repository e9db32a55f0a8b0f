"""Results-framework indicators of the consulting module, counted as on the figures page (hand
counts on the data of figures_data.py): engagements delivered, revenue excluding VAT, win rate."""
from __future__ import annotations

from datetime import date

from flask import current_app

from plugins.consulting_crm.figures import indicators
from tests.plugins.consulting_crm.figures_data import build


def values(tenant, period) -> dict:
    return {indicator.code: indicator.value for indicator in indicators(tenant, period)}


def test_indicators_of_a_year(tenant, other_tenant):
    build(tenant)
    build(other_tenant)
    assert values(tenant, 2026) == {
        "consulting.engagements_delivered": 1,     # E2: delivered, its deliverable accepted on 15 Sept 2026
        "consulting.revenue": 8455.55,             # I1 3,455.55 + I2 20,500,000 KHR ÷ 4,100 = 5,000 (no VAT)
        "consulting.win_rate": 66.7,               # W1, W2 won, L1 lost
    }
    assert values(tenant, 2025) == {
        "consulting.engagements_delivered": 1,     # E4: closed, no deliverable, ended 31 Oct 2025
        "consulting.revenue": 8000.0,              # I5
        "consulting.win_rate": 0.0,                # L2 lost
    }


def test_a_period_of_dates_and_an_empty_one(tenant):
    build(tenant)
    spring = values(tenant, (date(2026, 4, 1), date(2026, 6, 30)))
    # I1 issued 10 April; L1 lost 1 April and W2 won 30 June; E2 delivered in September: not yet.
    assert spring == {"consulting.engagements_delivered": 0, "consulting.revenue": 3455.55,
                      "consulting.win_rate": 50.0}
    assert values(tenant, 2019) == {"consulting.engagements_delivered": 0, "consulting.revenue": 0.0,
                                    "consulting.win_rate": 0.0}


def test_the_hook_reports_the_indicators_with_units(tenant):
    build(tenant)
    found = current_app.extensions["samaki"].collect("samaki_indicators", tenant, period=2026)
    consulting = {indicator.code: indicator for indicator in found if indicator.code.startswith("consulting.")}
    assert set(consulting) == {"consulting.engagements_delivered", "consulting.revenue", "consulting.win_rate"}
    assert consulting["consulting.revenue"].unit == "USD" and consulting["consulting.win_rate"].unit == "%"
    assert consulting["consulting.engagements_delivered"].value == 1


def test_each_indicator_links_to_the_figures_page_of_its_period(tenant, staff_client):
    build(tenant)
    for indicator in indicators(tenant, 2026):
        assert indicator.permission == "consulting.view"
        assert indicator.url == f"/t/{tenant.slug}/consulting/pipeline/?date_from=2026-01-01&date_to=2026-12-31"
        assert indicator.breakdown == {} and indicator.keys is None       # nobody is counted
    assert staff_client.get(indicators(tenant, 2026)[0].url).status_code == 200


def test_a_member_of_another_tenant_cannot_follow_the_link(tenant, other_tenant, client):
    from core.models import Role
    from tests.helpers import login, make_member
    build(tenant)
    login(client, make_member(other_tenant, Role.ADMIN).email)
    assert client.get(indicators(tenant, 2026)[0].url).status_code in (403, 404)
