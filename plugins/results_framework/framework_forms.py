"""Forms of the framework pages: the plan's settings, an objective, an outcome, an indicator, a target
and a hand-entered value (with one number per breakdown cell, added per indicator). Numbers, years and
period keys are text read by framework_edits/services, so Khmer digits are accepted and a wrong entry
gets the module's own translated message on its field."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from core.disaggregation import DIMENSIONS, cell_label
from core.enums import enum_choices
from core.periods import MONTH_NAMES
from plugins.results_framework.models import Accumulation, Aggregation, Direction, Source, Unit

PERIOD_HINT = _l("A year (2026), a quarter (2026-Q3) or a fiscal year by its first month (FY2026-07).")
POSITION_HINT = _l("Optional: a smaller number comes first; the same numbers are sorted by code.")


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (no JavaScript, easy on a phone)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _month_choices():
    return [SelectChoice(str(number), name) for number, name in enumerate(MONTH_NAMES, start=1)]


class PlanForm(FlaskForm):
    plan_title_en = StringField(_l("Title of the plan in English"), validators=[Length(max=300)])
    plan_title_km = StringField(_l("Title of the plan in Khmer"), validators=[Optional(), Length(max=300)])
    first_year = StringField(_l("First year"), validators=[Length(max=6)])
    last_year = StringField(_l("Last year"), validators=[Length(max=6)])
    fiscal_start_month = SelectField(_l("First month of the donor fiscal year"), choices=_month_choices(),
                                     validate_choice=False,
                                     description=_l("For example July for a fiscal year from July to June."))


class ObjectiveForm(FlaskForm):
    code = StringField(_l("Code"), validators=[Length(max=32)], description=_l("For example: SO1."))
    title_en = StringField(_l("Title in English"), validators=[Length(max=500)])
    title_km = StringField(_l("Title in Khmer"), validators=[Optional(), Length(max=500)])
    position = StringField(_l("Order"), validators=[Optional(), Length(max=6)], description=POSITION_HINT)


class OutcomeForm(FlaskForm):
    objective_id = SelectField(_l("Objective"), choices=[], validate_choice=False)
    code = StringField(_l("Code"), validators=[Length(max=32)], description=_l("For example: 1.1."))
    title_en = StringField(_l("Title in English"), validators=[Length(max=500)])
    title_km = StringField(_l("Title in Khmer"), validators=[Optional(), Length(max=500)])
    position = StringField(_l("Order"), validators=[Optional(), Length(max=6)], description=POSITION_HINT)


def disaggregation_choices():
    return [SelectChoice(name, label) for name, label in DIMENSIONS.items()]


class IndicatorForm(FlaskForm):
    outcome_id = SelectField(_l("Outcome"), choices=[], validate_choice=False)
    code = StringField(_l("Code"), validators=[Length(max=32)], description=_l("For example: 1.1.2."))
    name_en = StringField(_l("Name in English"), validators=[Length(max=500)])
    name_km = StringField(_l("Name in Khmer"), validators=[Optional(), Length(max=500)])
    definition = TextAreaField(_l("Definition"), validators=[Optional(), Length(max=20000)],
                               description=_l("What is counted, and how."))
    unit = SelectField(_l("Unit"), choices=enum_choices(Unit), validate_choice=False)
    direction = SelectField(_l("Direction"), choices=enum_choices(Direction), validate_choice=False)
    aggregation = SelectField(_l("How values add up"), choices=enum_choices(Aggregation), validate_choice=False,
                              description=_l("A distinct count counts a district or ministry once, however often "
                                             "it appears; it needs a computed source."))
    accumulation = SelectField(_l("Counted"), choices=enum_choices(Accumulation), validate_choice=False)
    source = SelectField(_l("Source"), choices=enum_choices(Source), validate_choice=False)
    source_code = SelectField(_l("Module figure"), choices=[], validate_choice=False,
                              description=_l("For a computed indicator: the figure a module of Samaki counts."))
    baseline_value = StringField(_l("Baseline value"), validators=[Optional(), Length(max=30)])
    baseline_on = DateField(_l("Baseline date"), validators=[Optional()],
                            description=_l("A cumulative indicator counts from this day."))
    disaggregations = CheckboxesField(_l("Disaggregated by"), choices=disaggregation_choices(),
                                      validate_choice=False)
    responsible_id = SelectField(_l("Responsible"), choices=[], validate_choice=False)
    project_ids = CheckboxesField(_l("Projects"), choices=[], validate_choice=False)
    position = StringField(_l("Order"), validators=[Optional(), Length(max=6)], description=POSITION_HINT)


class TargetForm(FlaskForm):
    period_key = StringField(_l("Period"), validators=[Length(max=20)], description=PERIOD_HINT)
    value = StringField(_l("Target"), validators=[Length(max=30)])


class ValueForm(FlaskForm):
    period_key = StringField(_l("Period"), validators=[Length(max=20)], description=PERIOD_HINT)
    value = StringField(_l("Value"), validators=[Length(max=30)])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=20000)])
    evidence_url = StringField(_l("Link to the evidence"), validators=[Optional(), Length(max=1000)],
                               description=_l("A web address, for example of a report or a shared folder."))
    evidence_file = FileField(_l("Evidence file"),
                              description=_l("PDF, Word, Excel, OpenDocument, image, CSV or zip; at most 20 MB. "
                                             "Give a file, a link or both; a correction keeps the evidence "
                                             "already given."))


def value_form_for(indicator_cells, **kwargs) -> ValueForm:
    """A ValueForm with one number field per breakdown cell (framework_edits.breakdown_cells)."""

    class IndicatorValueForm(ValueForm):
        pass

    for dimension, cells in indicator_cells:
        for cell, name in cells:
            # The fieldset's legend names the dimension; the field is labelled by its cell.
            setattr(IndicatorValueForm, name, StringField(cell_label(dimension, cell),
                                                          validators=[Optional(), Length(max=30)]))
    return IndicatorValueForm(**kwargs)
