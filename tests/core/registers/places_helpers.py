"""Helpers of the places tests: the gazetteer loaded as `flask places load` does, and lookups by code."""
from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from core.registers.models import Place
from core.registers.places import load_gazetteer

TUEK_CHHU = "0707"          # a district of Kampot province
TUEK_CHHU_KM = "ទឹកឈូ"


def load_places() -> None:
    """The provinces, districts and communes (no villages), committed."""
    load_gazetteer()
    db.session.commit()


def place(code: str) -> Place:
    return db.session.execute(select(Place).where(Place.code == code)).scalar_one()
