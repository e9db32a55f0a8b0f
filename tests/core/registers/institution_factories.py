"""Small builders for the institutions tests: shared and private institutions, gazetteer places,
operators and API tokens."""
from __future__ import annotations


from core.extensions import db
from core.registers.models import Institution, InstitutionKind, Place, PlaceKind
from tests.helpers import make_user


def make_institution(code: str, name_en: str, kind: InstitutionKind = InstitutionKind.MINISTRY, *,
                     owner=None, **fields) -> Institution:
    """A shared institution, or a private one of `owner` (a tenant)."""
    institution = Institution(code=code, kind=kind, name_en=name_en,
                              owner_tenant_id=owner.id if owner is not None else None, **fields)
    db.session.add(institution)
    db.session.commit()
    return institution


def make_place(code: str, name_en: str, name_km: str = "", parent: Place | None = None) -> Place:
    kind = {2: PlaceKind.PROVINCE, 4: PlaceKind.DISTRICT, 6: PlaceKind.COMMUNE}.get(len(code), PlaceKind.VILLAGE)
    province = None if parent is None else (parent.province or parent)
    place = Place(code=code, kind=kind, name_en=name_en, name_km=name_km, parent=parent, province=province)
    db.session.add(place)
    db.session.commit()
    return place


def make_operator(email: str = "operator@samaki.example"):
    return make_user(email, name="Instance Operator", is_superadmin=True)




def reload(institution_id: int) -> Institution:
    db.session.expire_all()
    return db.session.get(Institution, institution_id)
