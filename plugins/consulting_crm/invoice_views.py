"""Invoice pages: the receivables list (filters, totals per currency and in dollars, pages), a new
draft for an engagement (optionally for one of its tranches), the invoice page with issuing,
payments and cancelling, and the PDF. Thin: forms in, one service call
(plugins.consulting_crm.invoices), one commit. Seeing needs "consulting.view"; everything that
changes an invoice needs "consulting.invoices"."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from core.errors import DomainError, form_status, show_on_form
from core.extensions import db
from core.i18n import current_locale
from core.pagination import paginate
from core.permissions import can, require
from core.registers.protection import shown_name
from plugins.consulting_crm import engagements, invoice_pdf, services
from plugins.consulting_crm import invoices as invoice_services
from plugins.consulting_crm.invoice_forms import CancelForm, InvoiceFilterForm, InvoiceForm, IssueForm, PaymentForm
from plugins.consulting_crm.invoices import OVERDUE, LineInput
from plugins.consulting_crm.models import Engagement, Invoice, InvoiceStatus

invoices_bp = Blueprint("consulting_invoices", __name__, url_prefix="/t/<tenant_slug>/consulting/invoices",
                        template_folder="templates")

PAGE_SIZE = 25
EDIT = "consulting.invoices"
TEMPLATES = "consulting_crm/invoices/"
STATUS_LABELS = {"": _l("Receivables (issued, overdue or not)"), "all": _l("All invoices"),
                 InvoiceStatus.DRAFT.value: _l("Draft"), InvoiceStatus.ISSUED.value: _l("Issued, not overdue"),
                 OVERDUE: _l("Overdue"), InvoiceStatus.PAID.value: _l("Paid"),
                 InvoiceStatus.CANCELLED.value: _l("Cancelled")}


def status_label(code: str):
    """The status as a reader sees it (overdue is shown as a status of its own)."""
    return _l("Overdue") if code == OVERDUE else InvoiceStatus(code).label


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _invoice_or_404(invoice_id: int) -> Invoice:
    invoice = invoice_services.load_invoice(invoice_id)
    if invoice is None:
        abort(404)
    return invoice


def _detail_url(invoice: Invoice) -> str:
    return url_for("consulting_invoices.detail", invoice_id=invoice.id)


def _show_error(form, error: DomainError) -> None:
    """A refusal on the field it names, including a line's field ("lines-2-quantity")."""
    field = error.field or ""
    if field.startswith("lines-") and "lines" in form:
        _prefix, index, name = field.split("-", 2)
        entries = form.lines.entries
        if index.isdigit() and int(index) < len(entries) and name in entries[int(index)].form:
            subfield = entries[int(index)].form[name]
            subfield.errors = list(subfield.errors) + [str(error.message)]
            return
    show_on_form(form, error)


def _attempt(form, action):
    """Run one service call: its result, or None after rolling back and putting the refusal on the form."""
    try:
        return action()
    except DomainError as error:
        db.session.rollback()
        _show_error(form, error)
        form.refused = True         # a line's error is not counted in form.errors: see _status
        return None


def _status(form) -> int:
    return 422 if getattr(form, "refused", False) else form_status(form)


# --- the receivables list -------------------------------------------------------------------------------

def _client_choices() -> list[SelectChoice]:
    lang = current_locale()
    contacts = db.session.scalars(invoice_services.client_choices_query())
    return [SelectChoice("", _("Any client"))] + [SelectChoice(str(contact.id), shown_name(contact, lang, reveal=False))
                                                  for contact in contacts]


@invoices_bp.get("/")
@require("consulting.view")
def index():
    form = InvoiceFilterForm(request.args)
    form.status.choices = [SelectChoice(code, label) for code, label in STATUS_LABELS.items()]
    form.client.choices = _client_choices()
    filters = {"status": ""}
    if request.args:
        form.validate()
        if form.errors:
            flash(_("Some filters were not understood and have been ignored."), "error")
        filters = {"status": form.status.data if form.status.data and not form.status.errors else "",
                   "client_id": _int(form.client.data) if not form.client.errors else None,
                   "year": form.year.data if not form.year.errors else None}
    today = date.today()
    page = paginate(invoice_services.receivables_query(today=today, **filters), per_page=PAGE_SIZE)
    totals = invoice_services.receivable_totals(today=today, **filters)
    lang = current_locale()
    rows = [(invoice, shown_name(invoice.engagement.client, lang, reveal=False),
             invoice_services.display_status(invoice, today), services.paid_amount(invoice),
             services.balance(invoice)) for invoice in page.items]
    query_args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(TEMPLATES + "index.html", form=form, page=page, rows=rows, totals=totals,
                           query_args=query_args, status_label=status_label, may_edit=can(EDIT))


