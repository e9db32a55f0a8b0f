"""The institutions register (public bodies): which institutions a tenant sees (shared rows plus its
own private ones), who may change which, CSV export and all-or-nothing import, successors of renamed
or merged bodies, tenants' correction proposals, the seed of Cambodia's ministries and the provincial
and district administrations generated from the gazetteer. No Flask: errors are DomainError."""
from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterable, Iterator

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import joinedload

from core.columns import utcnow
from core.csv_export import FORMULA_STARTS
from core.errors import DomainError
from core.extensions import db
from core.registers.matching import khmer_key, latin_key
from core.registers.models import (CorrectionStatus, Institution, InstitutionCorrection, InstitutionKind, Place,
                                   PlaceKind)
from core.search import any_contains
from core.tenancy import current_tenant_id

# The first nine columns are those of the old public-bodies files, which still import unchanged.
OLD_CSV_FIELDS = ["code", "kind", "parent_code", "name_en", "name_km", "ncdd_member", "phone", "email", "address_en"]
NEW_CSV_FIELDS = ["place_code", "website", "valid_from", "valid_to", "successor_code"]
CSV_FIELDS = OLD_CSV_FIELDS + NEW_CSV_FIELDS
REQUIRED_FIELDS = ("code", "kind", "name_en")
SEED_FILE = Path(__file__).parent / "data" / "institutions.csv"
MAX_IMPORT_ROWS = 5000

TRUE_WORDS = {"true", "yes", "1"}
FALSE_WORDS = {"false", "no", "0", ""}
# Column limits of Institution, checked before writing so a long value is a line error, not a DB error.
MAX_LENGTHS = {"code": 64, "name_en": 255, "name_km": 255, "phone": 100, "email": 254, "address_en": 500,
               "website": 255}
TEXT_FIELDS = ("name_en", "name_km", "phone", "email", "address_en")
# Fields a tenant may propose to correct on a shared institution, and that a form edits as text.
CORRECTABLE_FIELDS = ("name_en", "name_km", "phone", "email", "website", "address_en", "ncdd_member")

# Lists read top-down: national bodies first, then the sub-national hierarchy.
KIND_ORDER = case(*((Institution.kind == kind, position) for position, kind in enumerate(InstitutionKind)),
                  else_=len(InstitutionKind))


class SharedInstitutionError(DomainError):
    """A tenant tried to change an institution of the shared register (pages answer 403)."""


def shared_refusal() -> str:
    return _("This institution is in the shared register, which every organisation uses. Only the "
             "instance operators can change it: propose a correction instead, or add your own institution.")


# --- who sees and who writes --------------------------------------------------------------------------

def _visible_clause():
    tenant_id = current_tenant_id()
    if tenant_id is None:
        return Institution.owner_tenant_id.is_(None)
    return or_(Institution.owner_tenant_id.is_(None), Institution.owner_tenant_id == tenant_id)


def current_clause(today: date | None = None):
    """Institutions still in existence: no end date, or one still to come."""
    today = today or date.today()
    return or_(Institution.valid_to.is_(None), Institution.valid_to > today)


def is_current(institution: Institution, today: date | None = None) -> bool:
    return institution.valid_to is None or institution.valid_to > (today or date.today())


def visible_institutions(include_former: bool = True) -> Select:
    """The shared register plus the current tenant's private institutions, by kind then English name
    (outside any tenant: the shared register only). `include_former=False` leaves out institutions
    that ended (renamed, merged, abolished)."""
    query = select(Institution).where(_visible_clause())
    if not include_former:
        query = query.where(current_clause())
    return query.order_by(KIND_ORDER, Institution.name_en, Institution.id)


def get_visible_institution(institution_id: int) -> Institution | None:
    """One institution if the current tenant may see it (None for another tenant's private one)."""
    return db.session.scalar(select(Institution).where(Institution.id == institution_id, _visible_clause()))


def get_visible_by_code(code: str) -> Institution | None:
    """The visible institution with this code (the tenant's own wins over a shared one)."""
    found = list(db.session.scalars(select(Institution).where(Institution.code == (code or "").strip(),
                                                              _visible_clause())))
    return _first_by_code(found, prefer_private=True).get((code or "").strip())


def may_write(institution: Institution) -> bool:
    """Inside a tenant only its private institutions; outside any tenant (operators) shared ones."""
    tenant_id = current_tenant_id()
    if tenant_id is None:
        return institution.owner_tenant_id is None
    return institution.owner_tenant_id == tenant_id


def ensure_writable(institution: Institution) -> None:
    if not may_write(institution):
        raise SharedInstitutionError(shared_refusal())


