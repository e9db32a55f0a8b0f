"""The institutions API as a script sees it: the list with its filters and pages, one institution,
and the organisation's own institutions created, changed (If-Match) and deleted."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.extensions import db
from core.registers.institutions import set_successor
from core.registers.models import Institution, InstitutionKind
from tests.core.registers.institution_factories import make_institution, make_place, reload
from tests.helpers import token_for
from tests.helpers import StatementCounter, make_member

PROBLEM = "application/problem+json"


def api(tenant, path: str = "/") -> str:
    return f"/api/v1/t/{tenant.slug}/institutions{path}"


@pytest.fixture
def auth(staff, tenant):
    return token_for(staff, tenant)


@pytest.fixture
def register(app, tenant, other_tenant):
    kampot = make_institution("KH-7", "Kampot Provincial Administration", InstitutionKind.PROVINCE,
                              name_km="រដ្ឋបាលខេត្តកំពត")
    make_institution("KH-7-TUEK-CHHOU", "Tuek Chhou District", InstitutionKind.DISTRICT, parent_id=kampot.id,
                     province_id=kampot.id)
    make_institution("MOI", "Ministry of Information", ncdd_member=True)
    new = make_institution("MISTI", "Ministry of Industry, Science, Technology and Innovation")
    old = make_institution("MIH", "Ministry of Industry and Handicraft")
    set_successor(old, new, date(2020, 3, 1))
    db.session.commit()
    make_institution("OWN-1", "Kampot CSO desk", InstitutionKind.OTHER, owner=tenant)
    make_institution("THEIRS", "Battambang youth desk", InstitutionKind.OTHER, owner=other_tenant)
    return kampot


def _codes(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [item["code"] for item in response.json["items"]]


def test_list_filters_and_pages(client, tenant, auth, register):
    assert set(_codes(client.get(api(tenant), headers=auth))) == {"KH-7", "KH-7-TUEK-CHHOU", "MOI", "MISTI", "OWN-1"}
    assert "MIH" in _codes(client.get(api(tenant, "/?include_former=true"), headers=auth))
    assert _codes(client.get(api(tenant, "/?kind=district"), headers=auth)) == ["KH-7-TUEK-CHHOU"]
    assert set(_codes(client.get(api(tenant, f"/?province={register.id}"), headers=auth))) == {"KH-7",
                                                                                               "KH-7-TUEK-CHHOU"}
    assert _codes(client.get(api(tenant, "/?q=ខេត្តកំពត"), headers=auth)) == ["KH-7"]
    page = client.get(api(tenant, "/?per_page=2&sort=code"), headers=auth).json
    assert page["total"] == 5 and [item["code"] for item in page["items"]] == ["KH-7", "KH-7-TUEK-CHHOU"]
    assert page["links"]["next"].endswith("page=2")
    refused = client.get(api(tenant, "/?kinds=district"), headers=auth)
    assert refused.status_code == 400 and refused.mimetype == PROBLEM


def test_one_institution_shows_successor_and_sharing(client, tenant, auth, register):
    old = db.session.scalar(select(Institution).where(Institution.code == "MIH"))
    item = client.get(api(tenant, f"/{old.id}"), headers=auth).json
    assert item["successor_code"] == "MISTI" and item["valid_to"] == "2020-03-01"
    assert item["is_current"] is False and item["is_shared"] is True


def test_list_cost_does_not_grow_with_rows(client, tenant, auth, register):
    client.get(api(tenant), headers=auth)      # the token's first use is recorded once
    make_institution("KH-7-FIRST", "First district", InstitutionKind.DISTRICT, parent_id=register.id)
    with StatementCounter() as few:
        client.get(api(tenant), headers=auth)
    for number in range(15):
        make_institution(f"KH-7-D{number}", f"District {number}", InstitutionKind.DISTRICT, parent_id=register.id)
    with StatementCounter() as many:
        client.get(api(tenant, "/?per_page=50"), headers=auth)
    assert many.count == few.count


def test_create_change_and_delete_a_private_institution(client, tenant, auth, register):
    place = make_place("0707", "Tuek Chhu", "ទឹកឈូ")
    created = client.post(api(tenant), headers=auth, json={
        "code": "OWN-TC-OWSO", "kind": "one_window_office", "name_en": "Tuek Chhu one-window office",
        "parent_code": "KH-7-TUEK-CHHOU", "place_code": "0707"})
    assert created.status_code == 201, created.json
    assert created.json["is_shared"] is False and created.json["province_id"] == register.id
    assert created.json["place_id"] == place.id
    url = api(tenant, f"/{created.json['id']}")
    etag = client.get(url, headers=auth).headers["ETag"]
    changed = client.patch(url, json={"phone": "012 345 678"}, headers={**auth, "If-Match": etag})
    assert changed.status_code == 200 and changed.json["phone"] == "012 345 678"
    assert changed.json["parent_code"] == "KH-7-TUEK-CHHOU"       # fields not sent stay as they were
    stale = client.patch(url, json={"phone": "099"}, headers={**auth, "If-Match": etag})
    assert stale.status_code == 412
    assert client.patch(url, json={"phone": "099"}, headers=auth).status_code == 428
    fresh = client.get(url, headers=auth).headers["ETag"]
    assert client.delete(url, headers={**auth, "If-Match": fresh}).status_code == 204
    assert reload(created.json["id"]) is None


def test_bad_input_is_a_problem_naming_the_field(client, tenant, auth, register):
    unknown_place = client.post(api(tenant), headers=auth, json={
        "code": "OWN-2", "kind": "other", "name_en": "Desk", "place_code": "9999"})
    assert unknown_place.status_code == 422 and unknown_place.mimetype == PROBLEM
    assert unknown_place.json["errors"] == {"place_code": ["No place of the gazetteer has the code 9999."]}
    clash = client.post(api(tenant), headers=auth, json={"code": "OWN-1", "kind": "other", "name_en": "Again"})
    assert clash.status_code == 422
    shared_code = client.post(api(tenant), headers=auth, json={"code": "MOI", "kind": "other", "name_en": "Ours"})
    assert shared_code.json["errors"] == {"code": ["The register already has an institution with this code."]}
    bad_kind = client.post(api(tenant), headers=auth, json={"code": "OWN-3", "kind": "palace", "name_en": "X"})
    assert bad_kind.status_code == 422 and "kind" in str(bad_kind.json["errors"])
    assert db.session.scalar(select(Institution).where(Institution.code.in_(["OWN-2", "OWN-3"]))) is None


def test_a_viewer_reads_but_cannot_write(client, tenant, register):
    viewer = make_member(tenant, "viewer", email="viewer@kampot.example")
    auth = token_for(viewer, tenant)
    assert client.get(api(tenant), headers=auth).status_code == 200
    response = client.post(api(tenant), headers=auth, json={"code": "OWN-9", "kind": "other", "name_en": "X"})
    assert response.status_code == 403


def test_another_tenants_token_never_reaches_this_tenant(client, tenant, other_tenant, register):
    outsider = make_member(other_tenant, "owner", email="owner@battambang.example")
    response = client.get(api(tenant), headers=token_for(outsider, other_tenant))
    assert response.status_code == 404
    own = client.get(api(other_tenant), headers=token_for(outsider, other_tenant))
    assert "OWN-1" not in _codes(own) and "THEIRS" in _codes(own)
