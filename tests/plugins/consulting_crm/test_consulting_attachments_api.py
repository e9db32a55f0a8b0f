"""Consultants' CVs and proposal files through the API (core/api/files.py): the pages' type and size
checks, the pages' permissions (CVs: consulting.pool.rates; proposal files: edit to add, view to
download), private downloads, 404 across tenants."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEvent, Role
from core.tenancy import tenant_scope
from plugins.consulting_crm import proposals
from plugins.consulting_crm.models import ConsultantCV, Currency, ProposalFile
from tests.helpers import make_member, token_for

PDF = b"%PDF-1.7\n% curriculum vitae\n"
DOCX = b"PK\x03\x04" + b"\x00" * 60
PROBLEM = "application/problem+json"


def api(tenant, rest):
    return f"/api/v1/t/{tenant.slug}/consulting/{rest}"


def post_file(client, url, headers, content: bytes, filename: str):
    return client.post(url, data={"file": (io.BytesIO(content), filename)}, content_type="multipart/form-data",
                       headers=headers)


@pytest.fixture
def version(tenant, opportunity):
    with tenant_scope(tenant.id):
        proposal = proposals.create_proposal(proposals.get_opportunity(opportunity.id),
                                             title="Technical and financial proposal", currency=Currency.USD)
        version = proposals.add_version(proposal, label="Draft 1")
        db.session.commit()
        return version


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_manager_adds_lists_and_downloads_a_cv(client, tenant, admin_user, consultants):
    headers = token_for(admin_user, tenant)
    url = api(tenant, f"consultants/{consultants[0].id}/cvs/")
    created = post_file(client, url, headers, DOCX, "Srey Pov CV.docx")
    assert created.status_code == 201 and created.json["display_name"] == "Srey Pov CV.docx"
    assert created.json["content_type"].endswith("wordprocessingml.document")
    assert [item["id"] for item in client.get(url, headers=headers).json["items"]] == [created.json["id"]]
    download = client.get(created.json["download_url"], headers=headers)
    assert download.status_code == 200 and download.data == DOCX
    db.session.rollback()
    assert db.session.execute(select(AuditEvent).where(AuditEvent.model == "ConsultantCV")).scalar_one()


def test_staff_may_neither_add_nor_read_cvs(client, tenant, staff, admin_user, consultants):
    stored = post_file(client, api(tenant, f"consultants/{consultants[0].id}/cvs/"), token_for(admin_user, tenant),
                       PDF, "cv.pdf").json
    headers = token_for(staff, tenant)
    assert post_file(client, api(tenant, f"consultants/{consultants[0].id}/cvs/"), headers, PDF,
                     "cv.pdf").status_code == 403
    assert client.get(stored["download_url"], headers=headers).status_code == 403


@pytest.mark.parametrize("content, filename, message", [
    (PDF, "cv.txt", "Upload the CV as a PDF, Word (docx) or OpenDocument (odt) file."),
    (b"not a pdf", "cv.pdf", "The file's content does not match its name (.pdf)."),
])
def test_a_refused_cv_is_a_422_on_file(client, tenant, admin_user, consultants, content, filename, message):
    response = post_file(client, api(tenant, f"consultants/{consultants[0].id}/cvs/"), token_for(admin_user, tenant),
                         content, filename)
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert response.json["errors"] == {"file": [message]}
    assert count(ConsultantCV) == 0


def test_editors_add_proposal_files_that_viewers_download(client, tenant, staff, viewer, version):
    url = api(tenant, f"proposals/{version.proposal_id}/versions/{version.id}/files")
    created = post_file(client, url, token_for(staff, tenant), PDF, "proposal.pdf")
    assert created.status_code == 201 and created.json["version_label"] == "Draft 1"
    headers = token_for(viewer, tenant)
    assert post_file(client, url, headers, PDF, "mine.pdf").status_code == 403
    listed = client.get(api(tenant, f"proposals/{version.proposal_id}/files/"), headers=headers).json
    assert [item["display_name"] for item in listed["items"]] == ["proposal.pdf"]
    assert client.get(created.json["download_url"], headers=headers).data == PDF


def test_a_refused_proposal_file_is_a_422_and_stores_nothing(client, tenant, staff, version):
    url = api(tenant, f"proposals/{version.proposal_id}/versions/{version.id}/files")
    response = post_file(client, url, token_for(staff, tenant), b"#!/bin/sh", "run.sh")
    assert response.status_code == 422 and list(response.json["errors"]) == ["file"]
    assert count(ProposalFile) == 0


def test_another_organisation_finds_no_files(client, tenant, other_tenant, staff, admin_user, consultants, version):
    cv = post_file(client, api(tenant, f"consultants/{consultants[0].id}/cvs/"), token_for(admin_user, tenant),
                   PDF, "cv.pdf").json
    stored = post_file(client, api(tenant, f"proposals/{version.proposal_id}/versions/{version.id}/files"),
                       token_for(staff, tenant), PDF, "proposal.pdf").json
    owner_b = make_member(other_tenant, Role.OWNER, email="owner@b.example")
    headers = token_for(owner_b, other_tenant)
    for url in (f"consultants/{consultants[0].id}/cvs/{cv['id']}",
                f"proposals/{version.proposal_id}/files/{stored['id']}",
                f"proposals/{version.proposal_id}/files/", f"consultants/{consultants[0].id}/cvs/"):
        assert client.get(api(other_tenant, url), headers=headers).status_code == 404, url