def filter_institutions(query: Select, *, q: str | None = None, kind: InstitutionKind | str | None = None,
                        province: int | None = None, include_former: bool = False,
                        today: date | None = None) -> Select:
    """The list filters shared by the pages and the API: text in names or code, kind, provincial
    administration (the province's own row included) and whether ended institutions are listed."""
    if (q or "").strip():
        query = query.where(any_contains([Institution.name_en, Institution.name_km, Institution.code], q))
    if kind:
        query = query.where(Institution.kind == InstitutionKind(kind))
    if province:
        query = query.where(or_(Institution.province_id == province, Institution.id == province))
    if not include_former:
        query = query.where(current_clause(today))
    return query


def search_for_picker(text: str, *, include_former: bool = False, limit: int = 10) -> list[Institution]:
    """At most `limit` visible institutions whose code or name contains `text`, those whose code
    starts with it first (a typed code finds its own institution at the top)."""
    query = filter_institutions(visible_institutions(), q=text, include_former=include_former)
    starts = Institution.code.istartswith(text.strip(), autoescape=True)
    return list(db.session.scalars(query.order_by(None).order_by(starts.desc(), KIND_ORDER, Institution.name_en,
                                                                  Institution.id).limit(limit)))


def provincial_administrations() -> list[Institution]:
    """The visible, current provincial administrations (for a province filter)."""
    return list(db.session.scalars(visible_institutions(include_former=False).where(
        Institution.kind == InstitutionKind.PROVINCE)))


def count_administrations(kind: InstitutionKind = InstitutionKind.DISTRICT, *, linked_only: bool = True) -> int:
    """How many current shared administrations of `kind` the register has; with `linked_only` only
    those governing a place of the gazetteer (so "30 districts" counts real districts)."""
    query = select(func.count(Institution.id)).where(Institution.owner_tenant_id.is_(None),
                                                     Institution.kind == kind, current_clause())
    if linked_only:
        query = query.where(Institution.place_id.is_not(None))
    return db.session.execute(query).scalar_one()


def administration_of(place_id: int) -> Institution | None:
    """The shared administration that governs a place (province or district), if any."""
    return db.session.scalar(select(Institution).where(Institution.place_id == place_id,
                                                       Institution.owner_tenant_id.is_(None),
                                                       current_clause()).order_by(Institution.id).limit(1))


# --- saving one institution ---------------------------------------------------------------------------

def _province_of(body: Institution) -> Institution | None:
    """The province or capital above a body, found by walking its parents (None for a province itself)."""
    if body.kind == InstitutionKind.PROVINCE:
        return None
    seen = {id(body)}
    ancestor = body.parent
    while ancestor is not None and id(ancestor) not in seen:
        if ancestor.kind == InstitutionKind.PROVINCE:
            return ancestor
        seen.add(id(ancestor))
        ancestor = ancestor.parent
    return None


def _refresh_provinces(owner_tenant_id: int | None, extra: Iterable[Institution] = ()) -> None:
    """A new parent can move an institution (and the ones under it) to another province."""
    owner = (Institution.owner_tenant_id.is_(None) if owner_tenant_id is None
             else Institution.owner_tenant_id == owner_tenant_id)
    rows = set(db.session.scalars(select(Institution).where(owner))) | set(extra)
    for each in rows:
        province = _province_of(each)
        if each.province is not province:
            each.province = province


def _place_by_code(code: str) -> Place | None:
    return db.session.scalar(select(Place).where(Place.code == code.strip()))


