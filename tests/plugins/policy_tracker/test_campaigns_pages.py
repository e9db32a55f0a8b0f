"""The campaign pages: create, edit, links, stakeholders; strategy notes only for managers."""
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.policy_tracker import campaigns
from plugins.policy_tracker.models import Campaign
from tests.helpers import csrf_token_from, login, make_member
from tests.plugins.policy_tracker.campaign_helpers import make_campaign, make_contact, make_institution, make_law

SECRET_STRATEGY = "Lobby the Secretary of State before the hearing"


def base(tenant) -> str:
    return f"/t/{tenant.slug}/policy/campaigns"


def test_manager_creates_campaign_with_strategy(admin_client, tenant):
    page = admin_client.get(f"{base(tenant)}/new")
    assert page.status_code == 200 and "Strategy notes" in page.get_data(as_text=True)
    response = admin_client.post(f"{base(tenant)}/new", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "title": "A2I law now", "goal": "Pass it",
        "status": "active", "project_id": "", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
        "strategy_notes": SECRET_STRATEGY, "budget": "12,500.50"})
    assert response.status_code == 302
    with tenant_scope(tenant.id):
        campaign = db.session.scalar(select(Campaign))
        assert campaign.budget == Decimal("12500.50") and campaign.strategy_notes == SECRET_STRATEGY
        assert [row.user_id for row in campaigns.load_campaign(campaign.id).team]   # the creator joined
    detail = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert SECRET_STRATEGY in detail and "12,500.50" in detail


def test_backwards_period_is_a_form_error_and_nothing_saved(admin_client, tenant):
    page = admin_client.get(f"{base(tenant)}/new").get_data(as_text=True)
    response = admin_client.post(f"{base(tenant)}/new", data={
        "csrf_token": csrf_token_from(page), "title": "Backwards", "status": "planned",
        "starts_on": "2026-05-01", "ends_on": "2026-04-01"})
    assert response.status_code == 422
    assert "The campaign cannot end before it starts." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Campaign.id))) == 0


def test_strategy_hidden_from_staff(client, tenant):
    campaign = make_campaign(tenant, strategy_notes=SECRET_STRATEGY, budget="5000")
    staff = make_member(tenant, Role.STAFF)
    login(client, staff.email)
    detail = client.get(f"{base(tenant)}/{campaign.id}").get_data(as_text=True)
    assert "A2I law now" in detail and SECRET_STRATEGY not in detail and "5,000.00" not in detail
    form = client.get(f"{base(tenant)}/{campaign.id}/edit").get_data(as_text=True)
    assert "strategy_notes" not in form and SECRET_STRATEGY not in form
    # Saving the form without those fields keeps them.
    response = client.post(f"{base(tenant)}/{campaign.id}/edit", data={
        "csrf_token": csrf_token_from(form), "title": "A2I law now!", "status": "active", "project_id": ""})
    assert response.status_code == 302
    with tenant_scope(tenant.id):
        assert campaigns.load_campaign(campaign.id).strategy_notes == SECRET_STRATEGY


