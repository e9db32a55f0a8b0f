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
