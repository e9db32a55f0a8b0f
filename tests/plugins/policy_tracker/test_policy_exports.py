"""Exports of campaigns, recommendations and activities: audited, formula-safe, never stakeholders'
identities, strategy notes only for managers."""
import io
from datetime import date

from sqlalchemy import select

from core.models import AuditEvent, Role
from core.tenancy import tenant_scope
from plugins.policy_tracker import campaigns
from core.extensions import db
from tests.helpers import login, make_member
from tests.plugins.policy_tracker.campaign_helpers import make_campaign, make_contact, make_law, make_recommendation

SECRET_STRATEGY = "Lobby the Secretary of State before the hearing"


def url(tenant, name: str) -> str:
    return f"/t/{tenant.slug}/policy/exports/{name}"


def _data(tenant):
    campaign = make_campaign(tenant, "=HYPERLINK(\"http://evil\")", strategy_notes=SECRET_STRATEGY)
    person = make_contact(tenant, "Chan Sophea")
    with tenant_scope(tenant.id):
        campaigns.add_stakeholder(campaigns.load_campaign(campaign.id), person.id, "Ally")
        campaigns.create_activity(tenant.id, title="Workshop", occurred_on=date(2026, 3, 2), campaign_id=campaign.id,
                                  participants_total=10, participants_women=6, attendee_ids=[person.id])
        db.session.commit()
    make_recommendation(tenant, make_law(), text_en="Narrow exemptions", campaign_id=campaign.id)
    return campaign


def test_campaigns_csv_for_staff_has_no_strategy_nor_names(client, tenant):
    _data(tenant)
    staff = make_member(tenant, Role.STAFF)
    login(client, staff.email)
    response = client.get(url(tenant, "campaigns.csv"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "'=HYPERLINK" in body and SECRET_STRATEGY not in body and "strategy_notes" not in body
    assert "Chan Sophea" not in body
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export", AuditEvent.model == "Campaign"))
    assert event is not None


def test_manager_export_includes_strategy(admin_client, tenant):
    _data(tenant)
    body = admin_client.get(url(tenant, "campaigns.csv")).get_data(as_text=True)
    assert SECRET_STRATEGY in body


def test_activities_and_recommendations_xlsx(admin_client, tenant):
    import openpyxl
    _data(tenant)
    for name, expected in (("activities.xlsx", "Workshop"), ("recommendations.xlsx", "Narrow exemptions")):
        response = admin_client.get(url(tenant, name))
        assert response.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
        values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
        assert expected in values and "Chan Sophea" not in values
    activities = admin_client.get(url(tenant, "activities.csv")).get_data(as_text=True)
    assert "Workshop" in activities and "Chan Sophea" not in activities
    assert admin_client.get(url(tenant, "unknown.csv")).status_code == 404
    assert admin_client.get(url(tenant, "")).status_code == 200