def test_links_and_stakeholders(admin_client, tenant, admin_user):
    law = make_law()
    ministry = make_institution()
    person = make_contact(tenant, "Chan Sophea")
    protected = make_contact(tenant, "Hidden Witness", protected=True)
    campaign = make_campaign(tenant)
    url = f"{base(tenant)}/{campaign.id}/links"
    page = admin_client.get(url).get_data(as_text=True)
    response = admin_client.post(url, data={"csrf_token": csrf_token_from(page), "law_ids": [str(law.id)],
                                            "institution_ids": [str(ministry.id)], "user_ids": [str(admin_user.id)]})
    assert response.status_code == 302
    detail = admin_client.get(f"{base(tenant)}/{campaign.id}").get_data(as_text=True)
    assert "Access to Information law" in detail and "Ministry of Information" in detail
    token = csrf_token_from(detail)
    # The person typed by name (no JavaScript); the protected one picked from the list (as the script does).
    assert admin_client.post(f"{base(tenant)}/{campaign.id}/stakeholders", data={
        "csrf_token": token, "contact_id": "Chan Sophea", "role": "Ally in the ministry"}).status_code == 302
    assert admin_client.post(f"{base(tenant)}/{campaign.id}/stakeholders", data={
        "csrf_token": token, "contact_id": f"Protected person #{protected.id}", "contact_id-id": str(protected.id),
        "role": "Source"}).status_code == 302
    staff = make_member(tenant, Role.STAFF, email="staff2@kampot.example")
    admin_client.post("/logout")
    login(admin_client, staff.email)
    detail = admin_client.get(f"{base(tenant)}/{campaign.id}").get_data(as_text=True)
    assert "Chan Sophea" in detail and "Ally in the ministry" in detail
    assert "Hidden Witness" not in detail and f"Protected person #{protected.id}" in detail


def test_links_refuse_another_tenants_private_law(admin_client, tenant, other_tenant):
    private = make_law("Other's private draft", owner_tenant_id=other_tenant.id)
    campaign = make_campaign(tenant)
    url = f"{base(tenant)}/{campaign.id}/links"
    page = admin_client.get(url).get_data(as_text=True)
    assert "Other&#39;s private draft" not in page and "Other's private draft" not in page
    response = admin_client.post(url, data={"csrf_token": csrf_token_from(page), "law_ids": [str(private.id)]})
    assert response.status_code == 422


def test_viewer_cannot_edit(client, tenant, viewer):
    campaign = make_campaign(tenant)
    login(client, viewer.email)
    assert client.get(f"{base(tenant)}/").status_code == 200
    assert client.get(f"{base(tenant)}/{campaign.id}/edit").status_code == 403
    assert client.get(f"{base(tenant)}/new").status_code == 403


def test_campaign_list_and_search(staff_client, tenant):
    make_campaign(tenant, "Cyber law watch", starts_on=date(2026, 1, 1))
    make_campaign(tenant, "A2I law now")
    body = staff_client.get(f"{base(tenant)}/?q=cyber").get_data(as_text=True)
    assert "Cyber law watch" in body and "A2I law now" not in body


def test_global_search_finds_campaigns_recommendations_and_activities(staff_client, tenant, other_tenant):
    make_campaign(tenant, "Cyber law watch")
    make_campaign(other_tenant, "Cyber secret of another organisation")
    with tenant_scope(tenant.id):
        campaigns.create_activity(tenant.id, title="Cyber hearing", occurred_on=date(2026, 3, 2))
        db.session.commit()
    from tests.plugins.policy_tracker.campaign_helpers import make_recommendation
    make_recommendation(tenant, make_law(), text_en="Cyber offences must be defined narrowly")
    body = staff_client.get(f"/t/{tenant.slug}/search?q=cyber").get_data(as_text=True)
    assert "Cyber law watch" in body and "Cyber hearing" in body and "Recommendation on" in body
    assert "Cyber secret of another organisation" not in body


def test_remove_stakeholder(admin_client, tenant):
    person = make_contact(tenant, "Chan Sophea")
    campaign = make_campaign(tenant)
    with tenant_scope(tenant.id):
        stakeholder = campaigns.add_stakeholder(campaigns.load_campaign(campaign.id), person.id, "Ally")
        db.session.commit()
        stakeholder_id = stakeholder.id
    detail = admin_client.get(f"{base(tenant)}/{campaign.id}").get_data(as_text=True)
    url = f"{base(tenant)}/{campaign.id}/stakeholders/{stakeholder_id}/remove"
    assert admin_client.post(url, data={"csrf_token": csrf_token_from(detail)}).status_code == 302
    assert "No stakeholders yet." in admin_client.get(f"{base(tenant)}/{campaign.id}").get_data(as_text=True)
