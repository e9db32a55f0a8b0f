"""A tenant adds and edits its own institutions, but the shared register is changed by instance
operators only: pages and API refuse with a clear, translated reason and nothing is saved."""
from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent
from core.registers.institutions import SharedInstitutionError, save_institution
from core.registers.models import Institution, InstitutionKind
from core.tenancy import tenant_scope
from tests.core.registers.institution_factories import make_institution, make_operator, make_place, reload
from tests.helpers import login, token_for

REFUSAL = "Only the instance operators can change it"


def test_tenant_edit_page_of_a_shared_institution_is_refused(staff_client, tenant):
    ministry = make_institution("MOI", "Ministry of Information")
    url = f"/t/{tenant.slug}/institutions/{ministry.id}/edit"
    page = staff_client.get(url)
    assert page.status_code == 403 and REFUSAL in page.get_data(as_text=True)
    posted = staff_client.post(url, data={"code": "MOI", "kind": "ministry", "name_en": "Renamed"})
    assert posted.status_code == 403 and REFUSAL in posted.get_data(as_text=True)
    assert reload(ministry.id).name_en == "Ministry of Information"
    assert staff_client.post(f"/t/{tenant.slug}/institutions/{ministry.id}/delete").status_code == 403
    assert reload(ministry.id) is not None


def test_tenant_api_cannot_change_or_delete_a_shared_institution(client, tenant, staff):
    ministry = make_institution("MOI", "Ministry of Information")
    auth = token_for(staff, tenant)
    url = f"/api/v1/t/{tenant.slug}/institutions/{ministry.id}"
    etag = client.get(url, headers=auth).headers["ETag"]
    changed = client.patch(url, json={"name_en": "Renamed"}, headers={**auth, "If-Match": etag})
    assert changed.status_code == 403 and changed.mimetype == "application/problem+json"
    assert REFUSAL in changed.json["detail"]
    deleted = client.delete(url, headers={**auth, "If-Match": etag})
    assert deleted.status_code == 403
    assert reload(ministry.id).name_en == "Ministry of Information"


def test_the_service_refuses_a_shared_row_inside_a_tenant(app, tenant):
    ministry = make_institution("MOI", "Ministry of Information")
    with tenant_scope(tenant.id):
        try:
            save_institution(ministry, code="MOI", kind="ministry", name_en="Renamed")
        except SharedInstitutionError as error:
            assert REFUSAL in str(error.message)
        else:
            raise AssertionError("a tenant changed the shared register")
    db.session.rollback()
    assert reload(ministry.id).name_en == "Ministry of Information"


def test_staff_adds_and_edits_a_private_institution(staff_client, tenant):
    make_institution("KH-7", "Kampot Provincial Administration", InstitutionKind.PROVINCE)
    created = staff_client.post(f"/t/{tenant.slug}/institutions/new", data={
        "code": "OWN-KPT-WOMEN", "kind": "other", "name_en": "Kampot women's affairs office",
        "name_km": "មន្ទីរកិច្ចការនារីខេត្តកំពត", "parent_code": "KH-7", "website": "https://kampot.example.org"})
    assert created.status_code == 302
    office = db.session.scalar(select(Institution).where(Institution.code == "OWN-KPT-WOMEN"))
    assert office.owner_tenant_id == tenant.id and office.province.code == "KH-7"
    edited = staff_client.post(f"/t/{tenant.slug}/institutions/{office.id}/edit", data={
        "code": "OWN-KPT-WOMEN", "kind": "other", "name_en": "Kampot Provincial Department of Women's Affairs",
        "parent_code": "KH-7"})
    assert edited.status_code == 302
    assert reload(office.id).name_en == "Kampot Provincial Department of Women's Affairs"
    page = staff_client.get(f"/t/{tenant.slug}/institutions/{office.id}").get_data(as_text=True)
    assert "Our organisation's own" in page and f"/institutions/{office.id}/edit" in page
    assert staff_client.post(f"/t/{tenant.slug}/institutions/{office.id}/delete").status_code == 302
    assert reload(office.id) is None


def test_form_errors_are_shown_and_nothing_saved(staff_client, tenant):
    make_institution("MOI", "Ministry of Information")
    response = staff_client.post(f"/t/{tenant.slug}/institutions/new", data={
        "code": "OWN-1", "kind": "other", "name_en": "Desk", "parent_code": "NOPE", "place_code": "9999"})
    assert response.status_code == 422
    assert "No institution in the register has the code NOPE." in response.get_data(as_text=True)
    clash = staff_client.post(f"/t/{tenant.slug}/institutions/new", data={
        "code": "OWN-1", "kind": "other", "name_en": "Desk", "successor_code": "MOI"})
    assert clash.status_code == 422
    assert "Give the date on which the successor took over." in clash.get_data(as_text=True)
    assert db.session.scalar(select(Institution).where(Institution.code == "OWN-1")) is None


def test_a_viewer_cannot_add_institutions(client, tenant, viewer):
    login(client, viewer.email)
    assert client.get(f"/t/{tenant.slug}/institutions/new").status_code == 403
    assert client.get(f"/t/{tenant.slug}/institutions/").status_code == 200


def test_an_operator_edits_the_shared_register_and_it_is_audited(client, app):
    ministry = make_institution("MOI", "Ministry of Information")
    operator = make_operator()
    login(client, operator.email)
    assert client.get("/admin/institutions/").status_code == 200
    response = client.post(f"/admin/institutions/{ministry.id}/edit", data={
        "code": "MOI", "kind": "ministry", "name_en": "Ministry of Information",
        "name_km": "ក្រសួងព័ត៌មាន", "website": "https://www.information.gov.kh"})
    assert response.status_code == 302
    assert reload(ministry.id).website == "https://www.information.gov.kh"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.model == "Institution",
                                                        AuditEvent.action == "update")).one()
    assert event.tenant_id is None and "website" in event.changes


def test_an_operator_adds_the_missing_administrations_from_the_gazetteer(client, app):
    kampot = make_place("07", "Kampot", "កំពត")
    make_place("0707", "Tuek Chhu", "ទឹកឈូ", kampot)
    login(client, make_operator().email)
    response = client.post("/admin/institutions/sync", follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "2 provincial and district administrations added from the gazetteer." in text
    assert "1 district administration is linked to the gazetteer." in text
    assert "Tuek Chhu District Administration" in text


def test_operator_pages_are_for_operators_only(client, tenant, admin_user):
    login(client, admin_user.email)
    for url in ("/admin/institutions/", "/admin/institutions/corrections", "/admin/institutions/new"):
        assert client.get(url).status_code == 403, url
