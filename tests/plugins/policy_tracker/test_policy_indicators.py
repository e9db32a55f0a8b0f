"""The results-framework figures: laws with CSO input (a joint recommendation counted once, for
each co-submitter), recommendations taken up in the period, active campaigns, campaign activities
with the share of women."""
from __future__ import annotations

from datetime import date

from core.extensions import db
from core.registers.models import Place, PlaceKind
from core.tenancy import tenant_scope
from plugins.policy_tracker.models import CampaignStatus, Outcome
from plugins.policy_tracker.reports import indicators
from tests.plugins.policy_tracker.coalition_helpers import make_activity, make_campaign, make_law, make_recommendation

YEAR_2026 = (date(2026, 1, 1), date(2026, 12, 31))


def figures(tenant, period=YEAR_2026) -> dict:
    return {indicator.code: indicator.value for indicator in indicators(tenant, period)}


def test_a_joint_recommendation_counts_once_for_each_co_submitter(tenant, other_tenant):
    a2i, cyber = make_law(), make_law(title_en="Law on Cybersecurity", short_name="Cyber law")
    make_recommendation(tenant, a2i, partners=[other_tenant], outcome=Outcome.ADOPTED, outcome_on=date(2026, 6, 1),
                        outcome_evidence="Draft 5")
    make_recommendation(tenant, a2i, submitted_on=date(2026, 4, 2))
    make_recommendation(other_tenant, cyber, submitted_on=date(2025, 12, 30))      # before the period
    ours, theirs = figures(tenant), figures(other_tenant)
    assert ours["policy.laws_with_cso_input"] == 1 and ours["policy.recommendations_adopted"] == 1
    assert theirs["policy.laws_with_cso_input"] == 1 and theirs["policy.recommendations_adopted"] == 1
    assert figures(other_tenant, 2025)["policy.laws_with_cso_input"] == 1
    assert figures(tenant, 2025)["policy.laws_with_cso_input"] == 0


def test_adopted_and_partly_adopted_count_by_the_date_of_the_outcome(tenant):
    law = make_law()
    make_recommendation(tenant, law, outcome=Outcome.PARTLY_ADOPTED, outcome_on=date(2026, 2, 1), outcome_evidence="x")
    make_recommendation(tenant, law, outcome=Outcome.PARTLY_ADOPTED, outcome_on=date(2027, 1, 5), outcome_evidence="x")
    make_recommendation(tenant, law, outcome=Outcome.REJECTED, outcome_on=date(2026, 3, 1), outcome_evidence="x")
    result = figures(tenant)
    assert result["policy.recommendations_partly_adopted"] == 1 and result["policy.recommendations_adopted"] == 0


def test_active_campaigns_and_activities_with_the_share_of_women(tenant, other_tenant):
    campaign = make_campaign(tenant, starts_on=date(2025, 6, 1))
    make_campaign(tenant, title="Closed one", status=CampaignStatus.CLOSED)
    make_campaign(tenant, title="Over before the period", ends_on=date(2025, 12, 31))
    make_activity(tenant, campaign, "Forum", date(2026, 3, 7), total=40, women=30)
    make_activity(tenant, campaign, "Meeting", date(2026, 5, 1), total=10, women=2)
    make_activity(tenant, campaign, "Last year's forum", date(2025, 9, 28), total=100, women=0)
    make_activity(tenant, None, "Not a campaign activity", date(2026, 5, 2), total=10, women=0)
    other_campaign = make_campaign(other_tenant)
    make_activity(other_tenant, other_campaign, "Their forum", date(2026, 4, 4), total=50, women=0)
    result = figures(tenant)
    assert result["policy.active_campaigns"] == 1
    assert result["policy.campaign_activities"] == 2
    assert result["policy.campaign_activities_women"] == 64.0          # 32 women of 50 participants
    assert figures(tenant, 2024)["policy.campaign_activities_women"] == 0.0


def test_indicators_reach_the_results_framework_hook(app, tenant):
    state = app.extensions["samaki"]
    codes = {indicator.code for indicator in state.collect("samaki_indicators", tenant, period=2026)}
    assert {"policy.laws_with_cso_input", "policy.campaign_activities_women"} <= codes
    db.session.rollback()


# --- the extended contract: disaggregation and drill-down ---------------------------------------------------

