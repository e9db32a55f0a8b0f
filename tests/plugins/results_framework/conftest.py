"""Shared helpers of the results-framework tests: a plan (2024–2028, fiscal year from July) with one
objective and outcome, and small factories for indicators of each kind."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.extensions import db
from core.tenancy import tenant_scope
from plugins.results_framework import services
from plugins.results_framework.models import (Accumulation, Aggregation, Direction, Objective, Outcome,
                                              ResultIndicator, Source, Unit)


def make_outcome(tenant, code: str = "1.1", objective_code: str = "SO1") -> Outcome:
    with tenant_scope(tenant.id):
        settings = services.settings_for(tenant.id)
        settings.first_year, settings.last_year, settings.fiscal_start_month = 2024, 2028, 7
        objective = db.session.scalar(db.select(Objective).where(Objective.tenant_id == tenant.id,
                                                                 Objective.code == objective_code))
        if objective is None:
            objective = Objective(tenant_id=tenant.id, code=objective_code,
                                  title_en="Democratic governance and accountability",
                                  title_km="អភិបាលកិច្ចប្រជាធិបតេយ្យ និងគណនេយ្យភាព")
            db.session.add(objective)
        outcome = Outcome(tenant_id=tenant.id, objective=objective, code=code,
                          title_en="Sub-national authorities disclose information",
                          title_km="អាជ្ញាធរថ្នាក់ក្រោមជាតិបើកចំហព័ត៌មាន")
        db.session.add(outcome)
        db.session.commit()
        return outcome


def make_indicator(tenant, outcome: Outcome, code: str, *, name_en: str = "People trained",
                   name_km: str = "ចំនួនអ្នកបានទទួលការបណ្តុះបណ្តាល", source: Source = Source.MANUAL,
                   source_code: str = "", unit: Unit = Unit.PEOPLE, aggregation: Aggregation = Aggregation.SUM,
                   accumulation: Accumulation = Accumulation.PER_PERIOD, direction: Direction = Direction.HIGHER,
                   baseline_value=None, baseline_on: date | None = None, targets: dict | None = None,
                   disaggregations: list | None = None, responsible=None) -> ResultIndicator:
    with tenant_scope(tenant.id):
        indicator = ResultIndicator(
            tenant_id=tenant.id, outcome_id=outcome.id, code=code, name_en=name_en, name_km=name_km,
            source=source, source_code=source_code, unit=unit, aggregation=aggregation,
            accumulation=accumulation, direction=direction,
            baseline_value=Decimal(str(baseline_value)) if baseline_value is not None else None,
            baseline_on=baseline_on, disaggregations=disaggregations or [],
            responsible_id=responsible.id if responsible is not None else None)
        services.check_indicator(indicator)
        db.session.add(indicator)
        settings = services.settings_for(tenant.id)
        for key, value in (targets or {}).items():
            services.set_target(indicator, key, value, settings)
        db.session.commit()
        return indicator


def enter(tenant, indicator: ResultIndicator, period_key: str, value, **fields):
    with tenant_scope(tenant.id):
        fields.setdefault("evidence_url", "https://example.org/evidence/report.pdf")
        found = services.enter_value(indicator, period_key, value, services.settings_for(tenant.id), **fields)
        db.session.commit()
        return found


@pytest.fixture
def outcome(tenant) -> Outcome:
    return make_outcome(tenant)
