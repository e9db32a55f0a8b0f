"""'My work' on the tenant dashboard: the items every module's samaki_my_work gives the user, first
on the page, soonest due first (undated last), overdue said in words; a message when there is none."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import current_app

from core.hookspecs import hookimpl
from core.models import Role
from core.plugins import WorkItem
from tests.helpers import login, make_member


class SomeWork:
    """A tiny module: three items for everyone, given out of order."""

    @hookimpl
    def samaki_my_work(self, tenant, user):
        today = date.today()
        return [WorkItem("Write the field report", "/report", "Report", due_on=today + timedelta(days=5)),
                WorkItem("Read the new guidelines", "/guidelines", "Reading"),
                WorkItem("Reply to the district office", "/reply", "Information request",
                         due_on=today - timedelta(days=3), note="Reply due")]


@pytest.fixture
def some_work(app):
    state = current_app.extensions["samaki"]
    state.pm.register(SomeWork(), name="test_some_work")
    yield
    state.pm.unregister(name="test_some_work")


def test_my_work_comes_first_soonest_due_first(staff_client, tenant, some_work):
    html = staff_client.get(f"/t/{tenant.slug}/").get_data(as_text=True)
    assert html.index('id="my-work"') < html.index('id="widget-1"')     # before the modules' cards
    overdue = html.index("Reply to the district office")
    soon = html.index("Write the field report")
    undated = html.index("Read the new guidelines")
    assert overdue < soon < undated
    assert "Overdue since" in html and "Reply due" in html
    assert "Information request" in html


def test_results_module_item_on_the_dashboard(staff_client, tenant, staff):
    from tests.plugins.results_framework.conftest import make_indicator, make_outcome
    make_indicator(tenant, make_outcome(tenant), "1.1.1", name_en="Community meetings held", responsible=staff)
    html = staff_client.get(f"/t/{tenant.slug}/").get_data(as_text=True)
    assert "1.1.1 Community meetings held: value for" in html


def test_empty_state_says_nothing_is_due(client, tenant):
    viewer = make_member(tenant, Role.VIEWER)
    login(client, viewer.email)
    html = client.get(f"/t/{tenant.slug}/").get_data(as_text=True)
    assert "Nothing is assigned to you or due soon." in html
