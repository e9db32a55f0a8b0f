"""Law version files through the API (core/api/files.py): a version is added with its file as one
multipart request, with the page's type and size checks and who-may-write rules; the file downloads
for every member who sees the entry; another organisation's private entry is not found."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.policy_tracker import services
from plugins.policy_tracker.models import LawVersion, LawVersionFile
from tests.helpers import make_member, token_for

PDF = b"%PDF-1.7\n% the law\n"


def upload(client, tenant, law_id, headers, content=PDF, filename="draft-2.pdf", **fields):
    form = {"label": "Draft 2", "dated_on": "2026-02-01", **fields, "file": (io.BytesIO(content), filename)}
    return client.post(f"/api/v1/t/{tenant.slug}/policy/laws/{law_id}/versions/upload", data=form,
                       content_type="multipart/form-data", headers=headers)


def private_law(tenant, title="Our sub-decree"):
    with tenant_scope(tenant.id):
        law = services.create_law(title_en=title, instrument_type="sub_decree", actor=None)
        db.session.commit()
        return law


def counts() -> tuple[int, int]:
    db.session.rollback()
    return (db.session.scalar(select(func.count()).select_from(LawVersion)),
            db.session.scalar(select(func.count()).select_from(LawVersionFile)))


def test_a_version_with_its_file_is_added_and_downloaded(client, tenant, stages_seeded):
    law = private_law(tenant)
    response = upload(client, tenant, law.id, token_for(make_member(tenant, Role.STAFF), tenant),
                      filename="សេចក្តីព្រាង ២.pdf", note="From the ministry")
    assert response.status_code == 201, response.json
    assert response.json["label"] == "Draft 2" and response.json["dated_on"] == "2026-02-01"
    [stored] = response.json["files"]
    assert stored["display_name"] == "សេចក្តីព្រាង ២.pdf" and stored["size_bytes"] == len(PDF)
    viewer_headers = token_for(make_member(tenant, Role.VIEWER), tenant)
    download = client.get(f"/api/v1/t/{tenant.slug}/policy/laws/{law.id}/files/{stored['id']}", headers=viewer_headers)
    assert download.status_code == 200 and download.data == PDF and download.mimetype == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_refused_files_and_fields_are_a_422_and_add_nothing(client, tenant, stages_seeded):
    law = private_law(tenant)
    headers = token_for(make_member(tenant, Role.STAFF), tenant)
    wrong = upload(client, tenant, law.id, headers, content=b"MZ", filename="setup.exe")
    assert wrong.status_code == 422
    assert wrong.json["errors"] == {"file": ["Upload a PDF, Word (docx), OpenDocument (odt), text or image (png, jpg) "
                                             "file."]}
    fake = upload(client, tenant, law.id, headers, content=b"not a pdf", filename="law.pdf")
    assert fake.status_code == 422 and list(fake.json["errors"]) == ["file"]
    no_label = upload(client, tenant, law.id, headers, label="")
    assert no_label.status_code == 422 and "label" in no_label.json["errors"]["files"]
    assert counts() == (0, 0)


def test_members_may_not_write_the_official_history(client, tenant, law):
    response = upload(client, tenant, law.id, token_for(make_member(tenant, Role.STAFF), tenant))
    assert response.status_code == 403 and counts() == (0, 0)


def test_another_organisations_private_entry_is_not_found(client, tenant, other_tenant, stages_seeded):
    law = private_law(tenant)
    stored = upload(client, tenant, law.id, token_for(make_member(tenant, Role.STAFF), tenant)).json["files"][0]
    headers = token_for(make_member(other_tenant, Role.OWNER, email="owner@b.example"), other_tenant)
    assert client.get(f"/api/v1/t/{other_tenant.slug}/policy/laws/{law.id}/files/{stored['id']}",
                      headers=headers).status_code == 404
    assert upload(client, other_tenant, law.id, headers).status_code == 404
