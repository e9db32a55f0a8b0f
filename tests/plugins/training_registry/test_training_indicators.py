"""Results-framework indicators of the training registry: the report's own counts for the courses
that start in the period (hand counts in test_reports_figures.py)."""
from __future__ import annotations

from datetime import date

from flask import current_app

from plugins.training_registry.reports import indicators
from tests.plugins.training_registry.reports_data import build


def values(tenant, period) -> dict:
    return {indicator.code: indicator.value for indicator in indicators(tenant, period)}


def test_indicators_for_a_year_count_its_courses_only(tenant, other_tenant):
    build(tenant, other_tenant)
    assert values(tenant, 2026) == {
        "training.people_trained": 6,          # P1–P6 in courses A and B
        "training.women_share": 66.7,          # 4 of 6
        "training.cbos_trained": 2,            # Kampot CBO and Youth CSO (the company is not a CBO/CSO)
        "training.learning_gain": 66.7,        # (0.5 + 0.5 + 1.0) / 3
    }


def test_indicators_add_historical_totals_in_their_period(tenant):
    build(tenant)
    assert values(tenant, (date(2025, 1, 1), date(2026, 12, 31))) == {
        "training.people_trained": 26,         # 6 named + 20 from course C's totals
        "training.women_share": 61.5,          # (4 + 12) / 26
        "training.cbos_trained": 7,            # 2 + 5 from the totals
        "training.learning_gain": 66.7,        # named records only
    }
    only_2025 = values(tenant, 2025)
    assert only_2025["training.people_trained"] == 20 and only_2025["training.learning_gain"] == 0.0


def test_the_hook_reports_the_indicators_with_units(tenant):
    build(tenant)
    found = current_app.extensions["samaki"].collect("samaki_indicators", tenant, period=2026)
    training = {indicator.code: indicator for indicator in found if indicator.code.startswith("training.")}
    assert set(training) == {"training.people_trained", "training.women_share", "training.cbos_trained",
                             "training.learning_gain"}
    assert training["training.women_share"].unit == "%" and training["training.people_trained"].value == 6


def test_an_empty_period_counts_nothing(tenant):
    build(tenant)
    assert values(tenant, 2019) == {"training.people_trained": 0, "training.women_share": 0.0,
                                    "training.cbos_trained": 0, "training.learning_gain": 0.0}


# --- the extended contract: disaggregation and drill-down ---------------------------------------------------

def by_code(tenant, period) -> dict:
    return {indicator.code: indicator for indicator in indicators(tenant, period)}


def test_people_trained_are_broken_down_by_hand_count(tenant, other_tenant):
    build(tenant, other_tenant)
    people = by_code(tenant, 2026)["training.people_trained"]
    # P1 F youth IDPoor, P2 M disability, P3 F youth disability, P4 M IDPoor (dropped out, still trained),
    # P5 F youth nothing recorded, P6 F youth unknown (course B in Takeo; the others' first course A in Kampot).
    assert people.breakdown == {
        "sex": {"female": 4, "male": 2},
        "youth": {"yes": 3, "no": 2, "unknown": 1},
        "disability": {"yes": 2, "no": 2, "unknown": 2},
        "idpoor": {"yes": 2, "no": 3, "unknown": 1},
        "province": {"07": 5, "21": 1},
    }
    for dimension, cells in people.breakdown.items():
        assert sum(cells.values()) == people.value, dimension


def test_the_breakdown_adds_historical_totals_as_the_report_counts_them(tenant):
    build(tenant)
    people = by_code(tenant, (date(2025, 1, 1), date(2026, 12, 31)))["training.people_trained"]
    assert people.value == 26
    # Course C: 20 people in Kampot, 12 women (the other 8: sex not recorded), 8 youth, 2 with a
    # disability, 3 IDPoor (the others count as "no", as the report treats totals as known).
    assert people.breakdown == {
        "sex": {"female": 16, "male": 2, "not_recorded": 8},
        "youth": {"yes": 11, "no": 14, "unknown": 1},
        "disability": {"yes": 4, "no": 20, "unknown": 2},
        "idpoor": {"yes": 5, "no": 20, "unknown": 1},
        "province": {"07": 25, "21": 1},
    }
    for dimension, cells in people.breakdown.items():
        assert sum(cells.values()) == people.value, dimension


def test_the_breakdown_agrees_with_the_report_crosstab(tenant):
    from plugins.training_registry.reports import ReportFilters, compute
    build(tenant)
    report = compute(ReportFilters(date_from=date(2026, 1, 1), date_to=date(2026, 12, 31)), tenant.id)
    women = sum(row.total for row in report.crosstab if row.sex == "women")
    young = sum(row.total for row in report.crosstab if row.youth == "young")
    assert report.people_breakdown["sex"]["female"] == women == report.total.women
    assert report.people_breakdown["youth"]["yes"] == young == report.total.youth


def test_each_indicator_links_to_the_report_of_its_period(tenant, other_tenant, staff_client):
    build(tenant, other_tenant)
    found = by_code(tenant, 2026)
    assert found["training.cbos_trained"].keys is None         # the organisations are the tenant's own contacts
    for indicator in found.values():
        assert indicator.permission == "training.view"
        assert indicator.url == f"/t/{tenant.slug}/training/reports/?date_from=2026-01-01&date_to=2026-12-31"
    page = staff_client.get(found["training.people_trained"].url)
    assert page.status_code == 200
    assert "Access to information for commune councils" in page.get_data(as_text=True)
    assert "Citizen monitoring 2025" not in page.get_data(as_text=True)         # course C is in 2025


def test_another_tenants_member_cannot_follow_the_link(tenant, other_tenant, client):
    from core.models import Role
    from tests.helpers import login, make_member
    build(tenant)
    url = by_code(tenant, 2026)["training.people_trained"].url
    login(client, make_member(other_tenant, Role.ADMIN).email)
    assert client.get(url).status_code in (403, 404)
