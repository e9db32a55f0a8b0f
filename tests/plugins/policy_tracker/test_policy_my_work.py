""""My work" of the policy tracker: for the campaigns whose team the user is on, their activities
and the events of the laws they follow in the next two weeks; never another team's, another
tenant's or another tenant's private events."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from flask import current_app, g
from sqlalchemy import select

from core.extensions import db
from core.models import Membership, Role
from core.tenancy import tenant_scope
from plugins.policy_tracker.models import CampaignLaw, CampaignMember, CampaignStatus
from plugins.policy_tracker.my_work import my_work
from plugins.policy_tracker.reports import tenant_today
from tests.helpers import make_member
from tests.plugins.policy_tracker.coalition_helpers import (
    make_activity,
    make_campaign,
    make_event,
    make_law,
)


@contextmanager
def as_member(tenant, user):
    """A request of `user` in `tenant`, as the dashboard would make it."""
    with current_app.test_request_context(f"/t/{tenant.slug}/"):
        g.tenant = tenant
        g.membership = db.session.execute(select(Membership).where(
            Membership.user_id == user.id, Membership.tenant_id == tenant.id)).scalar_one()
        yield


def team_campaign(tenant, title, members, laws=(), **fields):
    campaign = make_campaign(tenant, title=title, **fields)
    with tenant_scope(tenant.id):
        for user in members:
            db.session.add(CampaignMember(campaign_id=campaign.id, user_id=user.id))
        for law in laws:
            db.session.add(CampaignLaw(campaign_id=campaign.id, law_id=law.id))
        db.session.commit()
    return campaign


def build(tenant, other_tenant, staff):
    today = tenant_today(tenant)
    colleague = make_member(tenant, Role.STAFF, email="colleague@kampot.example")
    theirs = make_member(other_tenant, Role.STAFF, email="staff@battambang.example")
    a2i, cyber = make_law(), make_law(title_en="Law on Cybersecurity", short_name="Cyber law")
    ours = team_campaign(tenant, "Adopt the A2I law", [staff], [a2i])
    make_activity(tenant, ours, "Meeting with the ministry", today + timedelta(days=3))
    make_activity(tenant, ours, "Provincial forum", today + timedelta(days=20))
    make_activity(tenant, ours, "Last week's press talk", today - timedelta(days=5))
    make_event("Consultation deadline on the A2I draft", today + timedelta(days=6), law_id=a2i.id)
    make_event("Hearing next month", today + timedelta(days=30), law_id=a2i.id)
    make_event("Their private workshop", today + timedelta(days=2), owner=other_tenant, law_id=a2i.id,
               is_private=True)
    make_event("Cyber hearing", today + timedelta(days=4), law_id=cyber.id)
    colleagues = team_campaign(tenant, "Cybersecurity safeguards", [colleague], [cyber])
    make_activity(tenant, colleagues, "Drafting session", today + timedelta(days=1))
    closed = team_campaign(tenant, "Finished campaign", [staff], status=CampaignStatus.CLOSED)
    make_activity(tenant, closed, "Closing dinner", today + timedelta(days=2))
    their_campaign = team_campaign(other_tenant, "Their A2I campaign", [theirs], [a2i])
    make_activity(other_tenant, their_campaign, "Their forum", today + timedelta(days=2))
    return today, colleague, theirs


def test_a_team_member_sees_their_campaigns_activities_and_law_events(tenant, other_tenant, staff):
    today, _colleague, _theirs = build(tenant, other_tenant, staff)
    with as_member(tenant, staff):
        items = my_work(tenant, staff)
    assert [(item.title, item.due_on, str(item.kind)) for item in items] == [
        ("Meeting with the ministry · Adopt the A2I law", today + timedelta(days=3), "Campaign activity"),
        ("Consultation deadline on the A2I draft · A2I law", today + timedelta(days=6), "Policy event"),
    ]


def test_each_item_opens_for_the_user(tenant, other_tenant, staff, staff_client):
    build(tenant, other_tenant, staff)
    with as_member(tenant, staff):
        items = [item for item in current_app.extensions["samaki"].collect("samaki_my_work", tenant, user=staff)
                 if str(item.kind) in ("Campaign activity", "Policy event")]
    assert len(items) == 2
    for item in items:
        assert staff_client.get(item.url).status_code == 200


def test_another_team_and_another_tenant_see_only_their_own(tenant, other_tenant, staff):
    _today, colleague, theirs = build(tenant, other_tenant, staff)
    with as_member(tenant, colleague):
        assert [item.title for item in my_work(tenant, colleague)] == [
            "Drafting session · Cybersecurity safeguards", "Cyber hearing · Cyber law"]
    with as_member(other_tenant, theirs):
        assert [item.title for item in my_work(other_tenant, theirs)] == [
            "Their forum · Their A2I campaign", "Their private workshop · A2I law",
            "Consultation deadline on the A2I draft · A2I law"]


def test_a_user_on_no_team_has_nothing(tenant, other_tenant, staff, admin_user):
    build(tenant, other_tenant, staff)
    with as_member(tenant, admin_user):
        assert my_work(tenant, admin_user) == []
