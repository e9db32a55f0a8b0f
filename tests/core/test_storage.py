"""Where uploaded files live: the local folder (the default, as before) or an S3-compatible bucket
shared by every app host (SAMAKI_STORAGE=s3), tested against moto's standalone S3 server. Pages work
the same on both; a bucket that cannot be reached gives a clear, logged error and saves nothing."""
from __future__ import annotations

import io
import logging
import socket
import uuid
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy import select

from core import create_app, uploads
from core.config import Settings
from core.extensions import db
from core.registers.models import Contact
from tests.conftest import app_config
from tests.core.registers.contact_factories import add_contact

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00" + b"\x00" * 16
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
UNREACHABLE = "The stored files cannot be reached right now"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3 server on a free port of this host, as a real store would be (HTTP, not mocked calls)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_credentials(monkeypatch):
    # The standard variables boto3 reads; moto accepts any value.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "samaki-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "samaki-test-secret")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def s3_client(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="samaki-test", aws_secret_access_key="samaki-test-secret")


@pytest.fixture
def bucket(app, s3_endpoint, aws_credentials, monkeypatch) -> str:
    """The app switched to a fresh, empty bucket for this test (the settings are restored after it)."""
    name = f"samaki-{uuid.uuid4().hex[:12]}"
    s3_client(s3_endpoint).create_bucket(Bucket=name)
    for key, value in {"STORAGE": "s3", "S3_BUCKET": name, "S3_ENDPOINT_URL": s3_endpoint,
                       "S3_REGION": "us-east-1"}.items():
        monkeypatch.setitem(app.config, key, value)
    return name


def keys(endpoint: str, bucket: str) -> list[str]:
    return sorted(item["Key"] for item in s3_client(endpoint).list_objects_v2(Bucket=bucket).get("Contents", []))


def local_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def upload_photo(client, tenant, contact, content: bytes = JPEG, filename: str = "face.jpg"):
    return client.post(f"/t/{tenant.slug}/contacts/{contact.id}/photo",
                       data={"photo": (io.BytesIO(content), filename)}, content_type="multipart/form-data")


def photo_name(contact_id: int) -> str:
    db.session.expire_all()
    return db.session.execute(select(Contact.photo_name).where(Contact.id == contact_id)).scalar_one()


@pytest.fixture
def person(tenant):
    return add_contact(tenant, name_latin="Chan Dara", sex="male", birth_year=1990)


# --- settings -----------------------------------------------------------------------------------

def test_the_local_folder_is_the_default_and_s3_is_chosen_by_settings():
    assert Settings.from_env({}).STORAGE == "local"
    chosen = Settings.from_env({"SAMAKI_STORAGE": "S3", "SAMAKI_S3_BUCKET": "samaki-files",
                                "SAMAKI_S3_ENDPOINT_URL": "https://s3.example.org", "SAMAKI_S3_REGION": "garage"})
    assert (chosen.STORAGE, chosen.S3_BUCKET, chosen.S3_ENDPOINT_URL, chosen.S3_REGION) == (
        "s3", "samaki-files", "https://s3.example.org", "garage")


@pytest.mark.parametrize("settings, message", [
    ({"STORAGE": "s3"}, "SAMAKI_S3_BUCKET"),
    ({"STORAGE": "ftp"}, "SAMAKI_STORAGE must be one of local, s3"),
])
def test_unusable_storage_settings_are_refused(settings, message):
    with pytest.raises(uploads.StorageMisconfigured, match=message):
        uploads.make_backend({"UPLOAD_FOLDER": "/srv/samaki/uploads", **settings})


def test_the_app_does_not_start_with_unusable_storage_settings(tmp_path):
    with pytest.raises(uploads.StorageMisconfigured, match="SAMAKI_S3_BUCKET"):
        create_app(app_config(tmp_path, f"sqlite:///{tmp_path / 'unused.db'}", STORAGE="s3"))


# --- the local folder, as before ----------------------------------------------------------------

def test_the_local_backend_keeps_files_under_the_upload_folder_per_tenant_and_area(app, tenant):
    folder = uploads.tenant_folder(tenant.id, "contacts")
    assert folder == Path(app.config["UPLOAD_FOLDER"]) / str(tenant.id) / "contacts"
    name = uploads.store(folder, PDF, "pdf")
    db.session.commit()
    path = folder / name
    assert path.read_bytes() == PDF and uploads.read(path) == PDF and uploads.is_stored(path)
    assert uploads.list_files(Path(app.config["UPLOAD_FOLDER"]) / str(tenant.id)) == [path]
    uploads.remove_after_commit(path)
    db.session.rollback()
    assert path.is_file()                      # kept: the removal was rolled back
    uploads.remove_after_commit(path)
    db.session.commit()
    assert not path.exists() and not uploads.is_stored(path)


def test_the_local_backend_removes_a_new_file_when_the_change_is_rolled_back(app, tenant):
    folder = uploads.tenant_folder(tenant.id, "training")
    name = uploads.store(folder, PDF, "pdf")
    assert (folder / name).is_file()
    db.session.rollback()
    assert not (folder / name).exists() and local_files(app) == []


def test_a_photo_uploaded_with_the_default_backend_is_a_file_in_the_folder(app, admin_client, tenant, person):
    assert upload_photo(admin_client, tenant, person).status_code == 302
    stored = Path(app.config["UPLOAD_FOLDER"]) / str(tenant.id) / "contacts" / photo_name(person.id)
    assert stored.read_bytes() == JPEG
    assert admin_client.get(f"/t/{tenant.slug}/contacts/{person.id}/photo").data == JPEG


# --- an S3 bucket (moto's server) ---------------------------------------------------------------

