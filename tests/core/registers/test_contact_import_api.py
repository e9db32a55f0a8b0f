"""The contacts import and export through the JSON API: upload for a preview with per-row errors,
accept (valid rows only, or all or nothing) or cancel, download CSV and Excel without protected
identities."""
from __future__ import annotations

import io
import zipfile


from core.models import Role
from tests.core.registers.contact_io_helpers import add_contact, contact_names, csv_bytes, xlsx_bytes
from tests.helpers import make_member, token_for

PROBLEM = "application/problem+json"
ROWS = [{"name_latin": "Sok Dara"}, {"name_latin": "Chan Vuthy", "sex": "unknown-sex"}, {"name_latin": "Lim Sophea"}]




def api(tenant, path: str) -> str:
    return f"/api/v1/t/{tenant.slug}/contacts{path}"


def post_file(client, tenant, headers, content: bytes, name: str = "contacts.csv"):
    return client.post(api(tenant, "/import"), headers=headers, data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_upload_returns_the_preview_with_row_errors_then_accept(client, tenant, staff):
    headers = token_for(staff, tenant)
    response = post_file(client, tenant, headers, csv_bytes(ROWS))
    assert response.status_code == 201, response.get_json()
    preview = response.get_json()
    assert (preview["rows"], preview["valid"], preview["with_errors"]) == (3, 2, 1)
    wrong = next(item for item in preview["items"] if item["status"] == "error")
    assert wrong["line"] == 3 and wrong["errors"][0].startswith('Line 3: sex cannot be "unknown-sex"')
    assert contact_names(tenant) == []
    refused = client.post(api(tenant, f"/import/{preview['id']}/accept"), headers=headers, json={"mode": "all_or_none"})
    assert refused.status_code == 422 and refused.mimetype == PROBLEM
    assert contact_names(tenant) == []
    done = client.post(api(tenant, f"/import/{preview['id']}/accept"), headers=headers, json={"mode": "valid_only"})
    assert done.status_code == 200
    assert done.get_json() == {"imported": 2, "organisations_added": 0, "skipped_with_errors": 1,
                               "skipped_duplicates": 0}
    assert contact_names(tenant) == ["Lim Sophea", "Sok Dara"]
    assert client.get(api(tenant, f"/import/{preview['id']}"), headers=headers).status_code == 404


def test_errors_are_in_the_token_users_language(client, tenant):
    user = make_member(tenant, Role.STAFF, locale="km")
    response = post_file(client, tenant, token_for(user, tenant), xlsx_bytes([{"name_latin": "Sok", "email": "nope"}]),
                         "contacts.xlsx")
    assert response.get_json()["items"][0]["errors"] == ["ជួរទី 2៖ «nope» មិនមែនជាអាសយដ្ឋានអ៊ីមែលទេ។"]


def test_duplicates_are_listed_and_imported_only_when_named(client, tenant, staff):
    existing = add_contact(tenant, name_latin="Sok Dara", phone="012345678")
    headers = token_for(staff, tenant)
    preview = post_file(client, tenant, headers, csv_bytes([{"name_latin": "Sok Dara", "phone": "012 345 678"},
                                                            {"name_latin": "Keo Srey"}])).get_json()
    duplicate = preview["items"][0]
    assert duplicate["status"] == "duplicate" and duplicate["duplicates"][0]["id"] == existing.id
    assert duplicate["duplicates"][0]["strength"] == "strong"
    done = client.post(api(tenant, f"/import/{preview['id']}/accept"), headers=headers,
                       json={"mode": "valid_only", "import_duplicates": [2]}).get_json()
    assert done["imported"] == 2 and contact_names(tenant) == ["Keo Srey", "Sok Dara", "Sok Dara"]


def test_a_bad_file_is_a_problem_naming_the_file(client, tenant, staff):
    response = post_file(client, tenant, token_for(staff, tenant), b"\x00\x01\x02binary", "contacts.csv")
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert "neither a CSV file nor an Excel workbook" in response.get_json()["errors"]["file"][0]


def test_cancel_and_other_users_imports(client, tenant, staff):
    headers = token_for(staff, tenant)
    preview = post_file(client, tenant, headers, csv_bytes(ROWS)).get_json()
    colleague = make_member(tenant, Role.ADMIN, email="admin2@kampot.example")
    other_headers = token_for(colleague, tenant)
    assert client.get(api(tenant, f"/import/{preview['id']}"), headers=other_headers).status_code == 404
    assert client.delete(api(tenant, f"/import/{preview['id']}"), headers=other_headers).status_code == 404
    assert client.delete(api(tenant, f"/import/{preview['id']}"), headers=headers).status_code == 204
    assert client.get(api(tenant, f"/import/{preview['id']}"), headers=headers).status_code == 404


def test_export_through_the_api_withholds_protected_identities(client, tenant, admin_user):
    add_contact(tenant, name_latin="Sok Dara")
    add_contact(tenant, name_latin="Secret Witness", protected=True)
    headers = token_for(admin_user, tenant)
    response = client.get(api(tenant, "/export.csv"), headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "Sok Dara" in response.data.decode() and "Secret Witness" not in response.data.decode()
    workbook = client.get(api(tenant, "/export.xlsx?kind=person"), headers=headers)
    assert workbook.status_code == 200
    with zipfile.ZipFile(io.BytesIO(workbook.data)) as archive:
        stored = "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    assert "Sok Dara" in stored and "Secret Witness" not in stored
    refused = client.get(api(tenant, "/export.csv?include_protected=true"), headers=headers)
    assert refused.status_code == 400 and refused.mimetype == PROBLEM
    assert "never exported" in refused.get_json()["errors"]["include_protected"][0]
    assert client.get(api(tenant, "/export.csv?bogus=1"), headers=headers).status_code == 400


def test_the_openapi_document_lists_the_import(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/t/{tenant_slug}/contacts/import" in paths
    assert "/api/v1/t/{tenant_slug}/contacts/import/{import_id}/accept" in paths
    assert "/api/v1/t/{tenant_slug}/contacts/export.xlsx" in paths