def save_institution(institution: Institution | None, *, code: str, kind: InstitutionKind | str,
                     parent_code: str = "", place_code: str = "", successor_code: str = "",
                     valid_from: date | None = None, valid_to: date | None = None, **values) -> Institution:
    """Create (institution None) or update an institution: inside a tenant one of its private ones,
    outside any tenant (operators) a shared one. Parent, place and successor are given by code.
    Raises DomainError naming the field at fault (SharedInstitutionError for a shared row inside a
    tenant); the caller commits."""
    if institution is not None:
        ensure_writable(institution)
    code = (code or "").strip()
    if not code:
        raise DomainError(_l("Give the institution a code."), field="code")
    clash = get_visible_by_code(code)
    if clash is not None and clash is not institution:
        raise DomainError(_l("The register already has an institution with this code."), field="code")
    parent = None
    if (parent_code or "").strip():
        parent = get_visible_by_code(parent_code)
        if parent is None:
            raise DomainError(_l("No institution in the register has the code %(code)s.", code=parent_code.strip()),
                              field="parent_code")
        ancestor, seen = parent, set()
        while ancestor is not None and id(ancestor) not in seen:
            if institution is not None and ancestor is institution:
                raise DomainError(_l("An institution cannot be part of itself or of an institution that is part "
                                     "of it."), field="parent_code")
            seen.add(id(ancestor))
            ancestor = ancestor.parent
    place = None
    if (place_code or "").strip():
        place = _place_by_code(place_code)
        if place is None:
            raise DomainError(_l("No place of the gazetteer has the code %(code)s.", code=place_code.strip()),
                              field="place_code")
    successor = None
    if (successor_code or "").strip():
        successor = get_visible_by_code(successor_code)
        if successor is None:
            raise DomainError(_l("No institution in the register has the code %(code)s.",
                                 code=successor_code.strip()), field="successor_code")
        _check_successor(institution, successor)
    if valid_from and valid_to and valid_to < valid_from:
        raise DomainError(_l("The end date must not be before the start date."), field="valid_to")
    if successor is not None and valid_to is None:
        raise DomainError(_l("Give the date on which the successor took over."), field="valid_to")
    website = (values.get("website") or "").strip()
    if website and not website.lower().startswith(("http://", "https://")):
        raise DomainError(_l("Write the website with http:// or https:// in front."), field="website")
    if institution is None:
        institution = Institution(code=code, kind=InstitutionKind(kind), name_en="",
                                  owner_tenant_id=current_tenant_id())
        db.session.add(institution)
    institution.code, institution.kind, institution.parent = code, InstitutionKind(kind), parent
    institution.place, institution.successor = place, successor
    institution.valid_from, institution.valid_to = valid_from, valid_to
    for name, value in values.items():
        setattr(institution, name, value.strip() if isinstance(value, str) else value)
    _refresh_provinces(institution.owner_tenant_id, [institution])
    return institution


def delete_institution(institution: Institution) -> None:
    """Delete a private institution (or, for operators, a shared one) that nothing refers to."""
    ensure_writable(institution)
    used = references_to(institution.id)
    if used:
        raise DomainError(_l("This institution is still used by %(count)d records and cannot be deleted. "
                             "Give it an end date instead.", count=used))
    db.session.delete(institution)


def references_to(institution_id: int) -> int:
    """How many rows of any table point to the institution (found from the foreign keys, so the
    modules' tables are covered without knowing them)."""
    target = Institution.__table__
    total = 0
    for table in db.metadata.sorted_tables:
        for foreign_key in table.foreign_keys:
            if foreign_key.column.table is target and foreign_key.column.name == "id":
                column = foreign_key.parent
                total += db.session.execute(select(func.count()).select_from(table).where(
                    column == institution_id)).scalar_one()
    return total


# --- successors -----------------------------------------------------------------------------------

def _check_successor(institution: Institution | None, successor: Institution) -> None:
    if institution is None:
        return
    seen = {id(institution)}
    step = successor
    while step is not None:
        if id(step) in seen:
            raise DomainError(_l("An institution cannot be replaced by itself or by one it replaced."),
                              field="successor_code")
        seen.add(id(step))
        step = step.successor


def set_successor(institution: Institution, successor: Institution | None, valid_to: date | None) -> None:
    """Record that `institution` ended on `valid_to` and `successor` took over (a renamed or merged
    ministry); successor None with a date: the institution was abolished. Old records keep pointing
    to the institution as it was. The caller commits."""
    ensure_writable(institution)
    if successor is not None:
        if get_visible_institution(successor.id) is None:
            raise DomainError(_l("Choose an institution from the register."), field="successor_code")
        _check_successor(institution, successor)
        if valid_to is None:
            raise DomainError(_l("Give the date on which the successor took over."), field="valid_to")
    if valid_to and institution.valid_from and valid_to < institution.valid_from:
        raise DomainError(_l("The end date must not be before the start date."), field="valid_to")
    institution.successor = successor
    institution.valid_to = valid_to


def predecessors_of(institution: Institution) -> list[Institution]:
    """The visible institutions this one replaced."""
    return list(db.session.scalars(select(Institution).where(Institution.successor_id == institution.id,
                                                             _visible_clause()).order_by(Institution.name_en)))


# --- corrections ------------------------------------------------------------------------------------

def _as_bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in TRUE_WORDS
    return bool(value)


def proposed_changes(institution: Institution, proposed: dict) -> dict:
    """The proposed values that differ from the institution's (unknown fields are dropped)."""
    changes = {}
    for name in CORRECTABLE_FIELDS:
        if name not in proposed or proposed[name] is None:
            continue
        value = _as_bool(proposed[name]) if name == "ncdd_member" else str(proposed[name]).strip()
        if value != getattr(institution, name):
            changes[name] = value
    return changes


