"""Disclosure statistics, the overdue view and the results-framework count of active disclosers."""
from __future__ import annotations

from datetime import date

import pytest
from flask import g
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent, Membership, Role
from core.tenancy import tenant_scope
from core.registers.models import Institution, InstitutionKind
from plugins.a2i_requests import reports, services, statistics
from plugins.a2i_requests.models import RequestStatus
from tests.helpers import StatementCounter, make_member, statements_for

S = RequestStatus
MONDAY = date(2026, 8, 3)   # a week without holidays: the initial reply is due on 10 August


def add_body(code: str, kind: InstitutionKind, name: str, **fields) -> Institution:
    body = Institution(code=code, kind=kind, name_en=name, name_km="", **fields)
    db.session.add(body)
    db.session.commit()
    return body


@pytest.fixture
def bodies(app) -> dict[str, Institution]:
    kampot = add_body("KPT", InstitutionKind.PROVINCE, "Kampot Province")
    takeo = add_body("TKO", InstitutionKind.PROVINCE, "Takeo Province")
    return {
        "moi": add_body("MOI", InstitutionKind.MINISTRY, "Ministry of Information", ncdd_member=True),
        "moh": add_body("MOH", InstitutionKind.MINISTRY, "Ministry of Health", ncdd_member=False),
        "kampot": kampot,
        "takeo": takeo,
        "teuk_chhou": add_body("TCH", InstitutionKind.DISTRICT, "Teuk Chhou District", province_id=kampot.id,
                               parent_id=kampot.id),
        "bati": add_body("BTI", InstitutionKind.DISTRICT, "Bati District", province_id=takeo.id, parent_id=takeo.id),
    }


def make_request(tenant, actor, body, submitted_on=MONDAY, *steps, subject="Road budget"):
    """A request submitted on `submitted_on`, then moved through (status, date, details) steps."""
    req = services.create_request(tenant.id, subject=subject, question="What was spent on roads in 2025?",
                                  body_id=body.id, actor=actor, requester_name="Sokha Chan",
                                  consent_recorded=True)
    services.transition(req, S.SUBMITTED, actor=actor, on=submitted_on)
    for status, on, details in steps:
        services.transition(req, status, actor=actor, on=on, **details)
    db.session.flush()
    return req


def answered_full(on):
    return (S.ANSWERED_FULL, on, {"disclosed_summary": "Road budget by commune"})


def answered_part(on):
    return (S.ANSWERED_PART, on, {})


def refused(on):
    return (S.REFUSED, on, {"exemption_ground_code": "national_security"})


@pytest.fixture
def four_requests(tenant, staff, bodies):
    """Ministry of Information: answered in full after 2 working days, in part after 4 (both on time),
    refused late after 9, and one still open."""
    with tenant_scope(tenant.id):
        moi = bodies["moi"]
        make_request(tenant, staff, moi, MONDAY, answered_full(date(2026, 8, 5)))
        make_request(tenant, staff, moi, MONDAY, answered_part(date(2026, 8, 7)))
        make_request(tenant, staff, moi, MONDAY, refused(date(2026, 8, 14)))
        make_request(tenant, staff, moi, MONDAY)
        db.session.commit()


def test_statistics_per_body_give_outcome_percentages_and_answer_times(tenant, four_requests, bodies):
    with tenant_scope(tenant.id):
        rows = statistics.statistics_table("body")[0]
    assert len(rows) == 1
    row = rows[0]
    assert (row.label, row.requests) == ("Ministry of Information", 4)
    assert (row.answered_full, row.answered_part, row.refused, row.on_time) == (25.0, 25.0, 25.0, 50.0)
    assert (row.extended, row.transferred, row.complaints) == (0.0, 0.0, 0)
    assert (row.mean_days, row.median_days) == (5.0, 4.0)


def test_median_of_an_even_number_of_answers_is_the_mean_of_the_middle_two(tenant, staff, bodies):
    with tenant_scope(tenant.id):
        make_request(tenant, staff, bodies["moh"], MONDAY, answered_full(date(2026, 8, 5)))
        make_request(tenant, staff, bodies["moh"], MONDAY, answered_full(date(2026, 8, 7)))
        db.session.commit()
        row = statistics.statistics_table("body")[0][0]
    assert (row.mean_days, row.median_days) == (3.0, 3.0)


