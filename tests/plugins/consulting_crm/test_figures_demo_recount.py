"""The pipeline figures and the invoices of the consulting demo equal a recount done here the plain
way, row by row: weighted pipeline (value × probability in USD at each opportunity's rate), win
rate, revenue excluding VAT, each invoice's VAT, withholding and amount due, and the margin
(contract value − days worked × the assignment's day rate − expenses)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from core.extensions import db
from core.tenancy import tenant_scope
from plugins.consulting_crm.figures import FigureFilters, compute
from plugins.consulting_crm.models import (Currency, Engagement, EngagementStatus, Invoice, InvoiceStatus,
                                           Opportunity, StageOutcome)
from tests.helpers import make_tenant
from tests.plugins.consulting_crm.test_consulting_demo import load

CENT = Decimal("0.01")


def usd(amount, currency, rate) -> Decimal:
    return Decimal(amount) if currency is Currency.USD else Decimal(amount) / Decimal(rate)


def test_the_figures_of_the_demo_equal_a_recount_row_by_row(app):
    firm = make_tenant("demo-consulting", "API Development Consulting (demo)")
    load(firm)
    figures = compute(FigureFilters(), firm.id)
    with tenant_scope(firm.id):
        opportunities = db.session.scalars(select(Opportunity)).all()
        open_ones = [o for o in opportunities if o.stage.outcome is StageOutcome.OPEN and o.estimated_value
                     and (o.currency is Currency.USD or o.khr_per_usd)]
        weighted = sum(usd(o.estimated_value, o.currency, o.khr_per_usd) * o.probability / 100 for o in open_ones)
        assert figures.pipeline.opportunities == len(open_ones)
        assert figures.pipeline.weighted_usd == weighted.quantize(CENT, ROUND_HALF_UP)
        won = [o for o in opportunities if o.stage.outcome is StageOutcome.WON]
        lost = [o for o in opportunities if o.stage.outcome is StageOutcome.LOST]
        assert (figures.win_rate.won, figures.win_rate.lost) == (len(won), len(lost)) == (5, 5)
        assert figures.win_rate.by_count == 50.0

        invoices = db.session.scalars(select(Invoice)).all()
        for invoice in invoices:
            subtotal = sum((line.quantity * line.unit_price for line in invoice.lines), Decimal("0"))
            vat = (subtotal * invoice.vat_percent / 100).quantize(CENT, ROUND_HALF_UP)
            withholding = (subtotal * invoice.withholding_percent / 100).quantize(CENT, ROUND_HALF_UP)
            assert (invoice.subtotal, invoice.vat_amount, invoice.withholding_amount, invoice.amount_due) == (
                subtotal.quantize(CENT), vat, withholding, subtotal + vat - withholding), invoice.number
        counted = [i for i in invoices if i.status in (InvoiceStatus.ISSUED, InvoiceStatus.PAID)]
        assert figures.invoiced_usd.quantize(CENT) == sum(
            usd(i.subtotal, i.currency, i.khr_per_usd) for i in counted).quantize(CENT, ROUND_HALF_UP)

        engagements = [e for e in db.session.scalars(select(Engagement)) if e.status is not EngagementStatus.CANCELLED]
        contract = actual = Decimal("0")
        for engagement in engagements:
            rates = {a.id: a.day_rate for a in engagement.assignments}
            cost = sum((line.days * rates.get(line.assignment_id, Decimal("0")) + line.expense_amount
                        for line in engagement.timesheet), Decimal("0"))
            contract += usd(engagement.contract_value, engagement.currency, engagement.khr_per_usd)
            actual += usd(cost, engagement.currency, engagement.khr_per_usd)
        assert figures.contract_usd.quantize(CENT) == contract.quantize(CENT, ROUND_HALF_UP)
        assert abs(figures.margin_usd - (contract - actual)) < Decimal("0.05")     # rows rounded to the cent
