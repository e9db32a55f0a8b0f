"""Invoices of engagements, without Flask: drafts (lines, currency and rate, VAT and withholding),
issuing with the tenant's number sequence, payments, cancellation, and the receivables list with its
totals. Views and the API call these; every check runs before the first row changes, so nothing is
half-saved.

Status (overdue is not stored: an issued invoice past its due date with a balance left):

    from      to          when
    draft     issued      issue(): takes the next number, copies seller and buyer, sets the dates
    draft     cancelled   cancel(), with a reason
    issued    paid        add_payment() brings the balance to zero
    issued    cancelled   cancel(), with a reason, while no payment is recorded
    paid      —
    cancelled —

An issued invoice never changes again except by payments and cancellation."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from core.errors import DomainError
from core.extensions import db
from core.registers.models import Contact
from plugins.consulting_crm import services
from plugins.consulting_crm.engagements import (MAX_MONEY, MAX_RATE, check_invoiceable, engagement_is_closed,
                                                parse_number)
from plugins.consulting_crm.models import (ConsultingSettings, Currency, Engagement, ExchangeRate, Invoice, InvoiceLine,
                                           InvoiceStatus, Payment, Tranche)

ZERO = Decimal(0)
MAX_QUANTITY = Decimal("99999999.99")       # Numeric(10, 2)
NUMBER_DIGITS = 4                           # INV-0007
OVERDUE = "overdue"
RECEIVABLE = ""                             # the list's default: issued invoices (overdue or not)
LIST_STATUSES = (RECEIVABLE, "all", InvoiceStatus.DRAFT.value, InvoiceStatus.ISSUED.value, OVERDUE,
                 InvoiceStatus.PAID.value, InvoiceStatus.CANCELLED.value)


@dataclass(frozen=True)
class LineInput:
    """One line as typed: text, to be checked by clean_lines."""

    description: str = ""
    quantity: str = ""
    unit_price: str = ""


# --- loading ---------------------------------------------------------------------------------------------

def load_invoice(invoice_id: int) -> Invoice | None:
    """One invoice of the current tenant with its engagement, client, tranche, lines and payments."""
    return db.session.scalar(select(Invoice).where(Invoice.id == invoice_id).options(
        joinedload(Invoice.engagement).joinedload(Engagement.client),
        joinedload(Invoice.tranche).joinedload(Tranche.deliverable),
        selectinload(Invoice.lines), selectinload(Invoice.payments)))


def invoiced_tranche_ids(engagement_id: int, *, except_invoice_id: int | None = None) -> set[int]:
    """Tranches of the engagement already on an invoice that is not cancelled."""
    query = select(Invoice.tranche_id).where(Invoice.engagement_id == engagement_id, Invoice.tranche_id.is_not(None),
                                             Invoice.status != InvoiceStatus.CANCELLED)
    if except_invoice_id is not None:
        query = query.where(Invoice.id != except_invoice_id)
    return set(db.session.scalars(query))


def latest_rate() -> ExchangeRate | None:
    """The tenant's most recent exchange rate (to prefill a new invoice)."""
    return db.session.scalar(select(ExchangeRate).order_by(ExchangeRate.rate_on.desc(), ExchangeRate.id.desc())
                             .limit(1))


def display_status(invoice: Invoice, today: date | None = None) -> str:
    """The status as shown: "overdue" for an overdue issued invoice, else the stored status."""
    return OVERDUE if services.is_overdue(invoice, today) else invoice.status.value


# --- checks ----------------------------------------------------------------------------------------------

def _text(value, field: str, max_length: int, *, required: bool = False, multiline: bool = False) -> str:
    text = str(value or "").replace("\x00", "")
    text = text.strip() if multiline else " ".join(text.split())
    if required and not text:
        raise DomainError(_l("This field is required."), field)
    if len(text) > max_length:
        raise DomainError(_l("Use at most %(n)s characters.", n=max_length), field)
    return text


def _currency(value) -> Currency:
    try:
        return Currency(getattr(value, "value", value) or Currency.USD)
    except ValueError:
        raise DomainError(_l("Choose US dollars or riel."), "currency") from None