def test_extension_transfer_and_complaint_are_counted(tenant, staff, bodies):
    with tenant_scope(tenant.id):
        make_request(tenant, staff, bodies["moi"], MONDAY,
                     (S.EXTENDED, date(2026, 8, 7), {"extension_reason": "Archives", "extended_to": date(2026, 8, 20)}),
                     answered_full(date(2026, 8, 18)))
        make_request(tenant, staff, bodies["moi"], MONDAY,
                     (S.TRANSFERRED, date(2026, 8, 4), {"transferred_to_id": bodies["moh"].id}))
        make_request(tenant, staff, bodies["moi"], MONDAY, refused(date(2026, 8, 5)),
                     (S.COMPLAINED, date(2026, 8, 6), {}))
        db.session.commit()
        row = statistics.statistics_table("body")[0][0]
    assert row.requests == 3
    assert (row.extended, row.transferred, row.complaints) == (33.3, 33.3, 1)
    assert row.on_time == 100.0


def test_period_filter_uses_the_submission_date(tenant, staff, bodies):
    with tenant_scope(tenant.id):
        make_request(tenant, staff, bodies["moi"], date(2026, 7, 6))
        make_request(tenant, staff, bodies["moi"], MONDAY)
        db.session.commit()
        august = statistics.statistics_table("body", date_from=date(2026, 8, 1), date_to=date(2026, 8, 31))[1]
        everything = statistics.statistics_table("body")[1]
    assert (august.requests, everything.requests) == (1, 2)


def test_grouping_by_kind_and_by_province(tenant, staff, bodies):
    with tenant_scope(tenant.id):
        make_request(tenant, staff, bodies["teuk_chhou"], MONDAY, answered_full(date(2026, 8, 5)))
        make_request(tenant, staff, bodies["bati"], MONDAY)
        make_request(tenant, staff, bodies["kampot"], MONDAY)
        make_request(tenant, staff, bodies["moi"], MONDAY)
        db.session.commit()
        by_kind = {row.label: row.requests for row in statistics.statistics_table("kind")[0]}
        by_province = {row.label: row.requests for row in statistics.statistics_table("province")[0]}
        districts_of_kampot = statistics.statistics_table("body", kind="district", province_id=bodies["kampot"].id)[1]
    assert by_kind == {"District, khan or municipality": 2, "Province or capital": 1, "Ministry": 1}
    assert by_province == {"Kampot Province": 2, "Takeo Province": 1, "National (no province)": 1}
    assert (districts_of_kampot.requests, districts_of_kampot.on_time) == (1, 100.0)


def test_another_tenants_requests_are_never_counted(tenant, other_tenant, staff, bodies, four_requests):
    other_staff = make_member(other_tenant, Role.STAFF, email="staff@other.test")
    with tenant_scope(other_tenant.id):
        make_request(other_tenant, other_staff, bodies["moi"], MONDAY, answered_full(date(2026, 8, 4)))
        db.session.commit()
    with tenant_scope(tenant.id):
        mine = statistics.statistics_table("body")[1]
        ministries = statistics.active_disclosers(date(2026, 8, 1), date(2026, 8, 31), InstitutionKind.MINISTRY)
    with tenant_scope(other_tenant.id):
        theirs = statistics.statistics_table("body")[1]
    assert (mine.requests, theirs.requests) == (4, 1)
    assert ministries == 1


def test_statistics_run_the_same_number_of_queries_for_many_bodies(tenant, staff, bodies):
    def count_queries(group_by: str) -> int:
        with StatementCounter() as counter:
            statistics.statistics_table(group_by)
        return counter.count

    with tenant_scope(tenant.id):
        make_request(tenant, staff, bodies["moi"], MONDAY, answered_full(date(2026, 8, 5)))
        db.session.commit()
        few = count_queries("body")
        for body in bodies.values():
            for _ in range(3):
                make_request(tenant, staff, body, MONDAY, answered_full(date(2026, 8, 5)))
        db.session.commit()
        many = count_queries("body")
        provinces = count_queries("province")
    assert few == many == provinces == 1   # one grouped scan, rows and totals alike


def test_statistics_page_shows_table_and_chart_rows(admin_client, tenant, four_requests):
    response = admin_client.get(f"/t/{tenant.slug}/a2i/statistics?group_by=body")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<svg class="chart"' in html and "<title" in html
    assert "Ministry of Information: 50% answered on time" in html
    assert "<td>Ministry of Information</td>" in html


