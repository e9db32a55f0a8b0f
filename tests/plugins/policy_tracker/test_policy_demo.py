"""The campaign demo data: a campaign per demo tenant on the seeded laws, one joint recommendation
counted once, activities with disaggregated counts, and records shared with the A2IWG so that its
page shows a coalition picture; loading twice adds nothing, missing laws are skipped."""
from __future__ import annotations

from sqlalchemy import func, select

from core.extensions import db
from core.models import SharedRecord, WorkingGroup
from core.tenancy import tenant_scope
from plugins.policy_tracker.campaign_demo import load_demo_data
from plugins.policy_tracker.models import Activity, Campaign, CampaignStakeholder, CoSubmitter, GroupLaw, Recommendation
from plugins.policy_tracker.reports import indicators
from tests.helpers import login, make_tenant
from tests.plugins.policy_tracker.coalition_helpers import client_of, make_group, make_law


def load(tenant):
    with tenant_scope(tenant.id):
        load_demo_data(tenant)
        db.session.commit()


def count(tenant, model) -> int:
    with tenant_scope(tenant.id):
        return db.session.scalar(select(func.count()).select_from(model))


def demo_tenants():
    lead, cso = make_tenant("demo-lead", "Advocacy and Policy Institute (demo)"), make_tenant(
        "demo-cso", "Kampong Speu Community Network (demo)")
    make_law(title_en="Law on Access to Information", short_name="A2I law", is_demo=True)
    make_law(title_en="Law on Personal Data Protection", short_name="PDP law", is_demo=True)
    return lead, cso


def test_demo_campaigns_share_a_coalition_picture(app):
    lead, cso = demo_tenants()
    make_group(lead, cso)
    load(lead)
    load(cso)
    assert count(lead, Campaign) == 1 and count(cso, Campaign) == 1
    assert count(lead, Recommendation) == 2 and count(lead, CoSubmitter) == 1
    with tenant_scope(lead.id):
        activities = db.session.scalars(select(Activity)).all()
    assert len(activities) == 4 and sum(a.participants_women for a in activities) > 0
    assert any(a.is_public for a in activities) and not all(a.is_public for a in activities)
    types = sorted(db.session.scalars(select(SharedRecord.record_type)))
    assert types == ["policy.campaign", "policy.recommendation", "policy.recommendation", "policy.status_note"]
    assert db.session.scalar(select(func.count()).select_from(GroupLaw)) == 2
    for shared in db.session.scalars(select(SharedRecord)):
        assert "strategy" not in str(shared.fields).lower() and "48000" not in str(shared.fields)
    page = client_of(app, cso, "viewer").get("/t/demo-cso/groups/a2iwg/").text
    assert "Advocacy and Policy Institute (demo) recommended on Article 14:" in page
    assert "Kampong Speu Community Network (demo) noted:" in page
    # The joint recommendation counts for both organisations, once each.
    lead_figures = {i.code: i.value for i in indicators(lead, 2025)}
    cso_figures = {i.code: i.value for i in indicators(cso, 2025)}
    assert lead_figures["policy.laws_with_cso_input"] == 1 and cso_figures["policy.laws_with_cso_input"] == 1
    assert lead_figures["policy.recommendations_partly_adopted"] == 1
    assert 0 < lead_figures["policy.campaign_activities_women"] < 100


def test_demo_loads_twice_without_duplicates(app):
    lead, cso = demo_tenants()
    make_group(lead, cso)
    load(lead)
    first = (count(lead, Campaign), count(lead, Recommendation), count(lead, Activity))
    load(lead)
    assert (count(lead, Campaign), count(lead, Recommendation), count(lead, Activity)) == first
    assert db.session.scalar(select(func.count()).select_from(SharedRecord)) == 2


def test_demo_without_laws_or_group_still_loads_a_campaign(app):
    lead = make_tenant("demo-lead")
    load(lead)
    assert count(lead, Campaign) == 1 and count(lead, Recommendation) == 0
    assert db.session.scalar(select(func.count()).select_from(SharedRecord)) == 0


def test_flask_demo_gives_the_a2iwg_shared_records(app):
    result = app.test_cli_runner().invoke(args=["demo", "--password", "demo-pass-2026!"])
    assert result.exit_code == 0, result.output
    group = db.session.scalar(select(WorkingGroup).where(WorkingGroup.slug == "a2iwg"))
    shared = db.session.scalars(select(SharedRecord).where(SharedRecord.group_id == group.id)).all()
    assert "policy.campaign" in {s.record_type for s in shared}
    assert count(group.convening_tenant, CampaignStakeholder) >= 1
    # With the laws' demo history, the group page shows the coalition picture in one timeline.
    reader = app.test_client()
    login(reader, "viewer@demo-cso.example", "demo-pass-2026!")
    reader.post("/locale", data={"locale": "en"})    # the demo tenants read Khmer by default
    page = reader.get("/t/demo-cso/groups/a2iwg/").text
    assert "Official:" in page and "recommended on Article 14" in page and "noted:" in page
