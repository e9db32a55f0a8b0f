"""An invoice as PDF (A4), in Khmer and English: the seller and buyer with their tax numbers, the
number and dates, the lines, subtotal, VAT, total, withholding and amount due, the currency and the
rate used with the equivalent in the other currency. The Khmer side writes dates and amounts with
Khmer digits. Rendered by WeasyPrint through core.pdf (vendored Khmer font, no network)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from babel.numbers import format_currency, format_decimal
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from core.pdf import CORE_ROOT, english_date, font_urls, khmer_date, khmer_digits, render_pdf
from plugins.consulting_crm.invoices import usd_equivalent
from plugins.consulting_crm.models import Currency, Invoice, InvoiceStatus

PACKAGE_ROOTS = (CORE_ROOT, Path(__file__).resolve().parent)
# Babel's English pattern puts the code before riel amounts ("KHR4,100.00"): write "4,100.00 KHR".
_ENGLISH_RIEL = "#,##0.00\u00a0¤¤"


def money(amount: Decimal, currency: Currency, locale: str) -> str:
    """An amount as the side in `locale` prints it (Babel's format; Khmer digits in Khmer)."""
    if locale == "km":
        return khmer_digits(format_currency(amount, currency.value, locale="km"))
    if currency is Currency.KHR:
        return format_currency(amount, currency.value, format=_ENGLISH_RIEL, locale="en", currency_digits=False)
    return format_currency(amount, currency.value, locale="en")


def number(value: Decimal, locale: str) -> str:
    text = format_decimal(value, locale=locale)
    return khmer_digits(text) if locale == "km" else text


def _day(value: date | None, locale: str) -> str:
    if value is None:
        return "—"
    return khmer_date(value) if locale == "km" else english_date(value)


@dataclass(frozen=True)
class TotalRow:
    label_km: str
    amount_km: str
    label_en: str
    amount_en: str
    strong: bool = False


def _labels(invoice: Invoice, locale: str) -> dict:
    """The printed words of one side, in that side's language whatever the reader's language."""
    with force_locale(locale):
        words = {
            "lang": locale,
            "title": _("Invoice"),
            "number": _("Invoice number"),
            "issued_on": _("Issued on"),
            "due_on": _("Due on"),
            "seller": _("Seller"),
            "buyer": _("Buyer"),
            "tax_number": _("VAT TIN"),
            "currency": _("Currency"),
            "rate": _("Exchange rate (riel per US dollar)"),
            "description": _("Description"),
            "quantity": _("Quantity"),
            "unit_price": _("Unit price"),
            "amount": _("Amount"),
            "subtotal": _("Subtotal"),
            "vat": _("VAT (%(percent)s)", percent=_percent(invoice.vat_percent, locale)),
            "total": _("Total including VAT"),
            "withholding": _("Withholding tax (%(percent)s)", percent=_percent(invoice.withholding_percent, locale)),
            "amount_due": _("Amount due"),
            "draft": _("Draft: not a valid invoice"),
            "cancelled": _("Cancelled"),
        }
        currency = invoice.currency.label
        words["currency_name"] = str(currency)
        if invoice.khr_per_usd:
            other = Currency.USD if invoice.currency is Currency.KHR else Currency.KHR
            words["equivalent"] = _("Amount due in %(currency)s at the rate used", currency=other.value)
    return words


def _percent(value: Decimal, locale: str) -> str:
    text = format_decimal(Decimal(value).normalize(), locale=locale) + "%"
    return khmer_digits(text) if locale == "km" else text


def _total_rows(invoice: Invoice, km: dict, en: dict) -> list[TotalRow]:
    def row(key: str, amount: Decimal, strong: bool = False) -> TotalRow:
        return TotalRow(km[key], money(amount, invoice.currency, "km"), en[key], money(amount, invoice.currency, "en"),
                        strong)

    rows = [row("subtotal", invoice.subtotal), row("vat", invoice.vat_amount), row("total", invoice.total, True)]
    if invoice.withholding_amount:
        rows.append(row("withholding", invoice.withholding_amount))
    rows.append(row("amount_due", invoice.amount_due, True))
    equivalent = usd_equivalent(invoice, invoice.amount_due)
    if equivalent is not None:
        other, amount = equivalent
        rows.append(TotalRow(km["equivalent"], money(amount, other, "km"), en["equivalent"], money(amount, other, "en")))
    return rows


def render(invoice: Invoice) -> bytes:
    """The invoice as one PDF (drafts and cancelled invoices carry a banner saying so)."""
    km, en = _labels(invoice, "km"), _labels(invoice, "en")
    sides = []
    for words in (km, en):
        locale = words["lang"]
        sides.append({"words": words, "issued_on": _day(invoice.issued_on, locale), "due_on": _day(invoice.due_on, locale),
                      "rate": number(invoice.khr_per_usd, locale) if invoice.khr_per_usd else "",
                      "rate_on": _day(invoice.rate_on, locale) if invoice.rate_on else ""})
    lines = [{"description": line.description, "quantity": number(line.quantity, "en"),
              "unit_price": money(line.unit_price, invoice.currency, "en"),
              "amount": money(line.quantity * line.unit_price, invoice.currency, "en")} for line in invoice.lines]
    banner = ""
    if invoice.status is InvoiceStatus.DRAFT:
        banner = f"{km['draft']} · {en['draft']}"
    elif invoice.status is InvoiceStatus.CANCELLED:
        banner = f"{km['cancelled']} · {en['cancelled']}"
    # The template alone, without the page context processors (menus, notifications): nothing else is printed.
    template = current_app.jinja_env.get_template("consulting_crm/invoices/pdf.html")
    html = template.render(invoice=invoice, km=km, en=en, sides=sides, lines=lines,
                           totals=_total_rows(invoice, km, en), banner=banner, **font_urls())
    return render_pdf(html, PACKAGE_ROOTS)