def clean_lines(lines) -> list[tuple[str, Decimal, Decimal]]:
    """(description, quantity, unit price) of each line that is not left empty; a line needs its
    description, a quantity and a unit price of zero or more. Errors name the field as
    "lines-<index>-<name>" (the form's own field names)."""
    cleaned = []
    for index, line in enumerate(lines):
        if isinstance(line, dict):
            line = LineInput(**{key: line.get(key, "") for key in ("description", "quantity", "unit_price")})
        if not any(str(getattr(line, name) or "").strip() for name in ("description", "quantity", "unit_price")):
            continue
        prefix = f"lines-{index}-"
        description = _text(line.description, prefix + "description", 300, required=True)
        quantity = parse_number(line.quantity, prefix + "quantity", maximum=MAX_QUANTITY)
        unit_price = parse_number(line.unit_price, prefix + "unit_price", maximum=MAX_MONEY)
        cleaned.append((description, quantity, unit_price))
    return cleaned


def _check_engagement_open(engagement: Engagement) -> None:
    if engagement_is_closed(engagement):
        raise DomainError(_l("This engagement is closed or cancelled: it cannot be invoiced."), "engagement")


def _check_tranche(engagement: Engagement, tranche_id, invoice: Invoice | None) -> Tranche | None:
    if tranche_id in (None, ""):
        return None
    tranche = next((row for row in engagement.tranches if row.id == int(tranche_id)), None)
    if tranche is None:
        raise DomainError(_l("Choose one of this engagement's payment tranches."), "tranche_id")
    check_invoiceable(tranche)
    if tranche.id in invoiced_tranche_ids(engagement.id, except_invoice_id=invoice.id if invoice else None):
        raise DomainError(_l("This tranche is already invoiced."), "tranche_id")
    return tranche


def _tranche_line(tranche: Tranche, currency: Currency, rate: Decimal | None) -> tuple[str, Decimal, Decimal]:
    """The tranche's amount as one line, in the invoice's currency (converted at the invoice's rate)."""
    amount = tranche.amount
    if currency is not tranche.engagement.currency:
        if not rate:
            raise DomainError(_l("Give the exchange rate to invoice this tranche in another currency."),
                              "khr_per_usd")
        amount = services.cents(amount * rate if currency is Currency.KHR else amount / rate)
    return tranche.label, Decimal(1), amount


def _fill(invoice: Invoice, engagement: Engagement, settings: ConsultingSettings, fields: dict) -> None:
    """Check a draft's fields, then set them all with its lines and amounts."""
    tranche = _check_tranche(engagement, fields.get("tranche_id"), invoice if invoice.id else None)
    currency = _currency(fields.get("currency"))
    rate = parse_number(fields.get("khr_per_usd"), "khr_per_usd", maximum=MAX_RATE, places=4, required=False)
    services.check_rate(currency, rate)
    vat_field = fields.get("vat_percent")
    vat = (settings.vat_percent if vat_field in (None, "")
           else parse_number(vat_field, "vat_percent", maximum=Decimal(100)))
    lines = clean_lines(fields.get("lines") or [])
    if not lines and tranche is not None:
        lines = [_tranche_line(tranche, currency, rate)]
    if not lines:
        raise DomainError(_l("Add at least one line."), "lines")
    withholding = settings.withholding_percent if engagement.withholding_applies else ZERO
    totals = services.invoice_totals([(quantity, price) for _description, quantity, price in lines], vat, withholding)
    if totals.total > MAX_MONEY:
        raise DomainError(_l("The number is too large."), "lines")
    note = _text(fields.get("note"), "note", 20000, multiline=True)
    rate_source = _text(fields.get("rate_source"), "rate_source", 200)

    invoice.tranche = tranche
    invoice.currency, invoice.khr_per_usd = currency, rate
    invoice.rate_on = (fields.get("rate_on") or None) if rate else None
    invoice.rate_source = rate_source if rate else ""
    invoice.vat_percent, invoice.withholding_percent = vat, withholding
    invoice.subtotal, invoice.vat_amount, invoice.total = totals.subtotal, totals.vat_amount, totals.total
    invoice.withholding_amount, invoice.amount_due = totals.withholding_amount, totals.amount_due
    invoice.note = note
    invoice.lines = [InvoiceLine(tenant_id=engagement.tenant_id, position=position, description=description,
                                 quantity=quantity, unit_price=price)
                     for position, (description, quantity, price) in enumerate(lines, start=1)]


