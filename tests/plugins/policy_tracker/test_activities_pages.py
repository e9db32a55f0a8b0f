"""Activity pages: disaggregated counts never above the total; attendees shown through protection."""
from sqlalchemy import func, select

from core.extensions import db
from core.tenancy import tenant_scope
from plugins.policy_tracker.models import Activity
from tests.helpers import csrf_token_from
from tests.plugins.policy_tracker.campaign_helpers import make_campaign, make_contact


def base(tenant) -> str:
    return f"/t/{tenant.slug}/policy/campaigns/activities"


def _data(token, **overrides):
    data = {"csrf_token": token, "kind": "meeting", "title": "Consultation in Kampot", "occurred_on": "2026-03-02",
            "campaign_id": "", "place_id": "", "summary": "", "participants_total": "20",
            "participants_women": "12", "participants_youth": "5", "participants_disability": "2"}
    data.update(overrides)
    return data


def test_counts_over_total_are_refused(staff_client, tenant):
    page = staff_client.get(f"{base(tenant)}/new").get_data(as_text=True)
    response = staff_client.post(f"{base(tenant)}/new", data=_data(csrf_token_from(page), participants_women="21"))
    assert response.status_code == 422
    assert "This count cannot be larger than the total (20)." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Activity.id))) == 0


def test_new_activity_with_attendees(staff_client, tenant):
    campaign = make_campaign(tenant)
    person = make_contact(tenant, "Keo Malis")
    page = staff_client.get(f"{base(tenant)}/new?campaign_id={campaign.id}").get_data(as_text=True)
    response = staff_client.post(f"{base(tenant)}/new", data=_data(
        csrf_token_from(page), campaign_id=str(campaign.id), attendee_ids=[str(person.id)], is_public="y"))
    assert response.status_code == 302
    body = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Keo Malis" in body and "20 in total: 12 women, 5 youth, 2 persons with disabilities" in body
    with tenant_scope(tenant.id):
        activity = db.session.scalar(select(Activity))
        assert activity.is_public and activity.campaign_id == campaign.id
    listing = staff_client.get(f"{base(tenant)}/").get_data(as_text=True)
    assert "Consultation in Kampot" in listing


def test_lists_cost_the_same_for_more_rows(staff_client, tenant):
    from datetime import date

    from core.tenancy import tenant_scope
    from plugins.policy_tracker import campaigns
    from tests.helpers import statements_for
    from tests.plugins.policy_tracker.campaign_helpers import make_law, make_recommendation

    def add(number):
        campaign = make_campaign(tenant, f"Campaign {number}")
        with tenant_scope(tenant.id):
            campaigns.create_activity(tenant.id, title=f"Meeting {number}", occurred_on=date(2026, 3, number),
                                      campaign_id=campaign.id)
            db.session.commit()
        make_recommendation(tenant, make_law(f"Law {number}"), campaign_id=campaign.id)

    add(1)
    urls = [f"/t/{tenant.slug}/policy/campaigns/", f"/t/{tenant.slug}/policy/campaigns/activities/",
            f"/t/{tenant.slug}/policy/campaigns/recommendations/"]
    few = [statements_for(staff_client, url) for url in urls]
    for number in range(2, 7):
        add(number)
    assert [statements_for(staff_client, url) for url in urls] == few