def test_statistics_page_turns_invalid_filters_into_form_errors(admin_client, tenant):
    response = admin_client.get(f"/t/{tenant.slug}/a2i/statistics?group_by=planet&date_from=yesterday&kind=x")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'aria-invalid="true"' in html and '<svg class="chart"' not in html


def test_statistics_page_refuses_a_period_ending_before_it_starts(admin_client, tenant):
    response = admin_client.get(f"/t/{tenant.slug}/a2i/statistics?date_from=2026-08-31&date_to=2026-08-01")
    assert response.status_code == 422
    assert "The end of the period must not be before its start." in response.get_data(as_text=True)


def test_statistics_csv_lists_the_rows_and_is_audited(admin_client, tenant, four_requests):
    response = admin_client.get(f"/t/{tenant.slug}/a2i/statistics.csv?group_by=body")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[1] == "Ministry of Information,4,25.0,25.0,25.0,0.0,0.0,50.0,0,5.0,4.0"
    assert lines[2].startswith("All requests,4,")
    exports = db.session.execute(select(AuditEvent).where(AuditEvent.action == "export",
                                                          AuditEvent.model == "InfoRequestStatistics")).scalars().all()
    assert len(exports) == 1 and exports[0].tenant_id == tenant.id


def test_statistics_need_a_member_login(client, tenant):
    response = client.get(f"/t/{tenant.slug}/a2i/statistics")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- overdue -----------------------------------------------------------------------------------------

def test_overdue_query_filters_by_kind_and_province(tenant, staff, bodies):
    with tenant_scope(tenant.id):
        make_request(tenant, staff, bodies["teuk_chhou"], MONDAY, subject="Teuk Chhou roads")
        make_request(tenant, staff, bodies["bati"], MONDAY, subject="Bati schools")
        make_request(tenant, staff, bodies["moi"], MONDAY, subject="Ministry archives")
        make_request(tenant, staff, bodies["moi"], MONDAY, answered_full(date(2026, 8, 5)), subject="Answered")
        db.session.commit()
        today = date(2026, 8, 20)

        def subjects(**filters):
            return {r.subject for r in db.session.execute(statistics.overdue_query(today, **filters)).scalars()}

        assert subjects() == {"Teuk Chhou roads", "Bati schools", "Ministry archives"}
        assert subjects(kind="district") == {"Teuk Chhou roads", "Bati schools"}
        assert subjects(province_id=bodies["kampot"].id) == {"Teuk Chhou roads"}


def test_recently_overdue_lists_only_requests_late_for_a_week_at_most(tenant, staff, bodies):
    with tenant_scope(tenant.id):
        make_request(tenant, staff, bodies["moi"], MONDAY, subject="Due 10 August")
        make_request(tenant, staff, bodies["moi"], date(2026, 8, 10), subject="Due 17 August")
        db.session.commit()
        recent = db.session.execute(statistics.recently_overdue(date(2026, 8, 20), days=7)).scalars().all()
    assert [r.subject for r in recent] == ["Due 17 August"]


def test_overdue_page_filters_by_kind_and_province(admin_client, tenant, staff, bodies):
    with tenant_scope(tenant.id):
        make_request(tenant, staff, bodies["teuk_chhou"], MONDAY, subject="Teuk Chhou roads")
        make_request(tenant, staff, bodies["bati"], MONDAY, subject="Bati schools")
        make_request(tenant, staff, bodies["moi"], MONDAY, subject="Ministry archives")
        db.session.commit()
    base = f"/t/{tenant.slug}/a2i/overdue"
    everything = admin_client.get(base).get_data(as_text=True)
    districts = admin_client.get(f"{base}?kind=district").get_data(as_text=True)
    kampot = admin_client.get(f"{base}?province={bodies['kampot'].id}").get_data(as_text=True)
    assert all(s in everything for s in ("Teuk Chhou roads", "Bati schools", "Ministry archives"))
    assert "Teuk Chhou roads" in districts and "Bati schools" in districts and "Ministry archives" not in districts
    assert "Teuk Chhou roads" in kampot and "Bati schools" not in kampot
    assert "Became overdue in the last 7 days" in everything


