"""An indicator's own page: its definition and rule, baseline, targets, the values of every period
of the plan (table and chart), the chosen period's breakdown and comment, and the drill-down link to
the records behind a computed figure, shown only to those who may open them."""
from __future__ import annotations

from datetime import date

import pytest
from flask import current_app

from core.hookspecs import hookimpl
from core.models import Role
from core.plugins import Indicator
from plugins.results_framework.models import Accumulation, Source
from tests.helpers import login, make_member
from tests.plugins.results_framework.conftest import enter, make_indicator

DRILL_DOWN = "/t/kampot-network/consulting/pipeline/?records=visits"


class VisitFigures:
    """A module figure with a breakdown and a drill-down link to a page for managers only."""

    @hookimpl
    def samaki_indicators(self, tenant, period):
        return [Indicator("test.visits", "Visits", 7, breakdown={"sex": {"female": 4, "male": 3}},
                          url=DRILL_DOWN, permission="consulting.pool.rates")]


@pytest.fixture
def visit_figures(app):
    state = current_app.extensions["samaki"]
    state.pm.register(VisitFigures(), name="test_visit_figures")
    yield
    state.pm.unregister(name="test_visit_figures")


def computed_indicator(tenant, outcome):
    return make_indicator(tenant, outcome, "2.1.1", name_en="Visits to communities", source=Source.COMPUTED,
                          source_code="test.visits", targets={"2025": 10}, disaggregations=["sex"])


def test_page_shows_the_definition_rule_baseline_and_targets(staff_client, tenant, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1", name_en="Community meetings held",
                               accumulation=Accumulation.CUMULATIVE, baseline_value=5,
                               baseline_on=date(2024, 1, 1), targets={"2025": 40, "2026": 60})
    html = staff_client.get(f"/t/{tenant.slug}/results/indicators/{indicator.id}").get_data(as_text=True)
    assert "Community meetings held" in html
    assert "Cumulative since the baseline" in html and "Sum" in html and "Entered by hand" in html
    assert "5 on" in html                                     # the baseline with its date
    assert ">40<" in html and ">60<" in html


def test_values_per_period_match_the_entered_values(staff_client, tenant, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1", name_en="Meetings", targets={"2025": 40})
    enter(tenant, indicator, "2025-Q1", 12, comment="Two districts reported late")
    enter(tenant, indicator, "2025-Q2", 18)
    html = staff_client.get(f"/t/{tenant.slug}/results/indicators/{indicator.id}?kind=year&period=2025"
                            ).get_data(as_text=True)
    row = html.split('id="values"')[1].split('aria-current="true"')[1].split("</tr>")[0]
    assert "2025" in row and ">30<" in row and ">40<" in row and "At risk" in row
    assert "<title" in html
    quarter = staff_client.get(f"/t/{tenant.slug}/results/indicators/{indicator.id}?kind=quarter&period=2025-Q1"
                               ).get_data(as_text=True)
    assert "Two districts reported late" in quarter


def test_breakdown_is_labelled_by_dimension_and_cell(staff_client, tenant, outcome, visit_figures):
    indicator = computed_indicator(tenant, outcome)
    html = staff_client.get(f"/t/{tenant.slug}/results/indicators/{indicator.id}?kind=year&period=2025"
                            ).get_data(as_text=True)
    breakdown = html.split('id="breakdown"')[1]
    assert "<caption>Sex</caption>" in breakdown
    assert "Female" in breakdown and ">4<" in breakdown and "Male" in breakdown and ">3<" in breakdown


def test_drill_down_link_only_for_roles_with_the_module_permission(client, tenant, outcome, visit_figures):
    indicator = computed_indicator(tenant, outcome)
    url = f"/t/{tenant.slug}/results/indicators/{indicator.id}?kind=year&period=2025"
    staff = make_member(tenant, Role.STAFF)          # may see results, not consultants' rates
    login(client, staff.email)
    html = client.get(url).get_data(as_text=True)
    assert ">7<" in html
    assert DRILL_DOWN not in html and "See the records behind this figure" not in html
    client.post("/logout")
    admin = make_member(tenant, Role.ADMIN)
    login(client, admin.email)
    html = client.get(url).get_data(as_text=True)
    assert 'href="/t/kampot-network/consulting/pipeline/?records=visits"' in html


def test_manual_indicator_links_to_its_values_page_for_editors(staff_client, tenant, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1", name_en="Meetings")
    html = staff_client.get(f"/t/{tenant.slug}/results/indicators/{indicator.id}").get_data(as_text=True)
    if "results_framework.values" in current_app.view_functions:
        assert "Enter or correct values" in html
    else:
        assert "Enter or correct values" not in html


def test_viewer_gets_the_values_page_to_read_not_to_edit(client, tenant, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1", name_en="Meetings")
    viewer = make_member(tenant, Role.VIEWER)
    login(client, viewer.email)
    html = client.get(f"/t/{tenant.slug}/results/indicators/{indicator.id}").get_data(as_text=True)
    assert "Meetings" in html and "Enter or correct values" not in html
    if "results_framework.values" in current_app.view_functions:
        assert "See the values entered and their evidence" in html


def test_another_tenants_indicator_is_not_found(client, tenant, other_tenant, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1", name_en="Secret meetings")
    other = make_member(other_tenant, Role.OWNER, email="owner@b.example")
    login(client, other.email)
    page = client.get(f"/t/{other_tenant.slug}/results/indicators/{indicator.id}")
    assert page.status_code == 404
    assert "Secret meetings" not in page.get_data(as_text=True)


def test_a_bad_period_is_refused_on_the_indicator_page(staff_client, tenant, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1", name_en="Meetings")
    page = staff_client.get(f"/t/{tenant.slug}/results/indicators/{indicator.id}?period=FY2026-13")
    assert page.status_code == 422
    assert "is not a period" in page.get_data(as_text=True)


def test_unknown_indicator_is_not_found(staff_client, tenant):
    assert staff_client.get(f"/t/{tenant.slug}/results/indicators/999").status_code == 404
