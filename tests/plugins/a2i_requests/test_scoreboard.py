"""The public disclosure scoreboard of a working group: opt-in, no login, built only from the requests
that the group's members published, never naming a requester."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from core.extensions import db
from core.models import TenantPlugin, WorkingGroup, WorkingGroupMember
from core.registers.models import Institution, InstitutionKind
from core.tenancy import tenant_scope
from plugins.a2i_requests import services
from plugins.a2i_requests.models import RequestStatus
from tests.helpers import login, make_member, make_tenant, statements_for

S = RequestStatus
MONDAY = date(2026, 8, 3)   # a week without holidays: the initial reply is due on 10 August
URL = "/groups/a2iwg/disclosure/"


def add_body(code: str, kind: InstitutionKind, name: str, **fields) -> Institution:
    body = Institution(code=code, kind=kind, name_en=name, name_km="", **fields)
    db.session.add(body)
    db.session.commit()
    return body


@pytest.fixture
def bodies(app):
    kampot = add_body("KH-07", InstitutionKind.PROVINCE, "Kampot Province")
    return {"moi": add_body("MOI", InstitutionKind.MINISTRY, "Ministry of Information"),
            "kampot": kampot,
            "teuk_chhou": add_body("KH-D-0707", InstitutionKind.DISTRICT, "Teuk Chhou District",
                                   province_id=kampot.id)}


@pytest.fixture
def outsider(app):
    return make_tenant("outsiders", "Not In The Group")


@pytest.fixture
def a2iwg(tenant, other_tenant):
    group = WorkingGroup(slug="a2iwg", name="A2I Working Group", convening_tenant_id=tenant.id, public_scoreboard=True)
    group.members += [WorkingGroupMember(tenant_id=tenant.id), WorkingGroupMember(tenant_id=other_tenant.id)]
    db.session.add(group)
    db.session.commit()
    return group


def filed(tenant, body, *steps, published=True, subject="Road budget", due_on=None):
    """A request of `tenant` submitted on MONDAY by a named requester, moved through (status, date)
    steps, published on the tenant's public page unless told otherwise."""
    actor = None   # no staff member needed: the scoreboard never shows who filed a request
    with tenant_scope(tenant.id):
        req = services.create_request(tenant.id, subject=subject, question="What was spent?", body_id=body.id,
                                      actor=actor, requester_name="Sokha Chan", consent_recorded=True)
        services.transition(req, S.SUBMITTED, actor=actor, on=MONDAY)
        for status, on in steps:
            details = {S.REFUSED: {"exemption_ground_code": "national_security"},
                       S.ANSWERED_FULL: {"disclosed_summary": "The budget"}}.get(status, {})
            services.transition(req, status, actor=actor, on=on, **details)
        if due_on is not None:
            req.due_on = due_on
        if published:
            req.published_at = req.created_at
        db.session.commit()
        return req


@pytest.fixture
def requests_filed(tenant, other_tenant, outsider, bodies):
    """What the scoreboard counts, by hand:
    Ministry of Information: member A answered on time after 2 working days; member B answered late
    after 9; member B recorded no response.            -> 3 requests, 1 on time, 0 refused, 1 no response
    Teuk Chhou District: member A refused on time after 4 working days; member A's open request is past
    due; member B's open request is not yet due.       -> 3 requests, 0 on time, 1 refused, 1 no response
    Not counted: member A's unpublished answer, the outsider's published answer."""
    moi, district = bodies["moi"], bodies["teuk_chhou"]
    filed(tenant, moi, (S.ANSWERED_FULL, date(2026, 8, 5)))
    filed(other_tenant, moi, (S.ANSWERED_FULL, date(2026, 8, 14)))
    filed(other_tenant, moi, (S.NO_RESPONSE, date(2026, 8, 12)))
    filed(tenant, district, (S.REFUSED, date(2026, 8, 7)))
    filed(tenant, district)                                                     # due 10 August: long past
    today = services.tenant_today(tenant.id)
    filed(other_tenant, district, due_on=today + timedelta(days=3))          # still within its time
    filed(tenant, moi, (S.ANSWERED_FULL, date(2026, 8, 4)), published=False, subject="Secret draft")
    filed(outsider, moi, (S.ANSWERED_FULL, date(2026, 8, 4)), subject="Outsider request")


def cards(page: str) -> dict[str, dict[str, str]]:
    """The figures of each card: {card title: {label: value}}."""
    found = {}
    for title, body in re.findall(r'<li class="card[^"]*">\s*<h2>(.*?)</h2>(.*?)</li>', page, re.S):
        found[title] = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", body))
    return found


def test_the_scoreboard_is_not_found_until_the_group_opts_in(client, a2iwg, requests_filed):
    a2iwg.public_scoreboard = False
    db.session.commit()
    assert client.get(URL).status_code == 404
    assert client.get("/groups/no-such-group/disclosure/").status_code == 404
    a2iwg.public_scoreboard = True
    db.session.commit()
    assert client.get(URL).status_code == 200


def test_anyone_sees_the_scoreboard_without_logging_in(client, a2iwg, requests_filed):
    page = client.get(URL)
    assert page.status_code == 200
    assert "Disclosure scoreboard of A2I Working Group" in page.text


