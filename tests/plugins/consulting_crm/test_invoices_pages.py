"""Invoice pages as users see them: a draft from an engagement (prefilled for a tranche), issuing,
partial payments up to paid, cancelling; bad input answered with 422, a translated message and
nothing saved; the receivables list with its filters, totals and pages in a constant number of
queries; and who may do what (viewer reads, staff cannot invoice, other tenant 404, module off 404)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.consulting_crm.models import Engagement, EngagementStatus, Invoice, InvoiceLine, InvoiceStatus, Payment
from tests.helpers import login, make_member, statements_for
from tests.plugins.consulting_crm.conftest import add_organisation, switch_off
from tests.plugins.consulting_crm.invoice_helpers import add_tranche, draft, issued, pay, set_up_seller

BASE = "/t/kampot-network/consulting/invoices"
TODAY = date.today()


def client_as(app, tenant, role: Role):
    user = make_member(tenant, role)
    browser = app.test_client()
    login(browser, user.email)
    return browser


def draft_form(**changes) -> dict:
    data = {"tranche_id": "", "currency": "USD", "khr_per_usd": "", "vat_percent": "10",
            "lines-0-description": "Training days", "lines-0-quantity": "12", "lines-0-unit_price": "450",
            "lines-1-description": "Printing", "lines-1-quantity": "3", "lines-1-unit_price": "0.33",
            "note": ""}
    data.update(changes)
    return data


def count(model) -> int:
    return db.session.query(model).count()


def test_a_manager_drafts_issues_and_is_paid_in_two_payments(tenant, admin_client, engagement):
    set_up_seller(tenant)
    form_page = admin_client.get(f"{BASE}/new?engagement={engagement.id}")
    assert form_page.status_code == 200 and 'value="10"' in form_page.get_data(as_text=True)   # the settings' VAT
    response = admin_client.post(f"{BASE}/new?engagement={engagement.id}", data=draft_form())
    assert response.status_code == 302
    with tenant_scope(tenant.id):
        invoice = db.session.query(Invoice).one()
        # 12 × 450 + 3 × 0.33 = 5,400.99; VAT 540.099 → 540.10; total 5,941.09; no withholding
        assert (invoice.subtotal, invoice.vat_amount, invoice.amount_due) == (
            Decimal("5400.99"), Decimal("540.10"), Decimal("5941.09"))
    detail = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Draft invoice" in detail and "$5,941.09" in detail and "Issue the invoice" in detail

    issued_on = TODAY - timedelta(days=3)
    response = admin_client.post(f"{BASE}/{invoice.id}/issue", data={"number": "", "issued_on": issued_on.isoformat()})
    assert response.status_code == 302
    page = admin_client.get(f"{BASE}/{invoice.id}").get_data(as_text=True)
    assert "Invoice INV-2026-0007" in page and "K001-901234567" in page and "Record a payment" in page
    assert admin_client.get(f"{BASE}/{invoice.id}/edit").status_code == 302          # final once issued

    response = admin_client.post(f"{BASE}/{invoice.id}/payments",
                                 data={"amount": "2,000", "paid_on": TODAY.isoformat(), "reference": "ABA 1187"})
    assert response.status_code == 302
    page = admin_client.get(f"{BASE}/{invoice.id}").get_data(as_text=True)
    assert "$3,941.09" in page and "ABA 1187" in page                 # 5,941.09 − 2,000.00 left
    too_much = admin_client.post(f"{BASE}/{invoice.id}/payments",
                                 data={"amount": "3941.10", "paid_on": TODAY.isoformat()})
    assert too_much.status_code == 422
    assert "The payment is more than the balance left (3,941.09)." in too_much.get_data(as_text=True)
    assert count(Payment) == 1
    admin_client.post(f"{BASE}/{invoice.id}/payments", data={"amount": "3941.09", "paid_on": TODAY.isoformat()})
    with tenant_scope(tenant.id):
        assert db.session.get(Invoice, invoice.id).status is InvoiceStatus.PAID
    page = admin_client.get(f"{BASE}/{invoice.id}").get_data(as_text=True)
    assert 'id="invoice-status">Paid<' in page and "Record a payment" not in page


def test_a_tranche_invoice_starts_with_the_tranche_amount(tenant, admin_client, engagement):
    set_up_seller(tenant)
    tranche = add_tranche(tenant, engagement, "First tranche (30 %)", "6000", accepted=True)
    html = admin_client.get(f"{BASE}/new?engagement={engagement.id}&tranche={tranche.id}").get_data(as_text=True)
    assert 'value="First tranche (30 %)"' in html and 'value="6000.00"' in html
    blank = {f"lines-{i}-{name}": "" for i in range(2) for name in ("description", "quantity", "unit_price")}
    response = admin_client.post(f"{BASE}/new?engagement={engagement.id}",
                                 data=draft_form(tranche_id=str(tranche.id), **blank))
    assert response.status_code == 302
    with tenant_scope(tenant.id):
        invoice = db.session.query(Invoice).one()
        assert invoice.tranche_id == tranche.id and invoice.subtotal == Decimal("6000.00")
    again = admin_client.post(f"{BASE}/new?engagement={engagement.id}", data=draft_form(tranche_id=str(tranche.id)))
    assert again.status_code == 422 and "This tranche is already invoiced." in again.get_data(as_text=True)


def test_bad_drafts_get_422_a_clear_message_and_nothing_saved(tenant, admin_client, engagement):
    set_up_seller(tenant)
    waiting = add_tranche(tenant, engagement, "Second tranche", "8000", accepted=False)
    url = f"{BASE}/new?engagement={engagement.id}"
    for data, message in (
            (draft_form(**{"lines-0-quantity": "-2"}), "An amount cannot be negative."),
            (draft_form(**{"lines-1-unit_price": "-0.33"}), "An amount cannot be negative."),
            (draft_form(currency="KHR"), "An amount in riel needs the exchange rate used (riel per US dollar)."),
            (draft_form(tranche_id=str(waiting.id)), "The deliverable of this tranche is not accepted yet."),
            (draft_form(vat_percent="-1"), "An amount cannot be negative.")):
        response = admin_client.post(url, data=data)
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True)
    assert count(Invoice) == 0 and count(InvoiceLine) == 0


def test_a_closed_engagement_cannot_be_invoiced(tenant, admin_client, engagement):
    set_up_seller(tenant)
    with tenant_scope(tenant.id):
        db.session.get(Engagement, engagement.id).status = EngagementStatus.CLOSED
        db.session.commit()
    message = "This engagement is closed or cancelled: it cannot be invoiced."
    assert message in admin_client.get(f"{BASE}/new?engagement={engagement.id}").get_data(as_text=True)
    response = admin_client.post(f"{BASE}/new?engagement={engagement.id}", data=draft_form())
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert count(Invoice) == 0


def test_a_duplicate_number_is_refused_on_the_page(tenant, admin_client, engagement):
    set_up_seller(tenant)
    first = draft(tenant, engagement)
    second = draft(tenant, engagement)
    assert admin_client.post(f"{BASE}/{first.id}/issue", data={"number": "SDC-001"}).status_code == 302
    response = admin_client.post(f"{BASE}/{second.id}/issue", data={"number": "SDC-001"})
    assert response.status_code == 422 and "This invoice number is already used." in response.get_data(as_text=True)
    with tenant_scope(tenant.id):
        assert db.session.get(Invoice, second.id).status is InvoiceStatus.DRAFT


def test_cancelling_needs_a_reason(tenant, admin_client, engagement):
    set_up_seller(tenant)
    invoice = issued(tenant, engagement, issued_on=TODAY)
    response = admin_client.post(f"{BASE}/{invoice.id}/cancel", data={"reason": ""})
    assert response.status_code == 422
    assert admin_client.post(f"{BASE}/{invoice.id}/cancel", data={"reason": "Issued twice"}).status_code == 302
    page = admin_client.get(f"{BASE}/{invoice.id}").get_data(as_text=True)
    assert 'id="invoice-status">Cancelled<' in page and "Issued twice" in page


def test_the_receivables_list_shows_overdue_filters_and_totals(tenant, admin_client, engagement):
    set_up_seller(tenant, payment_days=30)
    other_client = add_organisation(tenant, "UNICEF Cambodia")
    with tenant_scope(tenant.id):
        second = Engagement(tenant_id=tenant.id, client_id=other_client.id, title="Child participation review",
                            contract_value=Decimal(9000))
        db.session.add(second)
        db.session.commit()
    late = issued(tenant, engagement, issued_on=TODAY - timedelta(days=45), vat_percent="0")     # USD 5,400 overdue
    pay(tenant, late, "400", TODAY - timedelta(days=40))                                         # 5,000 left
    issued(tenant, second, issued_on=TODAY, vat_percent="0", currency="KHR", khr_per_usd="4000",
           lines=(("Workshop", "1", "8,000,000"),))                                              # KHR = USD 2,000
    draft(tenant, engagement)
    html = admin_client.get(f"{BASE}/").get_data(as_text=True)
    assert "2 invoices" in html and "Overdue" in html and "INV-2026-0007" in html and "INV-2026-0008" in html
    assert 'id="total-usd">$7,000.00<' in html                 # 5,000 + 8,000,000 ÷ 4,000
    assert "$5,000.00" in html
    overdue = admin_client.get(f"{BASE}/?status=overdue").get_data(as_text=True)
    assert "1 invoice" in overdue and "INV-2026-0007" in overdue and "INV-2026-0008" not in overdue
    by_client = admin_client.get(f"{BASE}/?client={other_client.id}").get_data(as_text=True)
    assert "INV-2026-0008" in by_client and "INV-2026-0007" not in by_client
    assert "0 invoices" in admin_client.get(f"{BASE}/?year={TODAY.year - 3}").get_data(as_text=True)
    drafts = admin_client.get(f"{BASE}/?status=draft").get_data(as_text=True)
    assert "1 invoice" in drafts
    assert admin_client.get(f"{BASE}/?status=nonsense&year=abc").status_code == 200


def test_the_list_costs_the_same_queries_for_few_or_many_invoices_and_pages(tenant, admin_client, engagement):
    set_up_seller(tenant)
    for _ in range(2):
        invoice = issued(tenant, engagement, issued_on=TODAY)
        pay(tenant, invoice, "100", TODAY)
    few = statements_for(admin_client, f"{BASE}/")
    for _ in range(8):
        invoice = issued(tenant, engagement, issued_on=TODAY)
        pay(tenant, invoice, "100", TODAY)
    assert statements_for(admin_client, f"{BASE}/") == few
    for _ in range(20):
        issued(tenant, engagement, issued_on=TODAY)
    html = admin_client.get(f"{BASE}/").get_data(as_text=True)
    assert "30 invoices" in html and "Page 1 of 2" in html
    assert "Page 2 of 2" in admin_client.get(f"{BASE}/?page=2").get_data(as_text=True)


def test_viewers_read_but_only_managers_invoice(app, tenant, engagement):
    set_up_seller(tenant)
    invoice = issued(tenant, engagement, issued_on=TODAY)
    viewer = client_as(app, tenant, Role.VIEWER)
    assert viewer.get(f"{BASE}/").status_code == 200
    assert viewer.get(f"{BASE}/{invoice.id}").status_code == 200
    assert "Record a payment" not in viewer.get(f"{BASE}/{invoice.id}").get_data(as_text=True)
    assert viewer.get(f"{BASE}/new?engagement={engagement.id}").status_code == 403
    staff = client_as(app, tenant, Role.STAFF)
    assert staff.post(f"{BASE}/new?engagement={engagement.id}", data=draft_form()).status_code == 403
    assert staff.post(f"{BASE}/{invoice.id}/payments", data={"amount": "1", "paid_on": TODAY.isoformat()}
                      ).status_code == 403
    assert staff.post(f"{BASE}/{invoice.id}/cancel", data={"reason": "x"}).status_code == 403
    assert count(Payment) == 0 and count(Invoice) == 1


def test_another_tenants_invoices_are_not_found(app, tenant, other_tenant, admin_client, engagement):
    set_up_seller(tenant)
    theirs_org = add_organisation(other_tenant, "Theirs")
    with tenant_scope(other_tenant.id):
        theirs = Engagement(tenant_id=other_tenant.id, client_id=theirs_org.id, title="Theirs",
                            contract_value=Decimal(100))
        db.session.add(theirs)
        db.session.commit()
    set_up_seller(other_tenant)
    their_invoice = issued(other_tenant, theirs, issued_on=TODAY)
    for url in (f"{BASE}/{their_invoice.id}", f"{BASE}/{their_invoice.id}/invoice.pdf",
                f"{BASE}/new?engagement={theirs.id}"):
        assert admin_client.get(url).status_code == 404, url
    assert admin_client.post(f"{BASE}/{their_invoice.id}/payments",
                             data={"amount": "1", "paid_on": TODAY.isoformat()}).status_code == 404
    assert "Theirs" not in admin_client.get(f"{BASE}/?status=all").get_data(as_text=True)


def test_switched_off_module_answers_404(tenant, admin_client, engagement):
    set_up_seller(tenant)
    invoice = issued(tenant, engagement, issued_on=TODAY)
    switch_off(tenant)
    for url in (f"{BASE}/", f"{BASE}/{invoice.id}", f"{BASE}/{invoice.id}/invoice.pdf",
                f"{BASE}/new?engagement={engagement.id}"):
        assert admin_client.get(url).status_code == 404, url
