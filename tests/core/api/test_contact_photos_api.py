"""A person's photo through the API (core/api/files.py): a multipart upload checked like the page's (JPEG
or PNG by content, the size limit), a private download, removal; a protected person's photo is not
found for a user who may not see them, and every view of it is logged."""
from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEvent, Role
from core.registers.models import Contact
from tests.core.registers.contact_factories import add_contact
from tests.helpers import make_member, token_for

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00" + b"\x00" * 16
PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def no_files_left_over(app, tenant):
    """The upload folder outlives a test's rows: start with the tenant's photo folder empty."""
    shutil.rmtree(Path(app.config["UPLOAD_FOLDER"]) / str(tenant.id) / "contacts", ignore_errors=True)


@pytest.fixture
def person(tenant):
    return add_contact(tenant, name_latin="Chan Dara", sex="male", birth_year=1990)


@pytest.fixture
def protected(tenant):
    return add_contact(tenant, name_latin="Srey Neang Hidden", sex="female", protected=True)


def url(tenant, contact):
    return f"/api/v1/t/{tenant.slug}/contacts/{contact.id}/photo"


def put(client, tenant, contact, headers, content: bytes, filename="face.png"):
    return client.put(url(tenant, contact), data={"file": (io.BytesIO(content), filename)},
                      content_type="multipart/form-data", headers=headers)


def photo_name(contact_id) -> str:
    db.session.rollback()
    return db.session.scalar(select(Contact.photo_name).where(Contact.id == contact_id))


def files_in(app, tenant) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"]) / str(tenant.id) / "contacts"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_upload_download_and_remove_a_photo(app, client, tenant, staff, person):
    headers = token_for(staff, tenant)
    assert client.get(url(tenant, person), headers=headers).status_code == 404
    assert put(client, tenant, person, headers, PNG).status_code == 204
    assert photo_name(person.id).endswith(".png") and len(files_in(app, tenant)) == 1
    response = client.get(url(tenant, person), headers=headers)
    assert response.status_code == 200 and response.data == PNG and response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert client.delete(url(tenant, person), headers=headers).status_code == 204
    assert photo_name(person.id) == "" and files_in(app, tenant) == []
    assert client.get(url(tenant, person), headers=headers).status_code == 404


@pytest.mark.parametrize("content, filename, message", [
    (b"just text, not an image", "face.png", "This file is not a photo: upload a JPEG or PNG image."),
    (PNG + b"\x00" * (2 * 1024 * 1024), "face.png", "The photo is larger than 2 MB."),
])
def test_a_refused_photo_is_a_422_on_file_and_stores_nothing(app, client, tenant, staff, person, content, filename,
                                                              message):
    response = put(client, tenant, person, token_for(staff, tenant), content, filename)
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert response.json["errors"] == {"file": [message]}
    assert photo_name(person.id) == "" and files_in(app, tenant) == []


def test_a_body_without_a_file_part_is_a_422(client, tenant, staff, person):
    response = client.put(url(tenant, person), data={"other": "x"}, content_type="multipart/form-data",
                          headers=token_for(staff, tenant))
    assert response.status_code == 422 and "file" in response.json["errors"]["files"]


def test_viewers_may_not_upload(client, tenant, viewer, person):
    assert put(client, tenant, person, token_for(viewer, tenant), PNG).status_code == 403


def test_a_protected_persons_photo_is_hidden_from_staff_and_its_views_are_logged(client, tenant, staff, protected):
    admin = make_member(tenant, Role.ADMIN, email="boss@a.example")
    admin_headers = token_for(admin, tenant)
    assert put(client, tenant, protected, admin_headers, PNG).status_code == 204
    staff_headers = token_for(staff, tenant)
    assert client.get(url(tenant, protected), headers=staff_headers).status_code == 404
    assert put(client, tenant, protected, staff_headers, PNG).status_code == 404

    def views() -> int:
        db.session.rollback()
        return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "view_identity"))
    before = views()
    assert client.get(url(tenant, protected), headers=admin_headers).data == PNG
    assert views() == before + 1


def test_another_organisations_contact_is_not_found(client, tenant, other_tenant, person):
    owner_b = make_member(other_tenant, Role.OWNER, email="owner@b.example")
    headers = token_for(owner_b, other_tenant)
    other_url = f"/api/v1/t/{other_tenant.slug}/contacts/{person.id}/photo"
    assert client.get(other_url, headers=headers).status_code == 404
    assert client.put(other_url, data={"file": (io.BytesIO(PNG), "a.png")}, content_type="multipart/form-data",
                      headers=headers).status_code == 404
