"""Searching the gazetteer as the place picker does: Khmer with or without zero-width spaces,
English in any case, code prefixes, a level filter, best matches first, retired units left out."""
from __future__ import annotations

from datetime import date, timedelta

from core.extensions import db
from core.registers.models import PlaceKind
from core.registers.places import place_label, search_places, set_successor
from tests.core.registers.places_helpers import TUEK_CHHU, TUEK_CHHU_KM, load_places


def codes(found) -> list[str]:
    return [p.code for p in found]


def test_khmer_name_is_found_with_or_without_zero_width_spaces(app):
    load_places()
    typed_with_spaces = "ទឹក\u200bឈូ"

    assert TUEK_CHHU in codes(search_places(TUEK_CHHU_KM))
    assert TUEK_CHHU in codes(search_places(typed_with_spaces))


def test_english_name_is_found_whatever_the_case_and_shows_its_path(app):
    load_places()

    found = search_places("tUEK cHHU")

    assert codes(found)[0] == TUEK_CHHU
    assert place_label(found[0], "en") == "Tuek Chhu — Kampot"
    assert place_label(found[0], "km") == "ទឹកឈូ — កំពត"


def test_a_commune_label_names_its_province_and_district(app):
    load_places()
    commune = search_places("0707", kind="commune")[0]

    assert place_label(commune, "en").endswith("— Kampot › Tuek Chhu")


def test_code_prefix_finds_the_unit_first_then_the_units_below(app):
    load_places()

    found = search_places("07", limit=50)

    assert codes(found)[0] == "07"
    assert all(code.startswith("07") for code in codes(found))
    assert [p.kind for p in found[:2]] == [PlaceKind.PROVINCE, PlaceKind.DISTRICT]


def test_khmer_digits_are_read_as_a_code(app):
    load_places()

    assert codes(search_places("០៧០៧"))[0] == TUEK_CHHU


def test_kind_filter_keeps_one_level(app):
    load_places()

    assert codes(search_places("kampot", kind=PlaceKind.PROVINCE)) == ["07"]
    assert {p.kind for p in search_places("kampot", kind="commune")} <= {PlaceKind.COMMUNE}


def test_exact_names_come_before_names_that_merely_contain_the_text(app):
    load_places()

    found = search_places("kampot")

    assert codes(found)[:2] == ["07", "0708"]   # the province, then Kampot municipality, then the rest


def test_retired_units_are_only_found_when_asked(app):
    load_places()
    set_successor(TUEK_CHHU, "0708", date.today() - timedelta(days=1))
    db.session.commit()

    assert TUEK_CHHU not in codes(search_places(TUEK_CHHU_KM))
    assert TUEK_CHHU in codes(search_places(TUEK_CHHU_KM, include_retired=True))


def test_empty_or_blank_text_finds_nothing(app):
    load_places()

    assert search_places("") == [] and search_places(" \u200b ") == []


def test_like_wildcards_are_plain_characters(app):
    load_places()

    assert search_places("%") == [] and search_places("_") == []
