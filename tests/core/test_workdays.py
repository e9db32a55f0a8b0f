"""Working-day deadlines across Cambodia's public holidays and a tenant's closure days."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings, strategies as st

from core.workdays import WorkingCalendar

KHMER_NEW_YEAR_KM = "ពិធីបុណ្យចូលឆ្នាំថ្មីប្រពៃណីជាតិ"


def is_khmer_script(text: str) -> bool:
    letters = [ch for ch in text if not ch.isspace() and ch != ";"]
    return bool(letters) and all("\u1780" <= ch <= "\u17ff" for ch in letters)


# Hard weeks of 2026, dates as published by the `holidays` package.

def test_five_working_days_from_a_friday_end_the_next_friday():
    assert WorkingCalendar().add_working_days(date(2026, 2, 6), 5) == date(2026, 2, 13)


def test_due_date_skips_khmer_new_year():
    # 14–16 April 2026 (Tue–Thu) are Khmer New Year.
    assert WorkingCalendar().add_working_days(date(2026, 4, 10), 5) == date(2026, 4, 22)


def test_khmer_new_year_days_are_not_working_days():
    calendar = WorkingCalendar()
    assert [calendar.is_working_day(date(2026, 4, d)) for d in range(13, 18)] == [True, False, False, False, True]


def test_due_date_skips_pchum_ben_and_mourning_day():
    # Pchum Ben 10–12 October 2026 (Sat–Mon), King Sihanouk Mourning Day Thursday 15 October.
    calendar = WorkingCalendar()
    assert calendar.add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 13)
    assert calendar.add_working_days(date(2026, 10, 9), 5) == date(2026, 10, 20)


def test_due_date_skips_water_festival():
    # Water Festival 23–25 November 2026 (Mon–Wed).
    assert WorkingCalendar().add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 26)


def test_calendar_days_landing_in_water_festival_roll_to_the_thursday():
    assert WorkingCalendar().add_days(date(2026, 11, 20), 3, working_days=False) == date(2026, 11, 26)


def test_year_end_due_date_skips_international_new_year():
    # 31 Dec 2026 is a Thursday; Friday 1 Jan 2027 is International New Year Day.
    calendar = WorkingCalendar()
    assert calendar.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert calendar.holiday_name(date(2027, 1, 1)) == "International New Year Day"


def test_calendar_days_landing_on_a_saturday_roll_to_monday():
    assert WorkingCalendar().add_days(date(2026, 2, 4), 3, working_days=False) == date(2026, 2, 9)


def test_calendar_days_landing_on_a_working_day_stay_put():
    assert WorkingCalendar().add_days(date(2026, 2, 4), 2, working_days=False) == date(2026, 2, 6)


def test_working_day_mode_of_add_days_counts_working_days():
    assert WorkingCalendar().add_days(date(2026, 4, 10), 5, working_days=True) == date(2026, 4, 22)


def test_zero_working_days_from_a_holiday_is_the_next_working_day():
    calendar = WorkingCalendar()
    assert calendar.add_working_days(date(2026, 4, 14), 0) == date(2026, 4, 17)
    assert calendar.add_working_days(date(2026, 4, 13), 0) == date(2026, 4, 13)


def test_next_working_day_skips_weekend_and_holiday():
    calendar = WorkingCalendar()
    assert calendar.next_working_day(date(2026, 11, 21)) == date(2026, 11, 26)
    assert calendar.next_working_day(date(2026, 11, 26)) == date(2026, 11, 26)


# Tenant closures

def test_tenant_closure_day_pushes_the_due_date():
    calendar = WorkingCalendar([date(2026, 2, 13)])
    assert not calendar.is_working_day(date(2026, 2, 13))
    assert calendar.add_working_days(date(2026, 2, 6), 5) == date(2026, 2, 16)


def test_tenant_closure_shows_its_label():
    calendar = WorkingCalendar(closure_labels={date(2026, 2, 13): "Staff retreat in Kampot"})
    assert not calendar.is_working_day(date(2026, 2, 13))
    assert calendar.holiday_name(date(2026, 2, 13)) == "Staff retreat in Kampot"


def test_unlabelled_closure_still_has_a_name():
    assert WorkingCalendar([date(2026, 2, 13)]).holiday_name(date(2026, 2, 13)) == "Office closed"


def test_ordinary_day_has_no_holiday_name():
    assert WorkingCalendar().holiday_name(date(2026, 2, 12)) is None


# Names in Khmer

def test_holiday_name_in_khmer_is_khmer_script():
    name = WorkingCalendar().holiday_name(date(2026, 4, 14), "km")
    assert name == KHMER_NEW_YEAR_KM
    assert is_khmer_script(name)


def test_holiday_name_accepts_a_regional_khmer_locale():
    assert WorkingCalendar().holiday_name(date(2026, 4, 14), "km_KH") == KHMER_NEW_YEAR_KM


def test_holiday_name_in_english_by_default():
    assert WorkingCalendar().holiday_name(date(2026, 4, 14)) == "Khmer New Year's Day"


def test_water_festival_names_in_khmer_are_khmer_script():
    names = [name for _day, name in WorkingCalendar().holidays_in(date(2026, 11, 23), date(2026, 11, 25), "km")]
    assert len(names) == 3
    assert all(is_khmer_script(name) for name in names)


# Listing and counting

def test_holidays_in_april_lists_khmer_new_year_sorted():
    assert WorkingCalendar().holidays_in(date(2026, 4, 1), date(2026, 4, 30)) == [
        (date(2026, 4, 14), "Khmer New Year's Day"),
        (date(2026, 4, 15), "Khmer New Year's Day"),
        (date(2026, 4, 16), "Khmer New Year's Day"),
    ]


def test_holidays_in_includes_tenant_closures():
    calendar = WorkingCalendar(closure_labels={date(2026, 4, 17): "Extra New Year day"})
    assert calendar.holidays_in(date(2026, 4, 16), date(2026, 4, 17)) == [
        (date(2026, 4, 16), "Khmer New Year's Day"),
        (date(2026, 4, 17), "Extra New Year day"),
    ]


def test_holidays_in_spans_the_year_end():
    assert WorkingCalendar().holidays_in(date(2026, 12, 25), date(2027, 1, 5)) == [
        (date(2026, 12, 29), "Peace Day in Cambodia"),
        (date(2027, 1, 1), "International New Year Day"),
    ]


def test_working_days_between_skips_khmer_new_year():
    assert WorkingCalendar().working_days_between(date(2026, 4, 10), date(2026, 4, 22)) == 5


def test_working_days_between_counts_end_but_not_start():
    assert WorkingCalendar().working_days_between(date(2026, 2, 9), date(2026, 2, 10)) == 1


def test_working_days_between_is_negative_backwards():
    assert WorkingCalendar().working_days_between(date(2026, 4, 22), date(2026, 4, 10)) == -5


def test_working_days_between_same_day_is_zero():
    assert WorkingCalendar().working_days_between(date(2026, 4, 14), date(2026, 4, 14)) == 0


def test_working_days_between_counts_tenant_closures():
    calendar = WorkingCalendar([date(2026, 2, 13)])
    assert calendar.working_days_between(date(2026, 2, 6), date(2026, 2, 16)) == 5


@pytest.mark.parametrize("n", [-1, 3661])
def test_out_of_range_offsets_are_refused(n):
    calendar = WorkingCalendar()
    with pytest.raises(ValueError):
        calendar.add_working_days(date(2026, 1, 5), n)
    with pytest.raises(ValueError):
        calendar.add_days(date(2026, 1, 5), n, working_days=False)


# Properties

days_2024_2028 = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))
offsets = st.integers(min_value=0, max_value=60)


@settings(max_examples=200, deadline=None)
@given(start=days_2024_2028, n=offsets, closures=st.lists(days_2024_2028, max_size=5))
def test_working_day_due_date_is_always_a_working_day(start, n, closures):
    calendar = WorkingCalendar(closures)
    assert calendar.is_working_day(calendar.add_days(start, n, working_days=True))


@settings(max_examples=200, deadline=None)
@given(start=days_2024_2028, n=offsets, closure_offset=st.integers(min_value=0, max_value=90),
       working_days=st.booleans())
def test_a_closure_day_never_brings_a_due_date_earlier(start, n, closure_offset, working_days):
    closed = WorkingCalendar([start + timedelta(days=closure_offset)])
    assert closed.add_days(start, n, working_days=working_days) >= \
        WorkingCalendar().add_days(start, n, working_days=working_days)


@settings(max_examples=200, deadline=None)
@given(start=days_2024_2028, n=st.integers(min_value=1, max_value=60),
       closure_offsets=st.lists(st.integers(min_value=0, max_value=90), max_size=5))
def test_working_days_between_undoes_add_working_days(start, n, closure_offsets):
    calendar = WorkingCalendar(start + timedelta(days=offset) for offset in closure_offsets)
    assert calendar.working_days_between(start, calendar.add_working_days(start, n)) == n


@settings(max_examples=200, deadline=None)
@given(start=days_2024_2028, end=days_2024_2028)
def test_working_days_between_matches_counting_day_by_day(start, end):
    calendar = WorkingCalendar()
    low, high = sorted((start, end))
    counted = sum(calendar.is_working_day(low + timedelta(days=i)) for i in range(1, (high - low).days + 1))
    assert calendar.working_days_between(start, end) == (counted if end >= start else -counted)