def test_a_photo_uploaded_through_the_page_is_kept_in_the_bucket_and_shown_back(
        app, admin_client, tenant, person, bucket, s3_endpoint):
    response = upload_photo(admin_client, tenant, person)
    assert response.status_code == 302
    name = photo_name(person.id)
    assert keys(s3_endpoint, bucket) == [f"{tenant.id}/contacts/{name}"]     # same layout as the folder
    assert local_files(app) == []                                            # nothing on this host
    image = admin_client.get(f"/t/{tenant.slug}/contacts/{person.id}/photo")
    assert image.status_code == 200 and image.data == JPEG and image.mimetype == "image/jpeg"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert image.headers["Cache-Control"].startswith("private")


def test_replacing_and_removing_a_photo_removes_the_objects_from_the_bucket(
        app, admin_client, tenant, person, bucket, s3_endpoint):
    assert upload_photo(admin_client, tenant, person).status_code == 302
    assert upload_photo(admin_client, tenant, person, PNG, "new.png").status_code == 302
    assert keys(s3_endpoint, bucket) == [f"{tenant.id}/contacts/{photo_name(person.id)}"]
    assert photo_name(person.id).endswith(".png")
    assert admin_client.get(f"/t/{tenant.slug}/contacts/{person.id}/photo").data == PNG
    removed = admin_client.post(f"/t/{tenant.slug}/contacts/{person.id}/photo/delete")
    assert removed.status_code == 302 and photo_name(person.id) == ""
    assert keys(s3_endpoint, bucket) == []
    assert admin_client.get(f"/t/{tenant.slug}/contacts/{person.id}/photo").status_code == 404


def test_a_refused_photo_leaves_nothing_in_the_bucket(admin_client, tenant, person, bucket, s3_endpoint):
    response = upload_photo(admin_client, tenant, person, b"MZ\x90\x00 program", "face.jpg")
    assert response.status_code == 422 and "This file is not a photo" in response.text
    assert keys(s3_endpoint, bucket) == []


def test_a_file_stored_in_a_rolled_back_change_is_removed_from_the_bucket(app, tenant, bucket, s3_endpoint):
    folder = uploads.tenant_folder(tenant.id, "consulting")
    name = uploads.store(folder, PDF, "pdf")
    assert keys(s3_endpoint, bucket) == [f"{tenant.id}/consulting/{name}"]
    assert uploads.read(folder / name) == PDF and uploads.list_files(folder) == [folder / name]
    db.session.rollback()
    assert keys(s3_endpoint, bucket) == [] and not uploads.is_stored(folder / name)


def test_a_request_attachment_is_downloaded_back_from_the_bucket_under_its_khmer_name(
        app, staff_client, tenant, staff, bucket, s3_endpoint):
    from core.registers.models import Institution, InstitutionKind
    from core.tenancy import tenant_scope
    from plugins.a2i_requests import services
    from plugins.a2i_requests.models import Attachment

    body = Institution(code="MOI", kind=InstitutionKind.MINISTRY, name_en="Ministry of Information",
                       name_km="ក្រសួងព័ត៌មាន")
    db.session.add(body)
    db.session.commit()
    with tenant_scope(tenant.id):
        req = services.create_request(tenant.id, subject="Commune budget", question="Roads?", body_id=body.id,
                                      actor=staff)
        db.session.commit()
    response = staff_client.post(f"/t/{tenant.slug}/a2i/requests/{req.id}/attachments",
                                 data={"file": (io.BytesIO(PDF), "លិខិត.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    with tenant_scope(tenant.id):
        attachment = db.session.execute(select(Attachment)).scalar_one()
    assert keys(s3_endpoint, bucket) == [f"a2i/{tenant.id}/{attachment.storage_name}"]
    download = staff_client.get(f"/t/{tenant.slug}/a2i/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF and download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"] and "%E1%9E" in download.headers[
        "Content-Disposition"]                                                  # the Khmer name, encoded
    assert download.headers["Cache-Control"] == "private, no-store"


# --- a bucket that cannot be reached ------------------------------------------------------------

def test_an_unreachable_bucket_refuses_the_upload_with_a_clear_error_and_logs_it(
        app, admin_client, tenant, person, aws_credentials, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "STORAGE", "s3")
    monkeypatch.setitem(app.config, "S3_BUCKET", "samaki-files")
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")   # nobody listens
    with caplog.at_level(logging.ERROR):
        response = upload_photo(admin_client, tenant, person)
    assert response.status_code == 422 and UNREACHABLE in response.text
    assert photo_name(person.id) == ""                                   # nothing half saved
    assert any("File storage failed" in record.getMessage() for record in caplog.records)
    assert local_files(app) == []


def test_a_bucket_that_does_not_exist_refuses_the_upload_with_a_clear_error(
        app, admin_client, tenant, person, bucket, s3_endpoint, monkeypatch):
    monkeypatch.setitem(app.config, "S3_BUCKET", "no-such-bucket-here")
    response = upload_photo(admin_client, tenant, person)
    assert response.status_code == 422 and UNREACHABLE in response.text
    assert photo_name(person.id) == ""


def test_a_download_while_the_bucket_is_unreachable_shows_a_clear_page_not_a_crash(
        app, admin_client, tenant, person, bucket, monkeypatch, caplog):
    assert upload_photo(admin_client, tenant, person).status_code == 302
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    with caplog.at_level(logging.ERROR):
        response = admin_client.get(f"/t/{tenant.slug}/contacts/{person.id}/photo")
    assert response.status_code == 503 and UNREACHABLE in response.text
    assert "Files unavailable" in response.text
    assert any("File storage failed" in record.getMessage() for record in caplog.records)
