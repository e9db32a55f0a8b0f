"""Small builders for the invoice tests: the seller's settings, tranches and issued invoices."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.extensions import db
from core.tenancy import tenant_scope
from plugins.consulting_crm import engagements, invoices, services
from plugins.consulting_crm.invoices import LineInput
from plugins.consulting_crm.models import Deliverable, DeliverableStatus, Engagement, Invoice, Tranche

SELLER = "API Development Consulting Co., Ltd."
SELLER_TIN = "K001-902345678"


def set_up_seller(tenant, *, prefix="INV-2026-", next_number=7, payment_days=30, vat="10",
                  withholding="15") -> None:
    with tenant_scope(tenant.id):
        settings = services.settings_for(tenant.id)
        settings.seller_name, settings.seller_tax_number = SELLER, SELLER_TIN
        settings.invoice_prefix, settings.next_invoice_number = prefix, next_number
        settings.payment_days = payment_days
        settings.vat_percent, settings.withholding_percent = Decimal(vat), Decimal(withholding)
        db.session.commit()


def add_tranche(tenant, engagement: Engagement, label: str, amount: str, *, accepted: bool | None = None) -> Tranche:
    """A tranche; with `accepted` it waits on a deliverable (accepted or not yet)."""
    with tenant_scope(tenant.id):
        engagement = db.session.get(Engagement, engagement.id)
        deliverable = None
        if accepted is not None:
            deliverable = Deliverable(tenant_id=tenant.id, engagement=engagement, title=f"Report for {label}",
                                      due_on=date(2026, 3, 31),
                                      status=DeliverableStatus.ACCEPTED if accepted else DeliverableStatus.SUBMITTED,
                                      accepted_on=date(2026, 3, 30) if accepted else None)
            db.session.add(deliverable)
        tranche = Tranche(tenant_id=tenant.id, engagement=engagement, label=label, amount=Decimal(amount),
                          deliverable=deliverable, position=len(engagement.tranches) + 1)
        db.session.add(tranche)
        db.session.commit()
        return tranche


def draft(tenant, engagement: Engagement, lines=(("Training days", "12", "450"),), **fields) -> Invoice:
    with tenant_scope(tenant.id):
        loaded = engagements.load_engagement(engagement.id)
        invoice = invoices.create_draft(loaded, lines=[LineInput(*line) for line in lines], **fields)
        db.session.commit()
        return invoice


def issued(tenant, engagement: Engagement, *, issued_on: date, lines=(("Training days", "12", "450"),),
           **fields) -> Invoice:
    invoice = draft(tenant, engagement, lines, **fields)
    with tenant_scope(tenant.id):
        invoice = invoices.load_invoice(invoice.id)
        invoices.issue(invoice, issued_on=issued_on, today=max(issued_on, date.today()))
        db.session.commit()
        return invoice


def pay(tenant, invoice: Invoice, amount: str, paid_on: date) -> None:
    with tenant_scope(tenant.id):
        loaded = invoices.load_invoice(invoice.id)
        invoices.add_payment(loaded, amount=amount, paid_on=paid_on, today=max(paid_on, date.today()))
        db.session.commit()
