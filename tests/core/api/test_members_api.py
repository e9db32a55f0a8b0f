"""Members and roles through the API: the members page's rules (owners and admins only, only an owner
hands out ownership, the last owner stays, nobody deactivates themselves), audited, 404 across tenants."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent, Membership, OutboxMail, Role
from tests.helpers import make_member, token_for

PROBLEM = "application/problem+json"


def url(tenant, rest=""):
    return f"/api/v1/t/{tenant.slug}/members/{rest}"


def membership_of(user, tenant) -> Membership:
    return db.session.execute(select(Membership).where(Membership.user_id == user.id,
                                                       Membership.tenant_id == tenant.id)).scalar_one()


@pytest.fixture
def owner(tenant):
    return make_member(tenant, Role.OWNER)


def patch(client, tenant, membership_id, headers, body):
    etag = client.get(url(tenant, str(membership_id)), headers=headers).headers["ETag"]
    return client.patch(url(tenant, str(membership_id)), json=body, headers={**headers, "If-Match": etag})


def test_admin_lists_members_with_filters(client, tenant, admin_user, staff, viewer):
    headers = token_for(admin_user, tenant)
    page = client.get(url(tenant, "?per_page=2&sort=email"), headers=headers).json
    assert page["total"] == 3 and [m["email"] for m in page["items"]] == sorted([admin_user.email, staff.email])[:2]
    only_viewers = client.get(url(tenant, "?role=viewer"), headers=headers).json
    assert [m["email"] for m in only_viewers["items"]] == [viewer.email]
    assert only_viewers["items"][0]["role_label"] == "Viewer" and only_viewers["items"][0]["is_active"] is True


def test_staff_may_not_see_members(client, tenant, staff):
    response = client.get(url(tenant), headers=token_for(staff, tenant))
    assert response.status_code == 403 and response.mimetype == PROBLEM


def test_admin_adds_a_member_who_is_told_by_mail_and_it_is_audited(client, tenant, admin_user):
    response = client.post(url(tenant), json={"email": "Sokha@Example.org", "name": "Sokha", "role": "staff"},
                           headers=token_for(admin_user, tenant))
    assert response.status_code == 201
    assert response.json["email"] == "sokha@example.org" and response.json["role"] == "staff"
    db.session.rollback()
    assert db.session.execute(select(OutboxMail.to)).scalars().all() == ["sokha@example.org"]
    event = db.session.execute(select(AuditEvent).where(AuditEvent.model == "Membership", AuditEvent.action == "insert",
                                                        AuditEvent.actor_id == admin_user.id)).scalar_one()
    assert event.changes["role"] == [None, "staff"]


def test_adding_an_existing_member_is_a_422_on_email(client, tenant, admin_user, staff):
    response = client.post(url(tenant), json={"email": staff.email, "role": "member"},
                           headers=token_for(admin_user, tenant))
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert response.json["errors"] == {"email": ["This person is already a member."]}


def test_admin_changes_a_role_with_if_match_and_it_is_audited(client, tenant, admin_user, staff):
    headers = token_for(admin_user, tenant)
    staff_id = membership_of(staff, tenant).id
    assert client.patch(url(tenant, str(staff_id)), json={"role": "viewer"}, headers=headers).status_code == 428
    response = patch(client, tenant, staff_id, headers, {"role": "viewer"})
    assert response.status_code == 200 and response.json["role"] == "viewer"
    db.session.rollback()
    assert membership_of(staff, tenant).role == Role.VIEWER
    event = db.session.execute(select(AuditEvent).where(AuditEvent.model == "Membership", AuditEvent.action == "update",
                                                        AuditEvent.actor_id == admin_user.id)).scalar_one()
    assert event.changes["role"] == ["staff", "viewer"]


def test_only_an_owner_hands_out_ownership(client, tenant, admin_user, staff):
    response = patch(client, tenant, membership_of(staff, tenant).id, token_for(admin_user, tenant), {"role": "owner"})
    assert response.status_code == 422
    assert response.json["errors"] == {"role": ["Only an owner can give or take away the owner role."]}
    db.session.rollback()
    assert membership_of(staff, tenant).role == Role.STAFF


def test_the_last_owner_stays(client, tenant, owner):
    response = patch(client, tenant, membership_of(owner, tenant).id, token_for(owner, tenant), {"role": "admin"})
    assert response.status_code == 422
    assert response.json["errors"] == {"role": ["An organisation needs at least one owner."]}


def test_nobody_deactivates_themselves_but_others_can_be(client, tenant, admin_user, staff):
    headers = token_for(admin_user, tenant)
    response = patch(client, tenant, membership_of(admin_user, tenant).id, headers, {"is_active": False})
    assert response.status_code == 422 and response.json["errors"] == {"is_active": ["You cannot deactivate yourself."]}
    response = patch(client, tenant, membership_of(staff, tenant).id, headers, {"is_active": False})
    assert response.status_code == 200 and response.json["is_active"] is False


def test_another_tenants_membership_is_not_found(client, tenant, other_tenant, admin_user):
    stranger = make_member(other_tenant, Role.STAFF, email="stranger@b.example")
    response = client.get(url(tenant, str(membership_of(stranger, other_tenant).id)),
                          headers=token_for(admin_user, tenant))
    assert response.status_code == 404


def test_roles_say_what_each_may_do(client, tenant, admin_user, staff):
    roles = client.get(f"/api/v1/t/{tenant.slug}/roles", headers=token_for(admin_user, tenant)).json["items"]
    assert [role["role"] for role in roles] == ["owner", "admin", "staff", "member", "viewer"]
    by_role = {role["role"]: role for role in roles}
    assert by_role["admin"]["members"] == 1 and by_role["staff"]["members"] == 1
    assert "core.members.manage" in by_role["admin"]["permissions"]
    assert "core.members.manage" not in by_role["staff"]["permissions"]
