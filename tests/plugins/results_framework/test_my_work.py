"""The module's "My work" items: a hand-entered indicator's value for the last quarter that ended,
for the person responsible (due 15 days after the quarter), and that quarter to freeze for those
who may freeze periods, until it is frozen."""
from __future__ import annotations

from datetime import date, timedelta

from flask import current_app

from core.extensions import db
from core.models import Role
from core.periods import period_containing, previous, quarter
from core.tenancy import tenant_scope
from plugins.results_framework import services
from plugins.results_framework.dashboard_views import my_work
from plugins.results_framework.models import Source
from tests.helpers import make_member
from tests.plugins.results_framework.conftest import enter, make_indicator

TODAY = date(2026, 5, 20)          # the last quarter that ended is Q1 2026


def work_of(tenant, user, today=TODAY):
    with current_app.test_request_context(), tenant_scope(tenant.id):
        return my_work(tenant, user, today=today)


def test_responsible_person_is_asked_for_the_last_quarters_value(tenant, outcome, staff):
    make_indicator(tenant, outcome, "1.1.1", name_en="Community meetings held", responsible=staff)
    items = work_of(tenant, staff)
    assert len(items) == 1
    item = items[0]
    assert item.title == "1.1.1 Community meetings held: value for Q1 2026"
    assert item.due_on == date(2026, 4, 15)
    assert item.kind == "Indicator value"
    assert "/indicators/" in item.url


def test_no_item_once_the_value_is_entered(tenant, outcome, staff):
    indicator = make_indicator(tenant, outcome, "1.1.1", responsible=staff)
    enter(tenant, indicator, "2026-Q1", 12)
    assert work_of(tenant, staff) == []


def test_nothing_for_others_or_for_computed_indicators(tenant, outcome, staff):
    colleague = make_member(tenant, Role.STAFF, email="colleague@kampot.example")
    make_indicator(tenant, outcome, "1.1.1", responsible=colleague)
    make_indicator(tenant, outcome, "1.1.2", source=Source.COMPUTED, source_code="training.people_trained",
                   responsible=staff)
    assert work_of(tenant, staff) == []


def test_manager_is_asked_to_freeze_the_quarter_until_it_is_frozen(tenant, outcome, admin_user, staff):
    make_indicator(tenant, outcome, "1.1.1")
    items = work_of(tenant, admin_user)
    assert [item.title for item in items] == ["Freeze Q1 2026"]
    assert items[0].kind == "Period to freeze"
    assert work_of(tenant, staff) == []            # staff may not freeze
    with tenant_scope(tenant.id):
        services.freeze(tenant, quarter(2026, 1), actor_id=admin_user.id, today=TODAY)
        db.session.commit()
    assert work_of(tenant, admin_user) == []


def test_nothing_before_the_plan_starts(tenant, outcome, staff):
    make_indicator(tenant, outcome, "1.1.1", responsible=staff)
    assert work_of(tenant, staff, today=date(2024, 2, 1)) == []      # Q4 2023 lies before the 2024 plan


def test_no_framework_no_work(tenant, staff):
    assert work_of(tenant, staff) == []


def test_the_item_is_on_the_dashboard(staff_client, tenant, outcome, staff):
    make_indicator(tenant, outcome, "1.1.1", name_en="Community meetings held", responsible=staff)
    today = date.today()
    last = previous(period_containing(today, "quarter"))
    html = staff_client.get(f"/t/{tenant.slug}/").get_data(as_text=True)
    assert f"1.1.1 Community meetings held: value for {last.label}" in html
    if last.end + timedelta(days=15) < today:
        assert "Overdue since" in html