def propose_correction(institution: Institution, proposed: dict, *, note: str = "",
                       proposed_by_id: int | None = None) -> InstitutionCorrection:
    """A tenant's proposal to correct a shared institution (only changed fields are kept); operators
    accept or reject it. The caller commits."""
    if current_tenant_id() is None:
        raise DomainError(_l("Corrections are proposed by an organisation."))
    if not institution.is_shared:
        raise DomainError(_l("This institution is your organisation's own: change it directly."))
    changes = proposed_changes(institution, proposed)
    if not changes:
        raise DomainError(_l("Change at least one value before sending the correction."))
    if "name_en" in changes and not changes["name_en"]:
        raise DomainError(_l("The English name cannot be empty."), field="name_en")
    for name, value in changes.items():
        if isinstance(value, str) and len(value) > MAX_LENGTHS.get(name, 500):
            raise DomainError(_l("This value is longer than %(n)d characters.", n=MAX_LENGTHS.get(name, 500)),
                              field=name)
    if changes.get("website") and not changes["website"].lower().startswith(("http://", "https://")):
        raise DomainError(_l("Write the website with http:// or https:// in front."), field="website")
    correction = InstitutionCorrection(institution_id=institution.id, proposed=changes, note=(note or "").strip(),
                                       proposed_by_id=proposed_by_id, status=CorrectionStatus.OPEN)
    db.session.add(correction)
    return correction


def open_corrections() -> Select:
    """Open proposals, oldest first (operators run this unscoped: every tenant's proposals)."""
    return (select(InstitutionCorrection).where(InstitutionCorrection.status == CorrectionStatus.OPEN)
            .options(joinedload(InstitutionCorrection.institution))
            .order_by(InstitutionCorrection.created_at, InstitutionCorrection.id))


def _decide(correction: InstitutionCorrection, status: CorrectionStatus, decided_by_id: int | None) -> None:
    if current_tenant_id() is not None:
        raise SharedInstitutionError(shared_refusal())
    if correction.status != CorrectionStatus.OPEN:
        raise DomainError(_l("This correction was already decided."))
    correction.status, correction.decided_by_id, correction.decided_at = status, decided_by_id, utcnow()


def accept_correction(correction: InstitutionCorrection, *, decided_by_id: int | None = None) -> Institution:
    """Apply the proposed values to the shared institution (audited like any change) and close the
    proposal. Operators only (outside any tenant); the caller commits."""
    _decide(correction, CorrectionStatus.ACCEPTED, decided_by_id)
    institution = correction.institution
    for name, value in (correction.proposed or {}).items():
        if name in CORRECTABLE_FIELDS:
            setattr(institution, name, _as_bool(value) if name == "ncdd_member" else str(value))
    return institution


def reject_correction(correction: InstitutionCorrection, *, decided_by_id: int | None = None) -> None:
    _decide(correction, CorrectionStatus.REJECTED, decided_by_id)


# --- CSV export -----------------------------------------------------------------------------------

def export_query(query: Select) -> Select:
    """The list's query with what an export row needs loaded in the same statement."""
    return query.options(joinedload(Institution.parent), joinedload(Institution.place),
                         joinedload(Institution.successor))


def export_rows(bodies: Iterable[Institution]) -> Iterator[list]:
    """One CSV row per institution, in the order of CSV_FIELDS."""
    for body in bodies:
        yield [body.code, body.kind.value, body.parent.code if body.parent else "", body.name_en, body.name_km,
               "true" if body.ncdd_member else "false", body.phone, body.email, body.address_en,
               body.place.code if body.place else "", body.website,
               body.valid_from.isoformat() if body.valid_from else "",
               body.valid_to.isoformat() if body.valid_to else "",
               body.successor.code if body.successor else ""]