# --- drafts -------------------------------------------------------------------------------------------------

def _tranche_choices(engagement: Engagement, invoice: Invoice | None = None) -> list[SelectChoice]:
    """Every tranche of the engagement (the service says why one cannot be invoiced), marked when it
    is already invoiced or waits for its deliverable."""
    invoiced = invoice_services.invoiced_tranche_ids(engagement.id,
                                                     except_invoice_id=invoice.id if invoice else None)
    choices = [SelectChoice("", _("No tranche"))]
    for tranche in engagement.tranches:
        label = f"{tranche.label} ({tranche.amount:,.2f} {engagement.currency.value})"
        if tranche.id in invoiced:
            label = _("%(tranche)s — already invoiced", tranche=label)
        elif not engagements.tranche_invoiceable(tranche):
            label = _("%(tranche)s — deliverable not accepted yet", tranche=label)
        choices.append(SelectChoice(str(tranche.id), label))
    return choices


def _plain(number) -> str:
    """A stored number without trailing zeros, as typed: 10.00 → "10", 4100.5000 → "4100.5"."""
    return f"{Decimal(number).normalize():f}"


def _fill_form(form: InvoiceForm, values: dict) -> None:
    """Put a draft's values (or the defaults of a new one) in the form, with empty rows to add lines."""
    form.tranche_id.data = "" if values.get("tranche_id") is None else str(values["tranche_id"])
    form.currency.data = values["currency"].value
    form.khr_per_usd.data = "" if values.get("khr_per_usd") is None else _plain(values["khr_per_usd"])
    form.rate_on.data = values.get("rate_on")
    form.rate_source.data = values.get("rate_source") or ""
    form.vat_percent.data = _plain(values["vat_percent"])
    form.note.data = values.get("note", "")
    lines = list(values.get("lines") or [])
    while len(form.lines.entries) < len(lines) + 2:
        form.lines.append_entry()
    for entry, line in zip(form.lines.entries, lines, strict=False):
        entry.form.description.data = line.description
        entry.form.quantity.data = line.quantity
        entry.form.unit_price.data = line.unit_price


def _draft_fields(form: InvoiceForm) -> dict:
    return {"tranche_id": _int(form.tranche_id.data), "currency": form.currency.data,
            "khr_per_usd": form.khr_per_usd.data, "rate_on": form.rate_on.data, "rate_source": form.rate_source.data,
            "vat_percent": form.vat_percent.data, "note": form.note.data,
            "lines": [LineInput(entry.form.description.data or "", entry.form.quantity.data or "",
                                entry.form.unit_price.data or "") for entry in form.lines.entries]}


def _engagement_or_404(engagement_id: int | None) -> Engagement:
    engagement = engagements.load_engagement(engagement_id) if engagement_id else None
    if engagement is None:
        abort(404)
    return engagement


@invoices_bp.route("/new", methods=["GET", "POST"])
@require(EDIT)
def new():
    """A draft invoice for `engagement` (and `tranche`, prefilled with the tranche's amount)."""
    engagement = _engagement_or_404(_int(request.args.get("engagement")))
    form = InvoiceForm()
    form.tranche_id.choices = _tranche_choices(engagement)
    if request.method == "GET":
        tranche_id = _int(request.args.get("tranche"))
        tranche = next((row for row in engagement.tranches if row.id == tranche_id), None)
        _fill_form(form, invoice_services.draft_defaults(engagement, tranche))
        if engagements.engagement_is_closed(engagement):      # say so before anything is typed
            form.form_errors.append(_("This engagement is closed or cancelled: it cannot be invoiced."))
    elif form.validate_on_submit():
        invoice = _attempt(form, lambda: invoice_services.create_draft(engagement, **_draft_fields(form)))
        if invoice is not None:
            db.session.commit()
            flash(_("Draft invoice saved."), "success")
            return redirect(_detail_url(invoice))
    return render_template(TEMPLATES + "form.html", form=form, engagement=engagement, invoice=None,
                           action=url_for("consulting_invoices.new", engagement=engagement.id)), _status(form)


