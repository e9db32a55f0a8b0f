"""The pipeline figures page and its downloads: what a user sees (tables, the chart with its text
alternative, the conventions), the filters, CSV and Excel holding the same figures, the tenant's own
rows only, 404 when the module is switched off, and a flat number of statements."""
from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent
from core.tenancy import tenant_scope
from tests.helpers import login, make_member, statements_for
from tests.plugins.consulting_crm.conftest import switch_off
from tests.plugins.consulting_crm.figures_data import at, build, move, opportunity


def url(tenant, path="", **query):
    base = f"/t/{tenant.slug}/consulting/pipeline/{path}"
    return base + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_the_page_shows_the_figures_tables_and_chart(admin_client, tenant):
    build(tenant)
    response = admin_client.get(url(tenant, year=2026))
    assert response.status_code == 200
    page = response.text
    for text in ["Weighted pipeline by expected month", "March 2026", "$18,000.00", "May 2026", "$7,200.00",
                 "No date", "$25,700.00", "Weighted pipeline by stage", "Negotiation",
                 "1 open opportunity is left out", "66.7%", "30%", "$30,000.00", "$70,000.00",
                 "Average days per stage", "85.5",
                 "Revenue and margin by year and client type", "Development partner", "$3,455.55", "$8,455.55",
                 "$10,924.50", "Margin per engagement", "Digital rights curriculum", "Year: 2026"]:
        assert text in page, text
    assert "$3,801.11" not in page                 # the invoice's total with VAT is not revenue
    assert "Cancelled workshop" not in page
    # The chart is drawn on the server, with a text alternative naming every bar.
    assert "<svg" in page and "<script" not in page.split("<main", 1)[-1].split("</main>", 1)[0]
    description = re.search(r'<desc id="chart-desc">(.*?)</desc>', page, re.S).group(1)
    assert description == "March 2026: $18,000.00; May 2026: $7,200.00; No date: $500.00"
    # Every table sits in the scrolling box, so the page itself never scrolls sideways at 360 px.
    assert page.count("<table") == page.count('<div class="table-wrap"><table') >= 7
    assert '<details class="report-filters"' in page
    # Nobody is named: client contacts and consultants do not appear.
    for name in ["Srey Pov", "Vuthy Rith", "Swiss Agency"]:
        assert name not in page, name


def test_filters_apply_and_bad_ones_are_explained(staff_client, tenant):
    owner = make_member(tenant, "member", email="owner@example.org")
    build(tenant, owner=owner)
    page = staff_client.get(url(tenant, owner=owner.id)).text
    assert "$10,000.00" in page and "$25,700.00" not in page
    assert "Owner: Member of kampot-network" in page
    ngo = staff_client.get(url(tenant, client_type="ngo")).text
    assert "NGO" in ngo and "$8,300.00" in ngo and "$10,924.50" not in ngo
    response = staff_client.get(url(tenant, date_from="2026-05-01", date_to="2026-01-01"))
    assert response.status_code == 422 and "The end of the period must not be before its start." in response.text
    response = staff_client.get(url(tenant, year=2026, date_from="2026-01-01"))
    assert response.status_code == 422 and "Choose a year or a period, not both." in response.text
    assert staff_client.get(url(tenant, client_type="martian")).status_code == 422
    assert staff_client.get(url(tenant, "export/summary.csv", year="not-a-year")).status_code == 422


