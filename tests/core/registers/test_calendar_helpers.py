"""The calendar helpers modules call: is a day a working day, why not (in the reader's language),
and adding working days with the tenant's closure days."""
from __future__ import annotations

from datetime import date

from core.extensions import db
from core.registers.calendar import add_closure_day, add_working_days, is_working_day, working_day_warning
from core.tenancy import tenant_scope


def test_working_day_has_no_warning(tenant):
    assert working_day_warning(tenant.id, date(2026, 7, 8)) is None
    assert is_working_day(tenant.id, date(2026, 7, 8))


def test_warning_names_the_public_holiday_in_english_and_khmer(tenant):
    english = working_day_warning(tenant.id, date(2026, 4, 14), "en")
    assert english == "Tuesday, April 14, 2026 is a public holiday: Khmer New Year's Day."
    khmer = working_day_warning(tenant.id, date(2026, 4, 14), "km")
    assert "ពិធីបុណ្យចូលឆ្នាំថ្មីប្រពៃណីជាតិ" in khmer


def test_warning_for_a_weekend_and_a_closure_day(tenant):
    assert working_day_warning(tenant.id, date(2026, 7, 11)) == "Saturday, July 11, 2026 is a weekend day."
    with tenant_scope(tenant.id):
        add_closure_day(tenant.id, date(2026, 7, 8), "Staff retreat")
        add_closure_day(tenant.id, date(2026, 7, 9))
        db.session.commit()
    assert working_day_warning(tenant.id, date(2026, 7, 8)) == (
        "Wednesday, July 8, 2026 is a closure day of your organisation: Staff retreat.")
    assert working_day_warning(tenant.id, date(2026, 7, 9)) == (
        "Thursday, July 9, 2026 is a closure day of your organisation.")
    assert not is_working_day(tenant.id, date(2026, 7, 8))


def test_adding_working_days_skips_closures_of_this_tenant_only(tenant, other_tenant):
    with tenant_scope(tenant.id):
        add_closure_day(tenant.id, date(2026, 7, 8), "Staff retreat")
        db.session.commit()
    assert add_working_days(tenant.id, date(2026, 7, 7), 1) == date(2026, 7, 9)
    assert add_working_days(other_tenant.id, date(2026, 7, 7), 1) == date(2026, 7, 8)
