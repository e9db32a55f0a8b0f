"""Comparing periods side by side: each indicator's value per period — frozen where the period has
a snapshot, live (and marked so) where it has none — with its target and the change from the column
before; two to four periods; a phone-width page that never scrolls sideways."""
from __future__ import annotations

import re
from datetime import date

from core.extensions import db
from core.models import Role
from core.periods import PeriodKind, parse_period, period_containing
from core.tenancy import tenant_scope
from plugins.results_framework import services
from plugins.results_framework.models import Direction
from tests.helpers import login, make_member, statements_for
from tests.plugins.results_framework.conftest import enter, make_indicator


def url(tenant) -> str:
    return f"/t/{tenant.slug}/results/snapshots/compare"


def freeze(tenant, key: str, actor=None):
    with tenant_scope(tenant.id):
        snapshot = services.freeze(tenant, parse_period(key), actor_id=actor.id if actor else None)
        db.session.commit()
        return snapshot


def cells(page: str, code: str) -> list[str]:
    """The text of each value cell in the row of indicator `code`, tags removed."""
    row = re.search(rf"<tr>\s*<th scope=\"row\">{re.escape(code)}<br>.*?</tr>", page, re.S).group(0)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
            for cell in re.findall(r"<td class=\"number\">(.*?)</td>", row, re.S)]


def test_frozen_and_live_periods_side_by_side_with_targets_and_changes(staff_client, tenant, outcome):
    trained = make_indicator(tenant, outcome, "1.1.1", name_en="People trained",
                             targets={"2025-Q1": 100, "2025-Q2": 100, "2025-Q3": 150})
    complaints = make_indicator(tenant, outcome, "1.1.2", name_en="Complaints unanswered",
                                direction=Direction.LOWER)
    enter(tenant, trained, "2025-Q1", 120)
    enter(tenant, complaints, "2025-Q1", 9)
    freeze(tenant, "2025-Q1")
    enter(tenant, trained, "2025-Q1", 500)              # after the freeze: Q1 keeps showing 120
    enter(tenant, trained, "2025-Q2", 90)
    enter(tenant, complaints, "2025-Q2", 4)
    enter(tenant, trained, "2025-Q3", 130)
    response = staff_client.get(url(tenant), query_string=[("period", "2025-Q3"), ("period", "2025-Q1"),
                                                           ("period", "2025-Q2")])
    assert response.status_code == 200
    page = response.text
    # Columns in time order, whatever the order chosen; the frozen one links to its snapshot.
    assert page.index("Q1 2025<br>") < page.index("Q2 2025<br>") < page.index("Q3 2025<br>")
    header = page.split("</thead>")[0]
    assert header.count(">Frozen</a>") == 1 and header.count(">Live</span>") == 2
    assert cells(page, "1.1.1") == [
        "120 Target: 100",
        "90 Live Target: 100 ▼ −30",
        "130 Live Target: 150 ▲ +40"]
    assert cells(page, "1.1.2") == ["9", "4 Live ▼ −5", "No value Live"]
    # Fewer complaints is better: the drop is marked good; fewer people trained is marked bad.
    row = re.search(r"<th scope=\"row\">1.1.2<br>.*?</tr>", page, re.S).group(0)
    assert 'class="badge ok">' in row
    row = re.search(r"<th scope=\"row\">1.1.1<br>.*?</tr>", page, re.S).group(0)
    assert 'class="badge late">' in row and 'class="badge ok">' in row
    # The period choices keep what was chosen.
    assert re.findall(r'<option value="([^"]+)" selected>', page) == ["2025-Q1", "2025-Q2", "2025-Q3"]


def test_different_kinds_of_period_can_be_compared(staff_client, tenant, outcome):
    trained = make_indicator(tenant, outcome, "1.1.1", targets={"2025": 400})
    enter(tenant, trained, "2025-Q1", 120)
    enter(tenant, trained, "2025-Q3", 80)
    # The fiscal year July 2025–June 2026 takes the target of 2026, which has none.
    response = staff_client.get(url(tenant), query_string=[("period", "2025"), ("period", "FY2025-07")])
    assert response.status_code == 200
    assert cells(response.text, "1.1.1") == ["200 Live Target: 400", "80 Live ▼ −120"]