def export_csv(bodies: Iterable[Institution]) -> str:
    """The institutions as CSV text with CSV_FIELDS as header (the caller picks the encoding / BOM)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    writer.writerows(export_rows(bodies))
    return out.getvalue()


# --- CSV import -----------------------------------------------------------------------------------

@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    line: int
    code: str
    kind: InstitutionKind
    parent_code: str
    values: dict
    place_code: str | None = None       # None: the column is not in the file (leave as it is)
    successor_code: str | None = None


def _cell(value: str | None) -> str:
    """A cell as written, without the quote our own export puts before a formula-like value."""
    text = (value or "").strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS:
        return text[1:]
    return text


def _parse_date(text: str) -> date:
    return date.fromisoformat(text)


def _read_rows(text: str, problems: list[tuple[int, str]]) -> list[_Row]:
    """Parse and check each row on its own; errors go to `problems` as (line number, message)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED_FIELDS if name not in header]
    if missing:
        problems.append((1, _("Line %(line)d: the header lacks the column(s) %(columns)s.",
                              line=1, columns=", ".join(missing))))
        return []
    reader.fieldnames = header
    present = set(header)
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    next_line = 2
    for record in reader:
        line, next_line = next_line, reader.line_num + 1   # a quoted field may span several lines
        cells = {key: _cell(value if isinstance(value, str) else "") for key, value in record.items()
                 if isinstance(key, str)}
        if not any(cells.values()):
            continue
        if len(rows) >= MAX_IMPORT_ROWS:
            problems.append((line, _("Line %(line)d: a file may hold at most %(n)d institutions.", line=line,
                                     n=MAX_IMPORT_ROWS)))
            break
        code = cells.get("code", "")
        kind_text = cells.get("kind", "").lower()
        flag = cells.get("ncdd_member", "").lower()
        row_errors = []
        if not code:
            row_errors.append(_("Line %(line)d: the code is missing.", line=line))
        elif code in seen:
            row_errors.append(_("Line %(line)d: the code %(code)s is already used on line %(first)d.",
                                line=line, code=code, first=seen[code]))
        try:
            kind = InstitutionKind(kind_text)
        except ValueError:
            kind = InstitutionKind.OTHER
            row_errors.append(_('Line %(line)d: unknown kind "%(kind)s" (allowed: %(allowed)s).', line=line,
                                kind=cells.get("kind", ""), allowed=", ".join(k.value for k in InstitutionKind)))
        if not cells.get("name_en"):
            row_errors.append(_("Line %(line)d: the English name is missing.", line=line))
        if flag not in TRUE_WORDS | FALSE_WORDS:
            row_errors.append(_('Line %(line)d: ncdd_member must be true or false, not "%(value)s".',
                                line=line, value=cells.get("ncdd_member", "")))
        for name, limit in MAX_LENGTHS.items():
            if len(cells.get(name, "")) > limit:
                row_errors.append(_("Line %(line)d: %(column)s is longer than %(n)d characters.",
                                    line=line, column=name, n=limit))
        if cells.get("email") and "@" not in cells["email"]:
            row_errors.append(_('Line %(line)d: "%(value)s" is not an e-mail address.', line=line,
                                value=cells["email"]))
        website = cells.get("website", "")
        if website and not website.lower().startswith(("http://", "https://")):
            row_errors.append(_('Line %(line)d: the website "%(value)s" must start with http:// or https://.',
                                line=line, value=website))
        if cells.get("parent_code") and cells["parent_code"] == code:
            row_errors.append(_("Line %(line)d: an institution cannot be its own parent.", line=line))
        if cells.get("successor_code") and cells["successor_code"] == code:
            row_errors.append(_("Line %(line)d: an institution cannot be its own successor.", line=line))
        dates: dict[str, date | None] = {}
        for name in ("valid_from", "valid_to"):
            if name not in present:
                continue
            dates[name] = None
            if cells.get(name):
                try:
                    dates[name] = _parse_date(cells[name])
                except ValueError:
                    row_errors.append(_('Line %(line)d: %(column)s must be a date written YYYY-MM-DD, not '
                                        '"%(value)s".', line=line, column=name, value=cells[name]))
        if dates.get("valid_from") and dates.get("valid_to") and dates["valid_to"] < dates["valid_from"]:
            row_errors.append(_("Line %(line)d: valid_to is before valid_from.", line=line))
        if cells.get("successor_code") and "valid_to" in present and not cells.get("valid_to"):
            row_errors.append(_("Line %(line)d: give valid_to, the date on which the successor took over.",
                                line=line))
        if code and code not in seen:
            seen[code] = line
        problems.extend((line, message) for message in row_errors)
        values = {name: cells.get(name, "") for name in TEXT_FIELDS}
        values["ncdd_member"] = flag in TRUE_WORDS
        if "website" in present:
            values["website"] = website
        values.update(dates)
        rows.append(_Row(line=line, code=code, kind=kind, parent_code=cells.get("parent_code", ""), values=values,
                         place_code=cells.get("place_code", "") if "place_code" in present else None,
                         successor_code=cells.get("successor_code", "") if "successor_code" in present else None))
    return rows


def _first_by_code(bodies: Iterable[Institution], prefer_private: bool = False) -> dict[str, Institution]:
    """Code -> institution; codes are not unique across owners, so a tenant's own wins over a shared one."""
    by_code: dict[str, Institution] = {}
    for body in sorted(bodies, key=lambda b: b.id or 0):
        current = by_code.get(body.code)
        if current is None or (prefer_private and current.is_shared and not body.is_shared):
            by_code[body.code] = body
    return by_code


def _loops(code: str, links: dict[str, str]) -> bool:
    seen = {code}
    step = links.get(code, "")
    while step:
        if step in seen:
            return True
        seen.add(step)
        step = links.get(step, "")
    return False


