"""Forms of the consulting settings page: invoicing and reminders, one stage, a new stage, an
exchange rate, and a CSV file of rates. Numbers are read by plugins.consulting_crm.settings so the
messages are the module's own."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from core.enums import enum_choices
from plugins.consulting_crm.models import StageOutcome
from plugins.consulting_crm.settings import DEFAULT_SOURCE, REQUIREMENT_LABELS


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (no JavaScript, easy on a phone)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _requirement_choices():
    return [SelectChoice(word, label) for word, label in REQUIREMENT_LABELS.items()]


class InvoicingForm(FlaskForm):
    seller_name = StringField(_l("Seller's name on invoices"), validators=[Optional(), Length(max=300)])
    seller_tax_number = StringField(_l("Seller's VAT TIN"), validators=[Optional(), Length(max=64)],
                                    description=_l("For example: K001-901234567."))
    seller_address = TextAreaField(_l("Seller's address"), validators=[Optional(), Length(max=5000)])
    vat_percent = StringField(_l("VAT (%)"), validators=[Length(max=10)], default="10")
    withholding_percent = StringField(_l("Withholding tax (%)"), validators=[Length(max=10)], default="15",
                                      description=_l("Used for invoices of engagements where withholding applies."))
    invoice_prefix = StringField(_l("Invoice number prefix"), validators=[Optional(), Length(max=20)],
                                 default="INV-")
    next_invoice_number = StringField(_l("Next invoice number"), validators=[Length(max=12)], default="1",
                                      description=_l("May only go up: numbers already issued never come again."))
    payment_days = StringField(_l("Days to pay an invoice"), validators=[Length(max=5)], default="30")
    reminder_days = StringField(_l("Reminders (working days before a submission deadline)"),
                                validators=[Length(max=50)], default="7,2",
                                description=_l("Separated by commas, e.g. 7,2."))


class StageForm(FlaskForm):
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=200)])
    name_km = StringField(_l("Name in Khmer"), validators=[Optional(), Length(max=200)])
    position = StringField(_l("Position"), validators=[Length(max=6)])
    default_probability = StringField(_l("Default probability (%)"), validators=[Length(max=4)])
    requires = CheckboxesField(_l("An opportunity entering this stage needs"), choices=_requirement_choices(),
                               validate_choice=False)
    is_active = BooleanField(_l("In use"))


class NewStageForm(FlaskForm):
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=200)])
    name_km = StringField(_l("Name in Khmer"), validators=[Optional(), Length(max=200)])
    outcome = SelectField(_l("Kind of stage"), choices=enum_choices(StageOutcome), default=StageOutcome.OPEN.value)
    default_probability = StringField(_l("Default probability (%)"), validators=[Length(max=4)], default="10")
    requires = CheckboxesField(_l("An opportunity entering this stage needs"), choices=_requirement_choices(),
                               validate_choice=False)


class RateForm(FlaskForm):
    rate_on = DateField(_l("Date"), validators=[DataRequired(_l("Give a date as YYYY-MM-DD."))])
    khr_per_usd = StringField(_l("Riel per US dollar"), validators=[DataRequired(), Length(max=20)])
    source = StringField(_l("Source"), validators=[Optional(), Length(max=200)], default=DEFAULT_SOURCE)


class RateImportForm(FlaskForm):
    file = FileField(_l("CSV file of rates"),
                     description=_l("Columns: date (YYYY-MM-DD), riel per US dollar, and optionally the source. "
                                    "A rate already recorded for the same date and source is replaced; if any "
                                    "line is wrong, nothing is saved."))
