"""The working group's pages: the network results panel on the core group page (totals, who
contributed what, small cells hidden), a member's preview and approval, shared indicators defined by
the convening organisation, and nothing shown to a tenant outside the group."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.models import Role, WorkingGroupMember
from core.plugins import Indicator
from core.registers.models import Place, PlaceKind
from plugins.results_framework import rollup
from plugins.results_framework.models import Aggregation, GroupContribution, GroupIndicator, Unit
from tests.helpers import StatementCounter, csrf_token_from, login, make_member, make_tenant
from tests.plugins.results_framework.conftest import enter, make_indicator, make_outcome
from tests.plugins.results_framework.test_rollup import (Q3, answered_on_time, district_bodies, make_group,
                                                         share_indicator)


def client_of(app, user):
    client = app.test_client()
    login(client, user.email)
    return client


@pytest.fixture
def network(app, tenant, other_tenant):
    """Two member organisations, each with an owner, in a group convened by the first."""
    owner_a, owner_b = make_member(tenant, Role.OWNER), make_member(other_tenant, Role.OWNER)
    group = make_group(tenant, other_tenant)
    return dict(group=group, a=tenant, b=other_tenant, owner_a=owner_a, owner_b=owner_b,
                client_a=client_of(app, owner_a), client_b=client_of(app, owner_b))


def provinces() -> None:
    for code, name in (("07", "Kampot"), ("02", "Battambang"), ("21", "Takeo")):
        db.session.add(Place(code=code, kind=PlaceKind.PROVINCE, name_en=name, name_km=""))
    db.session.commit()


def people_shared(network) -> GroupIndicator:
    return share_indicator(network["group"], code="3.2.1", name_en="People trained by members",
                           unit=Unit.PEOPLE, aggregation=Aggregation.SUM, source_code="")


def trained(tenant, value, breakdown=None):
    indicator = make_indicator(tenant, make_outcome(tenant), "3.2.1", disaggregations=["province"])
    enter(tenant, indicator, Q3, value, breakdown=breakdown or {})
    return indicator


def group_page(network, side: str = "a") -> str:
    response = network[f"client_{side}"].get(f"/t/{network[side].slug}/groups/{network['group'].slug}/")
    assert response.status_code == 200
    return response.text


# --- the panel on the group page --------------------------------------------------------------------

def test_group_page_counts_a_district_disclosed_to_two_members_once(network):
    bodies = district_bodies()
    answered_on_time(network["a"], network["owner_a"], bodies["teuk_chhou"])
    answered_on_time(network["b"], network["owner_b"], bodies["teuk_chhou"])
    shared = share_indicator(network["group"])
    for side in ("a", "b"):
        response = network[f"client_{side}"].post(
            f"/t/{network[side].slug}/results/groups/{network['group'].id}/indicators/{shared.id}/approve",
            data={"period_key": Q3})
        assert response.status_code == 302
    page = group_page(network, "b")
    assert "Network results" in page and "Districts actively disclosing information (network)" in page
    assert "Q3 2026: 1</strong>" in page
    assert "1 place or institution reported by more than one member is counted once." in page
    assert "Kampot: 1" in page           # districts, not people: no small-cell rule


def test_cells_under_five_are_hidden_on_the_group_page_even_in_a_members_own_row(network):
    provinces()
    people_shared(network)
    trained(network["a"], 43, {"province": {"07": 3, "02": 12, "21": 28}})
    trained(network["b"], 20, {"province": {"21": 20}})
    shared = db.session.scalar(select(GroupIndicator))
    rollup.approve(shared, network["a"], Q3, network["owner_a"].id)
    rollup.approve(shared, network["b"], Q3, network["owner_b"].id)
    db.session.commit()
    page = group_page(network, "a")
    assert "Q3 2026: 63</strong>" in page
    # Network: Kampot 3 is hidden, and Battambang 12 with it (else 63 - 48 would give it away).
    assert "Takeo: 48" in page
    assert "Kampot: 3" not in page and "Battambang: 12" not in page
    assert page.count("Kampot: <span class=\"muted\">fewer than 5</span>") == 2       # the total and A's own row
    own = network["client_a"].get(f"/t/{network['a'].slug}/results/groups/{network['group'].id}/").text
    assert "Kampot: <span class=\"muted\">fewer than 5</span>" in own and "Kampot: 3" not in own


def test_an_unapproved_member_figure_never_appears(network):
    people_shared(network)
    trained(network["a"], 31)
    trained(network["b"], 777)
    shared = db.session.scalar(select(GroupIndicator))
    assert "777" not in group_page(network, "a")
    rollup.approve(shared, network["a"], Q3, network["owner_a"].id)
    db.session.commit()
    page = group_page(network, "a")
    assert "Q3 2026: 31</strong>" in page and "1 member approved" in page and "777" not in page
    assert "777" not in group_page(network, "b")
    assert db.session.scalar(select(func.count(GroupContribution.id))) == 1


def test_the_group_panel_runs_the_same_number_of_queries_for_more_indicators_and_members(app, network):
    def cost() -> int:
        with StatementCounter() as counter:
            response = network["client_a"].get(f"/t/{network['a'].slug}/groups/{network['group'].slug}/")
        assert response.status_code == 200
        return counter.count

    def add(code: str, values: dict):
        shared = share_indicator(network["group"], code=code, name_en=f"Figure {code}", unit=Unit.NUMBER,
                                 aggregation=Aggregation.SUM, source_code="")
        for tenant, value in values.items():
            for key in ("2026-Q2", Q3):
                rollup.store_contribution(shared, tenant, key, Indicator(code, code, value,
                                                                         breakdown={"sex": {"female": value}}))
        db.session.commit()

    add("N1", {network["a"]: 10})
    cost()                                  # the first request warms per-process caches
    few = cost()
    third = make_tenant("takeo-rights", "Takeo Rights")
    network["group"].members.append(WorkingGroupMember(tenant_id=third.id))
    db.session.commit()
    add("N2", {network["a"]: 11, network["b"]: 12, third: 13})
    add("N3", {network["a"]: 14, network["b"]: 15, third: 16})
    assert "Figure N3" in group_page(network, "a")
    assert cost() == few


# --- approving ---------------------------------------------------------------------------------------

def test_a_member_sees_what_it_will_share_before_approving(network):
    provinces()
    shared = people_shared(network)
    trained(network["b"], 23, {"province": {"07": 3, "21": 20}})
    url = f"/t/{network['b'].slug}/results/groups/{network['group'].id}/indicators/{shared.id}/approve"
    preview = network["client_b"].get(url, query_string={"period_key": Q3})
    assert preview.status_code == 200
    assert "What you will share for Q3 2026" in preview.text and "<strong>23</strong>" in preview.text
    assert "Kampot: 3" in preview.text                       # its own breakdown, in full
    assert "fewer than 5" in preview.text                    # and as the group will see it
    assert db.session.scalar(select(func.count(GroupContribution.id))) == 0
    response = network["client_b"].post(url, data={"period_key": Q3, "comment": "From the MEAL review",
                                                   "csrf_token": csrf_token_from(preview.text)})
    assert response.status_code == 302
    stored = db.session.scalar(select(GroupContribution))
    assert (stored.tenant_id, stored.value, stored.breakdown, stored.comment) == (
        network["b"].id, Decimal(23), {"province": {"07": 3, "21": 20}}, "From the MEAL review")
    own = network["client_b"].get(f"/t/{network['b'].slug}/results/groups/{network['group'].id}/").text
    assert "People trained by members" in own and "Withdraw" in own
    withdrawn = network["client_b"].post(url.replace("/approve", "/withdraw"), data={
        "period_key": Q3, "csrf_token": csrf_token_from(own)}, follow_redirects=True)
    assert "no longer counts in the network total" in withdrawn.text
    assert "Q3 2026" not in group_page(network, "b")


def test_a_figure_counted_differently_is_refused_on_the_page_and_nothing_saved(network):
    shared = people_shared(network)
    indicator = make_indicator(network["b"], make_outcome(network["b"]), "3.2.1", unit=Unit.PEOPLE,
                               aggregation=Aggregation.LATEST)
    enter(network["b"], indicator, Q3, 23)
    url = f"/t/{network['b'].slug}/results/groups/{network['group'].id}/indicators/{shared.id}/approve"
    preview = network["client_b"].get(url, query_string={"period_key": Q3})
    assert preview.status_code == 422 and "different units or rules" in preview.text
    response = network["client_b"].post(url, data={"period_key": Q3})
    assert response.status_code == 422 and "different units or rules" in response.text
    assert db.session.scalar(select(func.count(GroupContribution.id))) == 0


def test_a_viewer_cannot_approve(app, network):
    shared = people_shared(network)
    viewer = make_member(network["b"], Role.VIEWER, email="viewer@b.example")
    url = f"/t/{network['b'].slug}/results/groups/{network['group'].id}/indicators/{shared.id}/approve"
    assert client_of(app, viewer).post(url, data={"period_key": Q3}).status_code == 403


# --- shared indicators and who may see them ------------------------------------------------------------

def test_the_convening_organisation_defines_shared_indicators(network):
    base = f"/t/{network['a'].slug}/results/groups/{network['group'].id}"
    form = network["client_a"].get(f"{base}/indicators/new")
    assert form.status_code == 200
    response = network["client_a"].post(f"{base}/indicators/new", data={
        "code": "A2I-M", "name_en": "Ministries actively disclosing (network)", "name_km": "", "unit": "number",
        "aggregation": "distinct", "accumulation": "per_period", "source_code": "a2i.active_ncdd_ministries",
        "target": "20"})
    assert response.status_code == 302
    page = network["client_a"].get(f"{base}/").text
    assert "Ministries actively disclosing (network)" in page and "Network target: 20" in page
    refused = network["client_a"].post(f"{base}/indicators/new", data={
        "code": "W", "name_en": "Women trained", "unit": "percent", "aggregation": "sum",
        "accumulation": "per_period", "source_code": ""})
    assert refused.status_code == 422 and "percentage cannot be added up" in refused.text
    member_side = f"/t/{network['b'].slug}/results/groups/{network['group'].id}/indicators/new"
    assert network["client_b"].get(member_side).status_code == 403
    assert db.session.scalar(select(func.count(GroupIndicator.id))) == 1


def test_the_convening_organisation_removes_a_shared_indicator_with_its_figures(network):
    shared = people_shared(network)
    trained(network["b"], 23)
    rollup.approve(shared, network["b"], Q3, network["owner_b"].id)
    db.session.commit()
    base = f"/t/{network['b'].slug}/results/groups/{network['group'].id}/indicators/{shared.id}"
    assert network["client_b"].post(f"{base}/remove").status_code == 403
    base = f"/t/{network['a'].slug}/results/groups/{network['group'].id}/indicators/{shared.id}"
    assert network["client_a"].post(f"{base}/remove").status_code == 302
    assert db.session.scalar(select(func.count(GroupContribution.id))) == 0
    assert db.session.scalar(select(func.count(GroupIndicator.id))) == 0


def test_a_tenant_not_in_the_group_gets_404(app, network):
    shared = people_shared(network)
    trained(network["a"], 31)
    rollup.approve(shared, network["a"], Q3, network["owner_a"].id)
    db.session.commit()
    outsider = make_tenant("outsider-ngo", "Outsider NGO")
    client = client_of(app, make_member(outsider, Role.OWNER))
    base = f"/t/{outsider.slug}/results/groups/{network['group'].id}"
    for url in (f"{base}/", f"{base}/indicators/new", f"{base}/indicators/{shared.id}/approve",
                f"/t/{outsider.slug}/groups/{network['group'].slug}/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{base}/indicators/{shared.id}/approve", data={"period_key": Q3}).status_code == 404
    listing = client.get(f"/t/{outsider.slug}/results/groups/").text
    assert "A2I Working Group" not in listing and "not in any working group" in listing
    member_listing = network["client_b"].get(f"/t/{network['b'].slug}/results/groups/")
    assert member_listing.status_code == 200
    assert network["group"].name in member_listing.text and "1 shared indicator" in member_listing.text
