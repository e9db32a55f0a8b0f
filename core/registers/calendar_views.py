"""The working-day calendar page: the year's public holidays and the organisation's closure days,
which every module's deadlines skip (core.registers.calendar). Everyone in the organisation may look
and count working days; adding and removing closure days takes core.calendar.manage."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import DateField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.errors import DomainError
from core.extensions import db
from core.i18n import current_locale
from core.permissions import require
from core.registers import calendar
from core.registers.models import ClosureDay
from core.workdays import DEFAULT_CLOSURE_LABEL

calendar_bp = Blueprint("calendar", __name__, url_prefix="/t/<tenant_slug>/calendar")

DATE_MESSAGE = _l("Give the date in the form YYYY-MM-DD.")
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_COUNTED_DAYS = 365


class ClosureDayForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired(message=DATE_MESSAGE)], format="%Y-%m-%d")
    label = StringField(_l("What the day is"), validators=[Optional(), Length(max=calendar.MAX_LABEL_LENGTH)],
                        description=_l("For example: Provincial office closed for the water festival."))


class WorkingDaysForm(FlaskForm):
    """Which day is N working days after a date? (read from the query string, so no CSRF)."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[DataRequired(message=DATE_MESSAGE)], format="%Y-%m-%d")
    days = IntegerField(_l("Working days later"), default=5, validators=[
        InputRequired(message=_l("Give a whole number of days.")),
        NumberRange(min=0, max=MAX_COUNTED_DAYS, message=_l("Give a number of days from 0 to 365."))])


def _tenant_today():
    return datetime.now(ZoneInfo(g.tenant.timezone or "Asia/Phnom_Penh")).date()


def _year() -> int:
    try:
        year = int(request.args.get("year", ""))
    except ValueError:
        return _tenant_today().year
    return year if FIRST_YEAR <= year <= LAST_YEAR else _tenant_today().year


def _count_result(form: WorkingDaysForm) -> dict | None:
    """The answer to the working-days question, when one was asked and understood."""
    if "start" not in request.args or not form.validate():
        return None
    if not (calendar.EARLIEST_DAY <= form.start.data <= calendar.LATEST_DAY):
        form.start.errors = list(form.start.errors) + [_("Give a date between 2000 and 2100.")]
        return None
    locale = current_locale()
    working = calendar.tenant_calendar(g.tenant.id)
    end = working.add_working_days(form.start.data, form.days.data)
    days_off = [(day, _("Office closed") if name == DEFAULT_CLOSURE_LABEL else name)
                for day, name in working.holidays_in(form.start.data, end, locale)]
    return {"end": end, "days_off": days_off,
            "warning": calendar.working_day_warning(g.tenant.id, form.start.data, locale, calendar=working)}


def _render(year: int, closure_form: ClosureDayForm | None = None, status: int = 200):
    locale = current_locale()
    count_form = WorkingDaysForm(request.args if "start" in request.args else None)
    result = _count_result(count_form)
    if count_form.start.data is None and not count_form.start.raw_data:
        count_form.start.data = _tenant_today()
    return render_template("registers/calendar/index.html", year=year, locale=locale,
                           holidays=calendar.public_holidays(year, locale),
                           closures=calendar.closure_days(g.tenant.id, year),
                           closure_form=closure_form or ClosureDayForm(formdata=None),
                           count_form=count_form, result=result), status


@calendar_bp.get("/")
@require("core.tenant.view")
def index():
    return _render(_year())


@calendar_bp.post("/closure-days")
@require("core.calendar.manage")
def add():
    form = ClosureDayForm()
    if form.validate_on_submit():
        try:
            closure = calendar.add_closure_day(g.tenant.id, form.day.data, form.label.data or "")
        except DomainError as error:
            db.session.rollback()
            field = getattr(form, error.field or "day")
            field.errors = list(field.errors) + [str(error.message)]
        else:
            db.session.commit()
            flash(_("%(day)s is now counted as a closure day.", day=format_date(closure.day)), "success")
            return redirect(url_for("calendar.index", year=closure.day.year, _anchor="closure-days"))
    year = form.day.data.year if form.day.data and FIRST_YEAR <= form.day.data.year <= LAST_YEAR else _year()
    return _render(year, closure_form=form, status=422)


@calendar_bp.post("/closure-days/<int:closure_id>/remove")
@require("core.calendar.manage")
def remove(closure_id: int) -> Response:
    closure = db.session.scalar(select(ClosureDay).where(ClosureDay.id == closure_id))
    if closure is None:
        abort(404)
    day = closure.day
    calendar.remove_closure_day(closure)
    db.session.commit()
    flash(_("%(day)s is a working day again.", day=format_date(day)), "success")
    return redirect(url_for("calendar.index", year=day.year, _anchor="closure-days"))
