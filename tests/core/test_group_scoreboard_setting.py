"""A working group's public scoreboard is opt-in: only the convening organisation's owners and admins
switch it on or off, on the group's page, and the change is audited."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent, Role, WorkingGroup, WorkingGroupMember
from tests.helpers import login, make_member, make_tenant

FORM_LABEL = 'name="public_scoreboard"'


@pytest.fixture
def a2iwg(tenant, other_tenant):
    group = WorkingGroup(slug="a2iwg", name="A2I Working Group", convening_tenant_id=tenant.id)
    group.members += [WorkingGroupMember(tenant_id=tenant.id), WorkingGroupMember(tenant_id=other_tenant.id)]
    db.session.add(group)
    db.session.commit()
    return group


def switch(client, tenant, on: bool):
    data = {"public_scoreboard": "y"} if on else {}
    return client.post(f"/t/{tenant.slug}/groups/a2iwg/settings", data=data)


def test_convening_owner_switches_the_scoreboard_on_and_off_audited(client, tenant, a2iwg):
    owner = make_member(tenant, Role.OWNER, email="owner@example.org")
    login(client, owner.email)
    assert FORM_LABEL in client.get(f"/t/{tenant.slug}/groups/a2iwg/").text

    page = client.post(f"/t/{tenant.slug}/groups/a2iwg/settings", data={"public_scoreboard": "y"},
                       follow_redirects=True)
    assert "scoreboard is now public." in page.text
    assert db.session.get(WorkingGroup, a2iwg.id).public_scoreboard is True
    assert switch(client, tenant, on=False).status_code == 302
    db.session.expire_all()
    assert db.session.get(WorkingGroup, a2iwg.id).public_scoreboard is False

    changes = db.session.scalars(select(AuditEvent.changes).where(
        AuditEvent.model == "WorkingGroup", AuditEvent.action == "update").order_by(AuditEvent.id)).all()
    assert [change["public_scoreboard"] for change in changes] == [[False, True], [True, False]]


def test_convening_admin_may_switch_it_too(client, tenant, a2iwg):
    admin = make_member(tenant, Role.ADMIN, email="admin@example.org")
    login(client, admin.email)
    assert switch(client, tenant, on=True).status_code == 302
    assert db.session.get(WorkingGroup, a2iwg.id).public_scoreboard is True


def test_staff_of_the_convening_organisation_cannot(client, tenant, a2iwg):
    staff = make_member(tenant, Role.STAFF, email="staff@example.org")
    login(client, staff.email)
    assert FORM_LABEL not in client.get(f"/t/{tenant.slug}/groups/a2iwg/").text
    assert switch(client, tenant, on=True).status_code == 403
    assert db.session.get(WorkingGroup, a2iwg.id).public_scoreboard is False


def test_an_owner_of_another_member_cannot(client, other_tenant, a2iwg):
    owner = make_member(other_tenant, Role.OWNER, email="owner@b.example")
    login(client, owner.email)
    assert FORM_LABEL not in client.get(f"/t/{other_tenant.slug}/groups/a2iwg/").text
    assert switch(client, other_tenant, on=True).status_code == 403
    assert db.session.get(WorkingGroup, a2iwg.id).public_scoreboard is False


def test_an_organisation_outside_the_group_gets_not_found(client, a2iwg):
    outsider = make_tenant("outsiders", "Outsiders")
    owner = make_member(outsider, Role.OWNER, email="owner@c.example")
    login(client, owner.email)
    assert switch(client, outsider, on=True).status_code == 404
