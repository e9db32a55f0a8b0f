"""One working-day calendar for every module: Cambodia's public holidays (core.workdays) plus the
tenant's closure days (ClosureDay). A2I due dates, training sessions and consulting deadlines all
ask here: `tenant_calendar` for counting, `working_day_warning` for telling a user why a day they
chose is not a working day, `add_closure_day` / `remove_closure_day` for the calendar page."""
from __future__ import annotations

from datetime import date

from babel.dates import format_date
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.errors import DomainError
from core.extensions import db
from core.registers.models import ClosureDay
from core.text import clean_text
from core.workdays import WorkingCalendar

EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2100, 12, 31)
MAX_LABEL_LENGTH = 200


def tenant_calendar(tenant_id: int) -> WorkingCalendar:
    """National holidays plus the tenant's own closure days (one query)."""
    closures = db.session.execute(
        select(ClosureDay.day, ClosureDay.label).where(ClosureDay.tenant_id == tenant_id)).all()
    return WorkingCalendar([row.day for row in closures],
                           closure_labels={row.day: row.label for row in closures if row.label})


def closure_days(tenant_id: int, year: int | None = None) -> list[ClosureDay]:
    """The tenant's closure days in date order (of one year when given)."""
    query = select(ClosureDay).where(ClosureDay.tenant_id == tenant_id)
    if year is not None:
        query = query.where(ClosureDay.day >= date(year, 1, 1), ClosureDay.day <= date(year, 12, 31))
    return list(db.session.scalars(query.order_by(ClosureDay.day)))


def public_holidays(year: int, locale: str = "en") -> list[tuple[date, str]]:
    """Cambodia's public holidays of one year with their names in the locale's language."""
    return WorkingCalendar().holidays_in(date(year, 1, 1), date(year, 12, 31), locale)


def is_working_day(tenant_id: int, day: date) -> bool:
    return tenant_calendar(tenant_id).is_working_day(day)


def add_working_days(tenant_id: int, start: date, n: int) -> date:
    """The n-th working day after `start` for the tenant (n == 0: start, rolled to a working day)."""
    return tenant_calendar(tenant_id).add_working_days(start, n)


def non_working_reason(tenant_id: int, day: date, locale: str = "en") -> str | None:
    """Why `day` is not a working day for the tenant (the holiday's or closure's name, or
    "weekend" handled by the caller), or None when it is a working day."""
    calendar = tenant_calendar(tenant_id)
    if calendar.is_working_day(day):
        return None
    return calendar.holiday_name(day, locale)


def working_day_warning(tenant_id: int, day: date, locale: str = "en", *,
                        calendar: WorkingCalendar | None = None) -> str | None:
    """A sentence in the locale's language telling why `day` is not a working day for the tenant (a
    weekend, a public holiday, one of its closure days), or None when it is one. Modules show it next
    to a date a user picked (a training session, a consulting deadline); pass `calendar` when
    checking many days."""
    calendar = calendar or tenant_calendar(tenant_id)
    if calendar.is_working_day(day):
        return None
    shown = format_date(day, format="full", locale=locale)
    with force_locale(locale):
        holiday = WorkingCalendar().holiday_name(day, locale)
        if holiday is not None:
            return _("%(day)s is a public holiday: %(name)s.", day=shown, name=holiday)
        if day.weekday() >= 5:
            return _("%(day)s is a weekend day.", day=shown)
        label = db.session.scalar(select(ClosureDay.label).where(ClosureDay.tenant_id == tenant_id,
                                                                   ClosureDay.day == day))
        if label:
            return _("%(day)s is a closure day of your organisation: %(name)s.", day=shown, name=label)
        return _("%(day)s is a closure day of your organisation.", day=shown)


def add_closure_day(tenant_id: int, day: date, label: str = "") -> ClosureDay:
    """Count `day` as non-working for the tenant (audited on flush; the caller commits)."""
    if not (EARLIEST_DAY <= day <= LATEST_DAY):
        raise DomainError(_l("Give a date between 2000 and 2100."), field="day")
    label = clean_text(label, "label", MAX_LABEL_LENGTH)
    exists = db.session.scalar(select(ClosureDay.id).where(ClosureDay.tenant_id == tenant_id, ClosureDay.day == day))
    if exists is not None:
        raise DomainError(_l("This day is already a closure day."), field="day")
    closure = ClosureDay(tenant_id=tenant_id, day=day, label=label)
    db.session.add(closure)
    db.session.flush()
    return closure


def remove_closure_day(closure: ClosureDay) -> None:
    """Count the day as a working day again (audited on flush; the caller commits)."""
    db.session.delete(closure)
    db.session.flush()
