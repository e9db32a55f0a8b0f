"""The plugin host: built-ins come from entry points; a plugin outside core/ adds a model, pages,
a menu entry, a permission and a dashboard card; a tenant can switch a plugin off."""
from core.extensions import db
from core.models import Role, TenantPlugin
from core.plugins import build_plugin_manager
from tests.helpers import login, make_member


def test_builtin_plugins_are_registered_through_entry_points():
    pm = build_plugin_manager(None)
    names = {impl.function().name for impl in pm.hook.samaki_plugin_info.get_hookimpls()}
    assert {"a2i_requests", "training_registry", "consulting_crm", "policy_tracker"} <= names


def test_test_plugin_adds_menu_entry_widget_and_permission(app, client, tenant):
    login(client, make_member(tenant, Role.STAFF).email)
    page = client.get(f"/t/{tenant.slug}/").get_data(as_text=True)
    assert f'href="/t/{tenant.slug}/visits/"' in page          # menu entry
    assert "0 visits recorded" in page                          # dashboard card
    assert "visits.edit" in app.extensions["samaki"].permissions.permissions


def test_plugin_pages_work_for_a_member(client, tenant):
    login(client, make_member(tenant, Role.STAFF).email)
    response = client.post(f"/t/{tenant.slug}/visits/new", data={"title": "Sangkat office visit",
                                                                 "visited_on": "2026-06-01"})
    assert response.status_code == 302
    assert "Sangkat office visit" in client.get(f"/t/{tenant.slug}/visits/").get_data(as_text=True)


def test_switched_off_plugin_disappears_for_that_tenant_only(client, tenant, other_tenant):
    db.session.add(TenantPlugin(tenant_id=tenant.id, plugin="field_visits", enabled=False))
    db.session.commit()
    login(client, make_member(tenant, Role.STAFF).email)
    page = client.get(f"/t/{tenant.slug}/").get_data(as_text=True)
    assert "/visits/" not in page and "visits recorded" not in page
    assert client.get(f"/t/{tenant.slug}/visits/").status_code == 404
    client.post("/logout")
    login(client, make_member(other_tenant, Role.STAFF).email)
    assert client.get(f"/t/{other_tenant.slug}/visits/").status_code == 200


def test_hook_tracing_logs_hook_calls(caplog):
    pm = build_plugin_manager(["tests.example_plugin"], trace=True)
    with caplog.at_level("WARNING"):
        pm.hook.samaki_permissions()
    assert "samaki_permissions" in caplog.text
