"""Files on requests: accepted types and sizes, storage outside the web root, Khmer names, and downloads
that stay inside the tenant."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.a2i_requests import services
from plugins.a2i_requests.attachments import display_name
from plugins.a2i_requests.models import Attachment, Correspondence
from tests.helpers import login, make_member

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"



@pytest.fixture
def req(tenant, staff, ministry):
    with tenant_scope(tenant.id):
        request = services.create_request(tenant.id, subject="Commune budget", question="Roads?",
                                          body_id=ministry.id, actor=staff)
        db.session.commit()
        return request


def upload(client, tenant, req, content: bytes, filename: str):
    return client.post(f"/t/{tenant.slug}/a2i/requests/{req.id}/attachments",
                       data={"file": (io.BytesIO(content), filename)}, content_type="multipart/form-data")


def attachment_count(tenant) -> int:
    with tenant_scope(tenant.id):
        return db.session.scalar(select(func.count()).select_from(Attachment))


def stored_attachment(tenant) -> Attachment:
    with tenant_scope(tenant.id):
        return db.session.execute(select(Attachment)).scalar_one()


def test_pdf_upload_is_stored_outside_the_web_root_and_listed(app, staff_client, tenant, req):
    response = upload(staff_client, tenant, req, PDF, "reply.pdf")
    assert response.status_code == 302
    attachment = stored_attachment(tenant)
    path = Path(app.config["UPLOAD_FOLDER"]) / "a2i" / str(tenant.id) / attachment.storage_name
    assert path.read_bytes() == PDF and attachment.storage_name != "reply.pdf"
    assert (attachment.content_type, attachment.size_bytes) == ("application/pdf", len(PDF))
    assert "reply.pdf" in staff_client.get(f"/t/{tenant.slug}/a2i/requests/{req.id}").text


def test_exe_upload_is_refused(staff_client, tenant, req):
    response = upload(staff_client, tenant, req, b"MZ\x90\x00 program", "tool.exe")
    assert response.status_code == 422 and "This type of file is not accepted" in response.text
    assert attachment_count(tenant) == 0


def test_file_with_a_fake_pdf_extension_is_refused(staff_client, tenant, req):
    response = upload(staff_client, tenant, req, b"MZ\x90\x00 not really a pdf", "letter.pdf")
    assert response.status_code == 422 and "does not match its .pdf extension" in response.text
    assert attachment_count(tenant) == 0


def test_too_large_file_is_refused(app, monkeypatch, staff_client, tenant, req):
    monkeypatch.setitem(app.config, "A2I_MAX_ATTACHMENT_BYTES", 1024)
    response = upload(staff_client, tenant, req, PDF + b"0" * 2048, "big.pdf")
    assert response.status_code == 422 and "larger than" in response.text
    assert attachment_count(tenant) == 0


def test_khmer_file_name_is_kept_for_display_without_folders_or_control_characters():
    assert display_name("../../etc/លិខិតឆ្លើយតប.pdf") == "លិខិតឆ្លើយតប.pdf"
    assert display_name("C:\\Users\\sok\\reply\x00\n.pdf") == "reply.pdf"
    assert display_name("..") == "attachment"


def test_display_name_is_escaped_on_the_page(staff_client, tenant, req):
    upload(staff_client, tenant, req, PDF, "<img src=x onerror=alert(1)>.pdf")
    page = staff_client.get(f"/t/{tenant.slug}/a2i/requests/{req.id}").text
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;.pdf" in page


def test_download_sends_the_file_as_an_attachment_with_its_khmer_name(staff_client, tenant, req):
    upload(staff_client, tenant, req, PDF, "លិខិត.pdf")
    attachment = stored_attachment(tenant)
    response = staff_client.get(f"/t/{tenant.slug}/a2i/attachments/{attachment.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E1%9E%9B" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_download_is_not_found_for_a_member_of_another_tenant(client, staff_client, tenant, other_tenant, req):
    upload(staff_client, tenant, req, PDF, "reply.pdf")
    attachment = stored_attachment(tenant)
    stranger = make_member(other_tenant, Role.OWNER, email="owner@battambang.example")
    other = client.application.test_client()
    login(other, stranger.email)
    assert other.get(f"/t/{other_tenant.slug}/a2i/attachments/{attachment.id}").status_code == 404
    assert other.get(f"/t/{tenant.slug}/a2i/attachments/{attachment.id}").status_code == 404


def test_correspondence_with_a_file_is_logged_on_the_request(staff_client, tenant, req):
    response = staff_client.post(f"/t/{tenant.slug}/a2i/requests/{req.id}/correspondence", data={
        "kind": "letter", "direction": "incoming", "occurred_on": "2026-07-08", "summary": "Receipt from the ministry",
        "file": (io.BytesIO(PDF), "receipt.pdf")}, content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200 and "Receipt from the ministry" in response.text
    attachment = stored_attachment(tenant)
    with tenant_scope(tenant.id):
        entry = db.session.execute(select(Correspondence)).scalar_one()
    assert attachment.correspondence_id == entry.id and "receipt.pdf" in response.text


def test_correspondence_with_a_refused_file_records_nothing(staff_client, tenant, req):
    response = staff_client.post(f"/t/{tenant.slug}/a2i/requests/{req.id}/correspondence", data={
        "kind": "letter", "direction": "incoming", "occurred_on": "2026-07-08", "summary": "Odd file",
        "file": (io.BytesIO(b"MZ"), "virus.exe")}, content_type="multipart/form-data")
    assert response.status_code == 422 and "This type of file is not accepted" in response.text
    with tenant_scope(tenant.id):
        assert db.session.scalar(select(func.count()).select_from(Correspondence)) == 0
    assert attachment_count(tenant) == 0


def test_the_file_forms_have_their_own_pages_linked_from_the_request(staff_client, client, tenant, req, viewer):
    """The request's page, which every viewer opens, links to its two file forms instead of carrying them."""
    page = staff_client.get(f"/t/{tenant.slug}/a2i/requests/{req.id}").text
    assert 'type="file"' not in page
    assert f'href="/t/{tenant.slug}/a2i/requests/{req.id}/correspondence"' in page
    assert f'href="/t/{tenant.slug}/a2i/requests/{req.id}/attachments"' in page
    correspondence = staff_client.get(f"/t/{tenant.slug}/a2i/requests/{req.id}/correspondence")
    attachment = staff_client.get(f"/t/{tenant.slug}/a2i/requests/{req.id}/attachments")
    assert correspondence.status_code == attachment.status_code == 200
    assert "Record correspondence" in correspondence.text and 'type="file"' in correspondence.text
    assert services.tenant_today(tenant.id).isoformat() in correspondence.text     # the date starts at today
    assert "Upload a file" in attachment.text and "up to" in attachment.text and req.reference in attachment.text
    viewer_client = client.application.test_client()
    login(viewer_client, viewer.email)
    assert f'/requests/{req.id}/correspondence"' not in viewer_client.get(f"/t/{tenant.slug}/a2i/requests/{req.id}").text
    assert viewer_client.get(f"/t/{tenant.slug}/a2i/requests/{req.id}/correspondence").status_code == 403


def test_a_refused_upload_shows_its_form_page_again(staff_client, tenant, req):
    response = upload(staff_client, tenant, req, b"MZ\x90\x00 program", "tool.exe")
    assert response.status_code == 422 and "<h1>Upload a file</h1>" in response.text
    assert "This type of file is not accepted" in response.text
