"""Invoice rules without pages: VAT, withholding, totals and the balance after partial payments match
a hand count; numbers come from the tenant's sequence (never twice); seller and buyer are copied when
issued; an issued invoice is final; tranches are invoiced once and only after their deliverable is
accepted; closed engagements, riel without a rate, negative amounts and payments above the balance
are refused with nothing half-saved; overdue is an issued invoice past due with a balance left."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.errors import DomainError
from core.extensions import db
from core.tenancy import tenant_scope
from plugins.consulting_crm import engagements, invoices, services
from plugins.consulting_crm.invoices import LineInput
from plugins.consulting_crm.models import (ConsultingSettings, Currency, Engagement, EngagementStatus, Invoice,
                                           InvoiceLine, InvoiceStatus, Payment)
from tests.plugins.consulting_crm.invoice_helpers import (SELLER, SELLER_TIN, add_tranche, draft, issued, pay,
                                                          set_up_seller)

ISSUED_ON = date(2026, 4, 1)
LATER = date(2026, 12, 31)        # "today" for the rules, so the tests do not depend on the clock


def withholding_on(tenant, engagement) -> None:
    with tenant_scope(tenant.id):
        db.session.get(Engagement, engagement.id).withholding_applies = True
        db.session.commit()


def load(tenant, invoice) -> Invoice:
    with tenant_scope(tenant.id):
        return invoices.load_invoice(invoice.id)


def test_vat_withholding_totals_and_balance_after_partial_payments_match_a_hand_count(tenant, engagement):
    set_up_seller(tenant)
    withholding_on(tenant, engagement)
    invoice = draft(tenant, engagement, [("Training days", "12", "450"),         # 12 × 450.00   = 5,400.00
                                         ("Curriculum review", "1", "1,234.56"),  # 1 × 1,234.56  = 1,234.56
                                         ("Printing", "3", "0.33")])              # 3 × 0.33      =     0.99
    invoice = load(tenant, invoice)
    assert invoice.subtotal == Decimal("6635.55")              # 5,400.00 + 1,234.56 + 0.99
    assert invoice.vat_percent == Decimal(10) and invoice.vat_amount == Decimal("663.56")   # 663.555 → 663.56
    assert invoice.total == Decimal("7299.11")                 # 6,635.55 + 663.56
    assert invoice.withholding_percent == Decimal(15)
    assert invoice.withholding_amount == Decimal("995.33")     # 15 % of 6,635.55 = 995.3325 → 995.33
    assert invoice.amount_due == Decimal("6303.78")            # 7,299.11 − 995.33
    assert [line.position for line in invoice.lines] == [1, 2, 3]

    with tenant_scope(tenant.id):
        invoices.issue(invoice, issued_on=ISSUED_ON, today=LATER)
        db.session.commit()
    pay(tenant, invoice, "3,000", date(2026, 4, 20))
    invoice = load(tenant, invoice)
    assert services.balance(invoice) == Decimal("3303.78")     # 6,303.78 − 3,000.00
    assert invoice.status is InvoiceStatus.ISSUED
    pay(tenant, invoice, "2303.78", date(2026, 5, 2))
    invoice = load(tenant, invoice)
    assert services.balance(invoice) == Decimal("1000.00")     # 3,303.78 − 2,303.78
    with tenant_scope(tenant.id), pytest.raises(DomainError) as refused:
        invoices.add_payment(invoice, amount="1000.01", paid_on=date(2026, 5, 9), today=LATER)
    assert refused.value.field == "amount" and "more than the balance left (1,000.00)" in str(refused.value.message)
    db.session.rollback()
    pay(tenant, invoice, "1000", date(2026, 5, 9))
    invoice = load(tenant, invoice)
    assert services.balance(invoice) == 0 and invoice.status is InvoiceStatus.PAID
    assert services.paid_amount(invoice) == Decimal("6303.78")  # 3,000.00 + 2,303.78 + 1,000.00


def test_without_withholding_the_amount_due_is_the_total_and_vat_follows_the_form(tenant, engagement):
    set_up_seller(tenant)
    invoice = load(tenant, draft(tenant, engagement, [("Facilitation", "2.5", "300")], vat_percent="0"))
    assert invoice.subtotal == Decimal("750.00")               # 2.5 × 300
    assert invoice.vat_amount == 0 and invoice.withholding_percent == 0 and invoice.withholding_amount == 0
    assert invoice.total == invoice.amount_due == Decimal("750.00")
    default = load(tenant, draft(tenant, engagement, [("Facilitation", "2.5", "300")]))
    assert default.vat_percent == Decimal(10) and default.amount_due == Decimal("825.00")   # 750 + 75


def test_issuing_takes_the_next_number_and_copies_seller_and_buyer(tenant, engagement, client_org):
    set_up_seller(tenant, prefix="INV-2026-", next_number=7, payment_days=30)
    first = load(tenant, draft(tenant, engagement))
    second = load(tenant, draft(tenant, engagement))
    with tenant_scope(tenant.id):
        invoices.issue(first, issued_on=ISSUED_ON, today=LATER)
        invoices.issue(second, today=date(2026, 4, 2))
        db.session.commit()
        settings = db.session.query(ConsultingSettings).one()
        assert settings.next_invoice_number == 9
    first, second = load(tenant, first), load(tenant, second)
    assert (first.number, second.number) == ("INV-2026-0007", "INV-2026-0008")
    assert first.status is InvoiceStatus.ISSUED
    assert first.issued_on == ISSUED_ON and first.due_on == date(2026, 5, 1)      # 1 April + 30 days
    assert second.issued_on == date(2026, 4, 2)                                   # today when not given
    assert (first.seller_name, first.seller_tax_number) == (SELLER, SELLER_TIN)
    assert (first.buyer_name, first.buyer_tax_number) == ("Swiss Agency for Development and Cooperation",
                                                          "K001-901234567")


def test_a_manual_number_is_used_as_given_and_a_duplicate_is_refused(tenant, engagement):
    set_up_seller(tenant, next_number=7)
    manual = load(tenant, draft(tenant, engagement))
    with tenant_scope(tenant.id):
        invoices.issue(manual, number="SDC/2026/001", issued_on=ISSUED_ON, today=LATER)
        db.session.commit()
        assert db.session.query(ConsultingSettings).one().next_invoice_number == 7    # the sequence waits
    again = load(tenant, draft(tenant, engagement))
    with tenant_scope(tenant.id), pytest.raises(DomainError) as refused:
        invoices.issue(again, number="SDC/2026/001", issued_on=ISSUED_ON, today=LATER)
    assert str(refused.value.message) == "This invoice number is already used." and refused.value.field == "number"
    db.session.rollback()
    again = load(tenant, again)
    assert again.status is InvoiceStatus.DRAFT and again.number is None


def test_a_number_taken_meanwhile_is_caught_by_the_unique_constraint_and_nothing_is_saved(tenant, engagement):
    """Another issuer typed INV-0001 by hand before the sequence reached it: the constraint refuses the
    sequence's INV-0001, the sequence does not move and the draft stays a draft."""
    set_up_seller(tenant, prefix="INV-", next_number=1)
    typed = load(tenant, draft(tenant, engagement))
    with tenant_scope(tenant.id):
        invoices.issue(typed, number="INV-0001", issued_on=ISSUED_ON, today=LATER)
        db.session.commit()
    racing = load(tenant, draft(tenant, engagement))
    with tenant_scope(tenant.id), pytest.raises(DomainError) as refused:
        invoices.issue(racing, issued_on=ISSUED_ON, today=LATER)
    assert str(refused.value.message) == "This invoice number is already used."
    db.session.rollback()
    with tenant_scope(tenant.id):
        assert db.session.query(ConsultingSettings).one().next_invoice_number == 1
        assert db.session.get(Invoice, racing.id).status is InvoiceStatus.DRAFT
        assert db.session.query(Invoice).filter(Invoice.number.is_not(None)).count() == 1


