"""The dashboard card: question and submission deadlines of open opportunities in the next 14 days,
and issued invoices past their due date with a balance left, each linking to its page."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from core.extensions import db
from core.tenancy import tenant_scope
from plugins.consulting_crm import services
from plugins.consulting_crm.figures import tenant_today
from plugins.consulting_crm.models import Currency, Engagement, InvoiceStatus, Payment
from tests.helpers import statements_for
from tests.plugins.consulting_crm.conftest import switch_off
from tests.plugins.consulting_crm.figures_data import invoice, opportunity


def dashboard(client, tenant) -> str:
    response = client.get(f"/t/{tenant.slug}/")
    assert response.status_code == 200
    return response.text


def add_deadlines(tenant, other_tenant):
    today = tenant_today(tenant)
    with tenant_scope(tenant.id):
        soon = opportunity(tenant, "Commune council training", "writing", submission=today + timedelta(days=10))
        soon.questions_due_on = today + timedelta(days=3)
        opportunity(tenant, "Far call", "qualified", submission=today + timedelta(days=20))
        opportunity(tenant, "Already won", "won", value=Decimal("1000"), submission=today + timedelta(days=2))
        opportunity(tenant, "Missed call", "lead", submission=today - timedelta(days=1))
        db.session.commit()
    with tenant_scope(other_tenant.id):
        opportunity(other_tenant, "Their call", "lead", submission=today + timedelta(days=1))
        db.session.commit()
    return soon


def add_invoices(tenant, series="INV"):
    today = tenant_today(tenant)
    totals = services.invoice_totals([(Decimal("12"), Decimal("250")), (Decimal("1"), Decimal("455.55"))],
                                     Decimal("10"), Decimal("15"))          # amount due 3,282.78
    with tenant_scope(tenant.id):
        engagement = Engagement(tenant_id=tenant.id, title="Digital rights curriculum",
                                contract_value=Decimal("20000"))
        db.session.add(engagement)
        db.session.flush()
        late = invoice(tenant, engagement, f"{series}-0001", InvoiceStatus.ISSUED, today - timedelta(days=40), totals,
                       due_on=today - timedelta(days=10))
        db.session.add(Payment(tenant_id=tenant.id, invoice_id=late.id, paid_on=today - timedelta(days=5),
                               amount=Decimal("1000")))                       # balance 2,282.78
        settled = invoice(tenant, engagement, f"{series}-0002", InvoiceStatus.ISSUED, today - timedelta(days=40),
                          totals, due_on=today - timedelta(days=10))
        db.session.add(Payment(tenant_id=tenant.id, invoice_id=settled.id, paid_on=today - timedelta(days=5),
                               amount=totals.amount_due))
        invoice(tenant, engagement, f"{series}-0003", InvoiceStatus.ISSUED, today, totals,
                due_on=today + timedelta(days=5))
        invoice(tenant, engagement, f"{series}-0004", InvoiceStatus.PAID, today - timedelta(days=40), totals,
                due_on=today - timedelta(days=10))
        riel = services.invoice_totals([(Decimal("1"), Decimal("3727273"))], Decimal("10"), Decimal("0"))
        khr = invoice(tenant, engagement, f"{series}-0005", InvoiceStatus.ISSUED, today - timedelta(days=31), riel,
                      due_on=today - timedelta(days=1), currency=Currency.KHR, rate=Decimal("4100"))
        db.session.commit()
    return late, khr


def test_deadlines_of_the_fortnight_link_to_the_opportunity(staff_client, tenant, other_tenant):
    soon = add_deadlines(tenant, other_tenant)
    page = dashboard(staff_client, tenant)
    assert "Deadlines (next 14 days)" in page
    assert "Questions due" in page and "in 3 days" in page
    assert "Submission due" in page and "in 10 days" in page
    assert page.count(f'href="/t/{tenant.slug}/consulting/opportunities/{soon.id}"') == 2
    for hidden in ["Far call", "Already won", "Missed call", "Their call"]:
        assert hidden not in page, hidden


def test_overdue_invoices_show_the_balance_left(staff_client, tenant):
    late, khr = add_invoices(tenant)
    page = dashboard(staff_client, tenant)
    assert "Overdue invoices" in page
    # 3,282.78 due − 1,000 paid = 2,282.78 left; riel 3,727,273 + 10 % VAT (372,727.30) = 4,100,000.30.
    assert "$2,282.78 due" in page and "10 days late" in page
    assert "4,100,000" in page and "1 day late" in page
    assert f'href="/t/{tenant.slug}/consulting/invoices/{late.id}"' in page
    assert f'href="/t/{tenant.slug}/consulting/invoices/{khr.id}"' in page
    for hidden in ["INV-0002", "INV-0003", "INV-0004"]:
        assert hidden not in page, hidden


def test_an_empty_card_says_so(staff_client, tenant):
    page = dashboard(staff_client, tenant)
    assert "No question or submission deadline in the coming days." in page
    assert "No invoice is overdue." in page


def test_the_card_costs_the_same_for_more_rows_and_disappears_when_switched_off(staff_client, tenant, other_tenant):
    add_deadlines(tenant, other_tenant)
    add_invoices(tenant)
    few = statements_for(staff_client, f"/t/{tenant.slug}/")
    add_deadlines(tenant, other_tenant)
    add_invoices(tenant, series="MORE")
    assert statements_for(staff_client, f"/t/{tenant.slug}/") == few
    switch_off(tenant)
    page = dashboard(staff_client, tenant)
    assert "Overdue invoices" not in page and "Deadlines (next 14 days)" not in page