def import_csv(text: str, *, create_only: bool = False) -> ImportResult:
    """Upsert institutions by code from CSV text (header CSV_FIELDS; the old nine-column files too):
    every row is checked first and nothing is written if any row is wrong. Inside a tenant the rows
    become its private institutions; outside any tenant they are shared rows. `create_only` leaves
    existing institutions untouched. Flushes but does not commit: the caller commits."""
    result = ImportResult()
    problems: list[tuple[int, str]] = []
    rows = _read_rows(text, problems)
    tenant_id = current_tenant_id()

    visible = list(db.session.scalars(select(Institution).where(_visible_clause())))
    all_writable = [body for body in visible if body.owner_tenant_id == tenant_id]
    writable = _first_by_code(all_writable)
    visible_by_code = _first_by_code(visible, prefer_private=True)
    file_codes = {row.code for row in rows if row.code}
    place_codes = {row.place_code for row in rows if row.place_code}
    places = {place.code: place for place in db.session.scalars(select(Place).where(Place.code.in_(place_codes)))} \
        if place_codes else {}

    # Parent and successor links as they will be after the import, to catch unknown codes and loops.
    code_of = {body.id: body.code for body in visible}
    parents = {body.code: code_of.get(body.parent_id, "") for body in visible_by_code.values()}
    parents.update({row.code: row.parent_code for row in rows if row.code})
    successors = {body.code: code_of.get(body.successor_id, "") for body in visible_by_code.values()}
    successors.update({row.code: row.successor_code for row in rows if row.code and row.successor_code is not None})
    for row in rows:
        if tenant_id is not None and row.code and row.code not in writable and row.code in visible_by_code:
            problems.append((row.line, _("Line %(line)d: %(code)s is in the shared register and cannot be "
                                         "changed here.", line=row.line, code=row.code)))
        if row.parent_code and row.parent_code not in file_codes and row.parent_code not in visible_by_code:
            problems.append((row.line, _("Line %(line)d: the parent code %(code)s is neither in the file nor "
                                         "in the register.", line=row.line, code=row.parent_code)))
        elif row.parent_code and row.code and row.parent_code != row.code and _loops(row.code, parents):
            problems.append((row.line, _("Line %(line)d: the parents of %(code)s form a loop.",
                                         line=row.line, code=row.code)))
        if row.successor_code and row.successor_code not in file_codes and row.successor_code not in visible_by_code:
            problems.append((row.line, _("Line %(line)d: the successor code %(code)s is neither in the file nor "
                                         "in the register.", line=row.line, code=row.successor_code)))
        elif row.successor_code and row.code and row.successor_code != row.code and _loops(row.code, successors):
            problems.append((row.line, _("Line %(line)d: the successors of %(code)s form a loop.",
                                         line=row.line, code=row.code)))
        if row.place_code and row.place_code not in places:
            problems.append((row.line, _("Line %(line)d: no place of the gazetteer has the code %(code)s.",
                                         line=row.line, code=row.place_code)))
    if problems:
        result.errors = [message for _line, message in sorted(problems, key=lambda problem: problem[0])]
        return result

    written: dict[str, Institution] = {}
    for row in rows:
        body = writable.get(row.code)
        if body is None:
            body = Institution(code=row.code, kind=row.kind, owner_tenant_id=tenant_id, **row.values)
            db.session.add(body)
            result.created += 1
        elif create_only:
            continue
        written[row.code] = body
    for row in rows:
        body = written.get(row.code)
        if body is None:
            continue
        parent = (written.get(row.parent_code) or visible_by_code.get(row.parent_code)) if row.parent_code else None
        targets: dict = {"kind": row.kind, "parent": parent, **row.values}
        if row.place_code is not None:
            targets["place"] = places.get(row.place_code) if row.place_code else None
        if row.successor_code is not None:
            targets["successor"] = ((written.get(row.successor_code) or visible_by_code.get(row.successor_code))
                                    if row.successor_code else None)
        changed = any((getattr(body, name) is not value) if name in ("parent", "place", "successor")
                      else getattr(body, name) != value for name, value in targets.items())
        if changed and row.code in writable:
            result.updated += 1
        for name, value in targets.items():
            setattr(body, name, value)

    # A changed parent or kind moves whole subtrees, so every writable body's province is recomputed.
    for body in set(all_writable) | set(written.values()):
        province = _province_of(body)
        if body.province is not province:
            body.province = province
    db.session.flush()
    return result


def seed_institutions() -> int:
    """Add the shared register from data/institutions.csv (ministries, national institutions, the
    capital and 24 provinces, a few districts and communes); existing rows are left as they are.
    Run outside any tenant; the caller commits. Returns the number of institutions created."""
    if current_tenant_id() is not None:
        raise RuntimeError("seed_institutions() writes the shared register; run it outside tenant_scope().")
    result = import_csv(SEED_FILE.read_text(encoding="utf-8"), create_only=True)
    if result.errors:
        raise ValueError("; ".join(result.errors))
    return result.created


# --- administrations generated from the gazetteer ------------------------------------------------------

