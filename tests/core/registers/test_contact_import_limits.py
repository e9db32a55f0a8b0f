"""Files the contacts import refuses as a whole, with a clear message and nothing kept: too large,
too many rows, not CSV or Excel (whatever the file's name says), no usable header."""
from __future__ import annotations

import io
import zipfile

from sqlalchemy import func, select

from core.extensions import db
from core.registers import contact_import
from core.registers.models import ContactImport
from core.tenancy import tenant_scope
from tests.core.registers.contact_io_helpers import csv_bytes, upload


def pending_count(tenant) -> int:
    with tenant_scope(tenant.id):
        return db.session.scalar(select(func.count(ContactImport.id)))


def refused(client, tenant, content: bytes, name: str) -> str:
    response = upload(client, tenant, content, name)
    assert response.status_code == 422
    assert pending_count(tenant) == 0
    return response.get_data(as_text=True).replace("&#34;", '"').replace("&#39;", "'")


def test_an_oversized_file_is_refused(staff_client, tenant):
    content = csv_bytes([{"name_latin": "Sok Dara", "tags": "x" * 400}] * 6000)
    assert len(content) > contact_import.MAX_FILE_BYTES
    assert "The file is larger than 2 MB. Split it into smaller files." in refused(staff_client, tenant, content,
                                                                                  "big.csv")


def test_too_many_rows_are_refused(staff_client, tenant):
    content = csv_bytes([{"name_latin": f"Person {n}"} for n in range(contact_import.MAX_ROWS + 1)])
    html = refused(staff_client, tenant, content, "many.csv")
    assert "The file has more than 2000 rows. Split it into files of at most 2000 rows." in html


def test_exactly_the_row_limit_is_accepted(staff_client, tenant, monkeypatch):
    monkeypatch.setattr(contact_import, "MAX_ROWS", 3)
    content = csv_bytes([{"name_latin": f"Person {n}"} for n in range(3)] + [{}] * 2)   # empty rows do not count
    assert upload(staff_client, tenant, content).status_code == 302


def test_a_binary_file_named_csv_is_refused(staff_client, tenant):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    assert "neither a CSV file nor an Excel workbook" in refused(staff_client, tenant, png, "contacts.csv")


def test_a_zip_that_is_not_a_workbook_is_refused(staff_client, tenant):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    html = refused(staff_client, tenant, buffer.getvalue(), "contacts.xlsx")
    assert "neither a CSV file nor an Excel workbook" in html


def test_an_old_excel_file_is_refused(staff_client, tenant):
    xls = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    assert "neither a CSV file nor an Excel workbook" in refused(staff_client, tenant, xls, "contacts.xlsx")


def test_a_file_that_is_not_utf8_is_refused(staff_client, tenant):
    content = "name_latin\nSok Dara Café Ñ\n".encode("latin-1")
    assert "The file is not UTF-8 text." in refused(staff_client, tenant, content, "contacts.csv")


def test_excel_unicode_text_in_utf16_is_read(staff_client, tenant):
    content = "name_km\tname_latin\nសុខ ដារា\tSok Dara\n".encode("utf-16")
    assert upload(staff_client, tenant, content, "contacts.txt").status_code == 302


def test_a_file_without_a_name_column_is_refused(staff_client, tenant):
    content = b"first,second\n1,2\n"
    assert "with at least name_km or name_latin" in refused(staff_client, tenant, content, "contacts.csv")


def test_an_empty_file_is_refused(staff_client, tenant):
    assert "The file is empty." in refused(staff_client, tenant, b"", "contacts.csv")
