"""Working groups: explicit, audited sharing of published fields across tenants, feed and notifications."""
from __future__ import annotations


import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent, Notification, SharedRecord, WorkingGroup, WorkingGroupMember
from core.plugins import ShareableType
from core.tenancy import tenant_scope
from tests.example_plugin.models import FieldVisit
from tests.helpers import login, make_member, make_tenant
from tests.core.sharing_fixtures import a2iwg, visit  # noqa: F401 (fixtures)


def share(client, tenant, visit, group_slug="a2iwg"):
    return client.post(f"/t/{tenant.slug}/groups/share", data={"record_type": "visits.visit", "record_id": visit.id,
                                                                "group": group_slug}, follow_redirects=True)


def test_member_tenant_sees_published_fields_only(staff_client, tenant, other_tenant, a2iwg, visit, client):
    assert "Shared with Access to Information Working Group" in share(staff_client, tenant, visit).text
    reader = make_member(other_tenant, "viewer", email="reader@b.example")
    other = client.application.test_client()
    login(other, reader.email)
    group_page = other.get(f"/t/{other_tenant.slug}/groups/a2iwg/").text
    assert "Budget hearing in Kampot" in group_page
    shared = db.session.execute(select(SharedRecord)).scalar_one()
    page = other.get(f"/t/{other_tenant.slug}/groups/records/{shared.id}").text
    assert "Budget hearing in Kampot" in page and "2026-03-02" in page
    assert "Secret Source" not in page and "Secret Source" not in str(shared.fields)


def test_non_member_tenant_sees_nothing(staff_client, tenant, a2iwg, visit, client):
    share(staff_client, tenant, visit)
    outsider_tenant = make_tenant("siem-reap-women")
    outsider = make_member(outsider_tenant, "owner", email="owner@c.example")
    other = client.application.test_client()
    login(other, outsider.email)
    shared = db.session.execute(select(SharedRecord)).scalar_one()
    assert other.get(f"/t/{outsider_tenant.slug}/groups/a2iwg/").status_code == 404
    assert other.get(f"/t/{outsider_tenant.slug}/groups/records/{shared.id}").status_code == 404
    assert "Budget hearing" not in other.get(f"/t/{outsider_tenant.slug}/search?q=Budget").text


def test_updates_reach_the_feed_and_notify_members(staff_client, tenant, other_tenant, a2iwg, visit):
    reader = make_member(other_tenant, "staff", email="reader@b.example")
    share(staff_client, tenant, visit)
    with tenant_scope(tenant.id):
        db.session.get(FieldVisit, visit.id).title = "Budget hearing in Kampot (report published)"
        db.session.commit()
    shared = db.session.execute(select(SharedRecord)).scalar_one()
    assert shared.fields["title"] == "Budget hearing in Kampot (report published)"
    messages = db.session.execute(select(Notification.message).where(Notification.user_id == reader.id)
                                  .order_by(Notification.id)).scalars().all()
    assert len(messages) == 2 and "updated" in messages[1]


def test_notes_changes_are_not_published(staff_client, tenant, a2iwg, visit):
    share(staff_client, tenant, visit)
    with tenant_scope(tenant.id):
        db.session.get(FieldVisit, visit.id).notes = "Another private note"
        db.session.commit()
    from core.models import GroupFeedEntry
    assert [e.kind for e in db.session.execute(select(GroupFeedEntry)).scalars()] == ["shared"]


def test_sharing_and_unsharing_are_audited_and_unshared_records_disappear(staff_client, tenant, other_tenant, a2iwg,
                                                                          visit, client):
    share(staff_client, tenant, visit)
    shared = db.session.execute(select(SharedRecord)).scalar_one()
    staff_client.post(f"/t/{tenant.slug}/groups/records/{shared.id}/unshare")
    actions = db.session.execute(select(AuditEvent.action).where(AuditEvent.model == "SharedRecord")
                              .order_by(AuditEvent.id)).scalars().all()
    assert actions == ["insert", "update"]
    reader = make_member(other_tenant, "viewer", email="reader@b.example")
    other = client.application.test_client()
    login(other, reader.email)
    assert other.get(f"/t/{other_tenant.slug}/groups/records/{shared.id}").status_code == 404


def test_cannot_share_another_tenants_record_or_with_a_foreign_group(staff_client, tenant, other_tenant, visit):
    foreign = WorkingGroup(slug="drwg", name="Digital Rights Working Group", convening_tenant_id=other_tenant.id)
    foreign.members.append(WorkingGroupMember(tenant_id=other_tenant.id))
    db.session.add(foreign)
    db.session.commit()
    assert share(staff_client, tenant, visit, "drwg").status_code == 404
    outsider = make_member(other_tenant, "owner", email="owner@b.example")
    other = staff_client.application.test_client()
    login(other, outsider.email)
    response = other.post(f"/t/{other_tenant.slug}/groups/share",
                          data={"record_type": "visits.visit", "record_id": visit.id, "group": "drwg"})
    assert response.status_code == 404
    assert db.session.execute(select(SharedRecord)).first() is None


def test_viewer_cannot_share(client, tenant, a2iwg, visit):
    viewer = make_member(tenant, "viewer", email="viewer@a.example")
    login(client, viewer.email)
    assert share(client, tenant, visit).status_code == 403


def test_a_plugin_cannot_declare_sensitive_fields_shareable():
    with pytest.raises(ValueError, match="sensitive"):
        ShareableType(name="x", label="x", model=FieldVisit, fields={"notes": "Notes"}, title=str)


def test_cli_creates_groups_and_adds_tenants(app, tenant, other_tenant):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["groups", "create", "drwg", "Digital Rights Working Group", tenant.slug]).exit_code == 0
    assert runner.invoke(args=["groups", "add-tenant", "drwg", other_tenant.slug]).exit_code == 0
    again = runner.invoke(args=["groups", "add-tenant", "drwg", other_tenant.slug])
    assert again.exit_code != 0 and "already a member" in again.output
    group = db.session.execute(select(WorkingGroup).where(WorkingGroup.slug == "drwg")).scalar_one()
    assert {m.tenant_id for m in group.members} == {tenant.id, other_tenant.id}
