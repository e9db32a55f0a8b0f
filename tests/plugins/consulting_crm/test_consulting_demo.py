"""The consulting demo data: only for `demo-consulting`, with the designed calls in every stage and
their stage history, proposals, a pool of twelve, five engagements, invoices numbered from the
sequence (one overdue on the demo's reference day), riel values with the NBC rate; the NGO demo
tenants get no consulting rows, and loading twice (also through `flask demo`) adds nothing."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from core.extensions import db
from core.models import Tenant
from core.registers.demo import load_register_demo
from core.tenancy import tenant_scope
from plugins.consulting_crm import services
from plugins.consulting_crm.demo import CALLS, ENGAGEMENTS, REFERENCE_DAY, load_demo_data
from plugins.consulting_crm.figures import FigureFilters, compute
from plugins.consulting_crm.models import (Assignment, ClientProfile, Consultant, Currency, Deliverable, Engagement,
                                           ExchangeRate, Invoice, InvoiceStatus, Opportunity, Payment, Proposal,
                                           Rating, StageMove, TimesheetLine, Tranche)
from tests.helpers import make_tenant

MODELS = (Opportunity, StageMove, Proposal, Consultant, ClientProfile, ExchangeRate, Engagement, Deliverable, Tranche,
          Assignment, TimesheetLine, Invoice, Payment, Rating)


def load(tenant) -> None:
    with tenant_scope(tenant.id):
        load_register_demo(tenant)          # `flask demo` runs the registers' demo first
        load_demo_data(tenant)
        db.session.commit()


def counts(tenant) -> dict[str, int]:
    with tenant_scope(tenant.id):
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in MODELS}


def test_the_consulting_demo_has_the_designed_pipeline(app):
    firm = make_tenant("demo-consulting", "API Development Consulting (demo)")
    load(firm)
    found = counts(firm)
    assert found["Opportunity"] == len(CALLS) == 28
    assert found["Consultant"] == 12 and found["ClientProfile"] == 10 and found["ExchangeRate"] == 24
    assert found["Proposal"] == 18 and found["Engagement"] == len(ENGAGEMENTS) == 5
    assert found["Invoice"] == 12 and found["Rating"] == 9 and found["TimesheetLine"] > 20
    with tenant_scope(firm.id):
        opportunities = db.session.scalars(select(Opportunity)).all()
        stages = Counter(opportunity.stage.code for opportunity in opportunities)
        assert stages == {"lead": 4, "qualified": 4, "writing": 4, "submitted": 4, "negotiation": 2, "won": 5,
                          "lost": 5}
        assert {opportunity.created_at.year for opportunity in opportunities} == {2025, 2026}
        # Every stage a won one went through is in its history, in order; lost ones have their reason.
        won = [o for o in opportunities if o.stage.code == "won"]
        assert all([move.to_stage.code for move in o.moves] == ["qualified", "writing", "submitted", "negotiation",
                                                                 "won"] for o in won)
        assert all(o.lost_reason and o.closed_on for o in opportunities if o.stage.code == "lost")
        assert all(earlier.moved_at <= later.moved_at for o in opportunities for earlier, later in
                   zip(o.moves, o.moves[1:]))
        # Riel values carry the NBC rate of their day.
        riel = [o for o in opportunities if o.currency is Currency.KHR]
        assert len(riel) == 5 and all(4000 <= o.khr_per_usd <= 4100 and o.rate_source == "National Bank of Cambodia"
                                      for o in riel)
        # Invoices: numbered from the sequence; paid, partly paid, issued and exactly one overdue.
        invoices = db.session.scalars(select(Invoice).order_by(Invoice.id)).all()
        assert [invoice.number for invoice in invoices] == [f"INV-{n:04d}" for n in range(1, 13)]
        assert services.settings_for(firm.id).next_invoice_number == 13
        overdue = [invoice for invoice in invoices if services.is_overdue(invoice, REFERENCE_DAY)]
        assert len(overdue) == 1 and overdue[0].currency is Currency.KHR and not overdue[0].payments
        partial = [invoice for invoice in invoices if invoice.payments and services.balance(invoice) > 0]
        assert len(partial) == 1
        assert sum(invoice.status is InvoiceStatus.PAID for invoice in invoices) == 9
        for invoice in invoices:
            totals = services.invoice_totals([(1, invoice.subtotal)], invoice.vat_percent, invoice.withholding_percent)
            assert (invoice.total, invoice.amount_due) == (totals.total, totals.amount_due)
            assert invoice.tranche.deliverable.accepted_on is not None
        figures = compute(FigureFilters(), firm.id)
    assert figures.pipeline.opportunities + figures.not_in_usd == 18
    assert figures.win_rate.won == 5 and figures.win_rate.lost == 5


def test_ngo_demo_tenants_get_no_consulting_rows(app):
    lead = make_tenant("demo-lead", "Advocacy and Policy Institute (demo)")
    load(lead)
    assert set(counts(lead).values()) == {0}


def test_loading_twice_adds_nothing(app):
    firm = make_tenant("demo-consulting")
    load(firm)
    first = counts(firm)
    load(firm)
    assert counts(firm) == first


def test_flask_demo_loads_the_consulting_demo_once_and_only_for_the_firm(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "--password", "demo-pass-2026!"]).exit_code == 0
    tenants = {tenant.slug: tenant for tenant in db.session.scalars(select(Tenant))}
    first = counts(tenants["demo-consulting"])
    assert first["Opportunity"] == 28 and first["Invoice"] == 12
    assert set(counts(tenants["demo-lead"]).values()) == {0} and set(counts(tenants["demo-cso"]).values()) == {0}
    again = runner.invoke(args=["demo", "--password", "demo-pass-2026!"])
    assert again.exit_code == 0 and "already exists" in again.output
    assert counts(tenants["demo-consulting"]) == first
