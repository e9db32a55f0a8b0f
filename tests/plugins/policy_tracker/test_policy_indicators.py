"""The results-framework figures: laws with CSO input (a joint recommendation counted once, for
each co-submitter), recommendations taken up in the period, active campaigns, campaign activities
with the share of women."""
from __future__ import annotations

from datetime import date

from core.extensions import db
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
