"""Forms of the working-group pages: a shared indicator (defined by the convening organisation) and
the period a member approves its figure for. Choices that depend on the tenant are set by the views."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.enums import enum_choices
from plugins.results_framework.models import Accumulation, Aggregation, Unit


class GroupIndicatorForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)],
                       description=_l("Members whose framework has an indicator with this code share its figure."))
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=500)])
    name_km = StringField(_l("Name (Khmer)"), validators=[Optional(), Length(max=500)])
    unit = SelectField(_l("Unit"), choices=enum_choices(Unit), default=Unit.NUMBER.value)
    aggregation = SelectField(_l("How members add up"), choices=enum_choices(Aggregation),
                              default=Aggregation.SUM.value,
                              description=_l("A distinct count counts a district or ministry once, however many "
                                             "members report it."))
    accumulation = SelectField(_l("Over time"), choices=enum_choices(Accumulation),
                               default=Accumulation.PER_PERIOD.value)
    source_code = SelectField(_l("Module figure"), choices=[], default="", validate_choice=False,
                              description=_l("Members without an indicator of this code share this figure of their "
                                             "modules."))
    target = StringField(_l("Network target"), validators=[Optional(), Length(max=40)])


class ApproveForm(FlaskForm):
    """Posted from the preview: the member confirms the figure it has just seen."""

    period_key = SelectField(_l("Period"), choices=[], validators=[DataRequired()])
    comment = TextAreaField(_l("Comment for the group"), validators=[Optional(), Length(max=2000)])


class PeriodChoiceForm(FlaskForm):
    """Read from the query string (a GET form, so no CSRF): the period to preview."""

    class Meta:
        csrf = False

    period_key = SelectField(_l("Period"), choices=[], validators=[DataRequired()])
