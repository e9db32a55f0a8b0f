"""Reporting periods shared by every module's figures: calendar quarters, calendar years and donor
fiscal years (e.g. July–June), each named by a short key that URLs, forms and the API use:
"2026-Q3", "2026", "FY2026-07" (the fiscal year starting July 2026)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from core.enums import LabelledEnum, register_labels
from core.errors import DomainError


class PeriodKind(LabelledEnum):
    QUARTER = "quarter"
    YEAR = "year"
    FISCAL_YEAR = "fiscal_year"


register_labels([(PeriodKind.QUARTER, _l("Quarter")), (PeriodKind.YEAR, _l("Calendar year")),
                 (PeriodKind.FISCAL_YEAR, _l("Fiscal year"))])

_KEY = re.compile(r"^(?:(?P<year>\d{4})(?:-Q(?P<quarter>[1-4]))?|FY(?P<fy>\d{4})-(?P<month>0[1-9]|1[0-2]))$")
MONTH_NAMES = (_l("January"), _l("February"), _l("March"), _l("April"), _l("May"), _l("June"), _l("July"),
               _l("August"), _l("September"), _l("October"), _l("November"), _l("December"))


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period: its first and last day (both included), its kind and its key."""

    start: date
    end: date
    kind: PeriodKind
    key: str

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.QUARTER:
            return str(_l("Q%(quarter)s %(year)s", quarter=(self.start.month - 1) // 3 + 1, year=self.start.year))
        if self.kind == PeriodKind.YEAR:
            return str(self.start.year)
        return str(_l("FY %(first)s–%(last)s (%(from_month)s–%(to_month)s)", first=self.start.year,
                      last=self.end.year, from_month=MONTH_NAMES[self.start.month - 1],
                      to_month=MONTH_NAMES[self.end.month - 1]))

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    def within(self, other: "Period") -> bool:
        return other.start <= self.start and self.end <= other.end

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(range(self.start.year, self.end.year + 1))


def _month_end(year: int, month: int) -> date:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return following - timedelta(days=1)


def quarter(year: int, number: int) -> Period:
    first_month = 3 * (number - 1) + 1
    return Period(date(year, first_month, 1), _month_end(year, first_month + 2), PeriodKind.QUARTER,
                  f"{year}-Q{number}")


def year(number: int) -> Period:
    return Period(date(number, 1, 1), date(number, 12, 31), PeriodKind.YEAR, str(number))


def fiscal_year(first_year: int, first_month: int) -> Period:
    """The twelve months starting on the first of `first_month` in `first_year` (January gives a
    calendar year under the fiscal-year kind)."""
    last_month = (first_month - 2) % 12 + 1
    last_year = first_year + (first_month != 1)
    return Period(date(first_year, first_month, 1), _month_end(last_year, last_month), PeriodKind.FISCAL_YEAR,
                  f"FY{first_year}-{first_month:02d}")


def parse_period(key: str | None, field: str = "period") -> Period:
    """The period a key names; a DomainError (translated, on `field`) for anything else."""
    found = _KEY.match((key or "").strip())
    if found is None or not 1900 <= int(found["year"] or found["fy"]) <= 2200:
        raise DomainError(_l("“%(key)s” is not a period. Write a year (2026), a quarter (2026-Q3) or a fiscal "
                             "year by its first month (FY2026-07).", key=(key or "")[:40]), field)
    if found["fy"]:
        return fiscal_year(int(found["fy"]), int(found["month"]))
    if found["quarter"]:
        return quarter(int(found["year"]), int(found["quarter"]))
    return year(int(found["year"]))


def period_containing(day: date, kind: PeriodKind | str, fiscal_start_month: int = 7) -> Period:
    kind = PeriodKind(kind)
    if kind == PeriodKind.QUARTER:
        return quarter(day.year, (day.month - 1) // 3 + 1)
    if kind == PeriodKind.YEAR:
        return year(day.year)
    first_year = day.year if day.month >= fiscal_start_month else day.year - 1
    return fiscal_year(first_year, fiscal_start_month)


def previous(period: Period, fiscal_start_month: int = 7) -> Period:
    return period_containing(period.start - timedelta(days=1), period.kind, period.start.month
                             if period.kind == PeriodKind.FISCAL_YEAR else fiscal_start_month)


def recent(period: Period, count: int) -> list[Period]:
    """`count` periods of the same kind ending with `period`, oldest first."""
    found = [period]
    while len(found) < count:
        found.insert(0, previous(found[0]))
    return found


def period_bounds(period) -> tuple[date, date]:
    """The first and last day of what the `samaki_indicators` hook receives as its period: a Period
    (or anything with .start and .end), a (start, end) pair of dates, or a year."""
    if isinstance(period, int):
        return date(period, 1, 1), date(period, 12, 31)
    if hasattr(period, "start") and hasattr(period, "end"):
        return period.start, period.end
    start, end = period
    return start, end
