"""CSV export and import of institutions: the new columns round-trip, old nine-column files still
import, and a file with any wrong line imports nothing, with every problem named by line."""
from __future__ import annotations

import io
from datetime import date

from flask_babel import force_locale
from sqlalchemy import select

from core.extensions import db
from core.registers.institutions import CSV_FIELDS, export_csv, import_csv, visible_institutions
from core.registers.models import Institution, InstitutionKind
from core.tenancy import tenant_scope
from tests.core.registers.institution_factories import make_institution, make_place

OLD_HEADER = "code,kind,parent_code,name_en,name_km,ncdd_member,phone,email,address_en\n"


def _all() -> list[Institution]:
    return list(db.session.scalars(visible_institutions()))


def test_export_has_old_and_new_columns_and_round_trips(app, tenant):
    kampot = make_place("07", "Kampot", "កំពត")
    province = make_institution("KH-7", "Kampot Provincial Administration", InstitutionKind.PROVINCE,
                                place_id=kampot.id)
    new = make_institution("MISTI", "Ministry of Industry, Science, Technology and Innovation")
    old = make_institution("MIH", "Ministry of Industry and Handicraft", valid_from=date(2013, 9, 24),
                           valid_to=date(2020, 3, 1), successor_id=new.id, website="https://www.mih.gov.kh",
                           phone="+855 23 211 141")
    text = export_csv(_all())
    lines = text.splitlines()
    assert lines[0].split(",") == CSV_FIELDS
    assert CSV_FIELDS[:9] == OLD_HEADER.strip().split(",")
    assert "KH-7,province,,Kampot Provincial Administration,,false,,,,07," in text
    assert "2013-09-24,2020-03-01,MISTI" in text

    # The same file imported into another organisation creates its own copies with the same links.
    private = text.replace("KH-7", "OWN-7").replace("MISTI", "OWN-MISTI").replace("MIH,", "OWN-MIH,")
    with tenant_scope(tenant.id):
        result = import_csv(private)
        assert result.ok, result.errors
        db.session.commit()
        copy = db.session.scalar(select(Institution).where(Institution.code == "OWN-MIH"))
        assert copy.owner_tenant_id == tenant.id
        assert copy.successor.code == "OWN-MISTI" and copy.valid_to == date(2020, 3, 1)
        assert copy.website == "https://www.mih.gov.kh" and copy.phone == "+855 23 211 141"
        assert db.session.scalar(select(Institution).where(Institution.code == "OWN-7")).place_id == kampot.id
    assert old.successor_id == new.id and province.place_id == kampot.id


