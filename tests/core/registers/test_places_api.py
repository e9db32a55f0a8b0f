"""The places API as a script sees it: filters by text, level and parent (code or id), retired
units only when asked, pagination, a 400 naming a wrong level or parent, and a rule's 422 for an
unknown parent."""
from __future__ import annotations

from datetime import date, timedelta


from core.api import BUSINESS_RULE_TYPE
from core.extensions import db
from core.registers.places import set_successor
from tests.core.registers.places_helpers import TUEK_CHHU, TUEK_CHHU_KM, load_places, place

from tests.helpers import token_for

PROBLEM = "application/problem+json"




def get(client, tenant, user, path: str):
    return client.get(f"/api/v1/t/{tenant.slug}/places{path}", headers=token_for(user, tenant))


def test_search_by_khmer_name_returns_the_district_with_its_path(app, client, tenant, staff):
    load_places()

    body = get(client, tenant, staff, f"/?q={TUEK_CHHU_KM}&kind=district").json

    assert body["total"] == 1
    item = body["items"][0]
    assert (item["code"], item["kind"], item["name_en"], item["path"]) == (TUEK_CHHU, "district", "Tuek Chhu", "Kampot")
    assert item["parent_id"] == place("07").id and item["is_current"] is True and item["successor_id"] is None


def test_parent_filter_takes_a_code_or_an_id(app, client, tenant, staff):
    load_places()
    district = place(TUEK_CHHU)

    by_code = get(client, tenant, staff, f"/?parent={TUEK_CHHU}&per_page=100").json
    by_id = get(client, tenant, staff, f"/?parent={district.id}&per_page=100").json

    assert by_code["total"] == by_id["total"] > 5
    assert {item["kind"] for item in by_code["items"]} == {"commune"}
    assert all(item["parent_id"] == district.id for item in by_id["items"])


def test_unknown_kind_is_a_400_naming_it(app, client, tenant, staff):
    load_places()

    response = get(client, tenant, staff, "/?kind=town")

    assert response.status_code == 400 and response.mimetype == PROBLEM
    assert response.json["errors"]["query"]["kind"] == [
        "Unknown kind “town”: use one of province, district, commune, village."]


def test_unknown_parent_is_refused_by_a_rule_naming_it(app, client, tenant, staff):
    load_places()

    response = get(client, tenant, staff, "/?parent=9999")

    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert response.json["type"] == BUSINESS_RULE_TYPE
    assert response.json["errors"]["parent"] == ["No place has the code or id 9999."]


def test_a_parent_that_is_not_digits_is_a_400(app, client, tenant, staff):
    response = get(client, tenant, staff, "/?parent=Infinity")

    assert response.status_code == 400 and response.mimetype == PROBLEM
    assert response.json["errors"]["query"]["parent"] == ["Give the parent place's code or id, in digits."]


def test_list_is_paginated_with_links(app, client, tenant, staff):
    load_places()

    body = get(client, tenant, staff, "/?kind=province&per_page=10&page=3").json

    assert body["total"] == 25 and body["page"] == 3 and len(body["items"]) == 5
    assert body["links"]["next"] is None and "page=2" in body["links"]["prev"]
    assert [item["code"] for item in get(client, tenant, staff, "/?kind=province&sort=code&per_page=2").json["items"]] \
        == ["01", "02"]


def test_retired_place_is_listed_only_when_asked_and_shows_its_successor(app, client, tenant, staff):
    load_places()
    set_successor(TUEK_CHHU, "0708", date.today() - timedelta(days=1))
    db.session.commit()

    current = get(client, tenant, staff, f"/?q={TUEK_CHHU}").json
    everything = get(client, tenant, staff, f"/?q={TUEK_CHHU}&include_retired=true").json
    one = get(client, tenant, staff, f"/{place(TUEK_CHHU).id}").json

    assert TUEK_CHHU not in [item["code"] for item in current["items"]]
    assert TUEK_CHHU in [item["code"] for item in everything["items"]]
    assert one["successor_code"] == "0708" and one["valid_to"] == (date.today() - timedelta(days=1)).isoformat()
    assert one["is_current"] is False


def test_unknown_place_id_is_404(app, client, tenant, staff):
    load_places()

    response = get(client, tenant, staff, "/999999")

    assert response.status_code == 404 and response.mimetype == PROBLEM
