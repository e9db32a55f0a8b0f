"""Hand-entered values on an indicator's values page: a value per period (Khmer digits accepted) with
its evidence (a checked file kept outside the web root, a link, or both) and a breakdown by the
indicator's disaggregations; a correction keeps the evidence already given; refused on the form
(422) with nothing saved when the indicator is computed, the evidence is missing, the period unknown
or the file wrong; viewers read and download but cannot enter; other tenants get 404."""
from __future__ import annotations

import html
import io
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEvent, Role
from plugins.results_framework import framework_edits
from plugins.results_framework.models import ManualValue, Source
from tests.helpers import login, make_member
from tests.plugins.results_framework.conftest import enter, make_indicator

PDF = b"%PDF-1.7\n% district disclosure report\n"


def base(tenant) -> str:
    return f"/t/{tenant.slug}/results/framework"


def shown(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def stored_values() -> list[ManualValue]:
    db.session.expire_all()
    return list(db.session.scalars(select(ManualValue).order_by(ManualValue.period_key)))


def uploaded_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def test_an_editor_enters_a_value_with_a_link_and_a_breakdown(staff_client, tenant, staff, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1", disaggregations=["sex", "youth", "province"])
    page = shown(staff_client.get(f"{base(tenant)}/indicators/{indicator.id}/values"))
    assert 'name="b_sex_female"' in page and 'name="b_youth_no"' in page and "b_province" not in page
    response = staff_client.post(f"{base(tenant)}/indicators/{indicator.id}/values", data={
        "period_key": "2026-q1", "value": "១២០", "comment": "From the training attendance sheets",
        "evidence_url": "https://drive.example.org/kampot/attendance-q1", "b_sex_female": "៧០",
        "b_sex_male": "50", "b_youth_yes": "", "b_youth_no": "30"})
    assert response.status_code == 302
    [entry] = stored_values()
    assert (entry.period_key, entry.value, entry.entered_by_id) == ("2026-Q1", Decimal(120), staff.id)
    assert entry.breakdown == {"sex": {"female": 70, "male": 50}, "youth": {"no": 30}}
    page = shown(staff_client.get(f"{base(tenant)}/indicators/{indicator.id}/values"))
    for text in ("Q1 2026: 120", "Female: 70", "Male: 50", "Not youth: 30", "From the training attendance sheets",
                 'href="https://drive.example.org/kampot/attendance-q1"', f"Entered by {staff.name}"):
        assert text in page, text


def test_an_evidence_file_is_stored_checked_and_downloaded(app, staff_client, tenant, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1")
    url = f"{base(tenant)}/indicators/{indicator.id}/values"
    response = staff_client.post(url, data={"period_key": "2026", "value": "12",
                                            "evidence_file": (io.BytesIO(PDF), "ការិយាល័យ-report.pdf")},
                                 content_type="multipart/form-data")
    assert response.status_code == 302
    [entry] = stored_values()
    assert entry.evidence_name == "ការិយាល័យ-report.pdf" and entry.evidence_url == ""
    path = framework_edits.evidence_path(entry)
    assert path.read_bytes() == PDF and str(tenant.id) in str(path)
    assert "ការិយាល័យ-report.pdf" in shown(staff_client.get(url))
    download = staff_client.get(f"{url}/{entry.id}/evidence")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf" and "no-store" in download.headers["Cache-Control"]
    # A file that is not what its name says, or of a type not accepted: refused, nothing stored.
    for name, data, message in (("report.pdf", b"MZ\x90\x00 not a pdf", "does not match its name"),
                                ("virus.exe", b"MZ\x90\x00", "Upload a PDF, Word (docx)")):
        response = staff_client.post(url, data={"period_key": "2026-Q2", "value": "3",
                                                "evidence_file": (io.BytesIO(data), name)},
                                     content_type="multipart/form-data")
        assert response.status_code == 422 and message in shown(response)
    assert len(stored_values()) == 1 and uploaded_files(app) == [path]


def test_a_correction_keeps_the_evidence_and_a_new_file_replaces_the_old(app, staff_client, tenant, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1")
    url = f"{base(tenant)}/indicators/{indicator.id}/values"
    staff_client.post(url, data={"period_key": "2026", "value": "12", "evidence_file": (io.BytesIO(PDF), "a.pdf")},
                      content_type="multipart/form-data")
    first = framework_edits.evidence_path(stored_values()[0])
    response = staff_client.post(url, data={"period_key": "2026", "value": "14", "comment": "Late reports added"})
    assert response.status_code == 302
    [entry] = stored_values()
    assert entry.value == 14 and entry.evidence_name == "a.pdf" and first.is_file()
    staff_client.post(url, data={"period_key": "2026", "value": "15", "evidence_file": (io.BytesIO(PDF), "b.pdf")},
                      content_type="multipart/form-data")
    [entry] = stored_values()
    assert entry.evidence_name == "b.pdf" and not first.is_file()
    assert uploaded_files(app) == [framework_edits.evidence_path(entry)]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.model == "ManualValue", AuditEvent.action == "update")) == 2
    # Removing the value removes its file.
    assert staff_client.post(f"{url}/{entry.id}/remove").status_code == 302
    assert stored_values() == [] and uploaded_files(app) == []


def test_a_value_without_evidence_is_refused(staff_client, tenant, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1")
    url = f"{base(tenant)}/indicators/{indicator.id}/values"
    response = staff_client.post(url, data={"period_key": "2026", "value": "12"})
    assert response.status_code == 422
    assert "Give the evidence for this value: a file or a link." in shown(response)
    response = staff_client.post(url, data={"period_key": "2026", "value": "12", "evidence_url": "javascript:alert(1)"})
    assert response.status_code == 422 and "Give a web address starting with http:// or https://." in shown(response)
    assert stored_values() == []


def test_a_value_on_a_computed_indicator_is_refused(app, staff_client, tenant, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1", name_en="Districts actively disclosing",
                               source=Source.COMPUTED, source_code="a2i.active_districts")
    url = f"{base(tenant)}/indicators/{indicator.id}/values"
    page = shown(staff_client.get(url))
    assert "is computed by Samaki" in page and "Save the value" not in page
    response = staff_client.post(url, data={"period_key": "2026", "value": "12",
                                            "evidence_url": "https://example.org/report",
                                            "evidence_file": (io.BytesIO(PDF), "report.pdf")},
                                 content_type="multipart/form-data")
    assert response.status_code == 422
    assert ("“Districts actively disclosing” is computed from the module's records: its value cannot be typed in."
            in shown(response))
    assert stored_values() == [] and uploaded_files(app) == []


def test_bad_periods_values_and_breakdowns_are_refused_on_their_field(staff_client, tenant, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1", disaggregations=["sex"])
    url = f"{base(tenant)}/indicators/{indicator.id}/values"
    link = "https://example.org/report"
    cases = [({"period_key": "2031", "value": "4"}, "2031 is outside the plan's years 2024–2028."),
             ({"period_key": "2026-Q5", "value": "4"}, "“2026-Q5” is not a period."),
             ({"period_key": "2026", "value": "four"}, "Enter a number."),
             ({"period_key": "2026", "value": ""}, "Give the value."),
             ({"period_key": "2026", "value": "10", "b_sex_female": "8", "b_sex_male": "5"},
              "The cells of “Sex” add up to more than the value."),
             ({"period_key": "2026", "value": "10", "b_sex_female": "-1"}, "Enter zero or more.")]
    for fields, message in cases:
        response = staff_client.post(url, data={"evidence_url": link, **fields})
        assert response.status_code == 422, fields
        assert message in shown(response), fields
    assert stored_values() == []


def test_viewer_reads_values_and_evidence_but_cannot_enter_any(client, tenant, viewer, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1")
    entry = enter(tenant, indicator, "2026", 12, evidence_url="https://example.org/report")
    login(client, viewer.email)
    url = f"{base(tenant)}/indicators/{indicator.id}/values"
    page = shown(client.get(url))
    assert "2026: 12" in page and "Save the value" not in page and "Remove" not in page
    response = client.post(url, data={"period_key": "2027", "value": "4", "evidence_url": "https://example.org/x"})
    assert response.status_code == 403
    assert client.post(f"{url}/{entry.id}/remove").status_code == 403
    assert len(stored_values()) == 1


def test_another_tenant_cannot_see_enter_or_download_values(client, staff_client, tenant, other_tenant, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1")
    staff_client.post(f"{base(tenant)}/indicators/{indicator.id}/values", data={
        "period_key": "2026", "value": "12", "evidence_file": (io.BytesIO(PDF), "secret.pdf")},
        content_type="multipart/form-data")
    [entry] = stored_values()
    staff_client.post("/logout")
    outsider = make_member(other_tenant, Role.OWNER, email="owner@battambang.example")
    login(client, outsider.email)
    for slug in (tenant.slug, other_tenant.slug):
        url = f"/t/{slug}/results/framework/indicators/{indicator.id}/values"
        assert client.get(url).status_code == 404
        assert client.get(f"{url}/{entry.id}/evidence").status_code == 404
        assert client.post(url, data={"period_key": "2026", "value": "99",
                                      "evidence_url": "https://example.org"}).status_code == 404
        assert client.post(f"{url}/{entry.id}/remove").status_code == 404
    [entry] = stored_values()
    assert entry.value == 12
