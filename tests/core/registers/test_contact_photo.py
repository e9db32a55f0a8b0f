"""A person's photo: uploaded as JPEG or PNG (checked by content, at most 2 MB), stored outside the
web root per tenant, shown only to those who may see the identity (a protected person's photo view
is logged), replaced and removed without leaving files behind, gone after an erasure, and its
storage name never written into the audit log."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from core.audit import IDENTITY_MARKER
from core.extensions import db
from core.models import AuditEvent, Role
from core.registers.contact_photos import STORAGE_NAME
from core.registers.erasure import erase_contact
from core.registers.models import Contact, ContactKind
from core.tenancy import tenant_scope
from tests.core.registers.contact_factories import add_contact
from tests.helpers import login, make_member, token_for

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00" + b"\x00" * 16
NOT_A_PHOTO = "This file is not a photo: upload a JPEG or PNG image."


def photo_folder(app, tenant) -> Path:
    return Path(app.config["UPLOAD_FOLDER"]) / str(tenant.id) / "contacts"


def upload(client, tenant, contact, content: bytes, filename: str = "face.jpg"):
    return client.post(f"/t/{tenant.slug}/contacts/{contact.id}/photo",
                       data={"photo": (io.BytesIO(content), filename)}, content_type="multipart/form-data")


def stored_name(contact_id: int) -> str:
    db.session.expire_all()
    return db.session.execute(select(Contact.photo_name).where(Contact.id == contact_id)).scalar_one()


def client_of(app, tenant, role: Role, email: str):
    client = app.test_client()
    login(client, make_member(tenant, role, email=email).email)
    return client


@pytest.fixture
def person(tenant):
    return add_contact(tenant, name_latin="Chan Dara", sex="male", birth_year=1990)


@pytest.fixture
def protected(tenant):
    return add_contact(tenant, name_latin="Srey Neang Hidden", sex="female", protected=True)


def test_an_uploaded_jpeg_is_stored_outside_the_web_root_and_shown_on_the_page(app, admin_client, tenant, person):
    response = upload(admin_client, tenant, person, JPEG)
    assert response.status_code == 302
    name = stored_name(person.id)
    assert STORAGE_NAME.match(name) and name.endswith(".jpg")
    assert (photo_folder(app, tenant) / name).read_bytes() == JPEG
    page = admin_client.get(f"/t/{tenant.slug}/contacts/{person.id}").text
    assert f'src="/t/{tenant.slug}/contacts/{person.id}/photo"' in page and "Replace the photo" in page
    image = admin_client.get(f"/t/{tenant.slug}/contacts/{person.id}/photo")
    assert image.status_code == 200 and image.data == JPEG
    assert image.mimetype == "image/jpeg"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert image.headers["Cache-Control"].startswith("private")


def test_the_type_comes_from_the_content_not_the_name(app, admin_client, tenant, person):
    assert upload(admin_client, tenant, person, PNG, filename="face.jpg").status_code == 302
    assert stored_name(person.id).endswith(".png")
    assert admin_client.get(f"/t/{tenant.slug}/contacts/{person.id}/photo").mimetype == "image/png"


@pytest.mark.parametrize("content, filename, message", [
    (b"Chan Dara, born 1990", "notes.txt", NOT_A_PHOTO),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "scan.pdf", NOT_A_PHOTO),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "face.jpg", NOT_A_PHOTO),
    (b"", "face.png", NOT_A_PHOTO),
    (JPEG + b"\x00" * (2 * 1024 * 1024), "big.jpg", "The photo is larger than 2 MB."),
], ids=["text", "pdf", "renamed-svg", "empty", "oversized"])
def test_a_file_that_is_not_a_small_jpeg_or_png_is_refused_and_nothing_is_saved(
        app, admin_client, tenant, person, content, filename, message):
    before = set(photo_folder(app, tenant).glob("*")) if photo_folder(app, tenant).exists() else set()
    response = upload(admin_client, tenant, person, content, filename)
    assert response.status_code == 422
    assert message in response.text
    assert stored_name(person.id) == ""
    after = set(photo_folder(app, tenant).glob("*")) if photo_folder(app, tenant).exists() else set()
    assert after == before


def test_posting_without_a_file_asks_for_one(admin_client, tenant, person):
    response = admin_client.post(f"/t/{tenant.slug}/contacts/{person.id}/photo", data={},
                                 content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose a photo to upload." in response.text


def test_the_refusal_message_is_translatable(app, tenant, person):
    from core.errors import DomainError
    from core.registers.contact_photos import read_photo

    class Upload:
        filename = "notes.txt"
        stream = io.BytesIO(b"plain text")

    with pytest.raises(DomainError) as refused:
        read_photo(Upload(), 1024)
    assert refused.value.field == "photo"
    assert hasattr(refused.value.message, "_args")          # a lazy gettext string, translated when shown


def test_a_viewer_never_gets_a_protected_persons_photo(app, admin_client, tenant, protected):
    assert upload(admin_client, tenant, protected, JPEG).status_code == 302
    viewer = client_of(app, tenant, Role.VIEWER, "viewer@example.org")
    staff = client_of(app, tenant, Role.STAFF, "staff@example.org")
    for client in (viewer, staff):
        assert client.get(f"/t/{tenant.slug}/contacts/{protected.id}/photo").status_code == 404
        page = client.get(f"/t/{tenant.slug}/contacts/{protected.id}").text
        assert "/photo" not in page and "Photo of" not in page
    assert upload(staff, tenant, protected, PNG).status_code == 404
    assert staff.post(f"/t/{tenant.slug}/contacts/{protected.id}/photo/delete").status_code == 404
    assert stored_name(protected.id).endswith(".jpg")


def test_an_admin_sees_a_protected_photo_uncached_and_the_view_is_audited(app, admin_client, tenant, protected):
    assert upload(admin_client, tenant, protected, JPEG).status_code == 302
    views_before = db.session.scalar(select(db.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "view_identity", AuditEvent.record_id == str(protected.id)))
    image = admin_client.get(f"/t/{tenant.slug}/contacts/{protected.id}/photo")
    assert image.status_code == 200 and image.data == JPEG
    assert image.headers["Cache-Control"] == "private, no-store"
    db.session.expire_all()
    views_after = db.session.scalar(select(db.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "view_identity", AuditEvent.record_id == str(protected.id)))
    assert views_after == views_before + 1


def test_another_tenant_gets_404(app, admin_client, tenant, other_tenant, person):
    assert upload(admin_client, tenant, person, JPEG).status_code == 302
    outsider = client_of(app, other_tenant, Role.OWNER, "owner@other.example")
    base = f"/t/{other_tenant.slug}/contacts/{person.id}"
    assert outsider.get(f"{base}/photo").status_code == 404
    assert upload(outsider, other_tenant, person, PNG).status_code == 404
    assert outsider.post(f"{base}/photo/delete").status_code == 404
    assert outsider.get(f"/t/{tenant.slug}/contacts/{person.id}/photo").status_code in (403, 404)
    assert stored_name(person.id).endswith(".jpg")


def test_replacing_the_photo_deletes_the_old_file(app, admin_client, tenant, person):
    upload(admin_client, tenant, person, JPEG)
    first = photo_folder(app, tenant) / stored_name(person.id)
    assert first.is_file()
    assert upload(admin_client, tenant, person, PNG, "new.png").status_code == 302
    second = photo_folder(app, tenant) / stored_name(person.id)
    assert second != first and second.read_bytes() == PNG
    assert not first.exists()


def test_removing_the_photo_deletes_the_file(app, admin_client, tenant, person):
    upload(admin_client, tenant, person, JPEG)
    stored = photo_folder(app, tenant) / stored_name(person.id)
    response = admin_client.post(f"/t/{tenant.slug}/contacts/{person.id}/photo/delete")
    assert response.status_code == 302
    assert stored_name(person.id) == "" and not stored.exists()
    assert admin_client.get(f"/t/{tenant.slug}/contacts/{person.id}/photo").status_code == 404
    assert "Upload the photo" in admin_client.get(f"/t/{tenant.slug}/contacts/{person.id}").text


def test_a_failed_save_leaves_no_file_behind(app, tenant, person):
    from core.registers.contact_photos import save_photo

    class Upload:
        filename = "face.jpg"
        stream = io.BytesIO(JPEG)

    with tenant_scope(tenant.id):
        contact = db.session.get(Contact, person.id)
        name = save_photo(contact, Upload())
        stored = photo_folder(app, tenant) / name
        assert stored.is_file()
        db.session.rollback()
    assert not stored.exists() and stored_name(person.id) == ""


def test_erasure_deletes_the_file_and_blanks_the_name(app, admin_client, tenant, person, admin_user):
    upload(admin_client, tenant, person, JPEG)
    stored = photo_folder(app, tenant) / stored_name(person.id)
    with tenant_scope(tenant.id):
        erase_contact(db.session.get(Contact, person.id), erased_by_id=admin_user.id)
        db.session.commit()
    assert stored_name(person.id) == "" and not stored.exists()
    assert admin_client.get(f"/t/{tenant.slug}/contacts/{person.id}/photo").status_code == 404
    page = admin_client.get(f"/t/{tenant.slug}/contacts/{person.id}").text
    assert "/photo" not in page


def test_an_organisation_has_no_photo(admin_client, tenant):
    organisation = add_contact(tenant, kind=ContactKind.ORGANISATION, name_latin="Kampot Women Network")
    assert upload(admin_client, tenant, organisation, JPEG).status_code == 404
    assert "Upload the photo" not in admin_client.get(f"/t/{tenant.slug}/contacts/{organisation.id}").text


def test_the_audit_log_never_holds_the_storage_name(app, admin_client, tenant, person, admin_user):
    upload(admin_client, tenant, person, JPEG)
    names = {stored_name(person.id)}
    upload(admin_client, tenant, person, PNG)
    names.add(stored_name(person.id))
    admin_client.post(f"/t/{tenant.slug}/contacts/{person.id}/photo/delete")
    upload(admin_client, tenant, person, JPEG)
    names.add(stored_name(person.id))
    with tenant_scope(tenant.id):
        erase_contact(db.session.get(Contact, person.id), erased_by_id=admin_user.id)
        db.session.commit()
    events = list(db.session.execute(select(AuditEvent).where(AuditEvent.model == "Contact")).scalars())
    photo_changes = [event.changes["photo_name"] for event in events if "photo_name" in (event.changes or {})]
    assert len(photo_changes) >= 4
    assert all(value in (IDENTITY_MARKER, "", None) for change in photo_changes for value in change)
    logged = json.dumps([event.changes for event in events])
    for name in names:
        assert name not in logged and name.split(".")[0] not in logged


def test_the_api_says_whether_there_is_a_photo_only_to_those_allowed(app, admin_client, tenant, person, protected):
    upload(admin_client, tenant, person, JPEG)
    upload(admin_client, tenant, protected, JPEG)
    bare = add_contact(tenant, name_latin="Sok Lina")
    admin = token_for(make_member(tenant, Role.ADMIN, email="api-admin@example.org"), tenant)
    staff = token_for(make_member(tenant, Role.STAFF, email="api-staff@example.org"), tenant)
    api = f"/api/v1/t/{tenant.slug}/contacts"
    assert admin_client.get(f"{api}/{person.id}", headers=admin).json["has_photo"] is True
    assert admin_client.get(f"{api}/{protected.id}", headers=admin).json["has_photo"] is True
    assert admin_client.get(f"{api}/{bare.id}", headers=admin).json["has_photo"] is False
    assert admin_client.get(f"{api}/{protected.id}", headers=staff).json["has_photo"] is None
    listed = {item["id"]: item["has_photo"] for item in admin_client.get(f"{api}/", headers=staff).json["items"]}
    assert listed[person.id] is True and listed[protected.id] is None


def test_a_merge_keeps_one_photo_and_removes_the_other_file(app, admin_client, tenant, person):
    from core.registers.duplicates import merge_contacts
    twin = add_contact(tenant, name_latin="Chan Dara", sex="male", birth_year=1990)
    bare = add_contact(tenant, name_latin="Chan Dara", sex="male")
    upload(admin_client, tenant, person, JPEG)
    upload(admin_client, tenant, twin, PNG)
    kept_file = photo_folder(app, tenant) / stored_name(person.id)
    twin_file = photo_folder(app, tenant) / stored_name(twin.id)
    with tenant_scope(tenant.id):
        merge_contacts(db.session.get(Contact, person.id), db.session.get(Contact, twin.id))
        db.session.commit()
    assert kept_file.is_file() and not twin_file.exists()
    with tenant_scope(tenant.id):
        merge_contacts(db.session.get(Contact, bare.id), db.session.get(Contact, person.id))
        db.session.commit()
    assert stored_name(bare.id) == kept_file.name and kept_file.is_file()


def test_deleting_a_contact_through_the_api_removes_its_photo_file(app, admin_client, tenant, person):
    upload(admin_client, tenant, person, JPEG)
    stored = photo_folder(app, tenant) / stored_name(person.id)
    headers = token_for(make_member(tenant, Role.ADMIN, email="api-admin@example.org"), tenant)
    url = f"/api/v1/t/{tenant.slug}/contacts/{person.id}"
    etag = admin_client.get(url, headers=headers).headers["ETag"]
    assert admin_client.delete(url, headers={**headers, "If-Match": etag}).status_code == 204
    assert not stored.exists()
