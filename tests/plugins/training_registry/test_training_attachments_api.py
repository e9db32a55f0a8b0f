"""Curriculum files and signed attendance sheets through the API (core/api/files.py): the pages' type,
size and content checks, the pages' permissions, private downloads, a replaced sheet's old file
removed, the certificates' signature image, 404 across tenants."""
from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from core.uploads import tenant_folder
from plugins.training_registry.models import CurriculumFile, TrainingSession
from tests.helpers import make_member, token_for
from tests.plugins.training_registry.course_helpers import make_curriculum

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def no_files_left_over(app, tenant):
    shutil.rmtree(tenant_folder(tenant.id, "training"), ignore_errors=True)


def api(tenant, rest):
    return f"/api/v1/t/{tenant.slug}/training/{rest}"


def send(client, method, url, headers, content: bytes, filename: str):
    return client.open(url, method=method, data={"file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data", headers=headers)


def stored_files(tenant) -> list[Path]:
    folder = tenant_folder(tenant.id, "training")
    return sorted(folder.iterdir()) if folder.exists() else []


def stored_session(tenant, session_id: int) -> TrainingSession:
    db.session.rollback()
    with tenant_scope(tenant.id):
        return db.session.get(TrainingSession, session_id)


def test_curriculum_files_are_added_listed_and_downloaded(client, tenant, staff, viewer):
    curriculum = make_curriculum(tenant)
    version_id = curriculum.versions[0].id
    url = api(tenant, f"curricula/{curriculum.id}/versions/{version_id}/files")
    created = send(client, "POST", url, token_for(staff, tenant), PDF, "សៀវភៅណែនាំ manual.pdf")
    assert created.status_code == 201 and created.json["version_id"] == version_id
    assert created.json["display_name"] == "សៀវភៅណែនាំ manual.pdf"
    headers = token_for(viewer, tenant)
    assert send(client, "POST", url, headers, PDF, "mine.pdf").status_code == 403
    listed = client.get(api(tenant, f"curricula/{curriculum.id}/files/"), headers=headers).json
    assert [item["id"] for item in listed["items"]] == [created.json["id"]]
    download = client.get(created.json["download_url"], headers=headers)
    assert download.status_code == 200 and download.data == PDF and download.mimetype == "application/pdf"


def test_a_refused_curriculum_file_is_a_422_and_stores_nothing(client, tenant, staff):
    curriculum = make_curriculum(tenant)
    url = api(tenant, f"curricula/{curriculum.id}/versions/{curriculum.versions[0].id}/files")
    for content, name in ((b"MZ\x90", "setup.exe"), (PNG, "manual.pdf")):
        response = send(client, "POST", url, token_for(staff, tenant), content, name)
        assert response.status_code == 422 and list(response.json["errors"]) == ["file"], name
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CurriculumFile)) == 0 and stored_files(tenant) == []


def test_a_signed_sheet_is_attached_replaced_and_downloaded(client, tenant, staff, viewer, course):
    session_id = course.sessions[0].id
    url = api(tenant, f"sessions/{session_id}/sheet")
    headers = token_for(staff, tenant)
    assert client.get(url, headers=headers).status_code == 404
    assert send(client, "PUT", url, headers, PDF, "feuille signée.pdf").status_code == 204
    first = stored_session(tenant, session_id).sheet_name
    assert send(client, "PUT", url, headers, PNG, "sheet.png").status_code == 204
    session = stored_session(tenant, session_id)
    assert session.sheet_name != first and [p.name for p in stored_files(tenant)] == [session.sheet_name]
    viewer_headers = token_for(viewer, tenant)
    download = client.get(url, headers=viewer_headers)
    assert download.status_code == 200 and download.data == PNG and download.mimetype == "image/png"
    assert send(client, "PUT", url, viewer_headers, PDF, "other.pdf").status_code == 403


def test_a_refused_sheet_is_a_422_on_file(client, tenant, staff, course):
    session_id = course.sessions[0].id
    response = send(client, "PUT", api(tenant, f"sessions/{session_id}/sheet"), token_for(staff, tenant),
                    PNG, "sheet.pdf")
    assert response.status_code == 422
    assert response.json["errors"] == {"file": ["The file's content does not match its name: upload a PDF, JPEG "
                                                "or PNG file."]}
    assert stored_session(tenant, session_id).sheet_name == "" and stored_files(tenant) == []


def test_another_organisation_finds_nothing(client, tenant, other_tenant, staff, course):
    curriculum = make_curriculum(tenant)
    stored = send(client, "POST", api(tenant, f"curricula/{curriculum.id}/versions/{curriculum.versions[0].id}/files"),
                  token_for(staff, tenant), PDF, "manual.pdf").json
    session_id = course.sessions[0].id
    send(client, "PUT", api(tenant, f"sessions/{session_id}/sheet"), token_for(staff, tenant), PDF, "sheet.pdf")
    headers = token_for(make_member(other_tenant, Role.OWNER, email="owner@b.example"), other_tenant)
    for rest in (f"curricula/{curriculum.id}/files/{stored['id']}", f"curricula/{curriculum.id}/files/",
                 f"sessions/{session_id}/sheet"):
        assert client.get(api(other_tenant, rest), headers=headers).status_code == 404, rest
    assert send(client, "PUT", api(other_tenant, f"sessions/{session_id}/sheet"), headers, PDF,
                "x.pdf").status_code == 404


def test_the_certificates_signature_image_is_set_read_and_removed(client, tenant, viewer, admin_user, course):
    picture = io.BytesIO()
    Image.new("RGB", (4, 2), "white").save(picture, "PNG")
    url = api(tenant, f"courses/{course.id}/signature")
    headers = token_for(admin_user, tenant)
    assert client.get(url, headers=headers).status_code == 404
    assert send(client, "PUT", url, headers, PNG, "signature.png").status_code == 422     # not a readable picture
    assert send(client, "PUT", url, token_for(viewer, tenant), picture.getvalue(), "sig.png").status_code == 403
    assert send(client, "PUT", url, headers, picture.getvalue(), "signature.png").status_code == 204
    shown = client.get(url, headers=token_for(viewer, tenant))
    assert shown.status_code == 200 and shown.data == picture.getvalue() and shown.mimetype == "image/png"
    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(url, headers=headers).status_code == 404 and stored_files(tenant) == []
