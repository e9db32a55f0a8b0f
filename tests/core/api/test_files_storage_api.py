"""Files through the API live where the pages keep them (core.uploads): with SAMAKI_STORAGE=s3 an upload
is an object in the bucket and the download streams it back; a store that cannot be reached is a clear
problem+json (422 on upload, nothing saved; 503 on download), never a crash."""
from __future__ import annotations

import io
import logging

import pytest
from sqlalchemy import select

from core.extensions import db
from core.registers.models import Contact
from tests.core.registers.contact_factories import add_contact
from tests.core.test_storage import aws_credentials, bucket, free_port, keys, s3_endpoint  # noqa: F401 (fixtures)
from tests.helpers import token_for

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00" + b"\x00" * 16
UNREACHABLE = "The stored files cannot be reached right now"


@pytest.fixture
def person(tenant):
    return add_contact(tenant, name_latin="Chan Dara", sex="male", birth_year=1990)


def put_photo(client, tenant, person, headers):
    return client.put(f"/api/v1/t/{tenant.slug}/contacts/{person.id}/photo", headers=headers,
                      data={"file": (io.BytesIO(PNG), "face.png")}, content_type="multipart/form-data")


def photo_name(contact_id: int) -> str:
    db.session.rollback()
    return db.session.scalar(select(Contact.photo_name).where(Contact.id == contact_id))


def test_an_api_upload_is_kept_in_the_bucket_and_downloaded_back(client, tenant, staff, person, bucket,  # noqa: F811
                                                                  s3_endpoint):  # noqa: F811
    headers = token_for(staff, tenant)
    assert put_photo(client, tenant, person, headers).status_code == 204
    assert keys(s3_endpoint, bucket) == [f"{tenant.id}/contacts/{photo_name(person.id)}"]
    response = client.get(f"/api/v1/t/{tenant.slug}/contacts/{person.id}/photo", headers=headers)
    assert response.status_code == 200 and response.data == PNG and response.mimetype == "image/png"


def test_an_unreachable_store_is_a_clear_problem_and_saves_nothing(app, client, tenant, staff, person,
                                                                    aws_credentials, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "STORAGE", "s3")
    monkeypatch.setitem(app.config, "S3_BUCKET", "samaki-files")
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")   # nobody listens
    response = put_photo(client, tenant, person, token_for(staff, tenant))
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.json["errors"]["file"][0].startswith(UNREACHABLE)
    assert photo_name(person.id) == ""


def test_a_download_while_the_store_is_unreachable_is_a_503_problem(app, client, tenant, staff, person,
                                                                    bucket, monkeypatch, caplog):  # noqa: F811
    headers = token_for(staff, tenant)
    assert put_photo(client, tenant, person, headers).status_code == 204
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    with caplog.at_level(logging.ERROR):
        response = client.get(f"/api/v1/t/{tenant.slug}/contacts/{person.id}/photo", headers=headers)
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    assert UNREACHABLE in response.json["detail"]
