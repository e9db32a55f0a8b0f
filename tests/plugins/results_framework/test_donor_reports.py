"""Donor reports as their users see them: created on the page for a period or a project, a narrative
per indicator saved in one POST (and audited), the XLSX opened with openpyxl, the PDF read back with
pdftotext in Khmer and in English, a project report listing only the project's indicators, a viewer
who can export but not write, and another tenant who finds nothing."""
from __future__ import annotations

import subprocess
import unicodedata
from datetime import date
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent
from core.registers.models import Project
from core.tenancy import tenant_scope
from plugins.results_framework.models import DonorReport, IndicatorNarrative, ResultIndicator, Unit
from tests.helpers import login, make_member, statements_for
from tests.plugins.results_framework.conftest import enter, make_indicator

BASE = "/t/kampot-network/results/reports"
TRAINED_KM = "ចំនួនអ្នកបានទទួលការបណ្តុះបណ្តាល"
CBOS_EN = "CBOs monitoring sub-national authorities"
CBOS_KM = "អង្គការសហគមន៍តាមដានអាជ្ញាធរថ្នាក់ក្រោមជាតិ"


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as pdftotext extracts it, NFC-normalised."""
    assert pdf.startswith(b"%PDF-")
    result = subprocess.run(["/usr/bin/pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                            check=True, timeout=60)
    return unicodedata.normalize("NFC", result.stdout.decode("utf-8"))


@pytest.fixture
def indicators(tenant, outcome):
    """Two hand-entered indicators with 2025 targets and a value for each quarter of 2025."""
    trained = make_indicator(tenant, outcome, "1.1.1", targets={"2025": 400})
    cbos = make_indicator(tenant, outcome, "1.1.2", name_en=CBOS_EN, name_km=CBOS_KM, targets={"2025": 50},
                          unit=Unit.ORGANISATIONS)
    for key, people, organisations in (("2025-Q1", 90, 5), ("2025-Q2", 110, 6), ("2025-Q3", 80, 4),
                                       ("2025-Q4", 125, 7)):
        enter(tenant, trained, key, people)
        enter(tenant, cbos, key, organisations)
    return trained, cbos


def make_project(tenant, code: str, *, starts_on=None, ends_on=None, indicators=()) -> Project:
    with tenant_scope(tenant.id):
        project = Project(tenant_id=tenant.id, code=code, title_en="Access to information",
                          title_km="ការទទួលបានព័ត៌មាន", starts_on=starts_on, ends_on=ends_on)
        db.session.add(project)
        for indicator in indicators:
            db.session.get(ResultIndicator, indicator.id).projects.append(project)
        db.session.commit()
        return project


def make_report(tenant, *, period_key="2025", project=None, title="Annual report 2025") -> DonorReport:
    with tenant_scope(tenant.id):
        report = DonorReport(tenant_id=tenant.id, title=title, period_key=period_key,
                             project_id=project.id if project else None, narrative="A good year for disclosure.")
        db.session.add(report)
        db.session.commit()
        return report


def test_an_editor_creates_a_report_and_saves_a_narrative_per_indicator(tenant, staff_client, indicators):
    trained, cbos = indicators
    response = staff_client.post(f"{BASE}/new", data={"title": "Annual report 2025 to SDC", "period_key": "2025",
                                                      "project_id": "", "narrative": "Overall progress."})
    assert response.status_code == 302
    report = db.session.scalar(select(DonorReport))
    assert response.headers["Location"].endswith(f"{BASE}/{report.id}")
    page = staff_client.get(f"{BASE}/{report.id}").get_data(as_text=True)
    assert "People trained" in page and CBOS_EN in page
    assert "405" in page and "Target met" in page          # 90 + 110 + 80 + 125 against 400
    assert "22" in page and "Off track" in page             # 5 + 6 + 4 + 7 against 50
    assert f'name="n_{trained.id}"' in page and "<svg" in page

    response = staff_client.post(f"{BASE}/{report.id}", data={
        "title": "Annual report 2025 to SDC", "narrative": "Overall progress, revised.",
        f"n_{trained.id}": "Training reached more commune councillors than planned.",
        f"n_{cbos.id}": "Recruiting CBOs took longer after the commune elections."})
    assert response.status_code == 302
    with tenant_scope(tenant.id):
        texts = {row.indicator_id: row.text for row in db.session.scalars(select(IndicatorNarrative))}
        assert texts == {trained.id: "Training reached more commune councillors than planned.",
                         cbos.id: "Recruiting CBOs took longer after the commune elections."}
        assert db.session.get(DonorReport, report.id).narrative == "Overall progress, revised."
    audited = db.session.scalars(select(AuditEvent).where(AuditEvent.model == "IndicatorNarrative")).all()
    assert len(audited) == 2
    page = staff_client.get(f"{BASE}/{report.id}").get_data(as_text=True)
    assert "Recruiting CBOs took longer after the commune elections." in page


def test_a_period_that_is_not_a_period_is_refused_on_the_form(tenant, staff_client, indicators):
    response = staff_client.post(f"{BASE}/new", data={"title": "Quarterly", "period_key": "2025-Q7"})
    assert response.status_code == 422
    assert "is not a period" in response.get_data(as_text=True)
    response = staff_client.post(f"{BASE}/new", data={"title": "Too late", "period_key": "2031"})
    assert response.status_code == 422 and "outside the plan" in response.get_data(as_text=True)
    response = staff_client.post(f"{BASE}/new", data={"title": "Nothing chosen", "period_key": ""})
    assert response.status_code == 422 and "Choose the period the report covers" in response.get_data(as_text=True)
    assert db.session.scalar(select(DonorReport)) is None


def test_a_project_without_dates_needs_a_period(tenant, staff_client, indicators):
    project = make_project(tenant, "P-7", indicators=indicators[:1])
    response = staff_client.post(f"{BASE}/new", data={"title": "Grant report", "project_id": str(project.id)})
    assert response.status_code == 422
    assert "has no start and end dates" in response.get_data(as_text=True)
    assert db.session.scalar(select(DonorReport)) is None
    response = staff_client.post(f"{BASE}/new", data={"title": "Grant report", "project_id": str(project.id),
                                                      "period_key": "2025-Q2"})
    assert response.status_code == 302


def test_a_project_report_lists_only_the_projects_indicators(tenant, staff_client, indicators):
    _trained, cbos = indicators
    project = make_project(tenant, "P-12", starts_on=date(2025, 1, 1), ends_on=date(2025, 6, 30),
                           indicators=[cbos])
    response = staff_client.post(f"{BASE}/new", data={"title": "SDC grant, first half", "project_id": str(project.id)})
    assert response.status_code == 302
    report = db.session.scalar(select(DonorReport))
    assert report.project_id == project.id and report.period_key == ""
    page = staff_client.get(f"{BASE}/{report.id}").get_data(as_text=True)
    assert CBOS_EN in page and "People trained" not in page
    assert "<dd>11</dd>" in page                      # the project's dates: Q1 + Q2, 5 + 6 organisations
    assert "Q1 2025" in page and "Q2 2025" in page and "Q3 2025" not in page     # the chart's quarters
    workbook = openpyxl.load_workbook(BytesIO(staff_client.get(f"{BASE}/{report.id}/report.xlsx?lang=en").data))
    names = [cell.value for cell in workbook.worksheets[0]["D"]]
    assert CBOS_EN in names and "People trained" not in names
    text = pdf_text(staff_client.get(f"{BASE}/{report.id}/report.pdf?lang=en").data)
    assert CBOS_EN in text and "People trained" not in text


def test_the_xlsx_opens_with_openpyxl_and_holds_names_and_values(tenant, staff_client, indicators):
    report = make_report(tenant)
    response = staff_client.get(f"{BASE}/{report.id}/report.xlsx?lang=en")
    assert response.status_code == 200
    assert 'attachment; filename="donor-report-' in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"].endswith('-annual-report-2025-en.xlsx"')
    sheet = openpyxl.load_workbook(BytesIO(response.data)).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "Annual report 2025"
    by_code = {row[2]: row for row in rows if row and row[2] in ("1.1.1", "1.1.2")}
    assert by_code["1.1.1"][3] == "People trained" and float(by_code["1.1.1"][7]) == 405
    assert float(by_code["1.1.1"][6]) == 400 and by_code["1.1.1"][8] == "Target met"
    assert by_code["1.1.2"][3] == CBOS_EN and float(by_code["1.1.2"][7]) == 22

    khmer = openpyxl.load_workbook(BytesIO(staff_client.get(f"{BASE}/{report.id}/report.xlsx?lang=km").data))
    names = [cell.value for cell in khmer.worksheets[0]["D"]]
    assert TRAINED_KM in names and CBOS_KM in names


def test_the_khmer_pdf_prints_the_khmer_indicator_names_exactly(tenant, staff_client, indicators):
    _trained, cbos = indicators
    report = make_report(tenant)
    with tenant_scope(tenant.id):
        db.session.add(IndicatorNarrative(tenant_id=tenant.id, report_id=report.id, indicator_id=cbos.id,
                                          text="Recruiting CBOs took longer."))
        db.session.commit()
    response = staff_client.get(f"{BASE}/{report.id}/report.pdf?lang=km")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].endswith('-km.pdf"')
    text = pdf_text(response.data)
    assert TRAINED_KM in text and CBOS_KM in text
    assert "អភិបាលកិច្ចប្រជាធិបតេយ្យ និងគណនេយ្យភាព" in text          # the objective, in Khmer
    assert "Recruiting CBOs took longer." in text
    assert "៤០៥" in text                                              # 405 with Khmer digits


def test_the_english_pdf_prints_the_english_names_and_statuses_and_is_audited(tenant, staff_client, indicators):
    report = make_report(tenant)
    response = staff_client.get(f"{BASE}/{report.id}/report.pdf?lang=en")
    text = pdf_text(response.data)
    for printed in ("Annual report 2025", "People trained", CBOS_EN, "Democratic governance and accountability",
                    "A good year for disclosure.", "Target met", "Off track", "405", "400"):
        assert printed in text, printed
    assert TRAINED_KM not in text
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export",
                                                         AuditEvent.model == "DonorReport")).all()
    assert len(events) == 1 and events[0].changes["lang"] == "en"


def test_an_unknown_language_is_not_found(tenant, staff_client, indicators):
    report = make_report(tenant)
    assert staff_client.get(f"{BASE}/{report.id}/report.pdf?lang=fr").status_code == 404


def test_a_viewer_can_export_but_cannot_edit(tenant, client, viewer, indicators):
    trained, _cbos = indicators
    report = make_report(tenant)
    login(client, viewer.email)
    page = client.get(f"{BASE}/{report.id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "People trained" in body and "<textarea" not in body and "New report" not in client.get(
        f"{BASE}/").get_data(as_text=True)
    assert client.get(f"{BASE}/{report.id}/report.xlsx?lang=en").status_code == 200
    assert client.get(f"{BASE}/{report.id}/report.pdf?lang=km").status_code == 200
    assert client.post(f"{BASE}/{report.id}", data={"title": "Hijacked", f"n_{trained.id}": "x"}).status_code == 403
    assert client.get(f"{BASE}/new").status_code == 403
    assert client.post(f"{BASE}/new", data={"title": "Mine", "period_key": "2025"}).status_code == 403
    with tenant_scope(tenant.id):
        assert db.session.get(DonorReport, report.id).title == "Annual report 2025"
        assert db.session.scalar(select(IndicatorNarrative)) is None


def test_another_tenant_finds_no_report(tenant, other_tenant, client, indicators):
    report = make_report(tenant)
    owner_b = make_member(other_tenant, "owner", email="owner@b.example")
    login(client, owner_b.email)
    other = f"/t/{other_tenant.slug}/results/reports"
    for url in (f"{other}/{report.id}", f"{other}/{report.id}/report.xlsx?lang=en",
                f"{other}/{report.id}/report.pdf?lang=en"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{other}/{report.id}", data={"title": "x"}).status_code == 404
    assert "Annual report 2025" not in client.get(f"{other}/").get_data(as_text=True)
    assert client.get(f"{BASE}/{report.id}").status_code in (403, 404)


def test_the_report_page_costs_the_same_queries_for_more_indicators(tenant, staff_client, outcome):
    def add(count: int, start: int) -> None:
        for number in range(start, start + count):
            indicator = make_indicator(tenant, outcome, f"1.1.{number}", name_en=f"Indicator {number}",
                                       targets={"2025": 10})
            enter(tenant, indicator, "2025-Q2", number)
            with tenant_scope(tenant.id):
                db.session.add(IndicatorNarrative(tenant_id=tenant.id, report_id=report.id, indicator_id=indicator.id,
                                                  text=f"Narrative {number}"))
                db.session.commit()

    report = make_report(tenant)
    add(2, 1)
    few = statements_for(staff_client, f"{BASE}/{report.id}")
    add(5, 3)
    many = statements_for(staff_client, f"{BASE}/{report.id}")
    assert many == few
    assert statements_for(staff_client, f"{BASE}/") == statements_for(staff_client, f"{BASE}/")
