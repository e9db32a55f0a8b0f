"""Exporting contacts as CSV and Excel: the import's columns (an export re-imports), the list's
filters, formulas neutralised, audited; a protected identity or an erased person's name is never
in the file, and asking for protected identities is refused."""
from __future__ import annotations

import csv
import io

import openpyxl
from sqlalchemy import select

from core.columns import utcnow
from core.extensions import db
from core.models import AuditEvent, Role
from core.registers.contact_import import COLUMNS
from core.registers.models import Contact, ContactKind
from core.tenancy import tenant_scope
from tests.core.registers.contact_io_helpers import (COMMUNE_CODE, accept, contact_names, import_id_from,
                                                     make_places, upload)
from tests.helpers import login, make_member


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def xlsx_rows(response) -> list[dict]:
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == COLUMNS
    return [dict(zip(COLUMNS, row)) for row in values[1:]]


def everything_in_xlsx(content: bytes) -> str:
    """Every stored text of the workbook (shared strings and sheets), to look for a name anywhere."""
    import zipfile
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def add_people(tenant):
    commune = make_places()
    with tenant_scope(tenant.id):
        from core.registers.contacts import add_affiliation, create_contact
        network = create_contact(kind=ContactKind.ORGANISATION, name_latin="Kampot Youth Network")
        dara = create_contact(name_km="សុខ ដារា", name_latin="Sok Dara", sex="female", birth_year=1996, idpoor=True,
                              place_id=commune.id, phone="012 345 678", tags="youth, land", languages="km,en")
        add_affiliation(dara, network.id, "member")
        secret = create_contact(name_latin="Secret Witness", name_km="សាក្សីសម្ងាត់", phone="097 555 4444",
                                email="witness@example.org", sex="male", protected=True, tags="land dispute")
        add_affiliation(secret, network.id, "informant")
        erased = create_contact(name_latin="Forgotten Person", phone="088 777 6666", sex="female",
                                place_id=commune.id, birth_year=1980)
        erased.erased_at = utcnow()     # as if erased, even before the erasure blanked every field
        formula = create_contact(name_latin="=HYPERLINK(\"http://evil\")", tags="-2+3")
        db.session.commit()
        return {"dara": dara.id, "secret": secret.id, "erased": erased.id, "formula": formula.id}


