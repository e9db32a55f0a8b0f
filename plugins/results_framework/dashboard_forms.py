"""The period chooser of the results pages, read from the query string (a GET form, so no CSRF): the
kind of period (quarter, calendar year, fiscal year) and one period of the plan. Without JavaScript
a reader who changes only the kind gets the period of that kind around the one shown."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from core.errors import DomainError
from core.periods import Period, PeriodKind, period_containing
from plugins.results_framework import services
from plugins.results_framework.models import FrameworkSettings


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False

    # Choices are checked by chosen_period (with the plan's own messages), not by WTForms.
    kind = SelectField(_l("Kind of period"), validate_choice=False)
    period = SelectField(_l("Period"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(kind.value, kind.label) for kind in PeriodKind]

    def fill_choices(self, settings: FrameworkSettings, chosen: Period | None) -> None:
        """The plan's periods of the chosen kind (the chosen one kept even if the plan lists it not)."""
        kind = chosen.kind if chosen is not None else PeriodKind.YEAR
        periods = services.plan_periods(settings, kind)
        if chosen is not None and chosen not in periods:
            periods = sorted(periods + [chosen])
        self.period.choices = [SelectChoice(period.key, period.label) for period in periods]
        if chosen is not None:
            self.kind.data, self.period.data = chosen.kind.value, chosen.key


def _clamped(period: Period, settings: FrameworkSettings) -> Period:
    """`period`, else the nearest period of its kind inside the plan."""
    periods = services.plan_periods(settings, period.kind)
    if not periods or period in periods:
        return period
    if period.end < periods[0].start:
        return periods[0]
    if period.start > periods[-1].end:
        return periods[-1]
    return period


def chosen_period(form: PeriodForm, settings: FrameworkSettings, today: date) -> Period | None:
    """The period the form asks for; the current calendar year (within the plan) by default. Puts a
    translated error on the form and returns None for a kind or a period that is not one."""
    kind_text = (form.kind.data or "").strip()
    if kind_text and kind_text not in {kind.value for kind in PeriodKind}:
        form.kind.errors = list(form.kind.errors) + [_("Choose a quarter, a calendar year or a fiscal year.")]
        return None
    key = (form.period.data or "").strip()
    if key:
        try:
            period = services.plan_period(settings, key)
        except DomainError as error:
            form.period.errors = list(form.period.errors) + [str(error.message)]
            return None
        if kind_text and period.kind.value != kind_text:
            # The reader changed the kind only: the period of that kind around today when the
            # shown period holds today, else around the shown period's end.
            day = today if today in period else period.end
            period = _clamped(period_containing(day, kind_text, settings.fiscal_start_month), settings)
        return period
    return _clamped(period_containing(today, kind_text or PeriodKind.YEAR, settings.fiscal_start_month), settings)