def test_figures_per_body_match_a_hand_count(client, a2iwg, requests_filed):
    page = client.get(URL, query_string={"group_by": "body"}).text
    figures = cards(page)
    assert figures["Ministry of Information"] == {
        "Requests": "3", "Answered on time": "1 (33.3%)", "Refused": "0 (0%)", "No response": "1 (33.3%)",
        "Median working days to answer": "5.5"}
    assert figures["Teuk Chhou District"] == {
        "Requests": "3", "Answered on time": "1 (33.3%)", "Refused": "1 (33.3%)", "No response": "1 (33.3%)",
        "Median working days to answer": "4"}
    assert figures["All requests"]["Requests"] == "6"
    assert figures["All requests"]["No response"] == "2 (33.3%)"


def test_unpublished_and_non_member_requests_never_count(client, tenant, outsider, a2iwg, requests_filed):
    page = client.get(URL, query_string={"group_by": "body"}).text
    assert cards(page)["All requests"]["Requests"] == "6"
    assert "Secret draft" not in page and "Outsider request" not in page
    assert "Not In The Group" not in page
    # Publishing the hidden one makes it count; an outsider joining the group brings its published one.
    with tenant_scope(tenant.id):
        from plugins.a2i_requests.models import InfoRequest
        hidden = db.session.query(InfoRequest).filter_by(subject="Secret draft").one()
        hidden.published_at = hidden.created_at
        db.session.commit()
    assert cards(client.get(URL).text)["All requests"]["Requests"] == "7"
    a2iwg.members.append(WorkingGroupMember(tenant_id=outsider.id))
    db.session.commit()
    assert cards(client.get(URL).text)["All requests"]["Requests"] == "8"


def test_a_member_that_switched_the_module_off_is_left_out(client, tenant, other_tenant, a2iwg, requests_filed):
    db.session.add(TenantPlugin(tenant_id=other_tenant.id, plugin="a2i_requests", enabled=False))
    db.session.commit()
    assert cards(client.get(URL).text)["All requests"]["Requests"] == "3"
    db.session.add(TenantPlugin(tenant_id=tenant.id, plugin="a2i_requests", enabled=False))
    db.session.commit()
    page = client.get(URL).text
    assert cards(page)["All requests"]["Requests"] == "0"
    assert "No published request matches these filters yet." in page


def test_requesters_are_never_named(client, a2iwg, requests_filed):
    for group_by in ("kind", "province", "body"):
        page = client.get(URL, query_string={"group_by": group_by}).text
        assert "Sokha Chan" not in page and "Road budget" not in page


def test_figures_per_kind_and_province_with_filters(client, a2iwg, requests_filed, bodies):
    by_kind = cards(client.get(URL).text)
    assert by_kind["Ministry"]["Requests"] == "3" and by_kind["District, khan or municipality"]["Requests"] == "3"
    by_province = cards(client.get(URL, query_string={"group_by": "province"}).text)
    assert by_province["Kampot Province"]["Requests"] == "3"
    assert by_province["National (no province)"]["Requests"] == "3"
    districts = cards(client.get(URL, query_string={"group_by": "body", "kind": "district"}).text)
    assert set(districts) == {"All requests", "Teuk Chhou District"}
    in_kampot = cards(client.get(URL, query_string={"province": str(bodies["kampot"].id)}).text)
    assert in_kampot["All requests"]["Requests"] == "3"


def test_bad_filters_are_explained_not_failed(client, a2iwg, requests_filed):
    page = client.get(URL, query_string={"kind": "planet", "date_from": "yesterday"})
    assert page.status_code == 422
    assert "Not a valid choice" in page.text


def test_the_page_fits_a_phone_as_cards_without_tables(client, a2iwg, requests_filed):
    page = client.get(URL, query_string={"group_by": "body"}).text
    main = page.split("<main", 1)[-1].split("</main>", 1)[0]
    assert "<table" not in main and '<ul class="cards plain scoreboard">' in main
    assert "<script" not in main


def test_each_members_own_public_page_stays_as_it_is(client, tenant, a2iwg, requests_filed):
    page = client.get(f"/t/{tenant.slug}/a2i/published/").text
    assert "Road budget" in page and "Secret draft" not in page


def test_group_members_find_the_scoreboard_on_the_group_page(client, tenant, a2iwg, requests_filed):
    member = make_member(tenant, "viewer", email="reader@example.org")
    login(client, member.email)
    page = client.get(f"/t/{tenant.slug}/groups/a2iwg/").text
    assert "Open the public disclosure scoreboard" in page and URL in page
    a2iwg.public_scoreboard = False
    db.session.commit()
    assert "Open the public disclosure scoreboard" not in client.get(f"/t/{tenant.slug}/groups/a2iwg/").text


def test_the_page_costs_the_same_queries_for_more_bodies(client, tenant, other_tenant, a2iwg, requests_filed):
    before = statements_for(client, URL + "?group_by=body")
    for number in range(5):
        body = add_body(f"KH-D-99{number}", InstitutionKind.DISTRICT, f"District {number}")
        filed(tenant if number % 2 else other_tenant, body, (S.ANSWERED_FULL, date(2026, 8, 5)))
    after = statements_for(client, URL + "?group_by=body")
    assert after == before
    assert len(cards(client.get(URL + "?group_by=body").text)) == 8
