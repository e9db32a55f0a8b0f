"""The institutions register (public bodies): which institutions a tenant sees (shared rows plus its
own private ones), CSV export, all-or-nothing CSV import and the seed of Cambodia's ministries."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from flask_babel import gettext as _
from sqlalchemy import Select, case, or_, select

from core.extensions import db
from core.tenancy import current_tenant_id
from core.registers.models import Institution, InstitutionKind

CSV_FIELDS = ["code", "kind", "parent_code", "name_en", "name_km", "ncdd_member", "phone", "email", "address_en"]
REQUIRED_FIELDS = ("code", "kind", "name_en")
SEED_FILE = Path(__file__).parent / "data" / "institutions.csv"
MAX_IMPORT_ROWS = 5000

TRUE_WORDS = {"true", "yes", "1"}
FALSE_WORDS = {"false", "no", "0", ""}
# Column limits of Institution, checked before writing so a long value is a line error, not a DB error.
MAX_LENGTHS = {"code": 64, "name_en": 255, "name_km": 255, "phone": 100, "email": 254, "address_en": 500}
TEXT_FIELDS = ("name_en", "name_km", "phone", "email", "address_en")

# Lists read top-down: national bodies first, then the sub-national hierarchy.
KIND_ORDER = case(*((Institution.kind == kind, position) for position, kind in enumerate(InstitutionKind)),
                  else_=len(InstitutionKind))


def _visible_clause():
    tenant_id = current_tenant_id()
    if tenant_id is None:
        return Institution.owner_tenant_id.is_(None)
    return or_(Institution.owner_tenant_id.is_(None), Institution.owner_tenant_id == tenant_id)


def visible_institutions() -> Select:
    """The shared register plus the current tenant's private bodies, by kind then English name."""
    return select(Institution).where(_visible_clause()).order_by(KIND_ORDER, Institution.name_en, Institution.id)


def get_visible_institution(institution_id: int) -> Institution | None:
    """One body if the current tenant may see it (None for another tenant's private body)."""
    return db.session.scalar(select(Institution).where(Institution.id == institution_id, _visible_clause()))


def _writable_clause():
    """Inside a tenant only its private bodies may be written; outside any tenant the shared rows."""
    tenant_id = current_tenant_id()
    if tenant_id is None:
        return Institution.owner_tenant_id.is_(None)
    return Institution.owner_tenant_id == tenant_id


def export_csv(bodies: Iterable[Institution]) -> str:
    """The bodies as CSV text with CSV_FIELDS as header (the caller picks the encoding / BOM)."""
    bodies = list(bodies)
    codes = {body.id: body.code for body in bodies}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    for body in bodies:
        if body.parent_id is None:
            parent_code = ""
        else:
            parent_code = codes.get(body.parent_id) or (body.parent.code if body.parent else "")
        writer.writerow([body.code, body.kind.value, parent_code, body.name_en, body.name_km,
                         "true" if body.ncdd_member else "false", body.phone, body.email, body.address_en])
    return out.getvalue()


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
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    next_line = 2
    for record in reader:
        line, next_line = next_line, reader.line_num + 1   # a quoted field may span several lines
        cells = {key: (value or "").strip() for key, value in record.items() if isinstance(key, str)}
        if not any(cells.values()):
            continue
        if len(rows) >= MAX_IMPORT_ROWS:
            problems.append((line, _("Line %(line)d: a file may hold at most %(n)d bodies.", line=line,
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
        if cells.get("parent_code") and cells["parent_code"] == code:
            row_errors.append(_("Line %(line)d: a body cannot be its own parent.", line=line))
        if code and code not in seen:
            seen[code] = line
        problems.extend((line, message) for message in row_errors)
        values = {name: cells.get(name, "") for name in TEXT_FIELDS}
        values["ncdd_member"] = flag in TRUE_WORDS
        rows.append(_Row(line=line, code=code, kind=kind, parent_code=cells.get("parent_code", ""),
                         values=values))
    return rows


def _first_by_code(bodies: Iterable[Institution], prefer_private: bool = False) -> dict[str, Institution]:
    """Code -> body; codes are not unique across owners, so a tenant's own body wins over a shared one."""
    by_code: dict[str, Institution] = {}
    for body in sorted(bodies, key=lambda b: b.id):
        current = by_code.get(body.code)
        if current is None or (prefer_private and current.is_shared and not body.is_shared):
            by_code[body.code] = body
    return by_code


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


def _loops(code: str, parents: dict[str, str]) -> bool:
    seen = {code}
    parent = parents.get(code, "")
    while parent:
        if parent in seen:
            return True
        seen.add(parent)
        parent = parents.get(parent, "")
    return False


def import_csv(text: str, *, create_only: bool = False) -> ImportResult:
    """Upsert bodies by code from CSV text (header CSV_FIELDS): every row is checked first and
    nothing is written if any row is wrong. Inside a tenant the rows become its private bodies;
    outside any tenant they are shared rows. `create_only` leaves existing bodies untouched.
    Flushes but does not commit: the caller commits."""
    result = ImportResult()
    problems: list[tuple[int, str]] = []
    rows = _read_rows(text, problems)
    tenant_id = current_tenant_id()

    visible = list(db.session.scalars(select(Institution).where(_visible_clause())))
    all_writable = [body for body in visible if body.owner_tenant_id == tenant_id]
    writable = _first_by_code(all_writable)
    visible_by_code = _first_by_code(visible, prefer_private=True)
    file_codes = {row.code for row in rows if row.code}

    # Parent links as they will be after the import, to catch unknown parents and loops.
    code_of = {body.id: body.code for body in visible}
    parents = {body.code: code_of.get(body.parent_id, "") for body in visible_by_code.values()}
    parents.update({row.code: row.parent_code for row in rows if row.code})
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
        changed = (body.kind != row.kind or body.parent is not parent
                   or any(getattr(body, name) != value for name, value in row.values.items()))
        if changed and row.code in writable:
            result.updated += 1
        body.kind = row.kind
        body.parent = parent
        for name, value in row.values.items():
            setattr(body, name, value)

    # A changed parent or kind moves whole subtrees, so every writable body's province is recomputed.
    for body in set(all_writable) | set(written.values()):
        province = _province_of(body)
        if body.province is not province:
            body.province = province
    db.session.flush()
    return result


def seed_institutions() -> int:
    """Add the shared register from data/public_bodies.csv (ministries, institutions, the capital and
    24 provinces, demo districts and communes); existing rows are left as they are. Run outside any
    tenant; the caller commits. Returns the number of bodies created."""
    if current_tenant_id() is not None:
        raise RuntimeError("seed_institutions() writes the shared register; run it outside tenant_scope().")
    result = import_csv(SEED_FILE.read_text(encoding="utf-8"), create_only=True)
    if result.errors:
        raise ValueError("; ".join(result.errors))
    return result.created


def sync_administrations() -> int:
    """(being written) An institution for every province and district in the gazetteer."""
    return 0