# --- drafts ----------------------------------------------------------------------------------------------

def create_draft(engagement: Engagement, **fields) -> Invoice:
    """A draft invoice of an open engagement. `fields`: tranche_id, currency, khr_per_usd, rate_on,
    rate_source, vat_percent (the settings' when empty), lines (LineInput or dicts), note. Withholding
    is the settings' rate when the engagement's contract has it, else none. A tranche invoice without
    lines gets one line for the tranche's amount. Flushes; the caller commits."""
    _check_engagement_open(engagement)
    settings = services.settings_for(engagement.tenant_id)
    invoice = Invoice(tenant_id=engagement.tenant_id, engagement=engagement, status=InvoiceStatus.DRAFT)
    _fill(invoice, engagement, settings, fields)
    db.session.add(invoice)
    db.session.flush()
    return invoice


def update_draft(invoice: Invoice, **fields) -> Invoice:
    """Change a draft (same fields as create_draft); an issued invoice never changes."""
    if invoice.status is not InvoiceStatus.DRAFT:
        raise DomainError(_l("Only a draft invoice can be changed: an issued one is final."), "invoice")
    _check_engagement_open(invoice.engagement)
    _fill(invoice, invoice.engagement, services.settings_for(invoice.tenant_id), fields)
    db.session.flush()
    return invoice


def draft_defaults(engagement: Engagement, tranche: Tranche | None = None) -> dict:
    """What a new invoice form starts with: the engagement's currency, the latest rate (else the
    engagement's), the settings' VAT, and for a tranche one line with its amount."""
    settings = services.settings_for(engagement.tenant_id)
    rate = latest_rate()
    defaults = {"currency": engagement.currency, "vat_percent": settings.vat_percent,
                "khr_per_usd": rate.khr_per_usd if rate else engagement.khr_per_usd,
                "rate_on": rate.rate_on if rate else engagement.rate_on,
                "rate_source": rate.source if rate else engagement.rate_source,
                "withholding_percent": settings.withholding_percent if engagement.withholding_applies else ZERO,
                "lines": []}
    if tranche is not None:
        defaults["tranche_id"] = tranche.id
        defaults["lines"] = [LineInput(tranche.label, "1", str(tranche.amount))]
    return defaults


# --- issuing ---------------------------------------------------------------------------------------------

def format_number(prefix: str, number: int) -> str:
    """The printed invoice number: the prefix and the sequence number, zero-padded (INV-2026-0007)."""
    return f"{prefix}{number:0{NUMBER_DIGITS}d}"


def _locked_settings(tenant_id: int) -> ConsultingSettings:
    """The settings row, locked until the commit (PostgreSQL) so two issuers never read the same
    next number; the unique (tenant, number) constraint stays the last guard."""
    settings = db.session.scalar(select(ConsultingSettings).where(ConsultingSettings.tenant_id == tenant_id)
                                 .with_for_update())
    return settings if settings is not None else services.settings_for(tenant_id)