def test_an_issued_invoice_is_final(tenant, engagement):
    set_up_seller(tenant)
    invoice = issued(tenant, engagement, issued_on=ISSUED_ON)
    with tenant_scope(tenant.id):
        invoice = invoices.load_invoice(invoice.id)
        with pytest.raises(DomainError, match="Only a draft invoice can be changed"):
            invoices.update_draft(invoice, lines=[LineInput("Other", "1", "1")])
        with pytest.raises(DomainError, match="Only a draft invoice can be issued"):
            invoices.issue(invoice, today=LATER)
        db.session.rollback()
        invoice = invoices.load_invoice(invoice.id)
        assert [line.description for line in invoice.lines] == ["Training days"]
        assert invoice.subtotal == Decimal("5400.00")


def test_cancelling_needs_a_reason_keeps_the_number_and_frees_the_tranche(tenant, engagement):
    set_up_seller(tenant)
    tranche = add_tranche(tenant, engagement, "First tranche (30 %)", "6000")
    invoice = issued(tenant, engagement, issued_on=ISSUED_ON, lines=(), tranche_id=tranche.id)
    with tenant_scope(tenant.id):
        invoice = invoices.load_invoice(invoice.id)
        with pytest.raises(DomainError) as refused:
            invoices.cancel(invoice, reason="  ", today=LATER)
        assert refused.value.field == "reason"
        invoices.cancel(invoice, reason="Wrong buyer address", today=date(2026, 4, 3))
        db.session.commit()
        invoice = invoices.load_invoice(invoice.id)
        assert invoice.status is InvoiceStatus.CANCELLED and invoice.number == "INV-2026-0007"
        assert "2026-04-03 — Wrong buyer address" in invoice.note
    again = load(tenant, draft(tenant, engagement, (), tranche_id=tranche.id))    # the tranche is free again
    assert again.subtotal == Decimal("6000.00")


