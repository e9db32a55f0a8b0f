"""Forms of the proposal pages. Amounts and days are text fields read by proposals.parse_number, so
"1,250.50" is understood and a wrong number gets the module's own translated message."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.enums import enum_choices
from plugins.consulting_crm.models import Currency, ProposalResult

FILE_HINT = _l("PDF, Word (docx), Excel (xlsx), OpenDocument (odt, ods) or zip; at most 20 MB.")


class NewProposalForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Optional(), Length(max=300)],
                        description=_l("Leave empty to use the opportunity's title."))
    currency = SelectField(_l("Currency of the budget"), choices=enum_choices(Currency))


class ProposalForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    currency = SelectField(_l("Currency of the budget"), choices=enum_choices(Currency))
    submitted_on = DateField(_l("Submitted on"), validators=[Optional()])
    result = SelectField(_l("Result"), choices=enum_choices(ProposalResult))
    feedback = TextAreaField(_l("The donor's feedback"), validators=[Optional(), Length(max=20000)])


class SubmitForm(FlaskForm):
    submitted_on = DateField(_l("Submitted on"), validators=[DataRequired(_l("Give the date the proposal was "
                                                                             "submitted."))])


class VersionForm(FlaskForm):
    label = StringField(_l("Version"), validators=[DataRequired(), Length(max=100)],
                        description=_l("For example: draft 1, final, revised after clarifications."))
    note = TextAreaField(_l("What changed"), validators=[Optional(), Length(max=20000)])
    file = FileField(_l("File (optional)"), description=FILE_HINT)


class FileForm(FlaskForm):
    file = FileField(_l("File"), description=FILE_HINT)


class BudgetLineForm(FlaskForm):
    description = StringField(_l("Description"), validators=[DataRequired(), Length(max=300)])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=50)],
                       description=_l("For example: day, workshop, lump sum."))
    quantity = StringField(_l("Quantity"), validators=[Optional(), Length(max=30)], default="1")
    unit_cost = StringField(_l("Unit cost"), validators=[Optional(), Length(max=30)])


class MemberForm(FlaskForm):
    consultant_id = SelectField(_l("Consultant"), choices=[], validate_choice=False)
    role = StringField(_l("Role in the team"), validators=[Optional(), Length(max=200)],
                       description=_l("For example: team leader, trainer, researcher."))
    days = StringField(_l("Days"), validators=[Optional(), Length(max=30)])
