"""The scan or photo of a session's signed paper sheet: attached from the attendance screen (PDF,
JPEG or PNG, checked by its content), replaced with the old file removed once saved, downloaded by
anyone who may see training, and never reachable from another organisation."""
from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from core.uploads import tenant_folder
from plugins.training_registry.models import TrainingSession
from tests.helpers import login, logout, make_member
from tests.plugins.training_registry.attendance_helpers import screen_url

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def no_files_left_over(app, tenant):
    """The upload folder outlives a test's rows: start each test with the tenant's sheets folder empty."""
    shutil.rmtree(tenant_folder(tenant.id, "training"), ignore_errors=True)


def sheet_url(tenant, session_id: int) -> str:
    return f"/t/{tenant.slug}/training/sessions/{session_id}/sheet"


def upload(client, tenant, session_id: int, data: bytes, name: str):
    return client.post(sheet_url(tenant, session_id), data={"sheet": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def stored_session(tenant, session_id: int) -> TrainingSession:
    db.session.expire_all()
    with tenant_scope(tenant.id):
        return db.session.get(TrainingSession, session_id)


def stored_files(tenant) -> list[Path]:
    folder = tenant_folder(tenant.id, "training")
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_signed_sheet_is_attached_and_downloaded(staff_client, client, tenant, course, viewer):
    session_id = course.sessions[0].id
    response = upload(staff_client, tenant, session_id, PDF, "feuille signée jour 1.pdf")
    assert response.status_code == 302
    session = stored_session(tenant, session_id)
    assert session.sheet_content_type == "application/pdf"
    assert session.sheet_display_name == "feuille signée jour 1.pdf"
    assert [path.name for path in stored_files(tenant)] == [session.sheet_name]
    page = staff_client.get(screen_url(tenant, session_id)).get_data(as_text=True)
    assert "Download the signed sheet (feuille signée jour 1.pdf)" in page
    logout(staff_client)
    login(client, viewer.email)
    download = client.get(sheet_url(tenant, session_id))
    assert download.status_code == 200
    assert download.data == PDF and download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    # A viewer may download, not replace.
    assert upload(client, tenant, session_id, PNG, "other.png").status_code == 403


def test_replacing_the_sheet_removes_the_old_file(staff_client, tenant, course):
    session_id = course.sessions[0].id
    upload(staff_client, tenant, session_id, PDF, "day1.pdf")
    first = stored_session(tenant, session_id).sheet_name
    assert upload(staff_client, tenant, session_id, PNG, "day1.png").status_code == 302
    session = stored_session(tenant, session_id)
    assert session.sheet_name != first and session.sheet_content_type == "image/png"
    assert [path.name for path in stored_files(tenant)] == [session.sheet_name]


def test_a_file_that_is_not_a_pdf_or_image_is_refused(staff_client, tenant, course):
    session_id = course.sessions[0].id
    for data, name, message in (
            (b"MZ\x90\x00 not a sheet", "sheet.exe", "Upload a PDF, JPEG or PNG file."),
            (PNG, "sheet.pdf", "The file&#39;s content does not match its name"),
            (b"", "empty.pdf", "The file is empty."),
            (b"", "", "Choose a file to upload.")):
        response = upload(staff_client, tenant, session_id, data, name)
        assert response.status_code == 422, name
        assert message in response.get_data(as_text=True), name
    assert stored_session(tenant, session_id).sheet_name == ""
    assert stored_files(tenant) == []


def test_a_sheet_over_10_mb_is_refused(staff_client, tenant, course):
    session_id = course.sessions[0].id
    response = upload(staff_client, tenant, session_id, PDF + b"0" * (10 * 1024 * 1024), "big.pdf")
    assert response.status_code in (413, 422)
    assert stored_session(tenant, session_id).sheet_name == ""
    assert stored_files(tenant) == []


def test_another_organisation_cannot_see_or_replace_the_sheet(staff_client, client, tenant, other_tenant, course):
    session_id = course.sessions[0].id
    upload(staff_client, tenant, session_id, PDF, "day1.pdf")
    logout(staff_client)
    outsider = make_member(other_tenant, Role.ADMIN)
    login(client, outsider.email)
    assert client.get(sheet_url(other_tenant, session_id)).status_code == 404
    assert upload(client, other_tenant, session_id, PNG, "mine.png").status_code == 404
    assert client.get(sheet_url(tenant, session_id)).status_code == 404
    assert stored_session(tenant, session_id).sheet_content_type == "application/pdf"


def test_a_session_without_a_sheet_has_nothing_to_download(staff_client, tenant, course):
    assert staff_client.get(sheet_url(tenant, course.sessions[0].id)).status_code == 404
    assert "No signed sheet attached yet." in staff_client.get(
        screen_url(tenant, course.sessions[0].id)).get_data(as_text=True)
