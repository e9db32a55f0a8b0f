"""The training report page and its downloads: the figures a user sees, the filters, Khmer, CSV and
Excel files holding the same figures and one row per course, and nobody named anywhere."""
from __future__ import annotations

import csv
import io

from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent
from tests.helpers import login, make_member, statements_for
from tests.plugins.training_registry.reports_data import build


def url(tenant, path="", **query):
    base = f"/t/{tenant.slug}/training/reports/{path}"
    return base + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def test_the_page_shows_the_figures_cross_tab_chart_and_notes(staff_client, tenant):
    build(tenant)
    response = staff_client.get(url(tenant))
    assert response.status_code == 200
    page = response.text
    for text in ["From named records", "From historical totals", "66.7%", "61.5%", "85.2%", "44%",
                 "Young women with a disability: 1.", "Community-based organisation: 1",
                 "From historical totals (type not recorded): 5", "cannot be de-duplicated",
                 "left out of the percentage: 1 here", "By province", "Kampot", "Takeo", "P-12 · Budget literacy",
                 "Citizen monitoring 2025", "from totals", "<svg", "<desc", "Women: 61.5%"]:
        assert text in page, text
    # Nobody is named, protected or not.
    for name in ["Sok Sreyny", "Sean Pisey", "ស៊ាន ពិសី", "Kampot CBO"]:
        assert name not in page, name


def test_filters_apply_and_bad_ones_are_explained(staff_client, tenant):
    data = build(tenant)
    page = staff_client.get(url(tenant, project=data.project.id)).text
    assert "Budget monitoring" in page and "Citizen monitoring 2025" not in page
    assert "Project: P-12" in page                    # the folded form's summary
    page = staff_client.get(url(tenant, province="07")).text
    assert "Citizen monitoring 2025" in page and "Budget monitoring" not in page
    response = staff_client.get(url(tenant, date_from="2026-05-01", date_to="2026-01-01"))
    assert response.status_code == 422 and "The end of the period must not be before its start." in response.text
    assert staff_client.get(url(tenant, province="99")).status_code == 422
    empty = staff_client.get(url(tenant, date_from="2030-01-01")).text
    assert "No course starts in this period with these filters." in empty


def test_the_page_reads_in_khmer(staff_client, tenant):
    build(tenant)
    tenant.default_locale = "km"
    db.session.commit()
    response = staff_client.get(url(tenant))
    assert response.status_code == 200
    page = response.text
    assert '<html lang="km">' in page
    assert "ការតាមដានថវិកា" in page and "កំពត" in page and "តាកែវ" in page      # Khmer titles and places
    assert "គ្រប់ខេត្ត" in page and "បង្ហាញ" in page                       # "All provinces", "Show"
    assert "អង្គការសហគមន៍មូលដ្ឋាន: 1" in page                           # organisations of type CBO
    assert "66.7%" in page


def test_downloads_hold_the_same_figures_and_are_audited(staff_client, tenant):
    build(tenant)
    response = staff_client.get(url(tenant, "export/figures.csv"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = {row[0]: row[1:] for row in csv.reader(io.StringIO(response.data.decode("utf-8-sig")))}
    assert rows["People (unique)"] == ["6", "20", "26"]
    assert rows["Women (share of people, %)"] == ["66.7", "60.0", "61.5"]
    assert rows["Completion rate (%)"] == ["71.4", "90.0", "85.2"]
    assert rows["Average normalised gain (%)"] == ["66.7", "", "66.7"]
    assert rows["Women, young, with a disability"] == ["1", "", "1"]
    courses = list(csv.reader(io.StringIO(staff_client.get(url(tenant, "export/courses.csv")).data.decode("utf-8-sig"))))
    assert len(courses) == 4 and courses[0][0] == "Course number"
    by_title = {row[2]: row for row in courses[1:]}
    assert by_title["Budget monitoring"][7] == "Takeo" and by_title["Budget monitoring"][9] == "3"
    assert by_title["Citizen monitoring 2025"][-1] == "2025 annual report, p. 12"
    breakdowns = staff_client.get(url(tenant, "export/breakdowns.csv", province="21")).data.decode("utf-8-sig")
    assert "Takeo" in breakdowns and "Kampot" not in breakdowns

    import openpyxl
    response = staff_client.get(url(tenant, "export/figures.xlsx"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    values = {row[0]: row[1:] for row in sheet.iter_rows(values_only=True)}
    assert values["People (unique)"] == (6, 20, 26) and values["Women (share of people, %)"] == (66.7, 60.0, 61.5)
    workbook = openpyxl.load_workbook(io.BytesIO(staff_client.get(url(tenant, "export/courses.xlsx")).data))
    assert workbook.active.max_row == 4
    for path in ["export/figures.csv", "export/courses.csv", "export/breakdowns.xlsx"]:
        assert "Sean Pisey" not in staff_client.get(url(tenant, path)).data.decode("utf-8", "ignore")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export",
                                                         AuditEvent.model == "TrainingReport")).all()
    assert len(events) >= 7
    assert staff_client.get(url(tenant, "export/people.csv")).status_code == 404
    assert staff_client.get(url(tenant, "export/figures.pdf")).status_code == 404


def test_only_members_see_the_report(client, tenant, other_tenant):
    build(tenant)
    outsider = make_member(other_tenant, "staff")
    login(client, outsider.email)
    assert client.get(url(tenant)).status_code in (403, 404)
    assert client.get(url(tenant, "export/figures.csv")).status_code in (403, 404)


def test_the_page_costs_the_same_number_of_statements_for_more_courses(staff_client, tenant):
    from datetime import date

    from core.tenancy import tenant_scope
    from plugins.training_registry import services
    from tests.plugins.training_registry.conftest import add_course, add_people
    build(tenant)
    few = statements_for(staff_client, url(tenant))
    for number in range(3):
        course = add_course(tenant, title_en=f"More {number}", starts_on=date(2026, 7, number + 1))
        with tenant_scope(tenant.id):
            for person in add_people(tenant):
                services.record_attendance(course.sessions[0], services.enrol(course, person), True)
            db.session.commit()
    assert statements_for(staff_client, url(tenant)) == few