def test_an_invoice_with_payments_cannot_be_cancelled(tenant, engagement):
    set_up_seller(tenant)
    invoice = issued(tenant, engagement, issued_on=ISSUED_ON)
    pay(tenant, invoice, "100", ISSUED_ON)
    with tenant_scope(tenant.id):
        with pytest.raises(DomainError, match="payments cannot be cancelled"):
            invoices.cancel(invoices.load_invoice(invoice.id), reason="Duplicate", today=LATER)
        db.session.rollback()
        assert db.session.get(Invoice, invoice.id).status is InvoiceStatus.ISSUED


def test_a_tranche_is_invoiced_after_acceptance_once_with_its_amount(tenant, engagement):
    set_up_seller(tenant)
    waiting = add_tranche(tenant, engagement, "Second tranche (40 %)", "8000", accepted=False)
    accepted = add_tranche(tenant, engagement, "Third tranche (30 %)", "6000", accepted=True)
    with tenant_scope(tenant.id):
        loaded = engagements.load_engagement(engagement.id)
        with pytest.raises(DomainError) as refused:
            invoices.create_draft(loaded, tranche_id=waiting.id, lines=[])
        assert str(refused.value.message) == "The deliverable of this tranche is not accepted yet."
        db.session.rollback()
        assert db.session.query(Invoice).count() == 0
    invoice = load(tenant, draft(tenant, engagement, (), tranche_id=accepted.id))
    assert [(line.description, line.quantity, line.unit_price) for line in invoice.lines] == [
        ("Third tranche (30 %)", Decimal("1.00"), Decimal("6000.00"))]
    assert invoice.tranche_id == accepted.id and invoice.amount_due == Decimal("6600.00")   # 6,000 + 10 % VAT
    with tenant_scope(tenant.id):
        with pytest.raises(DomainError, match="This tranche is already invoiced."):
            invoices.create_draft(engagements.load_engagement(engagement.id), tranche_id=accepted.id, lines=[])
        db.session.rollback()
        assert db.session.query(Invoice).count() == 1


def test_a_dollar_tranche_invoiced_in_riel_is_converted_at_the_rate(tenant, engagement):
    set_up_seller(tenant)
    tranche = add_tranche(tenant, engagement, "Advance", "1000")
    invoice = load(tenant, draft(tenant, engagement, (), tranche_id=tranche.id, currency="KHR",
                                 khr_per_usd="4,105", vat_percent="10"))
    assert invoice.currency is Currency.KHR and invoice.khr_per_usd == Decimal(4105)
    assert invoice.subtotal == Decimal("4105000.00")         # 1,000 × 4,105
    assert invoice.amount_due == Decimal("4515500.00")       # + 10 % VAT (410,500)
    assert invoices.usd_equivalent(invoice, invoice.amount_due) == (Currency.USD, Decimal("1100.00"))


@pytest.mark.parametrize("fields, field", [
    ({"currency": "KHR"}, "khr_per_usd"),                                          # riel without a rate
    ({"currency": "KHR", "khr_per_usd": "0"}, "khr_per_usd"),
    ({"lines": [LineInput("Days", "-1", "450")]}, "lines-0-quantity"),
    ({"lines": [LineInput("Days", "1", "450"), LineInput("Refund", "1", "-50")]}, "lines-1-unit_price"),
    ({"lines": [LineInput("", "1", "450")]}, "lines-0-description"),
    ({"lines": [LineInput("", "", "")]}, "lines"),
    ({"vat_percent": "-10"}, "vat_percent"),
    ({"vat_percent": "101"}, "vat_percent"),
    ({"currency": "EUR"}, "currency"),
])
def test_bad_drafts_are_refused_and_nothing_is_saved(tenant, engagement, fields, field):
    set_up_seller(tenant)
    fields = {"lines": [LineInput("Days", "1", "450")], **fields}
    with tenant_scope(tenant.id):
        with pytest.raises(DomainError) as refused:
            invoices.create_draft(engagements.load_engagement(engagement.id), **fields)
        assert refused.value.field == field
        db.session.rollback()
        assert db.session.query(Invoice).count() == 0 and db.session.query(InvoiceLine).count() == 0