def activity_with(tenant, campaign, title, occurred_on, total, women, youth, disability, place=None):
    activity = make_activity(tenant, campaign, title, occurred_on, total=total, women=women)
    with tenant_scope(tenant.id):
        activity.participants_youth, activity.participants_disability = youth, disability
        activity.place_id = place.id if place else None
        db.session.commit()
    return activity


def places():
    kampot = Place(code="07", kind=PlaceKind.PROVINCE, name_en="Kampot", name_km="កំពត")
    takeo = Place(code="21", kind=PlaceKind.PROVINCE, name_en="Takeo", name_km="តាកែវ")
    db.session.add_all([kampot, takeo])
    db.session.flush()
    district = Place(code="0701", kind=PlaceKind.DISTRICT, name_en="Tuek Chhou", name_km="ទឹកឈូ",
                     parent_id=kampot.id, province_id=kampot.id)
    db.session.add(district)
    db.session.commit()
    return kampot, takeo, district


def test_participants_of_campaign_activities_are_broken_down_by_hand_count(tenant, other_tenant):
    kampot, takeo, district = places()
    campaign = make_campaign(tenant)
    activity_with(tenant, campaign, "Forum", date(2026, 3, 7), 40, 30, 12, 3, district)      # Kampot
    activity_with(tenant, campaign, "Hearing", date(2026, 5, 1), 10, 2, 0, 1, takeo)
    activity_with(tenant, campaign, "Radio talk", date(2026, 6, 1), 5, 1, 5, 0)               # no place
    activity_with(tenant, campaign, "Last year", date(2025, 6, 1), 100, 50, 50, 5, kampot)
    activity_with(tenant, None, "Not a campaign's", date(2026, 6, 2), 20, 10, 10, 1, kampot)
    activity_with(other_tenant, make_campaign(other_tenant), "Theirs", date(2026, 6, 3), 70, 10, 10, 1, kampot)
    found = {indicator.code: indicator for indicator in indicators(tenant, YEAR_2026)}
    participants = found["policy.campaign_participants"]
    assert participants.value == 55
    assert participants.breakdown == {
        "sex": {"female": 33, "not_recorded": 22},
        "youth": {"yes": 17, "no": 38},
        "disability": {"yes": 4, "no": 51},
        "province": {"07": 40, "21": 10, "unknown": 5},
    }
    for dimension, cells in participants.breakdown.items():
        assert sum(cells.values()) == participants.value, dimension
    assert found["policy.campaign_activities_women"].value == 60.0            # 33 of 55
    assert found["policy.campaign_activities"].value == 3


def test_each_indicator_links_to_the_records_of_its_period(tenant, staff_client):
    campaign = make_campaign(tenant, title="Adopt the A2I law")
    make_campaign(tenant, title="Paused one", status=CampaignStatus.PAUSED)
    make_activity(tenant, campaign, "Provincial forum", date(2026, 3, 7), total=40, women=30)
    make_activity(tenant, campaign, "Forum of last year", date(2025, 3, 7), total=40, women=30)
    make_activity(tenant, None, "Press breakfast", date(2026, 3, 8), total=4, women=3)
    found = {indicator.code: indicator for indicator in indicators(tenant, YEAR_2026)}
    for indicator in found.values():
        assert indicator.permission == "policy.view" and indicator.url.startswith(f"/t/{tenant.slug}/policy/")
        assert "date_from=2026-01-01" in indicator.url and "date_to=2026-12-31" in indicator.url
        assert staff_client.get(indicator.url).status_code == 200
    activities = staff_client.get(found["policy.campaign_activities"].url).get_data(as_text=True)
    assert "Provincial forum" in activities
    assert "Forum of last year" not in activities and "Press breakfast" not in activities
    campaigns = staff_client.get(found["policy.active_campaigns"].url).get_data(as_text=True)
    assert "Adopt the A2I law" in campaigns and "Paused one" not in campaigns


def test_a_member_of_another_tenant_cannot_follow_the_links(tenant, other_tenant, client):
    from core.models import Role
    from tests.helpers import login, make_member
    login(client, make_member(other_tenant, Role.ADMIN).email)
    for indicator in indicators(tenant, YEAR_2026):
        assert client.get(indicator.url).status_code in (403, 404)
