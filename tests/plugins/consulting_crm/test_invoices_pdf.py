"""The invoice PDF as pdftotext reads it: seller and buyer with their tax numbers, the invoice
number and dates, the lines, subtotal, VAT, total, withholding and amount due in Babel's format, the
rate used with the riel equivalent, a Khmer label and Khmer digits on the Khmer side, exactly."""
from __future__ import annotations

import subprocess
import unicodedata
from datetime import date
from decimal import Decimal

from core.extensions import db
from core.tenancy import tenant_scope
from plugins.consulting_crm import invoice_pdf
from plugins.consulting_crm.models import Currency, Engagement
from tests.plugins.consulting_crm.invoice_helpers import SELLER, SELLER_TIN, draft, issued, set_up_seller

BASE = "/t/kampot-network/consulting/invoices"


def pdf_text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    result = subprocess.run(["/usr/bin/pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                            check=True, timeout=60)
    return unicodedata.normalize("NFC", result.stdout.decode("utf-8"))


def test_money_is_written_by_babel_with_khmer_digits_on_the_khmer_side():
    assert invoice_pdf.money(Decimal("6303.78"), Currency.USD, "en") == "$6,303.78"
    assert invoice_pdf.money(Decimal("6303.78"), Currency.USD, "km") == "៦,៣០៣.៧៨$"
    assert invoice_pdf.money(Decimal("25845325.00"), Currency.KHR, "en") == "25,845,325.00\u00a0KHR"


def test_the_pdf_prints_seller_buyer_number_dates_lines_and_every_total(tenant, admin_client, engagement):
    set_up_seller(tenant)
    with tenant_scope(tenant.id):
        db.session.get(Engagement, engagement.id).withholding_applies = True
        db.session.commit()
    invoice = issued(tenant, engagement, issued_on=date(2026, 4, 1), khr_per_usd="4100",
                     lines=(("Training days", "12", "450"), ("Curriculum review", "1", "1,234.56")))
    # subtotal 6,634.56; VAT 10 % 663.456 → 663.46; total 7,298.02; withholding 15 % 995.184 → 995.18;
    # amount due 7,298.02 − 995.18 = 6,302.84; in riel at 4,100: 25,841,644.00
    response = admin_client.get(f"{BASE}/{invoice.id}/invoice.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert 'filename="invoice-INV-2026-0007.pdf"' in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    text = text.replace("\u00a0", " ")               # pdftotext may or may not keep the no-break space
    for printed in (SELLER, SELLER_TIN, "Swiss Agency for Development and Cooperation", "K001-901234567",
                    "INV-2026-0007", "1 April 2026", "1 May 2026", "Training days", "Curriculum review",
                    "$5,400.00", "$1,234.56", "$6,634.56", "$663.46", "$7,298.02", "$995.18", "$6,302.84",
                    "25,841,644.00 KHR", "4,100", "Invoice number", "VAT (10%)", "Withholding tax (15%)"):
        assert printed in text, printed
    assert "ការពិពណ៌នា" in text                      # "Description" on the Khmer side, exact
    assert "៦,៣០២.៨៤$" in text                          # the amount due with Khmer digits
    assert "១ មេសា ២០២៦" in text                        # the issue date written in Khmer


def test_a_draft_pdf_says_it_is_not_a_valid_invoice(tenant, admin_client, engagement):
    set_up_seller(tenant)
    invoice = draft(tenant, engagement)
    text = pdf_text(admin_client.get(f"{BASE}/{invoice.id}/invoice.pdf").data)
    assert "Draft: not a valid invoice" in text and "$5,940.00" in text     # 12 × 450 + 10 % VAT
