"""A campaign shared with a working group shows only its listed fields, and only to the group's
members: never its stakeholders, team, budget or strategy notes, nor activities not marked public."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import SharedRecord
from core.plugins import ShareableType
from core.registers.models import Contact, ContactKind
from core.tenancy import tenant_scope
from plugins.policy_tracker.models import (Campaign, CampaignLaw, CampaignMember, CampaignStakeholder,
                                           CampaignStatus)
from plugins.policy_tracker.sharing import shareable_types
from tests.helpers import make_member, make_tenant
from tests.plugins.policy_tracker.coalition_helpers import (client_of, make_activity, make_campaign, make_group,
                                                            make_law, share)


@pytest.fixture
def campaign(tenant, staff):
    law = make_law(title_km="ច្បាប់ស្តីពីសិទ្ធិទទួលបានព័ត៌មាន")
    campaign = make_campaign(tenant, title="Adopt the A2I law", goal="Adopted with CSO input by 2028",
                             status=CampaignStatus.ACTIVE, starts_on=date(2025, 1, 6), ends_on=date(2028, 12, 31),
                             strategy_notes="Lobby the deputy minister quietly", budget=Decimal("48123.00"))
    team_member = make_member(tenant, "member", email="campaigner@a.example")
    team_member.name = "Chea Campaigner"
    with tenant_scope(tenant.id):
        person = Contact(kind=ContactKind.PERSON, name_latin="Sok Stakeholder", name_km="សុខ")
        db.session.add(person)
        db.session.flush()
        db.session.add_all([CampaignLaw(campaign_id=campaign.id, law_id=law.id),
                            CampaignMember(campaign_id=campaign.id, user_id=team_member.id),
                            CampaignStakeholder(campaign_id=campaign.id, contact_id=person.id, role="Ally")])
        db.session.commit()
    make_activity(tenant, campaign, "A2I Day forum in Phnom Penh", date(2025, 9, 28), 120, 64, public=True)
    make_activity(tenant, campaign, "Internal planning retreat", date(2025, 10, 2), 8, 4)
    return campaign


SECRETS = ["Lobby the deputy minister", "48123", "48,123", "Sok Stakeholder", "Chea Campaigner",
           "Internal planning retreat", "Ally"]


def test_shared_campaign_shows_only_its_listed_fields_to_members(app, staff_client, tenant, other_tenant, campaign):
    make_group(tenant, other_tenant)
    assert "Shared with A2I Working Group" in share(staff_client, tenant, "policy.campaign", campaign.id).text
    shared = db.session.execute(select(SharedRecord)).scalar_one()
    assert set(shared.fields) == {"title", "goal", "shared_laws", "status", "shared_period", "shared_activities"}
    reader = client_of(app, other_tenant, "viewer")
    assert "Adopt the A2I law" in reader.get(f"/t/{other_tenant.slug}/groups/a2iwg/").text
    page = reader.get(f"/t/{other_tenant.slug}/groups/records/{shared.id}").text
    for shown in ["Adopt the A2I law", "Adopted with CSO input by 2028", "Law on Access to Information",
                  "ច្បាប់ស្តីពីសិទ្ធិទទួលបានព័ត៌មាន", "Active", "2025-01-06 – 2028-12-31",
                  "2025-09-28 · Meeting · A2I Day forum in Phnom Penh"]:
        assert shown in page, shown
    for secret in SECRETS:
        assert secret not in page and secret not in str(shared.fields), secret


def test_shared_campaign_is_hidden_from_other_tenants(app, staff_client, tenant, other_tenant, campaign):
    make_group(tenant, other_tenant)
    share(staff_client, tenant, "policy.campaign", campaign.id)
    shared = db.session.execute(select(SharedRecord)).scalar_one()
    outsider = client_of(app, make_tenant("siem-reap-women"), "owner")
    assert outsider.get("/t/siem-reap-women/groups/a2iwg/").status_code == 404
    assert outsider.get(f"/t/siem-reap-women/groups/records/{shared.id}").status_code == 404
    assert "Adopt the A2I law" not in outsider.get("/t/siem-reap-women/search?q=Adopt").text


def test_a_new_public_activity_reaches_the_share_but_a_private_one_does_not(app, staff_client, tenant, other_tenant,
                                                                           campaign):
    make_group(tenant, other_tenant)
    share(staff_client, tenant, "policy.campaign", campaign.id)
    make_activity(tenant, campaign, "Budget review with donors", date(2025, 11, 3), 5, 2)
    make_activity(tenant, campaign, "Radio talk show on A2I", date(2025, 11, 20), public=True)
    shared = db.session.execute(select(SharedRecord)).scalar_one()
    db.session.refresh(shared)
    assert "Radio talk show on A2I" in shared.fields["shared_activities"]
    assert "Budget review" not in shared.fields["shared_activities"]


@pytest.mark.parametrize("sensitive", ["strategy_notes", "budget", "team", "stakeholders"])
def test_a_shareable_campaign_type_refuses_sensitive_fields(sensitive):
    with pytest.raises(ValueError, match=sensitive):
        ShareableType(name="policy.campaign", label="Campaign", model=Campaign,
                      fields={"title": "Title", sensitive: "Leak"}, title=lambda c: c.title)


def test_declared_types_publish_no_sensitive_field(app):
    for kind in shareable_types():
        assert not set(kind.fields) & set(getattr(kind.model, "__sensitive__", ())), kind.name
        assert "outcome_evidence" not in kind.fields and "author_id" not in kind.fields
