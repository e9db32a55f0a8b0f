"""The working-group roll-up rules: members' approved figures add up by the shared indicator's rule
(a district disclosed to two members counts once), nothing of a member counts before it approves,
and indicators that count differently are never added up."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.errors import DomainError
from core.extensions import db
from core.models import WorkingGroup, WorkingGroupMember
from core.plugins import Indicator
from core.registers.models import Institution, InstitutionKind, Place, PlaceKind
from core.tenancy import tenant_scope
from plugins.a2i_requests import services as a2i
from plugins.a2i_requests.models import RequestStatus
from plugins.results_framework import rollup
from plugins.results_framework.models import Accumulation, Aggregation, GroupContribution, GroupIndicator, Unit
from tests.helpers import make_member, make_tenant
from tests.plugins.results_framework.conftest import enter, make_indicator, make_outcome

Q3 = "2026-Q3"
MONDAY = date(2026, 8, 3)          # a week without holidays: an answer on 5 August is on time


# --- factories --------------------------------------------------------------------------------------

def make_group(convener, *members, slug: str = "a2iwg") -> WorkingGroup:
    group = WorkingGroup(slug=slug, name="A2I Working Group", convening_tenant_id=convener.id)
    group.members += [WorkingGroupMember(tenant_id=tenant.id) for tenant in (convener, *members)]
    db.session.add(group)
    db.session.commit()
    return group


def share_indicator(group, **fields) -> GroupIndicator:
    fields = {"code": "A2I-D", "name_en": "Districts actively disclosing information (network)",
              "name_km": "ស្រុក/ខណ្ឌដែលផ្តល់ព័ត៌មានយ៉ាងសកម្ម (បណ្តាញ)", "unit": Unit.NUMBER,
              "aggregation": Aggregation.DISTINCT, "source_code": "a2i.active_districts", **fields}
    indicator = rollup.save_indicator(group, group.convening_tenant, **fields)
    db.session.commit()
    return indicator


def district_bodies() -> dict[str, Institution]:
    """Kampot province (in the gazetteer) with two of its districts, in the shared register."""
    kampot_place = Place(code="07", kind=PlaceKind.PROVINCE, name_en="Kampot", name_km="កំពត")
    db.session.add(kampot_place)
    db.session.flush()
    kampot = Institution(code="KPT", kind=InstitutionKind.PROVINCE, name_en="Kampot Province", name_km="",
                         place_id=kampot_place.id)
    db.session.add(kampot)
    db.session.flush()
    bodies = {"kampot": kampot}
    for key, code, name in (("teuk_chhou", "TCH", "Teuk Chhou District"), ("chhuk", "CHK", "Chhuk District")):
        bodies[key] = Institution(code=code, kind=InstitutionKind.DISTRICT, name_en=name, name_km="",
                                  province_id=kampot.id, parent_id=kampot.id)
        db.session.add(bodies[key])
    db.session.commit()
    return bodies


def answered_on_time(tenant, actor, body, subject: str = "Road budget") -> None:
    """A request to `body` submitted on MONDAY and answered in full two working days later."""
    with tenant_scope(tenant.id):
        req = a2i.create_request(tenant.id, subject=subject, question="What was spent on roads in 2025?",
                                 body_id=body.id, actor=actor, requester_name="Sokha Chan", consent_recorded=True)
        a2i.transition(req, RequestStatus.SUBMITTED, actor=actor, on=MONDAY)
        a2i.transition(req, RequestStatus.ANSWERED_FULL, actor=actor, on=date(2026, 8, 5),
                       disclosed_summary="Road budget by commune")
        db.session.commit()


def contributions() -> int:
    return db.session.scalar(select(func.count(GroupContribution.id)))


@pytest.fixture
def members(tenant, other_tenant):
    return tenant, other_tenant, make_member(tenant, "owner"), make_member(other_tenant, "owner")


# --- distinct counts ----------------------------------------------------------------------------------

def test_a_district_disclosed_to_two_members_counts_once(members):
    tenant, other_tenant, owner_a, owner_b = members
    bodies = district_bodies()
    answered_on_time(tenant, owner_a, bodies["teuk_chhou"])
    answered_on_time(other_tenant, owner_b, bodies["teuk_chhou"])
    answered_on_time(other_tenant, owner_b, bodies["chhuk"], subject="Water budget")
    group = make_group(tenant, other_tenant)
    shared = share_indicator(group)

    with tenant_scope(tenant.id):
        rollup.approve(shared, tenant, Q3, owner_a.id)
    with tenant_scope(other_tenant.id):
        rollup.approve(shared, other_tenant, Q3, owner_b.id)
    db.session.commit()

    total = rollup.network_total(shared, Q3)
    assert [c.value for c in total.contributions] == [Decimal(2), Decimal(1)]   # Battambang, Kampot (by name)
    assert total.value == 2 and total.counted_once == 1
    assert total.breakdown == {"province": {"07": 2}}


def test_distinct_union_of_keys_from_stored_figures(tenant, other_tenant):
    group = make_group(tenant, other_tenant)
    shared = share_indicator(group)
    both = {"institution:TCH": {"province": "07"}}
    rollup.store_contribution(shared, tenant, Q3, Indicator("a2i.active_districts", "Districts", 1, keys=both))
    rollup.store_contribution(shared, other_tenant, Q3, Indicator(
        "a2i.active_districts", "Districts", 2, keys={**both, "institution:BTI": {"province": "21"}}))
    db.session.commit()
    total = rollup.network_total(shared, Q3)
    assert total.value == 2
    assert total.breakdown == {"province": {"07": 1, "21": 1}}


def test_a_distinct_figure_without_its_keys_is_refused(tenant, other_tenant):
    shared = share_indicator(make_group(tenant, other_tenant))
    with pytest.raises(DomainError, match="cannot count each of them once"):
        rollup.store_contribution(shared, tenant, Q3, Indicator("a2i.active_districts", "Districts", 3))
    db.session.rollback()
    assert contributions() == 0


# --- sums, latest values, approvals ------------------------------------------------------------------

def people_trained(tenant, value, breakdown, **fields):
    indicator = make_indicator(tenant, make_outcome(tenant), "3.2.1", disaggregations=["sex"], **fields)
    enter(tenant, indicator, Q3, value, breakdown=breakdown)
    return indicator


def test_a_sum_adds_members_values_and_breakdowns(members):
    tenant, other_tenant, owner_a, owner_b = members
    people_trained(tenant, 30, {"sex": {"female": 18, "male": 12}})
    people_trained(other_tenant, 20, {"sex": {"female": 8, "male": 12}})
    shared = share_indicator(make_group(tenant, other_tenant), code="3.2.1", name_en="People trained",
                             unit=Unit.PEOPLE, aggregation=Aggregation.SUM, source_code="")
    rollup.approve(shared, tenant, Q3, owner_a.id)
    rollup.approve(shared, other_tenant, Q3, owner_b.id)
    db.session.commit()
    total = rollup.network_total(shared, Q3)
    assert total.value == 50
    assert total.breakdown == {"sex": {"female": 26, "male": 24}}
    assert {c.tenant.slug: c.value for c in total.contributions} == {"kampot-network": 30, "battambang-youth": 20}


def test_latest_values_add_each_members_latest_figure(members):
    tenant, other_tenant, owner_a, owner_b = members
    for member, value in ((tenant, 12), (other_tenant, 7)):
        indicator = make_indicator(member, make_outcome(member), "CBO", unit=Unit.ORGANISATIONS,
                                   aggregation=Aggregation.LATEST)
        enter(member, indicator, "2026-Q2", value - 2)
        enter(member, indicator, Q3, value)
    shared = share_indicator(make_group(tenant, other_tenant), code="CBO", name_en="CBOs monitoring",
                             unit=Unit.ORGANISATIONS, aggregation=Aggregation.LATEST, source_code="")
    rollup.approve(shared, tenant, "2026", owner_a.id, today=date(2026, 12, 1))
    rollup.approve(shared, other_tenant, "2026", owner_b.id, today=date(2026, 12, 1))
    db.session.commit()
    assert rollup.network_total(shared, "2026").value == 19


def test_an_unapproved_member_figure_never_counts(members):
    tenant, other_tenant, owner_a, _owner_b = members
    people_trained(tenant, 30, {})
    people_trained(other_tenant, 777, {})
    shared = share_indicator(make_group(tenant, other_tenant), code="3.2.1", name_en="People trained",
                             unit=Unit.PEOPLE, aggregation=Aggregation.SUM, source_code="")
    assert rollup.network_total(shared, Q3).value is None
    rollup.approve(shared, tenant, Q3, owner_a.id)
    db.session.commit()
    total = rollup.network_total(shared, Q3)
    assert total.value == 30 and [c.tenant_id for c in total.contributions] == [tenant.id]
    assert db.session.scalar(select(GroupContribution.id).where(GroupContribution.tenant_id == other_tenant.id)) is None


def test_reapproval_replaces_the_figure_and_withdrawal_removes_it(members):
    tenant, other_tenant, owner_a, _owner_b = members
    indicator = people_trained(tenant, 30, {})
    shared = share_indicator(make_group(tenant, other_tenant), code="3.2.1", name_en="People trained",
                             unit=Unit.PEOPLE, aggregation=Aggregation.SUM, source_code="")
    rollup.approve(shared, tenant, Q3, owner_a.id)
    db.session.commit()
    enter(tenant, indicator, Q3, 34)
    rollup.approve(shared, tenant, Q3, owner_a.id)
    db.session.commit()
    assert contributions() == 1 and rollup.network_total(shared, Q3).value == 34
    rollup.withdraw(shared, tenant, Q3)
    db.session.commit()
    assert rollup.network_total(shared, Q3).value is None
    assert rollup.recent_totals([shared]) == {shared.id: []}


def test_a_member_without_a_framework_shares_its_module_figure(members):
    tenant, other_tenant, owner_a, _owner_b = members
    bodies = district_bodies()
    answered_on_time(tenant, owner_a, bodies["teuk_chhou"])
    answered_on_time(tenant, owner_a, bodies["chhuk"], subject="Water budget")
    shared = share_indicator(make_group(tenant, other_tenant), aggregation=Aggregation.SUM)
    figure = rollup.member_figure(shared, tenant, Q3)
    assert figure.value == 2 and figure.indicator is None and figure.source_code == "a2i.active_districts"


# --- refusals ---------------------------------------------------------------------------------------

def test_an_indicator_with_a_different_unit_or_rule_is_refused_and_nothing_saved(members):
    tenant, other_tenant, owner_a, _owner_b = members
    people_trained(tenant, 30, {}, unit=Unit.NUMBER)
    shared = share_indicator(make_group(tenant, other_tenant), code="3.2.1", name_en="People trained",
                             unit=Unit.PEOPLE, aggregation=Aggregation.SUM, source_code="")
    with pytest.raises(DomainError, match="different units or rules"):
        rollup.approve(shared, tenant, Q3, owner_a.id)
    db.session.rollback()
    cumulative = share_indicator(shared.group, code="3.2.1-C", name_en="People trained since 2024",
                                 unit=Unit.NUMBER, aggregation=Aggregation.SUM,
                                 accumulation=Accumulation.CUMULATIVE, source_code="")
    make_indicator(tenant, make_outcome(tenant, "1.2"), "3.2.1-C", unit=Unit.NUMBER)     # per period
    with pytest.raises(DomainError, match="different units or rules"):
        rollup.approve(cumulative, tenant, Q3, owner_a.id)
    db.session.rollback()
    assert contributions() == 0


def test_a_percentage_cannot_be_summed_across_members(tenant, other_tenant):
    group = make_group(tenant, other_tenant)
    with pytest.raises(DomainError, match="percentage cannot be added up"):
        rollup.save_indicator(group, tenant, code="W", name_en="Women among the people trained",
                              unit=Unit.PERCENT, aggregation=Aggregation.SUM)
    db.session.rollback()
    assert db.session.scalar(select(func.count(GroupIndicator.id))) == 0


def test_only_the_convening_organisation_defines_shared_indicators(tenant, other_tenant):
    group = make_group(tenant, other_tenant)
    with pytest.raises(DomainError, match="Only the organisation convening"):
        rollup.save_indicator(group, other_tenant, code="X", name_en="Anything")
    share_indicator(group)
    with pytest.raises(DomainError, match="already shares an indicator"):
        rollup.save_indicator(group, tenant, code="A2I-D", name_en="Again")


def test_a_tenant_outside_the_group_cannot_approve(tenant, other_tenant):
    outsider = make_tenant("outsider-ngo", "Outsider NGO")
    shared = share_indicator(make_group(tenant, other_tenant))
    with pytest.raises(DomainError, match="not a member"):
        rollup.approve(shared, outsider, Q3)
    assert rollup.group_for_member(outsider, shared.group_id) is None
    assert contributions() == 0


def test_the_unit_and_rules_stay_once_members_approved(members):
    tenant, other_tenant, owner_a, _owner_b = members
    people_trained(tenant, 30, {})
    shared = share_indicator(make_group(tenant, other_tenant), code="3.2.1", name_en="People trained",
                             unit=Unit.PEOPLE, aggregation=Aggregation.SUM, source_code="")
    rollup.approve(shared, tenant, Q3, owner_a.id)
    db.session.commit()
    with pytest.raises(DomainError, match="can no longer change"):
        rollup.save_indicator(shared.group, tenant, code="3.2.1", name_en="People trained", unit=Unit.NUMBER,
                              aggregation=Aggregation.SUM, indicator=shared)
    db.session.rollback()
    renamed = rollup.save_indicator(shared.group, tenant, code="3.2.1", name_en="People trained by members",
                                    unit=Unit.PEOPLE, aggregation=Aggregation.SUM, target="500", indicator=shared)
    assert renamed.target == 500
