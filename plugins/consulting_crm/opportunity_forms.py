"""Forms of the opportunity pages: the opportunity with its consortium partners, a stage move (the
card's small form and the page asking for a lost reason) and the list filters. Amounts and rates
are text boxes checked by plugins/consulting_crm/opportunities.py, which says what is wrong in the
reader's language; choices are set by the views."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (DateField, FieldList, Form, FormField, IntegerField, MonthField, SelectField, StringField,
                     TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.enums import enum_choices
from core.registers.fields import MemberField, OrganisationField
from plugins.consulting_crm.models import Currency, OpportunitySource

BLANK_PARTNER_ROWS = 2


class PartnerRowForm(Form):
    """One consortium partner (a row of the partners table; an empty row is ignored)."""

    partner = OrganisationField(_l("Partner organisation"), validators=[Optional()])
    share_percent = StringField(_l("Share (%)"), validators=[Optional(), Length(max=10)])
    role = StringField(_l("Role"), validators=[Optional(), Length(max=200)],
                       description=_l("For example lead or sub-contractor."))


class OpportunityForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("Give the opportunity a title.")),
                                                 Length(max=300)])
    client = OrganisationField(_l("Client"), validators=[Optional()],
                               description=_l("Type part of the organisation's name."))
    source = SelectField(_l("Source"), choices=enum_choices(OpportunitySource),
                         default=OpportunitySource.CALL_FOR_PROPOSALS.value)
    call_reference = StringField(_l("Call reference"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    questions_due_on = DateField(_l("Deadline for questions"), validators=[Optional()])
    submission_due_on = DateField(_l("Submission deadline"), validators=[Optional()])
    expected_start_on = MonthField(_l("Expected start (month)"), validators=[Optional()])
    currency = SelectField(_l("Currency"), choices=enum_choices(Currency), default=Currency.USD.value)
    estimated_value = StringField(_l("Estimated value"), validators=[Optional(), Length(max=30)],
                                  description=_l("In the currency chosen above, for example 48000."))
    khr_per_usd = StringField(_l("Exchange rate used (riel per US dollar)"), validators=[Optional(), Length(max=20)],
                              description=_l("Required for a value in riel."))
    rate_on = DateField(_l("Date of the rate"), validators=[Optional()])
    rate_source = StringField(_l("Source of the rate"), validators=[Optional(), Length(max=200)],
                              description=_l("For example the National Bank of Cambodia's official rate."))
    probability = IntegerField(_l("Probability (%)"), validators=[
        Optional(), NumberRange(min=0, max=100, message=_l("The probability is a percentage between 0 and 100."))])
    owner_id = SelectField(_l("Owner"), choices=[], default="")
    project_id = SelectField(_l("Project"), choices=[], default="")
    partners = FieldList(FormField(PartnerRowForm), label=_l("Consortium partners"), min_entries=0, max_entries=20)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.partner_errors: list[str] = []


class MoveForm(FlaskForm):
    """A stage move without JavaScript: the card's select and button, or the page that asks for the
    lost reason."""

    stage = SelectField(_l("Stage"), choices=[], validate_choice=False)
    lost_reason = TextAreaField(_l("Why was it lost?"), validators=[Optional(), Length(max=5000)])


class OpportunityFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Title or call reference"), validators=[Optional(), Length(max=200)])
    stage = SelectField(_l("Stage"), choices=[], default="", validate_choice=False)
    # Typed (pickers), not selects of every member and client: they cost most of the page.
    owner = MemberField(_l("Owner"))
    client = OrganisationField(_l("Client"))
    due_from = DateField(_l("Deadline from"), validators=[Optional()])
    due_to = DateField(_l("Deadline until"), validators=[Optional()])
    currency = SelectField(_l("Currency"), choices=enum_choices(Currency, _l("Any currency")), default="",
                           validate_choice=False)
    sort = SelectField(_l("Sort"), choices=[SelectChoice("deadline", _l("Soonest deadline first")),
                                            SelectChoice("-deadline", _l("Latest deadline first"))],
                       default="deadline", validate_choice=False)