# Districts of the gazetteer that are municipalities (krong), by MEF code; the gazetteer itself does
# not say, and the names of the administrations differ ("Kampot Municipality", "រដ្ឋបាលក្រុងកំពត").
MUNICIPALITY_CODES = frozenset({
    "0106", "0110", "0203", "0305", "0403", "0502", "0603", "0708", "0811", "0904", "1002", "1105", "1307",
    "1410", "1505", "1602", "1710", "1801", "1805", "1904", "2006", "2008", "2108", "2204", "2302", "2401", "2506",
})
CAPITAL_CODE = "12"
KHMER_PREFIXES = ("រដ្ឋបាល", "រាជធានី", "ខេត្ត", "ក្រុង", "ស្រុក", "ខណ្ឌ")
LATIN_AFFIXES = frozenset({"khan", "krong", "srok", "district", "municipality", "municipal", "province",
                           "provincial", "capital", "city", "administration", "of", "the"})
FUZZY_THRESHOLD = 0.85


def _strip_khmer(name: str) -> str:
    text = khmer_key(name)
    changed = True
    while changed:
        changed = False
        for prefix in KHMER_PREFIXES:
            if text.startswith(prefix) and len(text) > len(prefix):
                text, changed = text[len(prefix):], True
    return text


def _latin_words(name: str) -> list[str]:
    text = unicodedata.normalize("NFKD", name or "").casefold()
    words = re.findall(r"[a-z0-9]+", "".join(ch for ch in text if ch.isascii()))
    core = [word for word in words if word not in LATIN_AFFIXES]
    return core or words


def _plain_key(name: str) -> str:
    return "".join(_latin_words(name))


def _variant_key(name: str) -> str:
    return latin_key(" ".join(_latin_words(name)))


def _same_place(institution: Institution, place: Place) -> float:
    """How well an institution's names fit a place's: 1.0 for the same Khmer or Latin name (prefixes
    such as Khan, Krong, ស្រុក ignored), else the similarity of the Latin spellings."""
    khmer = _strip_khmer(institution.name_km)
    if khmer and khmer == _strip_khmer(place.name_km):
        return 1.0
    if _plain_key(institution.name_en) == _plain_key(place.name_en) or \
            _variant_key(institution.name_en) == _variant_key(place.name_en):
        return 1.0
    return difflib.SequenceMatcher(None, _plain_key(institution.name_en), _plain_key(place.name_en)).ratio()


def _pair(institutions: list[Institution], places: list[Place]) -> list[tuple[Institution, Place]]:
    """Best pairs first, each institution and place used once, only above FUZZY_THRESHOLD."""
    scored = sorted(((_same_place(inst, place), inst.id or 0, place.code, inst, place)
                     for inst in institutions for place in places), key=lambda item: (-item[0], item[1], item[2]))
    pairs, used_institutions, used_places = [], set(), set()
    for score, _id, _code, inst, place in scored:
        if score < FUZZY_THRESHOLD:
            break
        if id(inst) in used_institutions or place.id in used_places:
            continue
        pairs.append((inst, place))
        used_institutions.add(id(inst))
        used_places.add(place.id)
    return pairs


def _province_number(place: Place) -> str:
    return str(int(place.code)) if place.code.isdigit() else place.code


def _plain_place_name(place: Place) -> str:
    words = [word for word in (place.name_en or "").split()
             if word.casefold() not in {"province", "capital", "khan", "krong", "srok", "district", "municipality"}]
    return " ".join(words) or place.name_en


def _khmer_place_name(place: Place) -> tuple[str, str]:
    name = (place.name_km or "").strip()
    for prefix in KHMER_PREFIXES[1:]:
        if name.startswith(prefix) and len(name) > len(prefix):
            return prefix, name[len(prefix):]
    return "", name


def _province_names(place: Place) -> tuple[str, str]:
    name = _plain_place_name(place)
    prefix, name_km = _khmer_place_name(place)
    if place.code == CAPITAL_CODE or prefix == "រាជធានី":
        return f"{name} Capital Administration", f"រដ្ឋបាលរាជធានី{name_km}" if name_km else ""
    return f"{name} Provincial Administration", f"រដ្ឋបាលខេត្ត{name_km}" if name_km else ""


def _district_names(place: Place, province_code: str) -> tuple[str, str]:
    name = _plain_place_name(place)
    prefix, name_km = _khmer_place_name(place)
    english = (place.name_en or "").casefold().split()
    if prefix == "ខណ្ឌ" or "khan" in english or (not prefix and province_code == CAPITAL_CODE):
        return f"Khan {name}", f"រដ្ឋបាលខណ្ឌ{name_km}" if name_km else ""
    if prefix == "ក្រុង" or "krong" in english or "municipality" in english or \
            (not prefix and place.code in MUNICIPALITY_CODES):
        return f"{name} Municipality", f"រដ្ឋបាលក្រុង{name_km}" if name_km else ""
    return f"{name} District Administration", f"រដ្ឋបាលស្រុក{name_km}" if name_km else ""