@pytest.mark.parametrize("status", [EngagementStatus.CLOSED, EngagementStatus.CANCELLED])
def test_a_closed_or_cancelled_engagement_cannot_be_invoiced(tenant, engagement, status):
    set_up_seller(tenant)
    prepared = draft(tenant, engagement)
    with tenant_scope(tenant.id):
        db.session.get(Engagement, engagement.id).status = status
        db.session.commit()
        with pytest.raises(DomainError, match="closed or cancelled"):
            invoices.create_draft(engagements.load_engagement(engagement.id), lines=[LineInput("Days", "1", "1")])
        with pytest.raises(DomainError, match="closed or cancelled"):
            invoices.issue(invoices.load_invoice(prepared.id), today=LATER)
        db.session.rollback()
        assert db.session.query(Invoice).count() == 1
        assert db.session.get(Invoice, prepared.id).status is InvoiceStatus.DRAFT


def test_payments_are_positive_dated_after_issue_and_only_on_issued_invoices(tenant, engagement):
    set_up_seller(tenant)
    prepared = draft(tenant, engagement)
    invoice = issued(tenant, engagement, issued_on=ISSUED_ON)
    with tenant_scope(tenant.id):
        with pytest.raises(DomainError, match="Issue the invoice before recording payments."):
            invoices.add_payment(invoices.load_invoice(prepared.id), amount="10", paid_on=ISSUED_ON, today=LATER)
        loaded = invoices.load_invoice(invoice.id)
        for amount, paid_on, field in (("0", ISSUED_ON, "amount"), ("-5", ISSUED_ON, "amount"),
                                       ("10", ISSUED_ON - timedelta(days=1), "paid_on"),
                                       ("10", LATER + timedelta(days=1), "paid_on"), ("10", None, "paid_on")):
            with pytest.raises(DomainError) as refused:
                invoices.add_payment(loaded, amount=amount, paid_on=paid_on, today=LATER)
            assert refused.value.field == field
        db.session.rollback()
        assert db.session.query(Payment).count() == 0


def test_overdue_is_issued_past_due_with_a_balance_left(tenant, engagement):
    set_up_seller(tenant, payment_days=30)
    invoice = issued(tenant, engagement, issued_on=ISSUED_ON)       # due 1 May 2026
    invoice = load(tenant, invoice)
    assert not services.is_overdue(invoice, date(2026, 5, 1))
    assert services.is_overdue(invoice, date(2026, 5, 2))
    assert invoices.display_status(invoice, date(2026, 5, 2)) == "overdue"
    pay(tenant, invoice, "5940", date(2026, 5, 2))                 # 5,400 + 10 % VAT: paid in full
    invoice = load(tenant, invoice)
    assert invoice.status is InvoiceStatus.PAID and not services.is_overdue(invoice, date(2026, 6, 1))
    assert invoices.display_status(invoice, date(2026, 6, 1)) == "paid"


def test_receivable_totals_per_currency_and_in_dollars_at_each_rate(tenant, engagement):
    set_up_seller(tenant)
    usd = issued(tenant, engagement, issued_on=ISSUED_ON, vat_percent="0",
                 lines=(("Days", "10", "100"),))                               # USD 1,000.00
    issued(tenant, engagement, issued_on=ISSUED_ON, vat_percent="0", currency="KHR", khr_per_usd="4000",
           lines=(("Workshop", "1", "2,000,000"),))                           # KHR 2,000,000 = USD 500
    issued(tenant, engagement, issued_on=ISSUED_ON, vat_percent="0", currency="KHR", khr_per_usd="4100",
           lines=(("Workshop", "1", "4,100,000"),))                           # KHR 4,100,000 = USD 1,000
    pay(tenant, usd, "250", ISSUED_ON)                                       # USD balance 750.00
    draft(tenant, engagement)                                                 # drafts are not receivables
    with tenant_scope(tenant.id):
        totals = invoices.receivable_totals(today=LATER)
    assert totals.by_currency == {Currency.USD: Decimal("750.00"), Currency.KHR: Decimal("6100000.00")}
    assert totals.usd == Decimal("2250.00")                  # 750 + 2,000,000 ÷ 4,000 + 4,100,000 ÷ 4,100
    with tenant_scope(tenant.id):
        assert invoices.receivable_totals(status="overdue", today=ISSUED_ON).by_currency == {}
        assert invoices.receivable_totals(status="overdue", today=LATER).usd == Decimal("2250.00")
        assert invoices.receivable_totals(year=2025, today=LATER).by_currency == {}
