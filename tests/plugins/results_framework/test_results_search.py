"""Indicators are in the global search: by code or by name in English or Khmer, linking to the
indicator's page, for readers of the results only and never across tenants."""
from __future__ import annotations

from core.models import Role
from tests.helpers import login, make_member
from tests.plugins.results_framework.conftest import make_indicator


def test_indicator_is_found_by_its_english_name(staff_client, tenant, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1", name_en="Districts actively disclosing")
    html = staff_client.get(f"/t/{tenant.slug}/search?q=actively+disclos").get_data(as_text=True)
    assert "1.1.1 · Districts actively disclosing" in html
    assert f'href="/t/{tenant.slug}/results/indicators/{indicator.id}"' in html
    assert "Indicator" in html


def test_indicator_is_found_by_its_code_and_its_khmer_name(staff_client, tenant, outcome):
    make_indicator(tenant, outcome, "A2I-DIST", name_en="Districts disclosing", name_km="ស្រុកដែលបើកចំហព័ត៌មាន")
    assert "Districts disclosing" in staff_client.get(f"/t/{tenant.slug}/search?q=a2i-dist").get_data(as_text=True)
    assert "Districts disclosing" in staff_client.get(f"/t/{tenant.slug}/search?q=បើកចំហ").get_data(as_text=True)


def test_other_tenants_indicators_are_not_found(client, tenant, other_tenant, outcome):
    make_indicator(tenant, outcome, "1.1.1", name_en="Secret disclosure count")
    other = make_member(other_tenant, Role.OWNER, email="owner@b.example")
    login(client, other.email)
    html = client.get(f"/t/{other_tenant.slug}/search?q=Secret+disclosure").get_data(as_text=True)
    assert "Secret disclosure count" not in html


def test_users_without_results_view_find_no_indicator(client, tenant, outcome, monkeypatch):
    from flask import current_app
    make_indicator(tenant, outcome, "1.1.1", name_en="Districts disclosing")
    registry = current_app.extensions["samaki"].permissions
    permission = registry.permissions["results.view"]
    monkeypatch.setitem(registry.permissions, "results.view",
                        type(permission)(permission.name, permission.label, (Role.OWNER,)))
    viewer = make_member(tenant, Role.VIEWER)
    login(client, viewer.email)
    html = client.get(f"/t/{tenant.slug}/search?q=Districts").get_data(as_text=True)
    assert "Districts disclosing" not in html
