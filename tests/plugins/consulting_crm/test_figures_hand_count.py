"""Pipeline figures equal a count by hand on the data of figures_data.py: weighted pipeline by month
and stage (USD and riel at the recorded rate), win rate by count and value, average days per
stage, revenue excluding VAT and margin by client type and year, in a fixed number of statements."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.extensions import db
from core.tenancy import tenant_scope
from plugins.consulting_crm import services
from plugins.consulting_crm.figures import FigureFilters, compute
from plugins.consulting_crm.models import ClientType, Engagement, Invoice, InvoiceStatus, TimesheetLine
from tests.helpers import StatementCounter, make_member
from tests.plugins.consulting_crm.figures_data import NOW, at, build, invoice, move, opportunity

D = Decimal


def figures_for(tenant, **filters):
    return compute(FigureFilters(**filters), tenant.id, now=NOW)


def test_weighted_pipeline_by_month_and_stage(tenant):
    build(tenant)
    figures = figures_for(tenant, year=2026)
    # March 2026: O1 40,000 × 25 % = 10,000 and O2 82,000,000 KHR ÷ 4,100 = 20,000 × 40 % = 8,000
    #   (O2 has no expected start: its submission deadline, 25 March, places it) → 60,000 / 18,000.
    # May 2026: O3 12,000 × 60 % (its recorded probability, not the stage's 75 %) = 7,200.
    # No date: O5 5,000 × 10 % = 500. O4 has no value: left out (not_in_usd = 1).
    months = [(row.key, row.opportunities, row.value_usd, row.weighted_usd) for row in figures.by_month]
    assert months == [("2026-03", 2, D("60000.00"), D("18000.00")), ("2026-05", 1, D("12000.00"), D("7200.00")),
                      ("", 1, D("5000.00"), D("500.00"))]
    assert figures.by_month[0].label == "March 2026" and figures.by_month[-1].label == "No date"
    # Total: 4 opportunities, 77,000, weighted 10,000 + 8,000 + 7,200 + 500 = 25,700.
    assert (figures.pipeline.opportunities, figures.pipeline.value_usd, figures.pipeline.weighted_usd) == (
        4, D("77000.00"), D("25700.00"))
    assert figures.not_in_usd == 1
    # By stage (open stages only, in the list's order): lead O5 (500), qualified O1, writing O2, submitted
    # none, negotiation O3.
    stages = {row.key: (row.opportunities, row.weighted_usd) for row in figures.by_stage}
    assert stages == {"lead": (1, D("500.00")), "qualified": (1, D("10000.00")), "writing": (1, D("8000.00")),
                      "submitted": (0, D("0")), "negotiation": (1, D("7200.00"))}
    assert [row.key for row in figures.by_stage] == ["lead", "qualified", "writing", "submitted", "negotiation"]
    # 2027: only the undated O5 remains.
    later = figures_for(tenant, year=2027)
    assert [(row.key, row.weighted_usd) for row in later.by_month] == [("", D("500.00"))]


def test_win_rate_by_count_and_by_value(tenant):
    build(tenant)
    win = figures_for(tenant, year=2026).win_rate
    # Closed in 2026: W1 won 20,000; W2 won 41,000,000 KHR ÷ 4,100 = 10,000; L1 lost 70,000.
    # (L2 was lost in 2025.) By count 2 ÷ 3 = 66.7 %; by value 30,000 ÷ 100,000 = 30.0 %.
    assert (win.won, win.lost, win.won_usd, win.lost_usd) == (2, 1, D("30000.00"), D("70000.00"))
    assert (win.by_count, win.by_value) == (66.7, 30.0)
    everything = figures_for(tenant).win_rate
    # All time: + L2 lost 99,000 → 2 ÷ 4 = 50 %; 30,000 ÷ 199,000 = 15.1 %.
    assert (everything.by_count, everything.by_value) == (50.0, 15.1)
    assert figures_for(tenant, year=2024).win_rate.by_count is None


def test_average_days_per_stage(tenant):
    build(tenant)
    days = {row.code: (row.stays, row.still_open, row.average_days)
            for row in figures_for(tenant, year=2026).stage_days}
    # lead: O3 1→11 Jan 10 d, W1 5→25 Jan 20 d, O4 and O5 since 30 June 12:00 to "now" (10 July 12:00)
    #   10 d each, still there → 4 stays, 50 ÷ 4 = 12.5.
    # qualified: O3 11→31 Jan 20 d, O1 10 d (current) → 15.0.
    # writing: O3 31 Jan → 10 Feb 12:00 = 10.5 d, W1 25 Jan → 15 Feb 21 d, O2 10 d (current) → 41.5 ÷ 3 = 13.8.
    # submitted: O3 10 Feb 12:00 → 30 June 12:00 = 140 d, L1 1 March → 1 April 31 d → 85.5.
    # negotiation: O3 30 June 12:00 → now 10 d, still there. Won and lost are not stays.
    assert days == {"lead": (4, 2, 12.5), "qualified": (2, 1, 15.0), "writing": (3, 1, 13.8),
                    "submitted": (2, 0, 85.5), "negotiation": (1, 1, 10.0)}
    # All time adds L2's 10 days in lead in October 2025: 60 ÷ 5 = 12.0.
    assert {row.code: row.average_days for row in figures_for(tenant).stage_days}["lead"] == 12.0


def test_revenue_excluding_vat_and_margin_by_client_type_and_year(tenant):
    build(tenant)
    figures = figures_for(tenant)
    rows = {(row.year, row.client_type): row for row in figures.revenue}
    assert list(rows) == [(2026, "development_partner"), (2026, "ngo"), (2025, "institution")]
    partner, ngo, institution = rows.values()
    # I1: 12 × 250 + 455.55 = 3,455.55 excluding VAT (its total with VAT, 3,801.11, is not revenue);
    # I3 is a draft and I4 cancelled: not counted.
    assert (partner.invoices, partner.invoiced_usd) == (1, D("3455.55"))
    # E1: contract 20,000; planned 30 × 250 + 20 × 180 = 11,100; actual (12 + 10.5) × 250 = 5,625
    #   + 15 × 180 = 2,700 + expenses 450.50 + 300 = 9,075.50; margin 10,924.50 (54.6 %).
    assert (partner.engagements, partner.contract_usd, partner.planned_cost_usd, partner.actual_cost_usd) == (
        1, D("20000.00"), D("11100.00"), D("9075.50"))
    assert (partner.margin_usd, partner.planned_margin_usd, partner.margin_percent) == (
        D("10924.50"), D("8900.00"), 54.6)
    # I2: 20,500,000 KHR ÷ 4,100 = 5,000. E2: 41,000,000 ÷ 4,100 = 10,000; actual 8 × 820,000
    #   + 410,000 = 6,970,000 KHR ÷ 4,100 = 1,700; planned 10 × 820,000 ÷ 4,100 = 2,000; margin 8,300.
    assert (ngo.invoiced_usd, ngo.contract_usd, ngo.actual_cost_usd, ngo.planned_cost_usd, ngo.margin_usd) == (
        D("5000.00"), D("10000.00"), D("1700.00"), D("2000.00"), D("8300.00"))
    # 2025: I5 8,000; E4 8,000 with no cost. E3 is cancelled: not counted anywhere.
    assert (institution.invoiced_usd, institution.contract_usd, institution.margin_usd) == (
        D("8000.00"), D("8000.00"), D("8000.00"))
    assert "Cancelled workshop" not in [row.title for row in figures.engagements]
    in_2026 = figures_for(tenant, year=2026)
    # 3,455.55 + 5,000 = 8,455.55; contract 30,000; cost 9,075.50 + 1,700 = 10,775.50; margin 19,224.50 (64.1 %).
    assert (in_2026.invoiced_usd, in_2026.contract_usd, in_2026.actual_cost_usd, in_2026.margin_usd,
            in_2026.margin_percent) == (D("8455.55"), D("30000.00"), D("10775.50"), D("19224.50"), 64.1)


def test_owner_and_client_type_filters(tenant):
    owner = make_member(tenant, "staff")
    build(tenant, owner=owner)
    mine = figures_for(tenant, owner_id=owner.id)
    assert (mine.pipeline.opportunities, mine.pipeline.weighted_usd) == (1, D("10000.00"))     # O1 only
    assert mine.revenue == [] and mine.win_rate.closed == 0
    ngo = figures_for(tenant, client_type=ClientType.NGO)
    # O2 (8,000); W2 won; revenue and margin of E2 only.
    assert ngo.pipeline.weighted_usd == D("8000.00") and (ngo.win_rate.won, ngo.win_rate.lost) == (1, 0)
    assert [(row.year, row.client_type, row.invoiced_usd, row.margin_usd) for row in ngo.revenue] == [
        (2026, "ngo", D("5000.00"), D("8300.00"))]
    period = figures_for(tenant, date_from=date(2026, 4, 1), date_to=date(2026, 6, 30))
    # Closed in April–June: L1 (1 April) and W2 (30 June) → 50 %; invoiced I1 (10 April) only.
    assert (period.win_rate.by_count, period.invoiced_usd) == (50.0, D("3455.55"))


def test_another_tenants_rows_are_not_counted(tenant, other_tenant):
    build(tenant)
    with tenant_scope(other_tenant.id):
        opportunity(other_tenant, "Their bid", "qualified", value=Decimal("1000000"), expected=date(2026, 3, 1))
        db.session.commit()
    ours = figures_for(tenant, year=2026)
    assert ours.pipeline.weighted_usd == D("25700.00")
    theirs = figures_for(other_tenant, year=2026)
    assert theirs.pipeline.weighted_usd == D("250000.00") and theirs.revenue == [] and theirs.win_rate.closed == 0


def test_figures_cost_the_same_number_of_statements_for_more_rows(tenant):
    build(tenant)
    with StatementCounter() as few:
        figures_for(tenant)
    with tenant_scope(tenant.id):
        for number in range(6):
            more = opportunity(tenant, f"More {number}", "submitted", value=Decimal("1000"), created=at(2026, 2, 1),
                               expected=date(2026, 8, number + 1))
            move(tenant, more, "lead", "submitted", at(2026, 2, 2))
            engagement = Engagement(tenant_id=tenant.id, title=f"More engagement {number}",
                                    contract_value=Decimal("500"), starts_on=date(2026, 8, 1))
            db.session.add(engagement)
            db.session.flush()
            db.session.add(TimesheetLine(tenant_id=tenant.id, engagement_id=engagement.id, worked_on=date(2026, 8, 2),
                                         days=Decimal("1"), expense_amount=Decimal("10")))
            invoice(tenant, engagement, f"INV-M{number}", InvoiceStatus.ISSUED, date(2026, 8, 3),
                    services.invoice_totals([(Decimal("1"), Decimal("100"))], Decimal("10"), Decimal("0")))
        db.session.commit()
    with StatementCounter() as many:
        figures = figures_for(tenant)
    assert figures.pipeline.opportunities == 10 and len(figures.engagements) == 9
    assert db.session.query(Invoice).count() == 11
    assert many.count == few.count <= 9