def test_downloads_hold_the_same_figures_and_are_audited(admin_client, tenant):
    build(tenant)
    summary = {row[0]: row[1] for row in csv_rows(admin_client.get(url(tenant, "export/summary.csv", year=2026)))}
    assert summary["Weighted pipeline (USD)"] == "25700.00"
    assert summary["Win rate by count (%)"] == "66.7" and summary["Win rate by value (%)"] == "30.0"
    assert summary["Invoiced, excluding VAT (USD)"] == "8455.55"
    assert summary["Margin (USD)"] == "19224.50" and summary["Margin (%)"] == "64.1"
    pipeline = csv_rows(admin_client.get(url(tenant, "export/pipeline.csv", year=2026)))
    assert pipeline[0] == ["Breakdown", "Group", "Open opportunities", "Value (USD)", "Weighted value (USD)"]
    assert ["Expected month", "March 2026", "2", "60000.00", "18000.00"] in pipeline
    assert ["Stage", "Negotiation", "1", "12000.00", "7200.00"] in pipeline
    stages = {row[0]: row[1:] for row in csv_rows(admin_client.get(url(tenant, "export/stages.csv", year=2026)))}
    assert stages["Submitted"][0] == "2" and stages["Submitted"][2] == "85.5"
    revenue = csv_rows(admin_client.get(url(tenant, "export/revenue.csv")))
    assert ["2026", "NGO", "1", "5000.00", "1", "10000.00", "2000.00", "1700.00", "8300.00", "83.0"] in revenue
    engagements = csv_rows(admin_client.get(url(tenant, "export/engagements.csv")))
    assert len(engagements) == 4 and engagements[0][1] == "Engagement"

    import openpyxl
    response = admin_client.get(url(tenant, "export/summary.xlsx", year=2026))
    assert response.status_code == 200
    values = {row[0]: row[1] for row in openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(
        values_only=True)}
    assert values["Weighted pipeline (USD)"] == 25700.0 and values["Win rate by count (%)"] == 66.7
    workbook = openpyxl.load_workbook(io.BytesIO(admin_client.get(url(tenant, "export/all.xlsx")).data))
    assert workbook.sheetnames == ["summary", "pipeline", "stages", "revenue", "engagements"]
    assert workbook["revenue"].max_row == 4
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export",
                                                         AuditEvent.model == "PipelineFigures")).all()
    assert len(events) == 7
    for missing in ["export/people.csv", "export/summary.pdf", "export/all.csv"]:
        assert admin_client.get(url(tenant, missing)).status_code == 404


def test_a_viewer_may_look(client, tenant):
    build(tenant)
    viewer = make_member(tenant, "viewer")
    login(client, viewer.email)
    assert client.get(url(tenant)).status_code == 200
    assert client.get(url(tenant, "export/summary.csv")).status_code == 200


def test_another_tenant_sees_neither_the_page_nor_the_figures(client, tenant, other_tenant):
    build(tenant)
    outsider = make_member(other_tenant, "staff")
    login(client, outsider.email)
    assert client.get(url(tenant)).status_code == 404
    assert client.get(url(tenant, "export/summary.csv")).status_code == 404
    own = client.get(url(other_tenant))
    assert own.status_code == 200 and "$25,700.00" not in own.text and "Digital rights curriculum" not in own.text
    assert "Nothing to count in this period with these filters." in own.text


def test_switched_off_module_answers_404(staff_client, tenant):
    build(tenant)
    switch_off(tenant)
    assert staff_client.get(url(tenant)).status_code == 404
    assert staff_client.get(url(tenant, "export/all.xlsx")).status_code == 404


def test_the_page_costs_the_same_number_of_statements_for_more_rows(staff_client, tenant):
    build(tenant)
    few = statements_for(staff_client, url(tenant))
    with tenant_scope(tenant.id):
        for number in range(5):
            more = opportunity(tenant, f"More {number}", "submitted", value=Decimal("1000"),
                               expected=date(2026, number + 1, 1), created=at(2026, 1, 1))
            move(tenant, more, "lead", "submitted", at(2026, 1, 2))
        db.session.commit()
    assert statements_for(staff_client, url(tenant)) == few


def test_the_page_renders_in_khmer(staff_client, tenant):
    build(tenant)
    tenant.default_locale = "km"
    db.session.commit()
    response = staff_client.get(url(tenant, year=2026))
    assert response.status_code == 200
    assert '<html lang="km">' in response.text and "<svg" in response.text
    assert "ចរចា" in response.text                     # the stage's Khmer name ("Negotiation")


def test_the_margin_per_engagement_is_for_the_roles_that_see_rates(client, tenant, engagement):
    from core.models import Role
    from tests.helpers import login, make_member
    staff = make_member(tenant, Role.STAFF)
    login(client, staff.email)
    page = client.get(f"/t/{tenant.slug}/consulting/pipeline/").get_data(as_text=True)
    assert "Margin per engagement" not in page and "engagements.csv" not in page
    assert client.get(f"/t/{tenant.slug}/consulting/pipeline/export/engagements.csv").status_code == 403
