"""The results-framework figures of the A2I module carry the bodies counted (instance-wide keys), their
breakdown by province and a drill-down link to the statistics behind them."""
from __future__ import annotations

from datetime import date

import pytest

from core.extensions import db
from core.periods import parse_period
from core.registers.models import Institution, InstitutionKind, Place, PlaceKind
from core.tenancy import tenant_scope
from plugins.a2i_requests import reports, statistics
from tests.plugins.a2i_requests.test_statistics import MONDAY, answered_full, make_request, refused

AUGUST = (date(2026, 8, 1), date(2026, 8, 31))


def add_body(code: str, kind: InstitutionKind, name: str, **fields) -> Institution:
    body = Institution(code=code, kind=kind, name_en=name, name_km="", **fields)
    db.session.add(body)
    db.session.commit()
    return body


@pytest.fixture
def bodies(app, tenant) -> dict[str, Institution]:
    """Kampot's administration is linked to the gazetteer (province 07); Takeo's is not."""
    kampot_place = Place(code="07", kind=PlaceKind.PROVINCE, name_en="Kampot")
    db.session.add(kampot_place)
    db.session.flush()
    kampot = add_body("KH-07", InstitutionKind.PROVINCE, "Kampot Province", place_id=kampot_place.id)
    takeo = add_body("KH-21", InstitutionKind.PROVINCE, "Takeo Province")
    return {
        "teuk_chhou": add_body("KH-D-0707", InstitutionKind.DISTRICT, "Teuk Chhou District", province_id=kampot.id),
        "chhuk": add_body("KH-D-0702", InstitutionKind.DISTRICT, "Chhuk District", province_id=kampot.id),
        "bati": add_body("KH-D-2101", InstitutionKind.DISTRICT, "Bati District", province_id=takeo.id),
        "late": add_body("KH-D-2102", InstitutionKind.DISTRICT, "Borei Cholsar District", province_id=takeo.id),
        "moi": add_body("MOI", InstitutionKind.MINISTRY, "Ministry of Information", ncdd_member=True),
        # A body only this tenant's register has: its key names the tenant, so it never merges with
        # another tenant's private body of the same code in a roll-up.
        "own": add_body("DIST-X", InstitutionKind.DISTRICT, "Our district office", owner_tenant_id=tenant.id,
                        province_id=takeo.id),
    }


@pytest.fixture
def august_answers(tenant, staff, bodies):
    with tenant_scope(tenant.id):
        make_request(tenant, staff, bodies["teuk_chhou"], MONDAY, answered_full(date(2026, 8, 5)))
        make_request(tenant, staff, bodies["teuk_chhou"], MONDAY, answered_full(date(2026, 8, 6)))  # counted once
        make_request(tenant, staff, bodies["chhuk"], MONDAY, answered_full(date(2026, 8, 4)))
        make_request(tenant, staff, bodies["bati"], MONDAY, answered_full(date(2026, 8, 5)))
        make_request(tenant, staff, bodies["late"], MONDAY, answered_full(date(2026, 8, 14)))      # late
        make_request(tenant, staff, bodies["late"], MONDAY, refused(date(2026, 8, 5)))             # refused
        make_request(tenant, staff, bodies["own"], MONDAY, answered_full(date(2026, 8, 5)))
        make_request(tenant, staff, bodies["moi"], MONDAY, answered_full(date(2026, 8, 5)))
        db.session.commit()


def figures(tenant, period) -> dict:
    return {figure.code: figure for figure in reports.indicators(tenant, period)}


def test_active_districts_list_each_district_once_with_its_province(tenant, august_answers):
    districts = figures(tenant, parse_period("2026-Q3"))["a2i.active_districts"]
    assert districts.keys == {
        "institution:KH-D-0707": {"province": "07"},      # the gazetteer's code of a linked province
        "institution:KH-D-0702": {"province": "07"},
        "institution:KH-D-2101": {"province": "KH-21"},   # the register's code of an unlinked one
        f"institution:tenant-{tenant.id}:DIST-X": {"province": "KH-21"},
    }
    assert districts.value == 4
    assert districts.breakdown == {"province": {"07": 2, "KH-21": 2}}


def test_the_count_equals_the_number_of_keys(tenant, august_answers):
    for kind in (InstitutionKind.DISTRICT, InstitutionKind.MINISTRY):
        with tenant_scope(tenant.id):
            count = statistics.active_disclosers(*AUGUST, kind)
            keys = statistics.active_discloser_keys(*AUGUST, kind)
        assert count == len(keys)
    assert len(keys) == 1


def test_ministries_are_national_and_add_no_province_cell(tenant, august_answers):
    ministries = figures(tenant, AUGUST)["a2i.active_ncdd_ministries"]
    assert (ministries.value, ministries.keys, ministries.breakdown) == (1, {"institution:MOI": {}}, {"province": {}})


def test_another_tenants_answers_are_not_counted(tenant, other_tenant, staff, bodies, august_answers):
    assert figures(other_tenant, AUGUST)["a2i.active_districts"].keys == {}


def test_figures_link_to_the_statistics_behind_them(admin_client, tenant, august_answers):
    districts = figures(tenant, AUGUST)["a2i.active_districts"]
    assert districts.permission == "a2i.request.view"
    assert districts.url.startswith(f"/t/{tenant.slug}/a2i/statistics?")
    for part in ("group_by=body", "kind=district", "dated_by=answered", "date_from=2026-08-01", "date_to=2026-08-31"):
        assert part in districts.url
    page = admin_client.get(districts.url)
    assert page.status_code == 200
    for name in ("Teuk Chhou District", "Chhuk District", "Bati District", "Borei Cholsar District"):
        assert name in page.text
    assert "Ministry of Information" not in page.text
    assert "counted by the date they were answered" in page.text


def test_the_statistics_page_counts_by_answer_date_when_asked(tenant, staff, bodies):
    with tenant_scope(tenant.id):
        make_request(tenant, staff, bodies["bati"], date(2026, 7, 27), answered_full(date(2026, 8, 4)))
        db.session.commit()
        july = dict(date_from=date(2026, 7, 1), date_to=date(2026, 7, 31))
        submitted = statistics.statistics_table("body", **july)[1]
        answered = statistics.statistics_table("body", dated_by="answered", **july)[1]
        answered_in_august = statistics.statistics_table("body", dated_by="answered", date_from=AUGUST[0],
                                                         date_to=AUGUST[1])[1]
    assert (submitted.requests, answered.requests, answered_in_august.requests) == (1, 0, 1)


def test_indicators_take_two_queries(tenant, august_answers):
    from tests.helpers import StatementCounter
    assert tenant.slug   # loaded before counting: the commit above expired it
    with StatementCounter() as counter:
        reports.indicators(tenant, AUGUST)
    assert counter.count == 2
