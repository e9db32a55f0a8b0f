"""Forms of the donor-report pages: a new report (title; a period of the plan, or a project/grant, or
both; the report's narrative) and the report's page (title, narrative and one narrative per
indicator, saved together). The period is a text key parsed by services.plan_period, so the page and
any future API share one rule; the project choices are set by the view."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from plugins.results_framework.reports import NARRATIVE_MAX, TITLE_MAX


class NewReportForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX)],
                        description=_l("For example: Annual report 2026 to the Swiss Agency for Development and "
                                       "Cooperation."))
    period_key = StringField(_l("Period"), validators=[Optional(), Length(max=16)],
                             description=_l("A year (2026), a quarter (2026-Q3) or a fiscal year by its first month "
                                            "(FY2026-07). Leave empty for a project report over the project's "
                                            "dates."))
    project_id = SelectField(_l("Project or grant"), choices=[], default="",
                             description=_l("The report then covers only the indicators linked to this project."))
    narrative = TextAreaField(_l("Narrative of the report"), validators=[Optional(), Length(max=NARRATIVE_MAX)])


class ReportEditForm(FlaskForm):
    """The report's own fields; edit_form_class adds one narrative field per indicator."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    narrative = TextAreaField(_l("Narrative of the report"), validators=[Optional(), Length(max=NARRATIVE_MAX)])


def narrative_field_name(indicator_id: int) -> str:
    return f"n_{indicator_id}"


def edit_form_class(indicator_ids: list[int]) -> type[ReportEditForm]:
    """ReportEditForm with a narrative textarea per indicator the report covers (n_<indicator id>)."""
    fields = {narrative_field_name(indicator_id): TextAreaField(
        _l("Narrative for this indicator"), validators=[Optional(), Length(max=NARRATIVE_MAX)])
        for indicator_id in indicator_ids}
    return type("ReportNarrativesForm", (ReportEditForm,), fields)
