"""Working groups through the API: the organisation's groups, a group's feed and shared records (published
fields only), sharing and withdrawing; a group the organisation is not in is not found."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent, Notification, Role, SharedRecord
from core.tenancy import tenant_scope
from tests.example_plugin.models import FieldVisit
from tests.helpers import make_member, make_tenant, token_for
from tests.core.sharing_fixtures import a2iwg, visit  # noqa: F401 (fixtures)


def api(tenant, rest=""):
    return f"/api/v1/t/{tenant.slug}/groups/{rest}"


def share(client, tenant, headers, visit, group="a2iwg"):
    return client.post(api(tenant, "shares"), json={"group": group, "record_type": "visits.visit",
                                                    "record_id": visit.id}, headers=headers)


def test_sharing_through_the_api_reaches_the_other_members_feed(client, tenant, other_tenant, staff, a2iwg, visit):
    reader = make_member(other_tenant, Role.VIEWER, email="reader@b.example")
    response = share(client, tenant, token_for(staff, tenant), visit)
    assert response.status_code == 201 and response.json["own"] is True
    assert {"name": "title", "label": "Title", "value": "Budget hearing in Kampot"} in response.json["fields"]
    db.session.rollback()
    assert db.session.execute(select(AuditEvent).where(AuditEvent.model == "SharedRecord",
                                                       AuditEvent.action == "insert")).scalar_one()
    assert db.session.execute(select(Notification).where(Notification.user_id == reader.id)).scalar_one()

    headers = token_for(reader, other_tenant)
    groups = client.get(api(other_tenant), headers=headers).json
    assert [g["slug"] for g in groups["items"]] == ["a2iwg"]
    assert groups["items"][0]["members"] == sorted([tenant.name, other_tenant.name])
    feed = client.get(api(other_tenant, "a2iwg/feed"), headers=headers).json
    assert [(e["kind"], e["title"], e["tenant"]) for e in feed["items"]] == [
        ("shared", "Budget hearing in Kampot", tenant.name)]
    records = client.get(api(other_tenant, "a2iwg/records"), headers=headers).json
    assert records["total"] == 1 and records["items"][0]["own"] is False
    shared_id = records["items"][0]["id"]
    one = client.get(api(other_tenant, f"records/{shared_id}"), headers=headers)
    assert one.status_code == 200 and "Secret Source" not in one.text
    assert client.delete(api(other_tenant, f"records/{shared_id}"), headers=headers).status_code == 403


def test_updates_and_withdrawal_show_in_the_feed(client, tenant, other_tenant, staff, a2iwg, visit):
    headers = token_for(staff, tenant)
    shared_id = share(client, tenant, headers, visit).json["id"]
    with tenant_scope(tenant.id):
        db.session.get(FieldVisit, visit.id).title = "Budget hearing (report published)"
        db.session.commit()
    assert client.delete(api(tenant, f"records/{shared_id}"), headers=headers).status_code == 204
    feed = client.get(api(tenant, "a2iwg/feed"), headers=headers).json
    assert [e["kind"] for e in feed["items"]] == ["unshared", "updated", "shared"]
    reader = make_member(other_tenant, Role.VIEWER, email="reader@b.example")
    assert client.get(api(other_tenant, f"records/{shared_id}"),
                      headers=token_for(reader, other_tenant)).status_code == 404


def test_refused_shares_are_422_naming_the_field(client, tenant, other_tenant, staff, a2iwg, visit):
    headers = token_for(staff, tenant)
    assert share(client, tenant, headers, visit).status_code == 201
    again = share(client, tenant, headers, visit)
    assert again.status_code == 422 and list(again.json["errors"]) == ["record_id"]
    assert "already shared" in again.json["errors"]["record_id"][0]
    unknown_type = client.post(api(tenant, "shares"), json={"group": "a2iwg", "record_type": "nope",
                                                            "record_id": visit.id}, headers=headers)
    assert unknown_type.json["errors"] == {"record_type": ["This kind of record cannot be shared."]}
    assert list(share(client, tenant, headers, visit, group="other").json["errors"]) == ["group"]
    with tenant_scope(other_tenant.id):
        theirs = FieldVisit(title="Their visit", visited_on=date(2026, 3, 3))
        db.session.add(theirs)
        db.session.commit()
    assert list(share(client, tenant, headers, theirs).json["errors"]) == ["record_id"]
    assert db.session.execute(select(SharedRecord)).scalars().all().__len__() == 1


def test_viewers_may_read_but_not_share(client, tenant, viewer, a2iwg, visit):
    headers = token_for(viewer, tenant)
    assert client.get(api(tenant, "a2iwg"), headers=headers).json["name"] == "Access to Information Working Group"
    assert share(client, tenant, headers, visit).status_code == 403


def test_a_group_of_which_the_organisation_is_not_a_member_is_not_found(client, staff, tenant, a2iwg, visit):
    share(client, tenant, token_for(staff, tenant), visit)
    outsider_tenant = make_tenant("siem-reap-women")
    outsider = make_member(outsider_tenant, Role.OWNER, email="owner@c.example")
    headers = token_for(outsider, outsider_tenant)
    shared = db.session.execute(select(SharedRecord)).scalar_one()
    assert client.get(api(outsider_tenant), headers=headers).json["total"] == 0
    for path in ("a2iwg", "a2iwg/feed", "a2iwg/records", f"records/{shared.id}"):
        assert client.get(api(outsider_tenant, path), headers=headers).status_code == 404, path