def issue(invoice: Invoice, *, number: str | None = None, issued_on: date | None = None,
          today: date | None = None) -> Invoice:
    """Give a draft its number (typed by hand, or the next of the tenant's sequence, which then moves
    on), the seller's and buyer's names and tax numbers, the issue and due dates. A number already
    used is refused, also when another issuer took it a moment before (the unique constraint)."""
    today = today or date.today()
    if invoice.status is not InvoiceStatus.DRAFT:
        raise DomainError(_l("Only a draft invoice can be issued."), "invoice")
    engagement = invoice.engagement
    _check_engagement_open(engagement)
    if invoice.tranche is not None:
        _check_tranche(engagement, invoice.tranche_id, invoice)
    if invoice.subtotal <= 0:
        raise DomainError(_l("Add at least one line with an amount before issuing the invoice."), "invoice")
    services.check_rate(invoice.currency, invoice.khr_per_usd)
    issued_on = issued_on or today
    if issued_on > today:
        raise DomainError(_l("The issue date cannot be in the future."), "issued_on")
    client = engagement.client
    if client is None:
        raise DomainError(_l("The engagement has no client to invoice."), "invoice")
    manual = _text(number, "number", 40)
    settings = _locked_settings(invoice.tenant_id)
    if not settings.seller_name.strip():
        raise DomainError(_l("Enter the seller's name in the consulting settings before issuing invoices."),
                          "invoice")
    if manual:
        if db.session.scalar(select(Invoice.id).where(Invoice.number == manual)) is not None:
            raise DomainError(_l("This invoice number is already used."), "number")
        invoice.number = manual
    else:
        sequence = settings.next_invoice_number or 1
        invoice.number = format_number(settings.invoice_prefix or "", sequence)
        settings.next_invoice_number = sequence + 1
    invoice.seller_name, invoice.seller_tax_number = settings.seller_name, settings.seller_tax_number
    invoice.buyer_name = client.name_latin or client.name_km
    invoice.buyer_tax_number = client.tax_number or ""
    invoice.issued_on = issued_on
    invoice.due_on = issued_on + timedelta(days=settings.payment_days or 0)
    invoice.status = InvoiceStatus.ISSUED
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise DomainError(_l("This invoice number is already used."), "number") from None
    return invoice


# --- payments and cancellation -----------------------------------------------------------------------------

def add_payment(invoice: Invoice, *, amount, paid_on: date | None, reference="", today: date | None = None) -> Payment:
    """A payment received, in the invoice's currency: more than zero, at most the balance left, not
    before the invoice was issued nor in the future. The invoice is paid when nothing is left."""
    today = today or date.today()
    if invoice.status is InvoiceStatus.DRAFT:
        raise DomainError(_l("Issue the invoice before recording payments."), "amount")
    if invoice.status is InvoiceStatus.PAID:
        raise DomainError(_l("This invoice is paid in full."), "amount")
    if invoice.status is InvoiceStatus.CANCELLED:
        raise DomainError(_l("A cancelled invoice takes no payments."), "amount")
    amount = parse_number(amount, "amount", maximum=MAX_MONEY)
    if amount <= 0:
        raise DomainError(_l("The amount must be more than zero."), "amount")
    left = services.balance(invoice)
    if amount > left:
        raise DomainError(_l("The payment is more than the balance left (%(balance)s).", balance=f"{left:,.2f}"),
                          "amount")
    if paid_on is None:
        raise DomainError(_l("Give the date."), "paid_on")
    if paid_on < invoice.issued_on:
        raise DomainError(_l("The payment date cannot be before the invoice was issued."), "paid_on")
    if paid_on > today:
        raise DomainError(_l("The payment date cannot be in the future."), "paid_on")
    payment = Payment(tenant_id=invoice.tenant_id, invoice=invoice, paid_on=paid_on, amount=amount,
                      reference=_text(reference, "reference", 200))
    db.session.add(payment)
    if services.balance(invoice) == 0:
        invoice.status = InvoiceStatus.PAID
    db.session.flush()
    return payment


def cancel(invoice: Invoice, *, reason, today: date | None = None) -> Invoice:
    """Cancel a draft or an issued invoice without payments; the reason is added to the note. An
    issued invoice keeps its number (numbers are never given again); its tranche may be invoiced
    anew."""
    today = today or date.today()
    if invoice.status is InvoiceStatus.CANCELLED:
        raise DomainError(_l("This invoice is already cancelled."), "reason")
    if invoice.status is InvoiceStatus.PAID or invoice.payments:
        raise DomainError(_l("An invoice with payments cannot be cancelled."), "reason")
    reason = _text(reason, "reason", 2000, required=True, multiline=True)
    line = f"{today.isoformat()} — {reason}"
    invoice.note = _text(f"{invoice.note}\n{line}" if invoice.note else line, "reason", 20000, multiline=True)
    invoice.status = InvoiceStatus.CANCELLED
    db.session.flush()
    return invoice


