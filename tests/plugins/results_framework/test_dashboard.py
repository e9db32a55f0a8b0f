"""The results dashboard: each indicator's actual against its target for the chosen period, its
status in words, a trend chart with a text alternative; a period chooser that refuses what is not a
period; a query count that does not grow with the number of indicators."""
from __future__ import annotations

from datetime import date

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.results_framework import services
from tests.helpers import login, make_member, statements_for
from plugins.results_framework.models import Source
from tests.plugins.results_framework.conftest import enter, make_indicator


def test_dashboard_shows_actual_against_target_with_status_in_words(staff_client, tenant, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1", name_en="Community meetings held", targets={"2025": 40})
    enter(tenant, indicator, "2025-Q1", 12)
    enter(tenant, indicator, "2025-Q2", 18)
    page = staff_client.get(f"/t/{tenant.slug}/results/?kind=year&period=2025")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Community meetings held" in html
    assert "30" in html and "40" in html          # 12 + 18 against the year's target
    assert "At risk" in html                       # 30 is 75 % of 40 and the year is over
    assert "<title" in html and "1.1.1 Community meetings held by period" in html
    assert "The figures of the chart" in html      # the text alternative


def test_default_period_is_the_current_calendar_year(staff_client, tenant, outcome):
    this_year = date.today().year
    make_indicator(tenant, outcome, "1.1.1", targets={str(this_year): 10})
    html = staff_client.get(f"/t/{tenant.slug}/results/").get_data(as_text=True)
    assert f'<option selected value="{this_year}">' in html or f'value="{this_year}" selected' in html


def test_a_bad_period_key_is_refused_with_a_translated_message(staff_client, tenant, outcome):
    make_indicator(tenant, outcome, "1.1.1")
    page = staff_client.get(f"/t/{tenant.slug}/results/?kind=quarter&period=2025-Q9")
    assert page.status_code == 422
    assert "is not a period" in page.get_data(as_text=True)
    page = staff_client.get(f"/t/{tenant.slug}/results/?kind=decade&period=2025")
    assert page.status_code == 422
    assert "Choose a quarter, a calendar year or a fiscal year." in page.get_data(as_text=True)
    page = staff_client.get(f"/t/{tenant.slug}/results/?period=2031")
    assert page.status_code == 422
    assert "outside the plan" in page.get_data(as_text=True)


def test_changing_only_the_kind_shows_the_period_of_that_kind(staff_client, tenant, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1", name_en="Meetings")
    enter(tenant, indicator, "2025-Q4", 7)
    html = staff_client.get(f"/t/{tenant.slug}/results/?kind=quarter&period=2025").get_data(as_text=True)
    assert "Q4 2025" in html
    assert 'value="2025-Q4"' in html


def test_a_frozen_period_shows_its_frozen_value(staff_client, tenant, outcome, staff):
    indicator = make_indicator(tenant, outcome, "1.1.1", name_en="Meetings", targets={"2025": 10})
    enter(tenant, indicator, "2025", 8)
    with tenant_scope(tenant.id):
        services.freeze(tenant, services.plan_period(services.settings_for(tenant.id), "2025"), actor_id=staff.id)
        db.session.commit()
    enter(tenant, indicator, "2025", 99)           # changed after the freeze: the dashboard keeps 8
    html = staff_client.get(f"/t/{tenant.slug}/results/?kind=year&period=2025").get_data(as_text=True)
    assert "Frozen" in html
    assert ">8<" in html and ">99<" not in html


def test_the_trend_covers_the_last_quarters_within_the_plan(staff_client, tenant, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1", name_en="Meetings")
    for number, key in enumerate(["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"], start=1):
        enter(tenant, indicator, key, number * 10)
    html = staff_client.get(f"/t/{tenant.slug}/results/?kind=quarter&period=2026-Q1").get_data(as_text=True)
    for label in ("Q2 2024", "Q3 2025", "Q1 2026"):
        assert label in html
    assert "Q1 2024" not in html.split("The figures of the chart")[1]   # eight quarters: Q2 2024 – Q1 2026


def test_a_tenant_without_a_framework_sees_an_empty_dashboard_and_nothing_is_written(staff_client, tenant):
    from plugins.results_framework.models import FrameworkSettings
    page = staff_client.get(f"/t/{tenant.slug}/results/")
    assert page.status_code == 200
    assert "The results framework has no objective yet." in page.get_data(as_text=True)
    assert db.session.query(FrameworkSettings).count() == 0


def test_viewer_without_results_view_gets_403(client, tenant, outcome, monkeypatch):
    from flask import current_app
    registry = current_app.extensions["samaki"].permissions
    permission = registry.permissions["results.view"]
    monkeypatch.setitem(registry.permissions, "results.view",
                        type(permission)(permission.name, permission.label, (Role.OWNER,)))
    viewer = make_member(tenant, Role.VIEWER)
    login(client, viewer.email)
    assert client.get(f"/t/{tenant.slug}/results/").status_code == 403


def test_query_count_does_not_grow_with_the_indicators(staff_client, tenant, outcome):
    def with_indicators(total: int) -> int:
        with tenant_scope(tenant.id):
            existing = len(services.all_indicators(tenant.id))
        for number in range(existing, total):
            if number % 2:
                make_indicator(tenant, outcome, f"1.1.{number}", name_en=f"Trained {number}",
                               source=Source.COMPUTED, source_code="training.people_trained",
                               targets={"2025": 10})
            else:
                indicator = make_indicator(tenant, outcome, f"1.1.{number}", name_en=f"Meetings {number}",
                                           targets={"2025": 10})
                enter(tenant, indicator, "2025-Q2", number)
        return statements_for(staff_client, f"/t/{tenant.slug}/results/?kind=quarter&period=2025-Q4")
    assert with_indicators(2) == with_indicators(8)
