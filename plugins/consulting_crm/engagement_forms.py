"""Forms of the engagement pages: the contract, its status, deliverables and their acceptance,
payment tranches, the team, timesheet lines and the list filters. Amounts are text fields parsed by
the services ("25,000.50"), so the HTML form and the API share one rule; choices are set by the views."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.enums import enum_choices
from plugins.consulting_crm.models import Currency, DeliverableStatus, EngagementStatus


class OpportunityPickForm(FlaskForm):
    """Step one of a new engagement from the list: which won opportunity (a GET form)."""

    class Meta:
        csrf = False

    opportunity = SelectField(_l("Won opportunity"), choices=[], validators=[DataRequired()])


class EngagementForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    contract_reference = StringField(_l("Contract reference"), validators=[Optional(), Length(max=200)])
    currency = SelectField(_l("Currency"), choices=enum_choices(Currency), default=Currency.USD.value)
    contract_value = StringField(_l("Contract value"), validators=[DataRequired(), Length(max=40)])
    khr_per_usd = StringField(_l("Exchange rate (riel per US dollar)"), validators=[Optional(), Length(max=40)],
                              description=_l("Required for a value in riel."))
    rate_on = DateField(_l("Date of the rate"), validators=[Optional()])
    rate_source = StringField(_l("Source of the rate"), validators=[Optional(), Length(max=200)])
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])
    withholding_applies = BooleanField(_l("Withholding tax applies to this contract's invoices"))


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=enum_choices(EngagementStatus))


class DeliverableForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    due_on = DateField(_l("Due on"), validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=20000)])


class DeliverableStatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=enum_choices(DeliverableStatus))
    accepted_on = DateField(_l("Accepted on"), validators=[Optional()],
                            description=_l("When accepting; today if left empty."))


class TrancheForm(FlaskForm):
    label = StringField(_l("Label"), validators=[DataRequired(), Length(max=200)])
    amount = StringField(_l("Amount"), validators=[DataRequired(), Length(max=40)])
    deliverable_id = SelectField(_l("Due on acceptance of"), choices=[], default="")


class AssignmentForm(FlaskForm):
    consultant_id = SelectField(_l("Consultant"), choices=[], validators=[DataRequired()])
    role = StringField(_l("Role"), validators=[Optional(), Length(max=200)])
    planned_days = StringField(_l("Planned days"), validators=[DataRequired(), Length(max=20)])
    day_rate = StringField(_l("Day rate"), validators=[Optional(), Length(max=40)],
                           description=_l("Leave empty to use the consultant's rate when it is in the "
                                          "engagement's currency."))


class AssignmentEditForm(FlaskForm):
    role = StringField(_l("Role"), validators=[Optional(), Length(max=200)])
    planned_days = StringField(_l("Planned days"), validators=[DataRequired(), Length(max=20)])
    day_rate = StringField(_l("Day rate"), validators=[DataRequired(), Length(max=40)])


class TimesheetForm(FlaskForm):
    assignment_id = SelectField(_l("Team member"), choices=[], validators=[DataRequired()])
    worked_on = DateField(_l("Date"), validators=[DataRequired()])
    days = StringField(_l("Days worked"), validators=[Optional(), Length(max=20)])
    expense_amount = StringField(_l("Expenses"), validators=[Optional(), Length(max=40)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])


class EngagementFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=enum_choices(EngagementStatus, _l("Any status")), default="")
    client = SelectField(_l("Client"), choices=[], default="")
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(min=1990, max=2100)])
