"""A joint submission is one recommendation: counted once, seen read-only by the co-submitting
organisation and not at all by a third one."""
from datetime import date

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.policy_tracker import campaigns
from plugins.policy_tracker.models import Outcome
from tests.helpers import login, make_member, make_tenant
from tests.plugins.policy_tracker.campaign_helpers import (make_campaign, make_contact, make_law,
                                                          make_recommendation)
from core.registers.models import ContactKind

TEXT = "Exemptions must be narrow and time-limited."


def _joint(tenant, other_tenant):
    law = make_law()
    partner_org = make_contact(tenant, "Transparency Cambodia", kind=ContactKind.ORGANISATION)
    rec = make_recommendation(tenant, law, text_en=TEXT, submitted_on=date(2026, 2, 1),
                              partner_tenant_ids=[other_tenant.id], organisation_ids=[partner_org.id])
    with tenant_scope(tenant.id):
        campaigns.decide_outcome(campaigns.load_recommendation(rec.id), Outcome.ADOPTED, on=date(2026, 6, 1),
                                 evidence="Article 12 of the adopted law")
        db.session.commit()
    return law, rec


def test_joint_submission_counts_once_for_each_submitter(tenant, other_tenant):
    law, rec = _joint(tenant, other_tenant)
    make_recommendation(tenant, law, text_en="Another one")
    with tenant_scope(tenant.id):
        counts = campaigns.recommendations_taken_up(law_id=law.id)
        assert counts[Outcome.ADOPTED] == 1 and counts[Outcome.PENDING] == 1
        assert sum(campaigns.recommendations_taken_up(period=(date(2026, 5, 1), date(2026, 6, 30))).values()) == 2
        assert campaigns.recommendations_taken_up(period=(date(2026, 7, 1), date(2026, 7, 31)))[Outcome.ADOPTED] == 0
    with tenant_scope(other_tenant.id):
        counts = campaigns.recommendations_taken_up(law_id=law.id)
        assert counts == {Outcome.PENDING: 0, Outcome.ADOPTED: 1, Outcome.PARTLY_ADOPTED: 0, Outcome.REJECTED: 0}


def test_co_submitter_sees_it_read_only(client, tenant, other_tenant):
    _law, rec = _joint(tenant, other_tenant)
    partner = make_member(other_tenant, Role.ADMIN, email="admin@partner.example")
    login(client, partner.email)
    listing = client.get(f"/t/{other_tenant.slug}/policy/campaigns/recommendations/").get_data(as_text=True)
    assert TEXT in listing
    page = client.get(f"/t/{other_tenant.slug}/policy/campaigns/recommendations/{rec.id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and TEXT in body and "read-only" in body
    assert tenant.name in body and "Transparency Cambodia" not in body   # the owner's contacts stay its own
    assert "Decide the outcome" not in body
    assert client.get(f"/t/{other_tenant.slug}/policy/campaigns/recommendations/{rec.id}/edit").status_code == 404
    response = client.post(f"/t/{other_tenant.slug}/policy/campaigns/recommendations/{rec.id}/outcome",
                           data={"outcome": "rejected", "outcome_on": "2026-07-01", "outcome_evidence": "x"})
    assert response.status_code in (400, 404)
    with tenant_scope(tenant.id):
        assert campaigns.load_recommendation(rec.id).outcome == Outcome.ADOPTED


def test_third_tenant_does_not_see_it(client, tenant, other_tenant):
    _law, rec = _joint(tenant, other_tenant)
    third = make_tenant("siem-reap-women", "Siem Reap Women's Forum")
    member = make_member(third, Role.ADMIN, email="admin@third.example")
    login(client, member.email)
    assert TEXT not in client.get(f"/t/{third.slug}/policy/campaigns/recommendations/").get_data(as_text=True)
    assert client.get(f"/t/{third.slug}/policy/campaigns/recommendations/{rec.id}").status_code == 404
    with tenant_scope(third.id):
        assert campaigns.co_submitted_recommendations(third.id) == []
        assert sum(campaigns.recommendations_taken_up().values()) == 0


def test_taken_up_page_lists_per_law_and_campaign(client, tenant, other_tenant):
    campaign = make_campaign(tenant, "A2I law now")
    law = make_law()
    make_recommendation(tenant, law, campaign_id=campaign.id)
    staff = make_member(tenant, Role.STAFF)
    login(client, staff.email)
    body = client.get(f"/t/{tenant.slug}/policy/campaigns/taken-up?date_from=2020-01-01").get_data(as_text=True)
    assert "Access to Information law" in body and "A2I law now" in body


def test_taken_up_page_costs_the_same_for_more_laws(client, tenant):
    from tests.helpers import statements_for
    staff = make_member(tenant, Role.STAFF)
    login(client, staff.email)
    url = f"/t/{tenant.slug}/policy/campaigns/taken-up"
    make_recommendation(tenant, make_law("Law one"), campaign_id=make_campaign(tenant, "C1").id)
    few = statements_for(client, url)
    for number in range(2, 6):
        make_recommendation(tenant, make_law(f"Law {number}"), campaign_id=make_campaign(tenant, f"C{number}").id)
    assert statements_for(client, url) == few
