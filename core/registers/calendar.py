"""One working-day calendar for every module: Cambodia's public holidays (core.workdays) plus the
tenant's closure days (ClosureDay). A2I due dates, training sessions and consulting deadlines all
ask here."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.extensions import db
from core.registers.models import ClosureDay
from core.workdays import WorkingCalendar


def tenant_calendar(tenant_id: int) -> WorkingCalendar:
    """National holidays plus the tenant's own closure days (one query)."""
    closures = db.session.execute(
        select(ClosureDay.day, ClosureDay.label).where(ClosureDay.tenant_id == tenant_id)).all()
    return WorkingCalendar([row.day for row in closures],
                           closure_labels={row.day: row.label for row in closures if row.label})


def closure_days(tenant_id: int) -> list[ClosureDay]:
    return list(db.session.scalars(select(ClosureDay).where(ClosureDay.tenant_id == tenant_id)
                                   .order_by(ClosureDay.day)))


def non_working_reason(tenant_id: int, day: date, locale: str = "en") -> str | None:
    """Why `day` is not a working day for the tenant (the holiday's or closure's name, or
    "weekend" handled by the caller), or None when it is a working day."""
    calendar = tenant_calendar(tenant_id)
    if calendar.is_working_day(day):
        return None
    return calendar.holiday_name(day, locale)
