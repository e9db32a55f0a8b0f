"""The old public-bodies addresses after the register moved to the core: the pages redirect to the
institutions register and the calendar, the menu no longer lists them, and the API paths
/a2i/bodies/ keep answering with the same JSON for existing clients."""
from __future__ import annotations

import pytest
from flask import url_for

from core.extensions import db
from core.registers.models import Institution, InstitutionKind
from core.tenancy import tenant_scope
from tests.helpers import token_for
from tests.plugins.a2i_requests.test_api import api

BODY_FIELDS = {"id", "code", "kind", "name_en", "name_km", "parent_id", "province_id", "ncdd_member", "phone",
               "email", "address_en", "is_shared"}


def core_url(app, tenant, endpoint: str, **values) -> str:
    with app.test_request_context():
        return url_for(endpoint, tenant_slug=tenant.slug, **values)


@pytest.mark.parametrize(("path", "endpoint"), [
    ("/bodies", "institutions.index"), ("/bodies/new", "institutions.new"),
    ("/bodies/import", "institutions.import_csv"), ("/bodies.csv", "institutions.export_csv")])
def test_old_bodies_pages_redirect_to_the_institutions_register(app, staff_client, tenant, path, endpoint):
    response = staff_client.get(f"/t/{tenant.slug}/a2i{path}")
    assert response.status_code == 302
    assert response.headers["Location"] == core_url(app, tenant, endpoint)


def test_old_list_filters_are_passed_to_the_register(app, staff_client, tenant):
    response = staff_client.get(f"/t/{tenant.slug}/a2i/bodies?q=MOI&kind=ministry")
    assert response.status_code == 302
    assert response.headers["Location"] == core_url(app, tenant, "institutions.index", q="MOI", kind="ministry")


def test_old_edit_page_of_a_body_redirects_to_its_core_page(app, staff_client, tenant, ministry):
    response = staff_client.get(f"/t/{tenant.slug}/a2i/bodies/{ministry.id}/edit")
    assert response.status_code == 302
    assert response.headers["Location"] == core_url(app, tenant, "institutions.edit", institution_id=ministry.id)


def test_old_closure_days_address_redirects_to_the_core_calendar(app, admin_client, tenant):
    response = admin_client.post(f"/t/{tenant.slug}/a2i/settings/closure-days", data={"day": "2026-07-08"})
    assert response.status_code == 302
    assert response.headers["Location"] == core_url(app, tenant, "calendar.index")


def test_menu_no_longer_lists_public_bodies_under_a2i(staff_client, tenant):
    page = staff_client.get(f"/t/{tenant.slug}/a2i/requests/").text
    assert f'href="/t/{tenant.slug}/a2i/bodies"' not in page


def test_api_bodies_path_answers_with_the_same_shape(client, tenant, staff, ministry):
    auth = token_for(staff, tenant)
    page = client.get(api(tenant, "/bodies/"), headers=auth)
    assert page.status_code == 200
    item = next(body for body in page.json["items"] if body["id"] == ministry.id)
    assert set(item) == BODY_FIELDS
    assert (item["code"], item["kind"], item["is_shared"]) == ("MOI", "ministry", True)
    one = client.get(api(tenant, f"/bodies/{ministry.id}"), headers=auth)
    assert one.status_code == 200 and one.json == item


def test_api_bodies_path_serves_the_tenants_private_institutions_only_to_it(client, tenant, other_tenant, staff):
    with tenant_scope(other_tenant.id):
        theirs = Institution(code="THEIRS", kind=InstitutionKind.OTHER, name_en="Their office")
        db.session.add(theirs)
        db.session.commit()
    auth = token_for(staff, tenant)
    assert client.get(api(tenant, f"/bodies/{theirs.id}"), headers=auth).status_code == 404
    assert client.get(api(tenant, "/bodies/?q=Their office"), headers=auth).json["total"] == 0
