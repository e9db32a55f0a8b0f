"""Bad campaign, recommendation and activity input is refused with a clear message; nothing is saved."""
from datetime import date

import pytest
from sqlalchemy import func, select

from core.errors import DomainError
from core.extensions import db
from core.tenancy import tenant_scope
from plugins.policy_tracker import campaigns
from plugins.policy_tracker.models import Activity, Campaign, Outcome, Recommendation
from tests.plugins.policy_tracker.campaign_helpers import make_campaign, make_law, make_recommendation


def test_campaign_cannot_end_before_it_starts(tenant):
    with tenant_scope(tenant.id), pytest.raises(DomainError) as error:
        campaigns.create_campaign(tenant.id, title="Backwards", starts_on=date(2026, 5, 1), ends_on=date(2026, 4, 1))
    assert error.value.field == "ends_on"
    assert "cannot end before it starts" in str(error.value.message)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Campaign.id))) == 0


def test_unknown_law_is_refused(tenant, other_tenant):
    private_of_other = make_law("Other's private draft", owner_tenant_id=other_tenant.id)
    with tenant_scope(tenant.id):
        for law_id in (999999, private_of_other.id):
            with pytest.raises(DomainError) as error:
                campaigns.create_recommendation(tenant.id, law_id=law_id, text_en="Narrow the exemptions")
            assert error.value.field == "law_id"
            db.session.rollback()
        campaign = campaigns.create_campaign(tenant.id, title="Laws")
        with pytest.raises(DomainError):
            campaigns.set_campaign_laws(campaign, [private_of_other.id])
    db.session.rollback()
    assert db.session.scalar(select(func.count(Recommendation.id))) == 0


def test_unknown_institution_is_refused(tenant):
    law = make_law()
    with tenant_scope(tenant.id), pytest.raises(DomainError) as error:
        campaigns.create_recommendation(tenant.id, law_id=law.id, text_en="x", submitted_to_id=424242)
    assert error.value.field == "submitted_to_id"


def test_recommendation_needs_a_text(tenant):
    law = make_law()
    with tenant_scope(tenant.id), pytest.raises(DomainError) as error:
        campaigns.create_recommendation(tenant.id, law_id=law.id, text_en="  ", text_km="")
    assert "Khmer or in English" in str(error.value.message)


@pytest.mark.parametrize("on, evidence, field", [(None, "https://example.org/gazette", "outcome_on"),
                                                 (date(2026, 6, 1), "", "outcome_evidence")])
def test_outcome_needs_date_and_evidence(tenant, on, evidence, field):
    rec = make_recommendation(tenant, make_law())
    with tenant_scope(tenant.id):
        rec = campaigns.load_recommendation(rec.id)
        with pytest.raises(DomainError) as error:
            campaigns.decide_outcome(rec, Outcome.ADOPTED, on=on, evidence=evidence)
        assert error.value.field == field
        db.session.rollback()
        assert campaigns.load_recommendation(rec.id).outcome == Outcome.PENDING


def test_outcome_with_date_and_evidence_is_saved(tenant):
    rec = make_recommendation(tenant, make_law())
    with tenant_scope(tenant.id):
        rec = campaigns.load_recommendation(rec.id)
        campaigns.decide_outcome(rec, "partly_adopted", on=date(2026, 6, 1), evidence="Article 12 as adopted")
        db.session.commit()
        assert campaigns.load_recommendation(rec.id).outcome == Outcome.PARTLY_ADOPTED


def test_counts_cannot_exceed_total(tenant):
    with tenant_scope(tenant.id):
        with pytest.raises(DomainError) as error:
            campaigns.create_activity(tenant.id, title="Workshop", occurred_on=date(2026, 3, 2),
                                      participants_total=10, participants_women=11)
        assert error.value.field == "participants_women"
        db.session.rollback()
        with pytest.raises(DomainError) as error:
            campaigns.create_activity(tenant.id, title="Workshop", occurred_on=date(2026, 3, 2),
                                      participants_total=10, participants_disability=-1)
        db.session.rollback()
        activity = campaigns.create_activity(tenant.id, title="Workshop", occurred_on=date(2026, 3, 2),
                                             participants_total=10, participants_women=6, participants_youth=10)
        db.session.commit()
        with pytest.raises(DomainError):
            campaigns.update_activity(activity, participants_total=5)
        db.session.rollback()
    assert db.session.scalar(select(Activity.participants_total)) == 10


def test_team_must_be_members(tenant, other_tenant):
    from tests.helpers import make_member
    outsider = make_member(other_tenant, email="outsider@b.example")
    campaign = make_campaign(tenant)
    with tenant_scope(tenant.id):
        campaign = campaigns.load_campaign(campaign.id)
        with pytest.raises(DomainError) as error:
            campaigns.set_campaign_team(campaign, [outsider.id])
        assert error.value.field == "user_ids"