@invoices_bp.route("/<int:invoice_id>/edit", methods=["GET", "POST"])
@require(EDIT)
def edit(invoice_id: int):
    invoice = _invoice_or_404(invoice_id)
    if invoice.status is not InvoiceStatus.DRAFT:
        flash(_("Only a draft invoice can be changed: an issued one is final."), "error")
        return redirect(_detail_url(invoice))
    engagement = _engagement_or_404(invoice.engagement_id)
    form = InvoiceForm()
    form.tranche_id.choices = _tranche_choices(engagement, invoice)
    if request.method == "GET":
        _fill_form(form, {"tranche_id": invoice.tranche_id, "currency": invoice.currency,
                          "khr_per_usd": invoice.khr_per_usd, "rate_on": invoice.rate_on,
                          "rate_source": invoice.rate_source, "vat_percent": invoice.vat_percent,
                          "note": invoice.note,
                          "lines": [LineInput(line.description, str(line.quantity), str(line.unit_price))
                                    for line in invoice.lines]})
    elif form.validate_on_submit():
        saved = _attempt(form, lambda: invoice_services.update_draft(invoice, **_draft_fields(form)))
        if saved is not None:
            db.session.commit()
            flash(_("Draft invoice saved."), "success")
            return redirect(_detail_url(invoice))
    return render_template(TEMPLATES + "form.html", form=form, engagement=engagement, invoice=invoice,
                           action=url_for("consulting_invoices.edit", invoice_id=invoice.id)), _status(form)


# --- the invoice page ----------------------------------------------------------------------------------------

def _detail_page(invoice: Invoice, *, issue_form=None, payment_form=None, cancel_form=None, status: int = 200):
    may_edit = can(EDIT)
    if may_edit:
        issue_form = issue_form or IssueForm(formdata=None)
        payment_form = payment_form or PaymentForm(formdata=None)
        cancel_form = cancel_form or CancelForm(formdata=None)
    today = date.today()
    shown = invoice_services.display_status(invoice, today)
    paid = services.paid_amount(invoice)
    return render_template(
        TEMPLATES + "detail.html", invoice=invoice, status_code=shown, status_text=status_label(shown),
        client_name=shown_name(invoice.engagement.client, current_locale()), paid=paid,
        balance=invoice.amount_due - paid, equivalent=invoice_services.usd_equivalent(invoice, invoice.amount_due),
        may_edit=may_edit, issue_form=issue_form, payment_form=payment_form, cancel_form=cancel_form,
        closed=engagements.engagement_is_closed(invoice.engagement)), status


@invoices_bp.get("/<int:invoice_id>")
@require("consulting.view")
def detail(invoice_id: int):
    return _detail_page(_invoice_or_404(invoice_id))


@invoices_bp.post("/<int:invoice_id>/issue")
@require(EDIT)
def issue(invoice_id: int):
    invoice = _invoice_or_404(invoice_id)
    form = IssueForm()
    if form.validate_on_submit():
        done = _attempt(form, lambda: invoice_services.issue(invoice, number=form.number.data,
                                                             issued_on=form.issued_on.data))
        if done is not None:
            db.session.commit()
            flash(_("Invoice %(number)s issued.", number=invoice.number), "success")
            return redirect(_detail_url(invoice))
    return _detail_page(_invoice_or_404(invoice_id), issue_form=form, status=422)


@invoices_bp.post("/<int:invoice_id>/payments")
@require(EDIT)
def add_payment(invoice_id: int):
    invoice = _invoice_or_404(invoice_id)
    form = PaymentForm()
    if form.validate_on_submit():
        done = _attempt(form, lambda: invoice_services.add_payment(invoice, amount=form.amount.data,
                                                                   paid_on=form.paid_on.data,
                                                                   reference=form.reference.data))
        if done is not None:
            db.session.commit()
            flash(_("Payment recorded."), "success")
            return redirect(_detail_url(invoice))
    return _detail_page(_invoice_or_404(invoice_id), payment_form=form, status=422)


@invoices_bp.post("/<int:invoice_id>/cancel")
@require(EDIT)
def cancel(invoice_id: int):
    invoice = _invoice_or_404(invoice_id)
    form = CancelForm()
    if form.validate_on_submit():
        done = _attempt(form, lambda: invoice_services.cancel(invoice, reason=form.reason.data))
        if done is not None:
            db.session.commit()
            flash(_("Invoice cancelled."), "success")
            return redirect(_detail_url(invoice))
    return _detail_page(_invoice_or_404(invoice_id), cancel_form=form, status=422)


@invoices_bp.get("/<int:invoice_id>/invoice.pdf")
@require("consulting.view")
def pdf(invoice_id: int):
    invoice = _invoice_or_404(invoice_id)
    response = Response(invoice_pdf.render(invoice), mimetype="application/pdf")
    name = invoice.number or f"draft-{invoice.id}"
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name)
    response.headers["Content-Disposition"] = f'attachment; filename="invoice-{safe}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response