def test_export_page_quotes_formula_like_cells_and_reimport_strips_the_quote(staff_client, tenant):
    make_institution("OWN-1", "Provincial hotline", InstitutionKind.OTHER, owner=tenant, phone="+855 12 345 678")
    download = staff_client.get(f"/t/{tenant.slug}/institutions/export.csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    body = download.get_data(as_text=True)
    assert "'+855 12 345 678" in body
    with tenant_scope(tenant.id):
        result = import_csv(body.lstrip("\ufeff"))
        assert result.ok and result.updated == 0
        assert db.session.scalar(select(Institution.phone).where(Institution.code == "OWN-1")) == "+855 12 345 678"


def test_an_old_public_bodies_file_still_imports(app, tenant):
    with tenant_scope(tenant.id):
        result = import_csv(OLD_HEADER + "OWN-KPT,province,,Kampot office,ការិយាល័យកំពត,true,,,\n"
                                         "OWN-KPT-DESK,other,OWN-KPT,Kampot desk,,false,012 345 678,,Kampot town\n")
        assert result.ok, result.errors
        assert result.created == 2
        db.session.commit()
        desk = db.session.scalar(select(Institution).where(Institution.code == "OWN-KPT-DESK"))
        assert desk.parent.code == "OWN-KPT" and desk.province.code == "OWN-KPT" and desk.website == ""


def test_import_without_new_columns_leaves_their_values(app, tenant):
    make_institution("OWN-1", "Desk", InstitutionKind.OTHER, owner=tenant, website="https://desk.example.org",
                     valid_from=date(2020, 1, 1))
    with tenant_scope(tenant.id):
        result = import_csv(OLD_HEADER + "OWN-1,other,,Desk renamed,,false,,,\n")
        assert result.ok and result.updated == 1
        db.session.commit()
        desk = db.session.scalar(select(Institution).where(Institution.code == "OWN-1"))
        assert desk.name_en == "Desk renamed" and desk.website == "https://desk.example.org"
        assert desk.valid_from == date(2020, 1, 1)


def test_a_file_with_wrong_lines_imports_nothing_and_names_each_problem(app, tenant):
    make_institution("MOI", "Ministry of Information")
    header = ",".join(CSV_FIELDS) + "\n"
    text = header + (
        "OWN-1,other,,Good line,,false,,,,,,,,\n"
        "OWN-2,other,,Unknown place,,false,,,,9999,,,,\n"
        "OWN-3,other,NOPE,Unknown parent,,false,,,,,,,,\n"
        "OWN-4,other,,Unknown successor,,false,,,,,,,2024-01-01,GONE\n"
        "OWN-5,other,,Bad date,,false,,,,,,2024-13-01,,\n"
        "MOI,ministry,,Ministry of Information renamed,,false,,,,,,,,\n"
        "OWN-6,other,,Ends before it starts,,false,,,,,,2024-05-01,2024-01-01,\n"
        "OWN-7,other,,Bad website,,false,,,,,www.example.org,,,\n")
    with tenant_scope(tenant.id):
        result = import_csv(text)
        db.session.rollback()
        assert not result.ok
        assert result.errors == [
            "Line 3: no place of the gazetteer has the code 9999.",
            "Line 4: the parent code NOPE is neither in the file nor in the register.",
            "Line 5: the successor code GONE is neither in the file nor in the register.",
            'Line 6: valid_from must be a date written YYYY-MM-DD, not "2024-13-01".',
            "Line 7: MOI is in the shared register and cannot be changed here.",
            "Line 8: valid_to is before valid_from.",
            'Line 9: the website "www.example.org" must start with http:// or https://.',
        ]
        assert {institution.code for institution in _all()} == {"MOI"}
    assert db.session.scalar(select(Institution.name_en).where(Institution.code == "MOI")) == "Ministry of Information"


def test_import_page_shows_the_errors_in_the_users_language(staff_client, tenant):
    upload = (io.BytesIO((OLD_HEADER + ",other,,No code,,false,,,\n").encode()), "bodies.csv")
    response = staff_client.post(f"/t/{tenant.slug}/institutions/import", data={"file": upload},
                                 content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Line 2: the code is missing." in response.get_data(as_text=True)
    with force_locale("km"):
        with tenant_scope(tenant.id):
            result = import_csv(OLD_HEADER + ",other,,No code,,false,,,\n")
    assert result.errors == ["ជួរទី 2៖ ខ្វះលេខកូដ។"]
    assert db.session.scalar(select(db.func.count(Institution.id))) == 0


def test_import_page_adds_private_institutions(staff_client, tenant):
    upload = (io.BytesIO((OLD_HEADER + "OWN-1,other,,Commune council desk,,false,,,\n").encode("utf-8")), "x.csv")
    response = staff_client.post(f"/t/{tenant.slug}/institutions/import", data={"file": upload},
                                 content_type="multipart/form-data")
    assert response.status_code == 302
    institution = db.session.scalar(select(Institution).where(Institution.code == "OWN-1"))
    assert institution.owner_tenant_id == tenant.id


def test_a_file_that_is_not_utf8_is_refused(staff_client, tenant):
    upload = (io.BytesIO((OLD_HEADER + "OWN-1,other,,Caf\xe9,,false,,,\n").encode("latin-1")), "x.csv")
    response = staff_client.post(f"/t/{tenant.slug}/institutions/import", data={"file": upload},
                                 content_type="multipart/form-data")
    assert response.status_code == 422 and "not UTF-8" in response.get_data(as_text=True)