# --- the receivables list -------------------------------------------------------------------------------------

def _paid_column():
    return (select(func.coalesce(func.sum(Payment.amount), 0)).where(Payment.invoice_id == Invoice.id)
            .correlate(Invoice).scalar_subquery())


def _filtered(query: Select, *, status: str = RECEIVABLE, client_id: int | None = None, year: int | None = None,
              today: date | None = None) -> Select:
    today = today or date.today()
    overdue = and_(Invoice.status == InvoiceStatus.ISSUED, Invoice.due_on.is_not(None), Invoice.due_on < today,
                   Invoice.amount_due > _paid_column())
    if status == RECEIVABLE:
        query = query.where(Invoice.status == InvoiceStatus.ISSUED)
    elif status == OVERDUE:
        query = query.where(overdue)
    elif status == InvoiceStatus.ISSUED.value:
        query = query.where(Invoice.status == InvoiceStatus.ISSUED, ~overdue)
    elif status != "all":
        try:
            query = query.where(Invoice.status == InvoiceStatus(status))
        except ValueError:
            raise DomainError(_l("Choose a status from the list."), "status") from None
    if client_id:
        query = query.where(Invoice.engagement_id.in_(select(Engagement.id).where(Engagement.client_id == client_id)))
    if year:
        query = query.where(Invoice.issued_on >= date(year, 1, 1), Invoice.issued_on <= date(year, 12, 31))
    return query


def receivables_query(**filters) -> Select:
    """Invoices for the list (see _filtered; by default the issued ones), the earliest due first,
    with what every row shows loaded in a fixed number of queries."""
    query = select(Invoice).options(joinedload(Invoice.engagement).joinedload(Engagement.client),
                                    selectinload(Invoice.payments))
    return _filtered(query, **filters).order_by(Invoice.due_on.asc().nulls_last(), Invoice.id.desc())


@dataclass(frozen=True)
class ReceivableTotals:
    """Balance left on the listed invoices: per currency, and all in US dollars at each invoice's own
    rate (a riel invoice always has one)."""

    by_currency: dict[Currency, Decimal]
    usd: Decimal


def receivable_totals(**filters) -> ReceivableTotals:
    """Totals of the balance left over every invoice the filters keep (all pages), in one query:
    balances are summed per currency and rate in the database, then converted here."""
    balance = func.coalesce(func.sum(Invoice.amount_due - _paid_column()), 0)
    query = select(Invoice.currency, Invoice.khr_per_usd, balance.label("balance")).where(
        Invoice.status.in_((InvoiceStatus.ISSUED, InvoiceStatus.PAID)))
    rows = db.session.execute(_filtered(query, **filters).group_by(Invoice.currency, Invoice.khr_per_usd)).all()
    by_currency: dict[Currency, Decimal] = {}
    usd = ZERO
    for row in rows:
        currency = Currency(row.currency)
        amount = services.cents(Decimal(str(row.balance)))
        by_currency[currency] = by_currency.get(currency, ZERO) + amount
        usd += services.in_usd(amount, currency, row.khr_per_usd) or ZERO
    return ReceivableTotals({currency: by_currency[currency] for currency in Currency if currency in by_currency},
                            services.cents(usd))


def client_choices_query() -> Select:
    """Contacts that are clients of invoiced engagements (for the list's filter)."""
    return select(Contact).where(Contact.id.in_(
        select(Engagement.client_id).join(Invoice, Invoice.engagement_id == Engagement.id)
        .where(Engagement.client_id.is_not(None)))).order_by(Contact.name_latin, Contact.id)


def usd_equivalent(invoice: Invoice, amount: Decimal) -> tuple[Currency, Decimal] | None:
    """The amount in the other currency at the invoice's rate (None without a rate)."""
    if not invoice.khr_per_usd:
        return None
    if invoice.currency is Currency.KHR:
        return Currency.USD, services.cents(amount / invoice.khr_per_usd)
    return Currency.KHR, services.cents(amount * invoice.khr_per_usd)

