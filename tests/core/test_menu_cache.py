"""Each worker keeps the finished tenant menu (core.navigation), keyed by everything that changes
it: a viewer never receives the menu built for an administrator, nor one tenant another's, nor a
language the other's, and a change of role or of the tenant's plugins shows at once."""
from __future__ import annotations

import re

from core.admin.services import set_plugin_enabled
from core.extensions import db
from core.models import Membership, Role
from tests.helpers import login, logout, make_member


def menu(client, tenant) -> list[str]:
    page = client.get(f"/t/{tenant.slug}/").text
    nav = re.search(r'<ul class="nav">(.*?)</ul>', page, re.S)
    return re.findall(r">([^<>]+)</a>", nav.group(1)) if nav else []


def test_a_viewer_never_gets_the_menu_built_for_an_admin(client, tenant, admin_user, viewer):
    login(client, admin_user.email)
    admin_menu = menu(client, tenant)
    assert "Administration" in admin_menu and "Deadline settings" in admin_menu
    logout(client)
    login(client, viewer.email)
    viewer_menu = menu(client, tenant)
    assert "Administration" not in viewer_menu and "Deadline settings" not in viewer_menu
    assert "Information requests" in viewer_menu


def test_each_tenant_and_language_gets_its_own_menu(client, tenant, other_tenant, admin_user):
    db.session.add(Membership(user=admin_user, tenant=other_tenant, role=Role.ADMIN))
    db.session.commit()
    set_plugin_enabled(other_tenant, "a2i_requests", False)
    db.session.commit()
    login(client, admin_user.email)
    assert "Information requests" in menu(client, tenant)
    other = client.get(f"/t/{other_tenant.slug}/").text
    assert "Information requests" not in menu(client, other_tenant)
    assert f"/t/{tenant.slug}/" not in re.search(r'<ul class="nav">(.*?)</ul>', other, re.S).group(1)
    client.post("/locale", data={"locale": "km"})
    khmer = menu(client, tenant)
    assert "Information requests" not in khmer and "Administration" not in khmer and len(khmer) > 5


def test_a_change_of_role_or_of_plugins_shows_at_once(client, tenant, admin_user):
    login(client, admin_user.email)
    assert "Administration" in menu(client, tenant)
    membership = db.session.query(Membership).filter_by(user_id=admin_user.id, tenant_id=tenant.id).one()
    membership.role = Role.VIEWER
    db.session.commit()
    assert "Administration" not in menu(client, tenant)
    membership.role = Role.ADMIN
    set_plugin_enabled(tenant, "a2i_requests", False)
    db.session.commit()
    after = menu(client, tenant)
    assert "Administration" in after and "Information requests" not in after


def test_the_highlighted_entry_follows_the_page(staff_client, tenant):
    requests_page = staff_client.get(f"/t/{tenant.slug}/a2i/requests/").text
    dashboard = staff_client.get(f"/t/{tenant.slug}/").text
    current = r'aria-current="page">([^<]+)<'
    assert re.findall(current, requests_page) == ["Information requests"]
    assert re.findall(current, dashboard) == ["Dashboard"]


def test_a_member_of_two_tenants_sees_each_tenants_own_entries(client, tenant, other_tenant):
    both = make_member(tenant, Role.ADMIN, email="both@example.org")
    db.session.add(Membership(user=both, tenant=other_tenant, role=Role.VIEWER))
    db.session.commit()
    login(client, both.email)
    assert "Administration" in menu(client, tenant)
    assert "Administration" not in menu(client, other_tenant)
