"""The Cambodian working-day calendar behind deadline engines (A2I replies, training planning).

Plain Python: callers pass the tenant's closure days; public holidays come from the `holidays` package.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

import holidays

COUNTRY = "KH"
MAX_DAYS = 3660   # ten years of offsets; anything larger is a bug in the caller, not a deadline
DEFAULT_CLOSURE_LABEL = "Office closed"   # callers should pass translated labels in closure_labels

# The package's language codes; the app's "en" is the package's "en_US".
_PACKAGE_LANGUAGES = {"en": "en_US", "km": "km", "th": "th"}
_ONE_DAY = timedelta(days=1)

# Holiday tables never change at run time, so every calendar shares one cache: language -> year -> table.
_HOLIDAY_CACHE: dict[str, dict[int, holidays.HolidayBase]] = {}


def _package_language(locale: str) -> str:
    """Map an app locale ("km", "km_KH", "en-US"…) to a language the package's KH calendar supports."""
    base = locale.replace("-", "_").split("_")[0].lower() if locale else "en"
    return _PACKAGE_LANGUAGES.get(base, "en_US")


def _public_holidays(year: int, language: str = "en_US") -> holidays.HolidayBase:
    """Cambodia's public holidays for one year, built once per language and year."""
    by_year = _HOLIDAY_CACHE.setdefault(language, {})
    table = by_year.get(year)
    if table is None:
        table = holidays.country_holidays(COUNTRY, years=year, language=language)
        by_year[year] = table
    return table


def _as_date(day: date) -> date:
    # datetime is a date subclass; its time part would leak into arithmetic and lookups.
    return day.date() if isinstance(day, datetime) else day


def _check_offset(n: int) -> None:
    if n < 0 or n > MAX_DAYS:
        raise ValueError(f"day offset must be between 0 and {MAX_DAYS}, got {n}")


def _weekdays_through(ordinal: int) -> int:
    """Monday–Friday days among ordinals 1..ordinal (ordinal 1, 1 January of year 1, is a Monday)."""
    full_weeks, rest = divmod(ordinal, 7)
    return full_weeks * 5 + min(rest, 5)


class WorkingCalendar:
    """Working days in Cambodia: Monday–Friday, minus public holidays and the tenant's closure days."""

    def __init__(self, closures: Iterable[date] = (), *,
                 closure_labels: Mapping[date, str] | None = None):
        labels = {_as_date(day): label for day, label in (closure_labels or {}).items()}
        self._closures: frozenset[date] = frozenset({_as_date(day) for day in closures} | set(labels))
        self._closure_labels = labels

    def _is_public_holiday(self, day: date) -> bool:
        return day in _public_holidays(day.year)

    def is_working_day(self, day: date) -> bool:
        day = _as_date(day)
        return day.weekday() < 5 and day not in self._closures and not self._is_public_holiday(day)

    def holiday_name(self, day: date, locale: str = "en") -> str | None:
        """The public holiday's name (Khmer when locale is "km"), else the closure's label, else None."""
        day = _as_date(day)
        name = _public_holidays(day.year, _package_language(locale)).get(day)
        if name is not None:
            return name
        if day in self._closures:
            return self._closure_labels.get(day) or DEFAULT_CLOSURE_LABEL
        return None

    def next_working_day(self, day: date) -> date:
        """The day itself if it is a working day, else the first working day after it."""
        day = _as_date(day)
        # Closures are finite and holidays never fill a year, so this ends; the bound turns a bug into an error.
        for _ in range(MAX_DAYS + len(self._closures)):
            if self.is_working_day(day):
                return day
            day += _ONE_DAY
        raise ValueError(f"no working day found after {day.isoformat()}")

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day strictly after start; for n == 0, start itself rolled to a working day."""
        _check_offset(n)
        day = _as_date(start)
        if n == 0:
            return self.next_working_day(day)
        for _ in range(n):
            day = self.next_working_day(day + _ONE_DAY)
        return day

    def add_days(self, start: date, n: int, *, working_days: bool) -> date:
        """A due date n days after start: working days, or calendar days rolled forward off a non-working day."""
        if working_days:
            return self.add_working_days(start, n)
        _check_offset(n)
        return self.next_working_day(_as_date(start) + timedelta(days=n))

    def working_days_between(self, start: date, end: date) -> int:
        """Working days d with start < d <= end; the same count negated when end is before start."""
        start, end = _as_date(start), _as_date(end)
        if end < start:
            return -self.working_days_between(end, start)
        weekdays = _weekdays_through(end.toordinal()) - _weekdays_through(start.toordinal())
        days_off = {day for day, _name in self._days_off(start + _ONE_DAY, end, "en") if day.weekday() < 5}
        return weekdays - len(days_off)

    def holidays_in(self, start: date, end: date, locale: str = "en") -> list[tuple[date, str]]:
        """Public holidays and closure days in [start, end] with their names, sorted by date."""
        return sorted(self._days_off(_as_date(start), _as_date(end), locale))

    def _days_off(self, start: date, end: date, locale: str) -> list[tuple[date, str]]:
        if end < start:
            return []
        language = _package_language(locale)
        named: dict[date, str] = {}
        for year in range(start.year, end.year + 1):
            for day, name in _public_holidays(year, language).items():
                if start <= day <= end:
                    named[day] = name
        for day in self._closures:
            if start <= day <= end and day not in named:
                named[day] = self._closure_labels.get(day) or DEFAULT_CLOSURE_LABEL
        return list(named.items())
