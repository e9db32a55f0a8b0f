"""Hand-entered values with their evidence files through the API (core/api/files.py): the values page's
rules (evidence required, files checked by type and content, a correction keeps or replaces the
file), downloads with results.view, 404 across tenants."""
from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent, Role
from core.tenancy import tenant_scope
from plugins.results_framework.models import ManualValue, Source
from tests.helpers import make_member, token_for
from tests.plugins.results_framework.conftest import make_indicator

PDF = b"%PDF-1.7\n% attendance sheets\n"


@pytest.fixture(autouse=True)
def no_files_left_over(app):
    """The upload folder outlives a test's rows: start with no evidence files."""
    for folder in Path(app.config["UPLOAD_FOLDER"]).glob("*/results"):
        shutil.rmtree(folder, ignore_errors=True)


def url(tenant, indicator, rest=""):
    return f"/api/v1/t/{tenant.slug}/results/indicators/{indicator.id}/values{rest}"


def post(client, tenant, indicator, headers, *, content=PDF, filename="report.pdf", **fields):
    form = {"period_key": "2026", "value": "12", **fields}
    if content is not None:
        form["file"] = (io.BytesIO(content), filename)
    return client.post(url(tenant, indicator), data=form, content_type="multipart/form-data", headers=headers)


def stored_values(tenant) -> list[ManualValue]:
    db.session.rollback()
    with tenant_scope(tenant.id):
        return list(db.session.scalars(select(ManualValue)))


def uploaded_files(app) -> list[Path]:
    return sorted(p for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file() and "results" in p.parts)


def test_a_value_with_its_evidence_file_is_recorded_listed_and_downloaded(app, client, tenant, staff, viewer, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1")
    response = post(client, tenant, indicator, token_for(staff, tenant), filename="ការិយាល័យ-report.pdf",
                    value="១២០", comment="From the attendance sheets")
    assert response.status_code == 201, response.json
    assert response.json["value"] == 120 and response.json["evidence_name"] == "ការិយាល័យ-report.pdf"
    assert response.json["entered_by"] == staff.name
    headers = token_for(viewer, tenant)
    listed = client.get(url(tenant, indicator), headers=headers).json
    assert [item["period_key"] for item in listed["items"]] == ["2026"]
    download = client.get(listed["items"][0]["evidence_download_url"], headers=headers)
    assert download.status_code == 200 and download.data == PDF and download.mimetype == "application/pdf"
    assert post(client, tenant, indicator, headers).status_code == 403
    db.session.rollback()
    assert db.session.execute(select(AuditEvent).where(AuditEvent.model == "ManualValue")).scalars().first()


def test_a_link_alone_is_evidence_and_a_value_without_evidence_is_refused(client, tenant, staff, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1")
    headers = token_for(staff, tenant)
    refused = post(client, tenant, indicator, headers, content=None)
    assert refused.status_code == 422
    assert refused.json["errors"] == {"file": ["Give the evidence for this value: a file or a link."]}
    linked = post(client, tenant, indicator, headers, content=None, evidence_url="https://example.org/report")
    assert linked.status_code == 201 and linked.json["evidence_download_url"] is None
    assert client.get(url(tenant, indicator, f"/{linked.json['id']}/evidence"), headers=headers).status_code == 404


def test_refused_files_and_values_store_nothing(app, client, tenant, staff, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1")
    headers = token_for(staff, tenant)
    for fields, field in (({"filename": "virus.exe", "content": b"MZ\x90\x00"}, "file"),
                          ({"content": b"MZ\x90\x00 not a pdf"}, "file"),
                          ({"value": "twelve"}, "value"),
                          ({"period_key": "1990"}, "period_key")):
        response = post(client, tenant, indicator, headers, **fields)
        assert response.status_code == 422 and list(response.json["errors"]) == [field], fields
    computed = make_indicator(tenant, outcome, "1.1.2", source=Source.COMPUTED, source_code="a2i.requests_received")
    assert post(client, tenant, computed, headers).status_code == 422
    assert stored_values(tenant) == [] and uploaded_files(app) == []


def test_a_new_file_replaces_the_old_one(app, client, tenant, staff, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1")
    headers = token_for(staff, tenant)
    post(client, tenant, indicator, headers, filename="a.pdf")
    kept = post(client, tenant, indicator, headers, content=None, value="14")
    assert kept.status_code == 201 and kept.json["evidence_name"] == "a.pdf"
    replaced = post(client, tenant, indicator, headers, filename="b.pdf", value="15")
    assert replaced.json["evidence_name"] == "b.pdf" and len(uploaded_files(app)) == 1


def test_another_organisation_finds_nothing(client, tenant, other_tenant, staff, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1")
    entry = post(client, tenant, indicator, token_for(staff, tenant)).json
    headers = token_for(make_member(other_tenant, Role.OWNER, email="owner@b.example"), other_tenant)
    for rest in ("", f"/{entry['id']}/evidence"):
        assert client.get(f"/api/v1/t/{other_tenant.slug}/results/indicators/{indicator.id}/values{rest}",
                          headers=headers).status_code == 404
    assert post(client, other_tenant, indicator, headers).status_code == 404