def _slug(text: str) -> str:
    return "-".join(_latin_words(text)).upper()[:40] or "X"


def _new_code(wanted: str, fallback: str, taken: set[str]) -> str:
    code = wanted if wanted not in taken else fallback
    number = 2
    while code in taken:
        code, number = f"{fallback}-{number}", number + 1
    taken.add(code)
    return code


def sync_administrations() -> int:
    """Make sure every current province and district of the gazetteer has one shared institution of
    kind province / district linked to it (place_id): an existing shared one is linked first (the
    seed's KH-<n> province codes match place code <n>, districts match by name within their province,
    Khan/Krong/District/ស្រុក… and small spelling differences ignored), else one is created, named
    after the place, under its provincial administration. Idempotent; runs outside any tenant;
    flushes, the caller commits. Returns the number of institutions created."""
    if current_tenant_id() is not None:
        raise RuntimeError("sync_administrations() writes the shared register; run it outside tenant_scope().")
    today = date.today()
    places = list(db.session.scalars(select(Place).where(
        Place.kind.in_([PlaceKind.PROVINCE, PlaceKind.DISTRICT]),
        or_(Place.valid_to.is_(None), Place.valid_to >= today)).order_by(Place.code)))
    if not places:
        return 0
    shared = list(db.session.scalars(select(Institution).where(Institution.owner_tenant_id.is_(None))))
    taken = {inst.code for inst in shared}
    by_place: dict[int, Institution] = {}
    for inst in sorted(shared, key=lambda i: i.id):
        if inst.place_id is not None and inst.kind in (InstitutionKind.PROVINCE, InstitutionKind.DISTRICT):
            by_place.setdefault(inst.place_id, inst)
    unlinked = [inst for inst in shared if inst.place_id is None and is_current(inst, today)]
    created: list[Institution] = []

    # Provinces: by the seed's code first, then by name.
    provinces = [place for place in places if place.kind == PlaceKind.PROVINCE]
    free_provinces = [inst for inst in unlinked if inst.kind == InstitutionKind.PROVINCE]
    waiting = []
    for place in provinces:
        if place.id in by_place:
            continue
        match = next((inst for inst in free_provinces if inst.code == f"KH-{_province_number(place)}"), None)
        if match is not None:
            match.place, by_place[place.id] = place, match
            free_provinces.remove(match)
        else:
            waiting.append(place)
    for inst, place in _pair(free_provinces, waiting):
        inst.place, by_place[place.id] = place, inst
    for place in provinces:
        if place.id not in by_place:
            name_en, name_km = _province_names(place)
            inst = Institution(code=_new_code(f"KH-{_province_number(place)}", f"PLACE-{place.code}", taken),
                               kind=InstitutionKind.PROVINCE, name_en=name_en, name_km=name_km, place=place,
                               owner_tenant_id=None)
            by_place[place.id] = inst
            created.append(inst)

    # Districts: within their province, by name.
    province_place_of = {place.id: place for place in provinces}
    districts_of: dict[int, list[Place]] = defaultdict(list)
    for place in places:
        if place.kind == PlaceKind.DISTRICT:
            province_id = place.province_id or place.parent_id
            if province_id in province_place_of:
                districts_of[province_id].append(place)
    free_districts = [inst for inst in unlinked if inst.kind == InstitutionKind.DISTRICT]
    for province_id, districts in districts_of.items():
        province_place = province_place_of[province_id]
        administration = by_place[province_id]
        number = _province_number(province_place)
        candidates = [inst for inst in free_districts
                      if (administration.id is not None and administration.id in (inst.parent_id, inst.province_id))
                      or inst.parent is administration or inst.code.startswith(f"KH-{number}-")]
        waiting = [place for place in districts if place.id not in by_place]
        for inst, place in _pair(candidates, waiting):
            inst.place, by_place[place.id] = place, inst
            free_districts.remove(inst)
        for place in districts:
            inst = by_place.get(place.id)
            if inst is None:
                name_en, name_km = _district_names(place, province_place.code)
                inst = Institution(code=_new_code(f"KH-{number}-{_slug(_plain_place_name(place))}",
                                                  f"PLACE-{place.code}", taken),
                                   kind=InstitutionKind.DISTRICT, name_en=name_en, name_km=name_km, place=place,
                                   owner_tenant_id=None)
                by_place[place.id] = inst
                created.append(inst)
            if inst.parent_id is None and inst.parent is None:
                inst.parent = administration
            if inst.parent is administration and inst.province is not administration:
                inst.province = administration
    db.session.add_all(created)
    db.session.flush()
    return len(created)
