"""The contact page lists where a contact appears in campaigns: stakeholder, attendee, co-submitter."""
from datetime import date

from core.extensions import db
from core.registers.models import ContactKind
from core.tenancy import tenant_scope
from plugins.policy_tracker import campaigns
from tests.plugins.policy_tracker.campaign_helpers import make_campaign, make_contact, make_law, make_recommendation


def test_contact_page_shows_campaign_links(admin_client, tenant):
    person = make_contact(tenant, "Chan Sophea")
    organisation = make_contact(tenant, "Transparency Cambodia", kind=ContactKind.ORGANISATION)
    campaign = make_campaign(tenant, "A2I law now")
    with tenant_scope(tenant.id):
        campaigns.add_stakeholder(campaigns.load_campaign(campaign.id), person.id, "Ally")
        campaigns.create_activity(tenant.id, title="Hearing in Phnom Penh", occurred_on=date(2026, 3, 2),
                                  participants_total=3, attendee_ids=[person.id], summary="Sophea spoke")
        db.session.commit()
    rec = make_recommendation(tenant, make_law(), organisation_ids=[organisation.id])
    body = admin_client.get(f"/t/{tenant.slug}/contacts/{person.id}").get_data(as_text=True)
    assert "Campaign stakeholder" in body and "A2I law now" in body
    assert "Activity attendee" in body and "Hearing in Phnom Penh" in body
    body = admin_client.get(f"/t/{tenant.slug}/contacts/{organisation.id}").get_data(as_text=True)
    assert "Co-submitter" in body and f"Recommendation #{rec.id}" in body
    with tenant_scope(tenant.id):
        links = campaigns.contact_links(person)
    assert {link.attribute for link in links} == {"contact_id"}
    assert any("Sophea spoke" in text for link in links for text in link.review_on_erasure)


def test_merging_two_stakeholders_of_one_campaign_keeps_one_row(tenant):
    from sqlalchemy import select

    from core.registers.duplicates import merge_contacts
    from core.registers.models import Contact
    from plugins.policy_tracker.models import ActivityAttendee, CampaignStakeholder
    first, second = make_contact(tenant, "Chan Sophea"), make_contact(tenant, "Chan Sopheap")
    campaign = make_campaign(tenant, "A2I law now")
    with tenant_scope(tenant.id):
        loaded = campaigns.load_campaign(campaign.id)
        campaigns.add_stakeholder(loaded, first.id, "Ally")
        campaigns.add_stakeholder(loaded, second.id, "Ally")
        campaigns.create_activity(tenant.id, title="Hearing", occurred_on=date(2026, 3, 2), participants_total=2,
                                  attendee_ids=[first.id, second.id])
        db.session.commit()
        merge_contacts(db.session.get(Contact, first.id), db.session.get(Contact, second.id))
        db.session.commit()
        assert db.session.scalars(select(CampaignStakeholder.contact_id)).all() == [first.id]
        assert db.session.scalars(select(ActivityAttendee.contact_id)).all() == [first.id]
