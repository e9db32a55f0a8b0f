"""Recommendation pages: new with co-submitters, list filters, deciding the outcome."""
from sqlalchemy import func, select

from core.extensions import db
from core.tenancy import tenant_scope
from plugins.policy_tracker import campaigns
from plugins.policy_tracker.models import Outcome, Recommendation
from tests.helpers import csrf_token_from
from tests.plugins.policy_tracker.campaign_helpers import make_campaign, make_institution, make_law, make_recommendation


def base(tenant) -> str:
    return f"/t/{tenant.slug}/policy/campaigns/recommendations"


def test_new_joint_recommendation(staff_client, tenant, other_tenant):
    law, ministry = make_law(), make_institution()
    page = staff_client.get(f"{base(tenant)}/new").get_data(as_text=True)
    assert other_tenant.name in page
    response = staff_client.post(f"{base(tenant)}/new", data={
        "csrf_token": csrf_token_from(page), "law_id": str(law.id), "version_id": str(law.versions[0].id),
        "article": "Art. 12", "text_km": "ការលើកលែងត្រូវតែតូចចង្អៀត", "text_en": "", "campaign_id": "",
        "submitted_to_id": str(ministry.id), "submitted_on": "2026-02-01",
        "partner_tenant_ids": [str(other_tenant.id)]})
    assert response.status_code == 302
    with tenant_scope(tenant.id):
        rec = db.session.scalar(select(Recommendation))
        assert rec.article == "Art. 12" and [c.partner_tenant_id for c in rec.co_submitters] == [other_tenant.id]
    body = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "ការលើកលែងត្រូវតែតូចចង្អៀត" in body and other_tenant.name in body


def test_new_recommendation_without_text_is_refused(staff_client, tenant):
    law = make_law()
    page = staff_client.get(f"{base(tenant)}/new").get_data(as_text=True)
    response = staff_client.post(f"{base(tenant)}/new", data={
        "csrf_token": csrf_token_from(page), "law_id": str(law.id), "text_km": "", "text_en": ""})
    assert response.status_code == 422
    assert "Write the recommendation in Khmer or in English." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Recommendation.id))) == 0


def test_outcome_without_evidence_is_refused_on_the_page(staff_client, tenant):
    rec = make_recommendation(tenant, make_law())
    page = staff_client.get(f"{base(tenant)}/{rec.id}").get_data(as_text=True)
    response = staff_client.post(f"{base(tenant)}/{rec.id}/outcome", data={
        "csrf_token": csrf_token_from(page), "outcome": "adopted", "outcome_on": "2026-06-01",
        "outcome_evidence": ""})
    assert response.status_code == 422
    assert "Give the evidence of the outcome" in response.get_data(as_text=True)
    response = staff_client.post(f"{base(tenant)}/{rec.id}/outcome", data={
        "csrf_token": csrf_token_from(page), "outcome": "adopted", "outcome_on": "", "outcome_evidence": "Gazette"})
    assert "Give the date the outcome was known." in response.get_data(as_text=True)
    response = staff_client.post(f"{base(tenant)}/{rec.id}/outcome", data={
        "csrf_token": csrf_token_from(page), "outcome": "adopted", "outcome_on": "2026-06-01",
        "outcome_evidence": "Royal Gazette no. 12"})
    assert response.status_code == 302
    with tenant_scope(tenant.id):
        assert campaigns.load_recommendation(rec.id).outcome == Outcome.ADOPTED


def test_list_filters(staff_client, tenant):
    law_a, law_b = make_law("Access to Information law"), make_law("Cyber Security law")
    campaign = make_campaign(tenant)
    make_recommendation(tenant, law_a, text_en="First about A2I", campaign_id=campaign.id)
    make_recommendation(tenant, law_b, text_en="Second about cyber")
    body = staff_client.get(f"{base(tenant)}/?law={law_b.id}").get_data(as_text=True)
    assert "Second about cyber" in body and "First about A2I" not in body
    body = staff_client.get(f"{base(tenant)}/?campaign={campaign.id}&outcome=pending").get_data(as_text=True)
    assert "First about A2I" in body and "Second about cyber" not in body
    body = staff_client.get(f"{base(tenant)}/?outcome=adopted").get_data(as_text=True)
    assert "First about A2I" not in body
