"""Forms of the projects pages (list filters, a project). They only parse input: the rules (unique
code, donor an organisation, end not before start, budget not negative) live in
core.registers.projects."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.enums import enum_choices
from core.registers.models import Currency, ProjectStatus
from core.registers.projects import MAX_CODE_LENGTH, MAX_DESCRIPTION_LENGTH, MAX_TITLE_LENGTH

class ProjectFilterForm(FlaskForm):
    """The list's filters, read from the query string (so no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Code or title"), validators=[Optional(), Length(max=200)])
    status = SelectField(_l("Status"), choices=enum_choices(ProjectStatus, _l("Any status")), default="")


class ProjectForm(FlaskForm):
    """A project or grant; the donor choices are set by the view."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=MAX_CODE_LENGTH)],
                       description=_l("A short code used in reports, e.g. A2I-2025."))
    title_en = StringField(_l("Title in English"), validators=[DataRequired(), Length(max=MAX_TITLE_LENGTH)])
    title_km = StringField(_l("Title in Khmer"), validators=[Optional(), Length(max=MAX_TITLE_LENGTH)])
    donor_id = SelectField(_l("Donor"), choices=[], default="",
                           description=_l("An organisation from your contacts, e.g. a development partner."))
    starts_on = DateField(_l("Starts on"), validators=[Optional()], format="%Y-%m-%d")
    ends_on = DateField(_l("Ends on"), validators=[Optional()], format="%Y-%m-%d")
    budget = StringField(_l("Budget"), validators=[Optional(), Length(max=32)],
                         description=_l("The amount without the currency sign, e.g. 25000 or 25000.50."))
    currency = SelectField(_l("Currency"), choices=enum_choices(Currency), default=Currency.USD.value)
    status = SelectField(_l("Status"), choices=enum_choices(ProjectStatus), default=ProjectStatus.ACTIVE.value)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=MAX_DESCRIPTION_LENGTH)])

