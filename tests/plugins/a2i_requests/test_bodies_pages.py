"""The public-bodies pages: list and search, private bodies, CSV export and import."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEvent, Role
from core.tenancy import tenant_scope
from plugins.a2i_requests.models import BodyKind, PublicBody
from tests.helpers import login, make_member, statements_for

HEADER = "code,kind,parent_code,name_en,name_km,ncdd_member,phone,email,address_en"


def bodies_url(tenant, path=""):
    return f"/t/{tenant.slug}/a2i/bodies{path}"


def add_body(code, kind=BodyKind.MINISTRY, owner_tenant_id=None, **fields) -> PublicBody:
    body = PublicBody(code=code, kind=kind, owner_tenant_id=owner_tenant_id, name_en=fields.pop("name_en", code),
                      **fields)
    if owner_tenant_id is None:
        db.session.add(body)
        db.session.commit()
    else:
        with tenant_scope(owner_tenant_id):
            db.session.add(body)
            db.session.commit()
    return body


def private_bodies(tenant) -> list[PublicBody]:
    return list(db.session.scalars(select(PublicBody).where(PublicBody.owner_tenant_id == tenant.id)
                                   .order_by(PublicBody.code)))


def upload(client, tenant, text: str | bytes, name="bodies.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(bodies_url(tenant, "/import"), data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_list_shows_shared_and_own_bodies_but_not_another_tenants(staff_client, tenant, other_tenant):
    add_body("MOI", name_en="Ministry of Information", name_km="ក្រសួងព័ត៌មាន")
    add_body("OURS", BodyKind.COMMUNE, tenant.id, name_en="Commune Prek Tnaot")
    add_body("THEIRS", BodyKind.COMMUNE, other_tenant.id, name_en="Commune Secret of B")
    response = staff_client.get(bodies_url(tenant))
    assert response.status_code == 200
    assert "Ministry of Information" in response.text and "ក្រសួងព័ត៌មាន" in response.text
    assert "Commune Prek Tnaot" in response.text
    assert "Commune Secret of B" not in response.text
    assert "Shared" in response.text and "Ours" in response.text


def test_search_by_a_khmer_part_of_the_name_finds_the_body(staff_client, tenant):
    add_body("MOI", name_en="Ministry of Information", name_km="ក្រសួងព័ត៌មាន")
    add_body("MOH", name_en="Ministry of Health", name_km="ក្រសួងសុខាភិបាល")
    response = staff_client.get(bodies_url(tenant), query_string={"q": "ព័ត៌មាន"})
    assert "Ministry of Information" in response.text
    assert "Ministry of Health" not in response.text


def test_filter_by_kind_and_province(staff_client, tenant):
    kampot = add_body("KH-7", BodyKind.PROVINCE, name_en="Kampot Province")
    add_body("KH-2", BodyKind.PROVINCE, name_en="Battambang Province")
    add_body("KH-7-KAMPOT", BodyKind.DISTRICT, name_en="Kampot Municipality", parent_id=kampot.id,
             province_id=kampot.id)
    response = staff_client.get(bodies_url(tenant), query_string={"kind": "district", "province": kampot.id})
    assert "<code>KH-7-KAMPOT</code>" in response.text
    assert "<code>KH-2</code>" not in response.text and "<code>KH-7</code>" not in response.text


def test_list_uses_the_same_number_of_queries_for_5_and_50_bodies(staff_client, tenant):
    parent = add_body("KH-7", BodyKind.PROVINCE, name_en="Kampot Province")

    def queries_for(n):
        for i in range(n):
            db.session.add(PublicBody(code=f"C{n}-{i}", kind=BodyKind.COMMUNE, name_en=f"Commune {i}",
                                      parent_id=parent.id, province_id=parent.id))
        db.session.commit()
        return statements_for(staff_client, bodies_url(tenant))

    assert queries_for(5) == queries_for(45)


def test_staff_creates_a_private_body(staff_client, tenant):
    province = add_body("KH-7", BodyKind.PROVINCE, name_en="Kampot Province")
    district = add_body("KH-7-KAMPOT", BodyKind.DISTRICT, name_en="Kampot Municipality", parent_id=province.id,
                        province_id=province.id)
    response = staff_client.post(bodies_url(tenant, "/new"), data={
        "code": "KH-7-KAMPOT-TRACEY", "kind": "commune", "parent_id": district.id, "name_en": "Sangkat Traeuy Kaoh",
        "name_km": "សង្កាត់ត្រើយកោះ", "ncdd_member": "y"}, follow_redirects=True)
    assert "Sangkat Traeuy Kaoh is saved." in response.text
    [body] = private_bodies(tenant)
    assert (body.name_km, body.parent_id, body.province_id, body.ncdd_member) == (
        "សង្កាត់ត្រើយកោះ", district.id, province.id, True)
    audited = db.session.scalar(select(AuditEvent).where(AuditEvent.model == "PublicBody",
                                                         AuditEvent.record_id == str(body.id)))
    assert (audited.action, audited.tenant_id) == ("insert", tenant.id)


def test_a_code_already_in_the_register_is_a_field_error(staff_client, tenant):
    add_body("MOI", name_en="Ministry of Information")
    response = staff_client.post(bodies_url(tenant, "/new"), data={"code": "MOI", "kind": "ministry",
                                                                    "name_en": "Copy"})
    assert response.status_code == 422
    assert "The register already has a body with this code." in response.text
    assert private_bodies(tenant) == []


def test_staff_edits_own_private_body(staff_client, tenant):
    body = add_body("OURS", BodyKind.OTHER, tenant.id, name_en="Old name")
    assert staff_client.get(bodies_url(tenant, f"/{body.id}/edit")).status_code == 200
    staff_client.post(bodies_url(tenant, f"/{body.id}/edit"), data={"code": "OURS", "kind": "other",
                                                                     "name_en": "New name"})
    db.session.expire_all()
    assert private_bodies(tenant)[0].name_en == "New name"


def test_editing_a_shared_body_is_refused_with_a_reason(staff_client, tenant):
    body = add_body("MOI", name_en="Ministry of Information")
    response = staff_client.post(bodies_url(tenant, f"/{body.id}/edit"), data={"code": "MOI", "kind": "ministry",
                                                                                 "name_en": "Changed"})
    assert response.status_code == 403
    assert "shared register" in response.text
    db.session.expire_all()
    assert db.session.get(PublicBody, body.id).name_en == "Ministry of Information"


def test_another_tenants_private_body_is_not_found(staff_client, tenant, other_tenant):
    body = add_body("THEIRS", BodyKind.OTHER, other_tenant.id, name_en="Theirs")
    assert staff_client.get(bodies_url(tenant, f"/{body.id}/edit")).status_code == 404


def test_viewer_sees_the_list_but_cannot_add_bodies(client, tenant):
    viewer = make_member(tenant, Role.VIEWER)
    login(client, viewer.email)
    assert client.get(bodies_url(tenant)).status_code == 200
    assert client.get(bodies_url(tenant, "/new")).status_code == 403
    assert client.get(bodies_url(tenant, "/import")).status_code == 403


def test_csv_export_keeps_khmer_readable_and_is_audited(staff_client, tenant):
    add_body("MOI", name_en="Ministry of Information", name_km="ក្រសួងព័ត៌មាន")
    add_body("=CMD", BodyKind.OTHER, tenant.id, name_en="=HYPERLINK(1)")
    response = staff_client.get(bodies_url(tenant, ".csv"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == HEADER
    assert "MOI,ministry,,Ministry of Information,ក្រសួងព័ត៌មាន,false,,," in text
    assert "'=HYPERLINK(1)" in text
    audited = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert (audited.tenant_id, audited.model) == (tenant.id, "PublicBody")


def test_import_with_a_bad_line_names_the_line_and_writes_nothing(staff_client, tenant):
    text = f"{HEADER}\nC1,commune,,Commune One,ឃុំមួយ,false,,,\nC2,palace,,Commune Two,,false,,,\n"
    response = upload(staff_client, tenant, text)
    assert response.status_code == 422
    assert "Line 3: unknown kind" in response.text
    assert private_bodies(tenant) == []


def test_import_adds_private_bodies_and_reports_the_counts(staff_client, tenant):
    text = f"\ufeff{HEADER}\nC1,district,,District One,ស្រុកមួយ,true,,,\nC2,commune,C1,Commune Two,ឃុំពីរ,false,,,\n"
    response = upload(staff_client, tenant, text)
    assert response.status_code == 302
    response = staff_client.get(response.headers["Location"])
    assert "Import done: 2 bodies added, 0 updated." in response.text
    c1, c2 = private_bodies(tenant)
    assert (c1.name_km, c1.ncdd_member, c2.parent_id) == ("ស្រុកមួយ", True, c1.id)


def test_import_of_a_file_that_is_not_utf8_explains_how_to_save_it(staff_client, tenant):
    response = upload(staff_client, tenant, f"{HEADER}\nC1,commune,,Comm\xfcne,,false,,,\n".encode("latin-1"))
    assert response.status_code == 422
    assert "not UTF-8" in response.text
    assert db.session.scalar(select(func.count(PublicBody.id))) == 0


def test_import_refuses_a_file_over_2_mb(staff_client, tenant):
    response = upload(staff_client, tenant, HEADER + "\n" + "x" * (2 * 1024 * 1024))
    assert response.status_code == 422
    assert "larger than 2 MB" in response.text
