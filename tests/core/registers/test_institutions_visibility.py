"""Which institutions an organisation sees: the shared register and its own private ones, never
another organisation's private ones (service, list page, detail page and API)."""
from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from core.registers.institutions import get_visible_institution, visible_institutions
from core.registers.models import InstitutionKind
from core.tenancy import tenant_scope
from tests.core.registers.institution_factories import make_institution
from tests.helpers import token_for


def _codes() -> set[str]:
    return {institution.code for institution in db.session.scalars(visible_institutions())}


def test_a_tenant_sees_shared_and_its_own_institutions_only(app, tenant, other_tenant):
    make_institution("MOI", "Ministry of Information")
    ours = make_institution("KPT-CSO-DESK", "Kampot provincial CSO desk", InstitutionKind.OTHER, owner=tenant)
    theirs = make_institution("BTB-YOUTH-DESK", "Battambang youth desk", InstitutionKind.OTHER, owner=other_tenant)
    with tenant_scope(tenant.id):
        assert _codes() == {"MOI", "KPT-CSO-DESK"}
        assert get_visible_institution(ours.id) is not None
        assert get_visible_institution(theirs.id) is None
    with tenant_scope(other_tenant.id):
        assert _codes() == {"MOI", "BTB-YOUTH-DESK"}
    # Outside any tenant (operators, CLI): the shared register only.
    assert _codes() == {"MOI"}


def test_list_page_shows_shared_and_own_but_not_other_tenants(staff_client, tenant, other_tenant):
    make_institution("MOI", "Ministry of Information")
    make_institution("KPT-CSO-DESK", "Kampot provincial CSO desk", InstitutionKind.OTHER, owner=tenant)
    make_institution("BTB-YOUTH-DESK", "Battambang youth desk", InstitutionKind.OTHER, owner=other_tenant)
    page = staff_client.get(f"/t/{tenant.slug}/institutions/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Ministry of Information" in text and "Kampot provincial CSO desk" in text
    assert "Battambang youth desk" not in text


def test_another_tenants_private_institution_is_not_found(staff_client, tenant, other_tenant, staff):
    theirs = make_institution("BTB-YOUTH-DESK", "Battambang youth desk", InstitutionKind.OTHER, owner=other_tenant)
    for url in (f"/t/{tenant.slug}/institutions/{theirs.id}", f"/t/{tenant.slug}/institutions/{theirs.id}/edit",
                f"/t/{tenant.slug}/institutions/{theirs.id}/correction"):
        response = staff_client.get(url)
        assert response.status_code == 404, url
        assert "Battambang youth desk" not in response.get_data(as_text=True)
    api = staff_client.get(f"/api/v1/t/{tenant.slug}/institutions/{theirs.id}", headers=token_for(staff, tenant))
    assert api.status_code == 404


def test_search_filters_the_list(staff_client, tenant):
    make_institution("MOI", "Ministry of Information", name_km="ក្រសួងព័ត៌មាន")
    make_institution("MOH", "Ministry of Health", name_km="ក្រសួងសុខាភិបាល")
    text = staff_client.get(f"/t/{tenant.slug}/institutions/?q=ព័ត៌មាន").get_data(as_text=True)
    assert "Ministry of Information" in text and "Ministry of Health" not in text


def test_list_and_detail_fit_a_phone_and_name_both_scripts(staff_client, tenant):
    ministry = make_institution("MOI", "Ministry of Information", name_km="ក្រសួងព័ត៌មាន", ncdd_member=True,
                                website="https://www.information.gov.kh")
    listing = staff_client.get(f"/t/{tenant.slug}/institutions/").get_data(as_text=True)
    assert 'class="table-wrap"' in listing and "NCDD" in listing
    page = staff_client.get(f"/t/{tenant.slug}/institutions/{ministry.id}").get_data(as_text=True)
    assert "ក្រសួងព័ត៌មាន" in page and "https://www.information.gov.kh" in page
    assert "Propose a correction" in page and f"/institutions/{ministry.id}/edit" not in page


def test_list_query_count_does_not_grow_with_rows(staff_client, tenant):
    from tests.helpers import statements_for
    province = make_institution("KH-7", "Kampot Province", InstitutionKind.PROVINCE)
    make_institution("KH-7-A", "District A", InstitutionKind.DISTRICT, parent_id=province.id)
    few = statements_for(staff_client, f"/t/{tenant.slug}/institutions/")
    for number in range(20):
        make_institution(f"KH-7-D{number}", f"District {number}", InstitutionKind.DISTRICT, parent_id=province.id)
    assert statements_for(staff_client, f"/t/{tenant.slug}/institutions/") == few
    assert db.session.scalar(select(db.func.count()).select_from(visible_institutions().subquery())) == 22