def test_overdue_page_turns_an_unknown_province_into_a_form_error(admin_client, tenant, bodies):
    response = admin_client.get(f"/t/{tenant.slug}/a2i/overdue?province=999999&page=abc")
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_overdue_widget_lists_the_five_most_overdue(app, tenant, staff, bodies):
    with tenant_scope(tenant.id):
        for day in range(3, 10):
            make_request(tenant, staff, bodies["moi"], date(2026, 8, day), subject=f"Request of {day} August")
        db.session.commit()
    with app.test_request_context(f"/t/{tenant.slug}/"):
        g.membership = db.session.execute(select(Membership).where(Membership.user_id == staff.id)).scalar_one()
        widget = reports.overdue_widget(tenant, staff)
    assert widget.template == "a2i_requests/widget_overdue.html"
    assert widget.context["total"] == 7
    assert [item["subject"] for item in widget.context["requests"]] == [
        "Request of 3 August", "Request of 4 August", "Request of 5 August", "Request of 6 August",
        "Request of 7 August"]
    assert widget.context["url"] == f"/t/{tenant.slug}/a2i/overdue"


# --- active disclosers --------------------------------------------------------------------------------

def test_active_disclosers_count_on_time_answers_in_the_period_only(tenant, staff, bodies):
    with tenant_scope(tenant.id):
        make_request(tenant, staff, bodies["teuk_chhou"], MONDAY, answered_full(date(2026, 8, 5)))
        make_request(tenant, staff, bodies["teuk_chhou"], MONDAY, answered_part(date(2026, 8, 6)))
        make_request(tenant, staff, bodies["bati"], MONDAY, answered_full(date(2026, 8, 14)))       # late
        make_request(tenant, staff, bodies["bati"], MONDAY, refused(date(2026, 8, 5)))             # refused
        make_request(tenant, staff, bodies["kampot"], MONDAY, answered_full(date(2026, 8, 5)))     # a province
        make_request(tenant, staff, bodies["moi"], date(2026, 7, 6), answered_full(date(2026, 7, 7)))  # July
        db.session.commit()
        august_districts = statistics.active_disclosers(date(2026, 8, 1), date(2026, 8, 31), InstitutionKind.DISTRICT)
        august_ministries = statistics.active_disclosers(date(2026, 8, 1), date(2026, 8, 31), "ministry")
        july_ministries = statistics.active_disclosers(date(2026, 7, 1), date(2026, 7, 31), "ministry")
    assert (august_districts, august_ministries, july_ministries) == (1, 0, 1)


def test_only_ncdd_member_ministries_count_as_active_disclosers(tenant, staff, bodies):
    with tenant_scope(tenant.id):
        make_request(tenant, staff, bodies["moi"], MONDAY, answered_full(date(2026, 8, 5)))
        make_request(tenant, staff, bodies["moh"], MONDAY, answered_full(date(2026, 8, 5)))
        db.session.commit()
    figures = {i.code: i for i in reports.indicators(tenant, (date(2026, 8, 1), date(2026, 8, 31)))}
    ministries = figures["a2i.active_ncdd_ministries"]
    districts = figures["a2i.active_districts"]
    assert (ministries.value, ministries.target, districts.value, districts.target) == (1, 20, 0, 30)
    assert str(ministries.label) == "NCDD member ministries actively disclosing information"


def test_overdue_page_runs_the_same_number_of_queries_for_more_rows(admin_client, tenant, staff, bodies):
    def count_page_queries() -> int:
        return statements_for(admin_client, f"/t/{tenant.slug}/a2i/overdue")

    def add_overdue(count: int) -> None:
        with tenant_scope(tenant.id):
            for index in range(count):
                body = list(bodies.values())[index % len(bodies)]
                make_request(tenant, staff, body, MONDAY, subject=f"Overdue {index}")
            db.session.commit()

    add_overdue(2)
    few = count_page_queries()
    add_overdue(20)
    many = count_page_queries()
    assert few == many


@pytest.mark.parametrize("histogram, median", [
    ({}, None), ({4: 1}, 4.0), ({1: 1, 5: 1}, 3.0), ({1: 1, 2: 1, 9: 1}, 2.0), ({3: 2, 10: 1, 11: 1}, 6.5),
    ({2: 500, 7: 499}, 2.0), ({2: 500, 7: 500}, 4.5)])
def test_median_from_counts_per_number_of_days(histogram, median):
    from plugins.a2i_requests.statistics import _median
    assert _median(histogram) == median
