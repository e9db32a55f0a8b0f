"""Small builders for the contacts import/export tests: files in memory, places, contacts."""
from __future__ import annotations

import csv
import io

import openpyxl

from core.extensions import db
from core.registers.contact_import import COLUMNS
from core.registers.models import Place, PlaceKind
from core.tenancy import tenant_scope

COMMUNE_CODE = "070101"


def make_places() -> Place:
    """Kampot province, a district and a commune (the gazetteer's shape), and a village."""
    province = Place(code="07", kind=PlaceKind.PROVINCE, name_en="Kampot", name_km="កំពត")
    db.session.add(province)
    db.session.flush()
    district = Place(code="0701", kind=PlaceKind.DISTRICT, name_en="Angkor Chey", name_km="អង្គរជ័យ",
                     parent_id=province.id, province_id=province.id)
    db.session.add(district)
    db.session.flush()
    commune = Place(code=COMMUNE_CODE, kind=PlaceKind.COMMUNE, name_en="Angk Phnum Touch", name_km="អង្គភ្នំតូច",
                    parent_id=district.id, province_id=province.id)
    db.session.add(commune)
    db.session.flush()
    db.session.add(Place(code="07010101", kind=PlaceKind.VILLAGE, name_en="Trapeang Thum", name_km="ត្រពាំងធំ",
                         parent_id=commune.id, province_id=province.id))
    db.session.commit()
    return commune


def csv_bytes(rows: list[dict], columns=None, *, bom: bool = True, delimiter: str = ",") -> bytes:
    columns = columns or COLUMNS
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(name, "") for name in columns])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(rows: list[dict], columns=None) -> bytes:
    columns = columns or COLUMNS
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(name) for name in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, tenant, content: bytes, name: str = "contacts.csv"):
    return client.post(f"/t/{tenant.slug}/contacts/io/import", data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def import_id_from(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def accept(client, tenant, import_id: int, mode: str = "valid_only", lines=(), all_duplicates: bool = False):
    data = {"mode": mode, "import_line": [str(line) for line in lines]}
    if all_duplicates:
        data["all_duplicates"] = "y"
    return client.post(f"/t/{tenant.slug}/contacts/io/import/{import_id}/accept", data=data)


def contact_names(tenant) -> list[str]:
    from sqlalchemy import select

    from core.registers.models import Contact
    db.session.expire_all()
    with tenant_scope(tenant.id):
        return sorted(c.name_latin or c.name_km for c in db.session.execute(select(Contact)).scalars())


def add_contact(tenant, **fields):
    from core.registers.contacts import create_contact
    with tenant_scope(tenant.id):
        contact = create_contact(**fields)
        db.session.commit()
        return contact
