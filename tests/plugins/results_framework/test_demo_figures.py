"""The lead NGO's demo framework: each computed indicator equals a plain row-by-row count of the demo
records, hand-entered indicators add up by their rule, and the frozen periods hold the same values."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import Role
from core.periods import parse_period
from core.registers.demo import load_register_demo
from core.registers.models import InstitutionKind, Sex
from core.tenancy import tenant_scope
from plugins.a2i_requests.demo import load_demo_data as load_a2i
from plugins.a2i_requests.models import InfoRequest, RequestStatus
from plugins.policy_tracker.campaign_demo import load_demo_data as load_campaigns
from plugins.policy_tracker.demo import load_demo_data as load_laws
from plugins.policy_tracker.models import Recommendation
from plugins.results_framework import services
from plugins.results_framework.demo import FROZEN, load_demo_data as load_results
from plugins.results_framework.models import ResultIndicator
from plugins.training_registry.demo import load_demo_data as load_training
from plugins.training_registry.models import Course, CourseKind
from tests.core.registers.places_helpers import load_places
from tests.helpers import make_member, make_tenant

TODAY = date(2026, 12, 1)


@pytest.fixture
def lead(app):
    load_places()
    lead = make_tenant("demo-lead", "Advocacy and Policy Institute (demo)")
    make_member(lead, Role.OWNER)
    make_member(lead, Role.STAFF)
    with tenant_scope(lead.id):
        load_register_demo(lead)
        for load in (load_a2i, load_training, load_laws, load_campaigns, load_results):
            load(lead)
        db.session.commit()
    return lead


def framework_values(lead, key: str) -> dict[str, Decimal | None]:
    with tenant_scope(lead.id):
        indicators = services.all_indicators(lead.id)
        values = services.values_for(lead, indicators, parse_period(key), TODAY)
        return {indicator.code: values[indicator.id].value for indicator in indicators}


def disclosing_bodies(lead, start: date, end: date, kind: InstitutionKind) -> set[int]:
    with tenant_scope(lead.id):
        found = set()
        for req in db.session.scalars(select(InfoRequest)):
            if (req.body.kind == kind and req.on_time is True
                    and req.outcome in (RequestStatus.ANSWERED_FULL, RequestStatus.ANSWERED_PART)
                    and req.answered_on is not None and start <= req.answered_on <= end
                    and (kind != InstitutionKind.MINISTRY or req.body.ncdd_member)):
                found.add(req.body_id)
        return found


def people_trained(lead, start: date, end: date) -> tuple[int, int]:
    """(people, women) of the courses starting in the period: each person once, plus the totals of
    historical courses."""
    with tenant_scope(lead.id):
        courses = [course for course in db.session.scalars(select(Course))
                   if start <= course.starts_on <= end]
        people = {e.contact_id: e.contact for c in courses if c.kind == CourseKind.NAMED for e in c.enrolments}
        historical = [c for c in courses if c.kind == CourseKind.HISTORICAL and c.totals is not None]
        total = len(people) + sum(c.totals.participants for c in historical)
        women = sum(p.sex is Sex.FEMALE for p in people.values()) + sum(c.totals.women for c in historical)
        return total, women


def test_computed_indicators_equal_a_recount_of_the_demo_records_and_hand_entered_ones_add_up(lead):
    for key in ("2024", "2025", "2026"):
        period = parse_period(key)
        values = framework_values(lead, key)
        assert values["3.1.1"] == len(disclosing_bodies(lead, period.start, period.end, InstitutionKind.DISTRICT))
        assert values["3.1.2"] == len(disclosing_bodies(lead, period.start, period.end, InstitutionKind.MINISTRY))
        people, women = people_trained(lead, period.start, period.end)
        assert values["3.2.1"] == people
        assert values["3.2.2"] == (round(Decimal(100 * women) / people, 1) if people else 0)
        with tenant_scope(lead.id):
            laws = {r.law_id for r in db.session.scalars(select(Recommendation))
                    if r.submitted_on and period.start <= r.submitted_on <= period.end}
        assert values["2.1.2"] == len(laws)
    assert sum(framework_values(lead, key)["3.2.1"] for key in ("2024", "2025", "2026")) > 0
    assert framework_values(lead, "2025")["3.1.1"] > 0
    # Loading the demo takes a while: the same demo serves the hand-entered and frozen figures.
    hand_entered_indicators_add_up_by_their_rule(lead)
    the_demo_froze_past_periods_with_the_live_values(lead)


def hand_entered_indicators_add_up_by_their_rule(lead):
    assert framework_values(lead, "2025")["1.1.1"] == 27            # the year's own value
    assert framework_values(lead, "2026")["1.1.1"] == 33            # latest quarter of the year
    assert framework_values(lead, "2026")["2.1.3"] == 6             # cumulative since the baseline
    assert framework_values(lead, "2026")["4.1.1"] == 9             # quarters summed
    with tenant_scope(lead.id):
        staff = db.session.scalar(select(ResultIndicator).where(ResultIndicator.code == "4.1.1"))
        value = services.values_for(lead, [staff], parse_period("2026"), TODAY)[staff.id]
    assert value.breakdown == {"sex": {"female": 5, "male": 4}}


def the_demo_froze_past_periods_with_the_live_values(lead):
    with tenant_scope(lead.id):
        frozen = services.current_snapshots(lead.id)
        assert set(frozen) == set(FROZEN)
        stored = {value.code: value.value for value in frozen["2025"].values}
    live = framework_values(lead, "2025")
    assert stored == live