def test_csv_export_has_the_import_columns_and_round_trips(admin_client, tenant, other_tenant):
    add_people(tenant)
    response = admin_client.get(f"/t/{tenant.slug}/contacts/io/export.csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert list(rows[0]) == COLUMNS
    dara = next(row for row in rows if row["name_latin"] == "Sok Dara")
    assert (dara["name_km"], dara["sex"], dara["birth_year"], dara["idpoor"], dara["place_code"]) == (
        "សុខ ដារា", "female", "1996", "true", COMMUNE_CODE)
    assert (dara["organisation"], dara["role"], dara["protected"]) == ("Kampot Youth Network", "member", "false")
    # the same file imported into another organisation gives the same people back
    owner_b = make_member(other_tenant, Role.OWNER, email="owner@b.example")
    admin_client.post("/logout")
    login(admin_client, owner_b.email)
    import_id = import_id_from(upload(admin_client, other_tenant, response.data))
    accept(admin_client, other_tenant, import_id)
    assert "Sok Dara" in contact_names(other_tenant) and "Kampot Youth Network" in contact_names(other_tenant)
    with tenant_scope(other_tenant.id):
        copy = db.session.execute(select(Contact).where(Contact.name_latin == "Sok Dara")).scalar_one()
        assert (copy.birth_year, copy.idpoor, copy.phone) == (1996, True, "012 345 678")
        assert copy.tag_list == ["youth", "land"]
        assert [a.organisation.name_latin for a in copy.affiliations] == ["Kampot Youth Network"]


def test_a_protected_identity_is_never_in_the_csv(admin_client, tenant):
    ids = add_people(tenant)
    response = admin_client.get(f"/t/{tenant.slug}/contacts/io/export.csv")
    text = response.data.decode("utf-8")
    for secret in ("Secret Witness", "សាក្សីសម្ងាត់", "097 555 4444", "witness@example.org", "informant",
                   "land dispute"):
        assert secret not in text
    protected = [row for row in csv_rows(response) if row["protected"] == "true"]
    assert len(protected) == 1
    assert protected[0]["name_latin"] == protected[0]["phone"] == "" and protected[0]["sex"] == "male"
    assert ids["secret"]


def test_a_protected_identity_is_never_in_the_xlsx(admin_client, tenant):
    add_people(tenant)
    response = admin_client.get(f"/t/{tenant.slug}/contacts/io/export.xlsx")
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    content = everything_in_xlsx(response.data)
    for secret in ("Secret Witness", "សាក្សីសម្ងាត់", "097 555 4444", "witness@example.org", "Forgotten Person",
                   "088 777 6666"):
        assert secret not in content
    rows = xlsx_rows(response)
    assert sum(1 for row in rows if row["protected"] == "true") == 1
    assert any(row["name_latin"] == "Sok Dara" and row["birth_year"] == 1996 for row in rows)


def test_an_erased_persons_name_is_not_exported(admin_client, tenant):
    add_people(tenant)
    rows = csv_rows(admin_client.get(f"/t/{tenant.slug}/contacts/io/export.csv"))
    text = str(rows)
    assert "Forgotten Person" not in text and "088 777 6666" not in text
    erased = [row for row in rows if row["sex"] == "female" and not row["name_latin"] and not row["name_km"]]
    assert len(erased) == 1
    assert erased[0]["place_code"] == "07" and erased[0]["birth_year"] == ""     # the province only


def test_asking_for_protected_identities_is_refused(admin_client, tenant):
    add_people(tenant)
    for suffix in ("csv", "xlsx"):
        response = admin_client.get(f"/t/{tenant.slug}/contacts/io/export.{suffix}?include_protected=1")
        assert response.status_code == 400
        html = response.get_data(as_text=True).replace("&#39;", "'")
        assert "Protected people's identities are never exported." in html
        assert "Secret Witness" not in html
    with tenant_scope(tenant.id):
        assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "contacts.export")).first() is None


def test_formulas_are_neutralised(admin_client, tenant):
    add_people(tenant)
    rows = csv_rows(admin_client.get(f"/t/{tenant.slug}/contacts/io/export.csv"))
    formula = next(row for row in rows if "HYPERLINK" in row["name_latin"])
    assert formula["name_latin"].startswith("'=") and formula["tags"] == "'-2+3"
    cells = xlsx_rows(admin_client.get(f"/t/{tenant.slug}/contacts/io/export.xlsx"))
    assert any(str(row["name_latin"]).startswith("'=") for row in cells)


def test_the_list_filters_apply_and_the_export_is_audited(admin_client, tenant):
    add_people(tenant)
    rows = csv_rows(admin_client.get(f"/t/{tenant.slug}/contacts/io/export.csv?kind=organisation"))
    assert [row["name_latin"] for row in rows] == ["Kampot Youth Network"]
    rows = csv_rows(admin_client.get(f"/t/{tenant.slug}/contacts/io/export.csv?tag=youth"))
    assert [row["name_latin"] for row in rows] == ["Sok Dara"]
    with tenant_scope(tenant.id):
        events = db.session.execute(select(AuditEvent).where(AuditEvent.action == "contacts.export")
                                    .order_by(AuditEvent.id)).scalars().all()
    assert [event.changes["contacts"] for event in events] == [1, 1]
    assert events[0].changes["filters"] == {"kind": "organisation"}


def test_counts_in_the_audit_say_how_many_identities_were_withheld(admin_client, tenant):
    add_people(tenant)
    admin_client.get(f"/t/{tenant.slug}/contacts/io/export.xlsx")
    with tenant_scope(tenant.id):
        event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "contacts.export")).scalar_one()
    assert (event.changes["contacts"], event.changes["protected_withheld"], event.changes["erased"]) == (5, 1, 1)
    assert event.changes["format"] == "xlsx"


def test_staff_without_the_export_permission_cannot_export(staff_client, tenant):
    assert staff_client.get(f"/t/{tenant.slug}/contacts/io/export.csv").status_code == 403
    assert staff_client.get(f"/t/{tenant.slug}/contacts/io/export.xlsx").status_code == 403
