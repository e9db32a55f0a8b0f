"""Request attachments through the API (core/api/files.py): the page's type and size checks on a
multipart upload, downloads with the request's permission, audited, 404 across tenants."""
from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEvent, Role
from core.tenancy import tenant_scope
from plugins.a2i_requests import services
from plugins.a2i_requests.models import Attachment
from tests.helpers import make_member, token_for

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def no_files_left_over(app, tenant):
    """The upload folder outlives a test's rows: start with the tenant's attachment folder empty."""
    shutil.rmtree(Path(app.config["UPLOAD_FOLDER"]) / "a2i" / str(tenant.id), ignore_errors=True)


@pytest.fixture
def req(tenant, staff, ministry):
    with tenant_scope(tenant.id):
        request = services.create_request(tenant.id, subject="Commune budget", question="Roads?",
                                          body_id=ministry.id, actor=staff)
        db.session.commit()
        return request


def url(tenant, req, rest=""):
    return f"/api/v1/t/{tenant.slug}/a2i/requests/{req.id}/attachments/{rest}"


def upload(client, tenant, req, headers, content: bytes, filename: str):
    return client.post(url(tenant, req), data={"file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data", headers=headers)


def stored_files(app, tenant) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"]) / "a2i" / str(tenant.id)
    return sorted(folder.iterdir()) if folder.is_dir() else []


def attachment_count(tenant) -> int:
    db.session.rollback()
    with tenant_scope(tenant.id):
        return db.session.scalar(select(func.count()).select_from(Attachment))


def test_upload_list_and_download_an_attachment(app, client, tenant, staff, req):
    headers = token_for(staff, tenant)
    response = upload(client, tenant, req, headers, PDF, "ចម្លើយ reply.pdf")
    assert response.status_code == 201
    assert response.json["display_name"] == "ចម្លើយ reply.pdf" and response.json["content_type"] == "application/pdf"
    assert response.json["size_bytes"] == len(PDF) and response.json["correspondence_id"] is None
    listed = client.get(url(tenant, req), headers=headers).json
    assert [item["id"] for item in listed["items"]] == [response.json["id"]]
    download = client.get(response.json["download_url"], headers=headers)
    assert download.status_code == 200 and download.data == PDF and download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "private, no-store"
    assert len(stored_files(app, tenant)) == 1
    db.session.rollback()
    event = db.session.execute(select(AuditEvent).where(AuditEvent.model == "Attachment")).scalar_one()
    assert event.action == "insert" and "token" in event.actor_label


@pytest.mark.parametrize("content, filename, message", [
    (PDF, "virus.exe", "This type of file is not accepted."),
    (b"MZ not a pdf", "letter.pdf", "The file's content does not match its .pdf extension."),
    (b"", "empty.pdf", "The file is empty."),
    (PDF + b"x" * (200 * 1024), "big.pdf", "The file is larger than 0.10 MB."),
])
def test_refused_files_are_a_422_on_file_and_leave_nothing(app, client, tenant, staff, req, content, filename,
                                                            message, monkeypatch):
    monkeypatch.setitem(app.config, "A2I_MAX_ATTACHMENT_BYTES", 100 * 1024)     # the page's setting
    response = upload(client, tenant, req, token_for(staff, tenant), content, filename)
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert list(response.json["errors"]) == ["file"] and response.json["errors"]["file"][0].startswith(message)
    assert attachment_count(tenant) == 0 and stored_files(app, tenant) == []


def test_viewers_download_but_may_not_upload(client, tenant, staff, viewer, req):
    stored = upload(client, tenant, req, token_for(staff, tenant), PDF, "reply.pdf").json
    headers = token_for(viewer, tenant)
    assert upload(client, tenant, req, headers, PDF, "mine.pdf").status_code == 403
    assert client.get(stored["download_url"], headers=headers).data == PDF


def test_a_missing_file_is_404_not_500(app, client, tenant, staff, req):
    stored = upload(client, tenant, req, token_for(staff, tenant), PDF, "reply.pdf").json
    for path in stored_files(app, tenant):
        path.unlink()
    assert client.get(stored["download_url"], headers=token_for(staff, tenant)).status_code == 404


def test_another_organisation_finds_nothing(client, tenant, other_tenant, staff, req):
    stored = upload(client, tenant, req, token_for(staff, tenant), PDF, "reply.pdf").json
    owner_b = make_member(other_tenant, Role.OWNER, email="owner@b.example")
    headers = token_for(owner_b, other_tenant)
    theirs = f"/api/v1/t/{other_tenant.slug}/a2i/requests/{req.id}/attachments/"
    assert client.get(theirs, headers=headers).status_code == 404
    assert client.get(f"{theirs}{stored['id']}", headers=headers).status_code == 404
    assert client.post(theirs, data={"file": (io.BytesIO(PDF), "x.pdf")}, content_type="multipart/form-data",
                       headers=headers).status_code == 404
    # The attachment's id under another request of the same organisation is not found either.
    assert client.get(url(tenant, req, str(stored["id"] + 1000)), headers=token_for(staff, tenant)).status_code == 404


def test_a_file_can_belong_to_a_correspondence_entry_of_the_same_request(client, tenant, staff, req, ministry):
    headers = token_for(staff, tenant)
    entry = client.post(f"/api/v1/t/{tenant.slug}/a2i/requests/{req.id}/correspondence", headers=headers,
                        json={"kind": "letter", "direction": "incoming", "occurred_on": "2026-03-02"}).json
    response = client.post(url(tenant, req), data={"file": (io.BytesIO(PDF), "reply.pdf"),
                                                   "correspondence_id": str(entry["id"])},
                           content_type="multipart/form-data", headers=headers)
    assert response.status_code == 201 and response.json["correspondence_id"] == entry["id"]
    listed = client.get(f"/api/v1/t/{tenant.slug}/a2i/requests/{req.id}/correspondence", headers=headers).json
    assert [f["display_name"] for f in listed["items"][0]["attachments"]] == ["reply.pdf"]
    with tenant_scope(tenant.id):
        other = services.create_request(tenant.id, subject="Another", question="?", body_id=ministry.id, actor=staff)
        db.session.commit()
        other_id = other.id
    response = client.post(f"/api/v1/t/{tenant.slug}/a2i/requests/{other_id}/attachments/",
                           data={"file": (io.BytesIO(PDF), "reply.pdf"), "correspondence_id": str(entry["id"])},
                           content_type="multipart/form-data", headers=headers)
    assert response.status_code == 422
    assert response.json["errors"] == {"correspondence_id": ["Choose correspondence recorded on this request."]}
