"""Exporting contacts as CSV or Excel (.xlsx) with the import's columns, so an export re-imports.
Do No Harm: a protected person's identity is never exported (the identity columns stay empty and
`protected` says true), and an erased person's row says nothing that identifies them. Each export
is audited with its counts. No Flask here except translations."""
from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import joinedload, selectinload

from core.audit import record_event
from core.csv_export import safe_cell
from core.errors import DomainError
from core.extensions import db
from core.registers.contact_import import COLUMNS
from core.registers.models import Contact, ContactAffiliation, Place

BATCH = 500
# Columns left empty for a protected person: the identity, and what would point at them
# (organisation and role, tags, what their consent covers).
WITHHELD_IF_PROTECTED = ("name_km", "name_latin", "phone", "email", "organisation", "role", "tags", "consent_scope")
# Columns still written for an erased person: what statistics need (the place as its province).
KEPT_IF_ERASED = ("kind", "sex", "age_group", "disability", "idpoor", "indigenous", "place_code", "protected")


def refuse_protected_identities() -> DomainError:
    return DomainError(_("Protected people's identities are never exported. Export without them: their rows "
                         "keep what statistics need and say protected."), "include_protected")


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")


def _name(contact: Contact) -> str:
    return contact.name_latin or contact.name_km


def export_row(contact: Contact) -> list:
    """One contact as a row of COLUMNS (texts safe from spreadsheet formulas)."""
    affiliations = [a for a in contact.affiliations if not a.organisation.protected and not a.organisation.is_erased]
    place = contact.place
    values = {
        "kind": contact.kind.value, "name_km": contact.name_km, "name_latin": contact.name_latin,
        "sex": contact.sex.value, "birth_year": contact.birth_year, "age_group": contact.age_group.value,
        "disability": _yes_no(contact.disability), "idpoor": _yes_no(contact.idpoor),
        "indigenous": _yes_no(contact.indigenous), "place_code": place.code if place is not None else "",
        "phone": contact.phone, "email": contact.email,
        "organisation": "; ".join(_name(a.organisation) for a in affiliations),
        "role": "; ".join(a.role for a in affiliations) if any(a.role for a in affiliations) else "",
        "tags": contact.tags, "languages": contact.languages, "protected": _yes_no(contact.protected),
        "consent_scope": contact.consent_scope,
        "consent_on": contact.consent_on.isoformat() if contact.consent_on else "",
        "consent_method": contact.consent_method.value if contact.consent_method else "",
        "guardian_consent": _yes_no(contact.guardian_consent),
        "organisation_type": contact.organisation_type.value if contact.organisation_type else "",
    }
    if contact.is_erased:
        province = place.province if place is not None and place.province is not None else place
        values = {name: (values[name] if name in KEPT_IF_ERASED else "") for name in COLUMNS}
        values["place_code"] = province.code if province is not None else ""
    elif contact.protected:
        values.update({name: "" for name in WITHHELD_IF_PROTECTED})
    return [value if isinstance(value, int) else safe_cell(value) for value in (values[name] for name in COLUMNS)]


def export_query(base: Select) -> Select:
    """The list's query with what each row needs, in a stable order for batches."""
    return base.options(joinedload(Contact.place).joinedload(Place.province),
                        selectinload(Contact.affiliations).joinedload(ContactAffiliation.organisation)
                        ).order_by(None).order_by(Contact.id)


def export_rows(base: Select) -> Iterator[list]:
    """The rows of the contacts `base` selects, read in batches of BATCH by id (memory stays flat)."""
    query, last_id = export_query(base), 0
    while True:
        batch = db.session.execute(query.where(Contact.id > last_id).limit(BATCH)).unique().scalars().all()
        for contact in batch:
            yield export_row(contact)
        if len(batch) < BATCH:
            return
        last_id = batch[-1].id   # the session holds loaded rows weakly: earlier batches are freed


@dataclass
class ExportCounts:
    contacts: int = 0
    protected_withheld: int = 0
    erased: int = 0


def export_counts(base: Select) -> ExportCounts:
    """How many contacts the export holds, how many protected identities it withholds and how many
    erased people it lists (one query)."""
    ids = base.order_by(None).with_only_columns(Contact.id, Contact.protected, Contact.erased_at,
                                                maintain_column_froms=True).subquery()
    total, protected, erased = db.session.execute(select(
        func.count(), func.coalesce(func.sum(case((ids.c.protected.is_(True) & ids.c.erased_at.is_(None), 1),
                                                  else_=0)), 0),
        func.coalesce(func.sum(case((ids.c.erased_at.is_not(None), 1), else_=0)), 0))).one()
    return ExportCounts(int(total), int(protected), int(erased))


def audit_export(tenant_id: int, file_format: str, counts: ExportCounts, filters: dict) -> None:
    record_event("contacts.export", tenant_id=tenant_id, model="Contact",
                 changes={"format": file_format, **vars(counts),
                          "filters": {name: str(value) for name, value in filters.items()}})


def xlsx_bytes(rows: Iterator[list]) -> bytes:
    """A workbook with the header and the rows (written in openpyxl's streaming mode)."""
    import openpyxl
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("contacts")
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