def test_two_to_four_known_periods_of_the_plan(staff_client, tenant, outcome):
    make_indicator(tenant, outcome, "1.1.1")
    one = staff_client.get(url(tenant), query_string={"period": "2025-Q1"})
    assert one.status_code == 422 and "Choose two to four different periods to compare." in one.text
    same = staff_client.get(url(tenant), query_string=[("period", "2025-Q1"), ("period", "2025-Q1")])
    assert same.status_code == 422
    five = staff_client.get(url(tenant), query_string=[("period", f"2025-Q{n}") for n in (1, 2, 3, 4)]
                            + [("period", "2026-Q1")])
    assert five.status_code == 422 and "Choose two to four different periods to compare." in five.text
    bad = staff_client.get(url(tenant), query_string=[("period", "2025-Q9"), ("period", "2025-Q1")])
    assert bad.status_code == 422 and "“2025-Q9” is not a period." in bad.text
    outside = staff_client.get(url(tenant), query_string=[("period", "2019"), ("period", "2025")])
    assert outside.status_code == 422 and "2019 is outside the plan" in outside.text
    # Empty choices are skipped: two periods chosen out of four lists is fine.
    fine = staff_client.get(url(tenant), query_string=[("period", ""), ("period", "2025-Q1"), ("period", "2025-Q2"),
                                                       ("period", "")])
    assert fine.status_code == 200 and "<table" in fine.text


def test_without_a_choice_the_latest_quarters_are_compared(staff_client, tenant, outcome):
    make_indicator(tenant, outcome, "1.1.1")
    page = staff_client.get(url(tenant)).text
    latest = period_containing(date.today(), PeriodKind.QUARTER)
    assert f"{latest.label}<br>" in page
    assert len(re.findall(r'<option value="[^"]+" selected>', page)) == 4


def test_the_page_fits_a_phone(staff_client, tenant, outcome):
    for number in range(1, 7):
        make_indicator(tenant, outcome, f"1.1.{number}",
                       name_en="Sub-national administrations that answered at least one request on time")
    page = staff_client.get(url(tenant), query_string=[("period", f"2025-Q{n}") for n in (1, 2, 3, 4)]).text
    # The one wide thing, the table, scrolls inside its own box: the page itself never scrolls sideways.
    assert page.count("<table") == page.count('<div class="table-wrap"><table') == 1
    assert '<form class="filters"' in page       # the period lists wrap and never widen the page
    assert "<script" not in page.split("<main", 1)[-1]


def test_query_count_does_not_grow_with_the_indicators(staff_client, tenant, outcome):
    first = make_indicator(tenant, outcome, "1.1.1")
    enter(tenant, first, "2025-Q1", 5)
    freeze(tenant, "2025-Q1")
    make_indicator(tenant, outcome, "1.1.2")      # added after the freeze: live in the frozen column
    query = "?period=2025-Q1&period=2025-Q2&period=2025"
    few = statements_for(staff_client, url(tenant) + query)
    for number in range(3, 9):
        indicator = make_indicator(tenant, outcome, f"1.1.{number}", targets={"2025": number})
        enter(tenant, indicator, "2025-Q2", number)
    assert statements_for(staff_client, url(tenant) + query) == few


def test_viewer_compares_but_another_organisation_cannot(client, tenant, other_tenant, outcome):
    trained = make_indicator(tenant, outcome, "1.1.1", name_en="Kampot people trained")
    enter(tenant, trained, "2025-Q1", 120)
    viewer = make_member(tenant, Role.VIEWER)
    login(client, viewer.email)
    query = [("period", "2025-Q1"), ("period", "2025-Q2")]
    assert "Kampot people trained" in client.get(url(tenant), query_string=query).text
    client.post("/logout")
    owner_b = make_member(other_tenant, Role.OWNER, email="owner@b.example")
    login(client, owner_b.email)
    assert client.get(url(tenant), query_string=query).status_code == 404
    own = client.get(url(other_tenant), query_string=query).text
    assert "Kampot people trained" not in own
