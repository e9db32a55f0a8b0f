"""Forms of the invoice pages: a draft (tranche, currency and rate, VAT, lines, note), issuing it,
a payment, cancelling, and the receivables list's filters. Amounts are text fields parsed by the
services ("25,000.50"), so the HTML form and the API share one rule; choices are set by the views."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, FieldList, Form, FormField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.enums import enum_choices
from plugins.consulting_crm.models import Currency

LINE_ROWS = 5           # empty rows offered on a new draft (more appear once these are used)


class LineForm(Form):
    """One invoice line; a row left empty is ignored."""

    description = StringField(_l("Description"), validators=[Optional(), Length(max=300)])
    quantity = StringField(_l("Quantity"), validators=[Optional(), Length(max=20)])
    unit_price = StringField(_l("Unit price"), validators=[Optional(), Length(max=40)])


class InvoiceForm(FlaskForm):
    tranche_id = SelectField(_l("Payment tranche"), choices=[], default="",
                             description=_l("Leave the lines empty to invoice the tranche's amount."))
    currency = SelectField(_l("Currency"), choices=enum_choices(Currency), default=Currency.USD.value)
    khr_per_usd = StringField(_l("Exchange rate (riel per US dollar)"), validators=[Optional(), Length(max=40)],
                              description=_l("Required for an invoice in riel; for one in dollars it prints the "
                                             "riel equivalent."))
    rate_on = DateField(_l("Date of the rate"), validators=[Optional()])
    rate_source = StringField(_l("Source of the rate"), validators=[Optional(), Length(max=200)])
    vat_percent = StringField(_l("VAT (%)"), validators=[Optional(), Length(max=10)])
    lines = FieldList(FormField(LineForm), min_entries=LINE_ROWS)
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=20000)])


class IssueForm(FlaskForm):
    number = StringField(_l("Invoice number"), validators=[Optional(), Length(max=40)],
                         description=_l("Leave empty to take the next number of the sequence."))
    issued_on = DateField(_l("Issued on"), validators=[Optional()], description=_l("Today if left empty."))


class PaymentForm(FlaskForm):
    amount = StringField(_l("Amount"), validators=[DataRequired(), Length(max=40)])
    paid_on = DateField(_l("Paid on"), validators=[DataRequired()])
    reference = StringField(_l("Reference"), validators=[Optional(), Length(max=200)],
                            description=_l("For example the bank transfer's reference."))


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Reason for cancelling"), validators=[DataRequired(), Length(max=2000)])


class InvoiceFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=[], default="")
    client = SelectField(_l("Client"), choices=[], default="")
    year = IntegerField(_l("Year of issue"), validators=[Optional(), NumberRange(min=1990, max=2100)])
