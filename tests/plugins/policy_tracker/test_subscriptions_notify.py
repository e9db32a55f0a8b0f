"""Subscribers of a law (directly or through a working group that follows it) are told of each stage
change exactly once, in their own language, and only when they may see the law."""
from datetime import date

import pytest
from sqlalchemy import select

from core.errors import DomainError
from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.policy_tracker import services, subscriptions
from plugins.policy_tracker.models import GroupLaw, Subscription
from tests.helpers import make_member
from tests.plugins.policy_tracker.policy_events_helpers import (
    khmer,
    notifications_of,
    private_law,
    stage,
    texts_of,
)


def follow(tenant, user, **target):
    with tenant_scope(tenant.id):
        subscriptions.subscribe(tenant.id, user, **target)
        db.session.commit()


def test_a_subscriber_of_the_law_and_of_its_group_is_told_once(tenant, staff, group, followed_law):
    follow(tenant, staff, law_id=followed_law.id)
    follow(tenant, staff, group_id=group.id)
    services.record_stage_change(followed_law, stage("public_consultation"), date(2026, 11, 20), actor=None)
    db.session.commit()
    texts = texts_of(staff)
    assert len(texts) == 1
    assert "Law on Access to Information" in texts[0] and "Public consultation" in texts[0]
    assert notifications_of(staff)[0].url == f"/t/{tenant.slug}/policy/laws/{followed_law.id}"


def test_each_stage_change_notifies_again(tenant, staff, followed_law):
    follow(tenant, staff, law_id=followed_law.id)
    services.record_stage_change(followed_law, stage("drafting"), date(2026, 1, 5), actor=None)
    services.record_stage_change(followed_law, stage("public_consultation"), date(2026, 3, 1), actor=None)
    db.session.commit()
    assert len(notifications_of(staff)) == 2


def test_a_khmer_member_of_the_group_reads_it_in_khmer(tenant, other_tenant, staff, group, followed_law):
    khmer_reader = make_member(other_tenant, Role.STAFF, email="sokha@b.example", locale="km")
    follow(other_tenant, khmer_reader, group_id=group.id)
    follow(tenant, staff, law_id=followed_law.id)
    services.record_stage_change(followed_law, stage("public_consultation"), date(2026, 11, 20), actor=None)
    db.session.commit()
    (khmer_text,) = texts_of(khmer_reader, "km")
    assert "ច្បាប់ស្តីពីការទទួលបានព័ត៌មាន" in khmer_text and khmer(khmer_text)
    assert notifications_of(khmer_reader)[0].tenant_id == other_tenant.id
    (english_text,) = texts_of(staff)
    assert "Law on Access to Information" in english_text


def test_nobody_outside_the_owner_hears_of_a_private_law(tenant, other_tenant, staff, group, stages_seeded):
    law = private_law(tenant)
    outsider = make_member(other_tenant, Role.STAFF, email="outsider@b.example")
    follow(tenant, staff, law_id=law.id)
    follow(other_tenant, outsider, group_id=group.id)
    # Even rows that should not exist (a group following it, a stale subscription) do not leak it.
    db.session.add(GroupLaw(group_id=group.id, law_id=law.id))
    with tenant_scope(other_tenant.id):
        db.session.add(Subscription(user_id=outsider.id, law_id=law.id))
        db.session.commit()
    with tenant_scope(tenant.id):
        services.record_stage_change(law, stage("drafting"), date(2026, 11, 20), actor=None)
        db.session.commit()
    assert len(notifications_of(staff)) == 1
    assert notifications_of(outsider) == []


def test_another_organisations_private_law_cannot_be_followed(tenant, other_tenant, stages_seeded):
    law = private_law(tenant)
    outsider = make_member(other_tenant, Role.STAFF, email="outsider@b.example")
    with tenant_scope(other_tenant.id), pytest.raises(DomainError):
        subscriptions.subscribe(other_tenant.id, outsider, law_id=law.id)


def test_a_group_the_organisation_is_not_in_cannot_be_followed(tenant, other_tenant, group, followed_law):
    from core.models import WorkingGroup
    third = WorkingGroup(slug="drwg", name="DRWG", convening_tenant_id=other_tenant.id)
    db.session.add(third)
    db.session.commit()
    staff = make_member(tenant, Role.STAFF, email="s@a.example")
    with tenant_scope(tenant.id), pytest.raises(DomainError):
        subscriptions.subscribe(tenant.id, staff, group_id=third.id)


def test_follow_and_unfollow_buttons(staff_client, tenant, staff, followed_law):
    base = f"/t/{tenant.slug}/policy/calendar"
    response = staff_client.post(f"{base}/subscribe", data={"law_id": followed_law.id,
                                                           "next": f"/t/{tenant.slug}/policy/laws/{followed_law.id}"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/policy/laws/{followed_law.id}")
    staff_client.post(f"{base}/subscribe", data={"law_id": followed_law.id})
    with tenant_scope(tenant.id):
        assert len(db.session.execute(select(Subscription)).scalars().all()) == 1
    page = staff_client.get(f"{base}/").text
    assert "Law on Access to Information" in page and "Stop following" in page
    staff_client.post(f"{base}/unsubscribe", data={"law_id": followed_law.id, "next": "//evil.example/"})
    with tenant_scope(tenant.id):
        assert db.session.execute(select(Subscription)).first() is None
    assert "You follow no law yet." in staff_client.get(f"{base}/").text


def test_following_an_unknown_law_is_a_clear_error(staff_client, tenant):
    response = staff_client.post(f"/t/{tenant.slug}/policy/calendar/subscribe", data={"law_id": 999999},
                                 follow_redirects=True)
    assert "Choose a law from the register." in response.text


def test_follow_a_working_group_from_the_calendar(staff_client, tenant, staff, group):
    base = f"/t/{tenant.slug}/policy/calendar"
    page = staff_client.get(f"{base}/").text
    assert "A2IWG" in page and "Follow everything this group follows" in page
    staff_client.post(f"{base}/subscribe", data={"group_id": group.id})
    page = staff_client.get(f"{base}/").text
    assert "Everything A2IWG follows" in page and "Follow everything this group follows" not in page
