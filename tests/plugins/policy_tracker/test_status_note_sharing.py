"""A status note is shared with a working group from the law page, and the group's other members
then see it on the group page; sharing can be withdrawn from the same place."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.extensions import db
from core.models import Role, SharedRecord
from core.tenancy import tenant_scope
from plugins.policy_tracker.models import StatusNote
from tests.helpers import login, make_member


def test_a_note_shared_from_the_law_page_reaches_the_group(client, tenant, other_tenant, staff, followed_law):
    with tenant_scope(tenant.id):
        note = StatusNote(law_id=followed_law.id, noted_on=date(2026, 11, 2), text="Draft sent to the Council",
                          source="Ministry briefing")
        db.session.add(note)
        db.session.commit()
        note_id = note.id
    login(client, staff.email)
    page = client.get(f"/t/{tenant.slug}/policy/laws/{followed_law.id}").text
    assert f'id="share-note-{note_id}"' in page
    response = client.post("/t/kampot-network/groups/share", data={
        "record_type": "policy.status_note", "record_id": note_id, "group": "a2iwg",
        "next": f"/t/{tenant.slug}/policy/laws/{followed_law.id}"})
    assert response.status_code == 302
    assert "Shared with A2IWG" in client.get(f"/t/{tenant.slug}/policy/laws/{followed_law.id}").text

    member = make_member(other_tenant, Role.MEMBER, email="member@b.example")
    client.post("/logout")
    login(client, member.email)
    assert "Draft sent to the Council" in client.get(f"/t/{other_tenant.slug}/groups/a2iwg/").text
    assert db.session.scalar(select(SharedRecord.record_id).where(
        SharedRecord.record_type == "policy.status_note")) == note_id


def test_campaign_and_recommendation_pages_offer_sharing(client, tenant, staff, group, law):
    from plugins.policy_tracker import campaigns
    with tenant_scope(tenant.id):
        campaign = campaigns.create_campaign(tenant.id, title="A2I law now")
        rec = campaigns.create_recommendation(tenant.id, law_id=law.id, text_en="Publish budgets within 30 days")
        db.session.commit()
        campaign_id, rec_id = campaign.id, rec.id
    login(client, staff.email)
    for url, record_type in ((f"/t/{tenant.slug}/policy/campaigns/{campaign_id}", "policy.campaign"),
                             (f"/t/{tenant.slug}/policy/campaigns/recommendations/{rec_id}", "policy.recommendation")):
        page = client.get(url).text
        assert f'name="record_type" value="{record_type}"' in page and "A2IWG" in page, url
