"""Erasing a person ("forget this person"): every identity field is blanked (with the match keys
and the photo file), what statistics need is kept (sex, age group, disability, IDPoor, indigenous,
the province of residence), the erasure is recorded without the identity so it can be applied
again after a backup is restored, and the person's names, phone and e-mail are scrubbed from
in-app notifications (and the e-mail outbox) and from values shared with working groups.

The erasure is recorded twice: a ContactErasure row in the database, and an entry in the erasure
journal outside it (core.instance_state: one small object per erasure in the file store, holding
the tenant id, the contact id and the time). Restoring a backup taken before the erasure brings
back the row-less database, but not the journal: `restore` re-applies the journal (and re-creates
the missing rows), so the person does not come back. The entry is written in the erasure's
transaction and removed again if it is rolled back; should the process die between the write and
the commit, the entry left behind only repeats an erasure the admin confirmed. An entry is applied
only to a contact that still exists, in its tenant, and was created before the erasure (SQLite may
give a later contact the id of a deleted one).

Search needs no cleaning: the global search (core.search) matches the tables at query time,
there is no separate index; once the contact is blank it cannot be found. Audit diffs never held
the identity (core.audit writes IDENTITY_MARKER). No Flask request needed (the CLI uses it)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from core.audit import record_event
from core.columns import utcnow
from core.errors import DomainError
from core.extensions import db
from core.registers.contact_photos import forget_photo_file
from core.registers.models import AgeGroup, Contact, ContactErasure, ContactKind, Place, PlaceKind

# Blanked on erasure (IDENTITY_FIELDS plus free text that may name the person).
BLANKED = ("name_km", "name_latin", "phone", "email", "address", "id_number", "photo_name", "notes", "match_name", "match_latin",
           "match_phone", "tags", "consent_scope")
SCRUB_CHUNK = 1000
MIN_TERM_LENGTH = 3


def identity_terms(contact: Contact) -> list[str]:
    """The strings that would identify the person in text elsewhere (longest first)."""
    terms = {value.strip() for value in (contact.name_km, contact.name_latin, contact.phone, contact.email) if value}
    return sorted((term for term in terms if len(term) >= MIN_TERM_LENGTH), key=len, reverse=True)


def _province_id(place_id: int | None) -> int | None:
    if place_id is None:
        return None
    place = db.session.get(Place, place_id)
    if place is None:
        return None
    return place.id if place.kind == PlaceKind.PROVINCE else place.province_id


def _blank(contact: Contact, today: date | None = None) -> list[str]:
    """Blank the identity of `contact` in place; returns the identity terms it had."""
    from core.registers.contacts import age_group_for
    terms = identity_terms(contact)
    forget_photo_file(contact)          # the file goes when the erasure is committed
    for name in BLANKED:
        setattr(contact, name, "")
    if contact.birth_year is not None:
        contact.age_group = age_group_for(contact.birth_year, today) or AgeGroup.NOT_RECORDED
        contact.birth_year = None
    contact.place_id = _province_id(contact.place_id)
    if contact.kind == ContactKind.PERSON:
        for affiliation in contact.affiliations:
            affiliation.role = ""
    contact.protected = True
    if contact.erased_at is None:
        contact.erased_at = utcnow()
    return terms


def erase_contact(contact: Contact, *, erased_by_id: int | None) -> ContactErasure:
    """Forget a person (the caller commits). The contact stays as "Erased person" so records
    pointing at it keep their statistics."""
    if contact.kind != ContactKind.PERSON:
        raise DomainError(_l("Only a person can be erased."))
    if contact.is_erased:
        raise DomainError(_l("This person was already erased."))
    terms = _blank(contact)
    db.session.flush()
    erasure = ContactErasure(tenant_id=contact.tenant_id, contact_id=contact.id, erased_by_id=erased_by_id,
                             erased_at=contact.erased_at)
    db.session.add(erasure)
    db.session.flush()
    journal_erasure(erasure, undo_on_rollback=True)
    scrub_everywhere(contact.tenant_id, terms)
    record_event("contact.erase", tenant_id=contact.tenant_id, model="Contact", record_id=str(contact.id))
    return erasure


def scrub_everywhere(tenant_id: int, terms: list[str]) -> int:
    """Remove `terms` from notifications and shared values; returns the rows changed."""
    if not terms:
        return 0
    return scrub_notifications(tenant_id, terms) + scrub_shared_values(tenant_id, terms) + scrub_outbox(terms)


def _scrub_text(text: str, terms: list[str], replacement: str) -> str:
    for term in terms:
        if term in text:
            text = text.replace(term, replacement)
    return text


def _scrub_value(value, terms: list[str], replacement: str):
    if isinstance(value, str):
        return _scrub_text(value, terms, replacement)
    if isinstance(value, dict):
        return {key: _scrub_value(item, terms, replacement) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub_value(item, terms, replacement) for item in value]
    return value


def _replacement() -> str:
    return str(_l("Erased person"))


def _group_tenants(tenant_id: int) -> list[int]:
    """The tenant and every tenant it shares a working group with (their members may have been
    notified of its shared records)."""
    from core.models import WorkingGroupMember
    groups = select(WorkingGroupMember.group_id).where(WorkingGroupMember.tenant_id == tenant_id)
    others = db.session.execute(select(WorkingGroupMember.tenant_id).where(
        WorkingGroupMember.group_id.in_(groups)).distinct()).scalars()
    return sorted({tenant_id, *others})


def scrub_notifications(tenant_id: int, terms: list[str]) -> int:
    """Notification texts and parameters naming the person (read in chunks; notifications are not
    audited, and are changed with plain UPDATEs)."""
    from core.models import Notification
    table = Notification.__table__
    replacement, changed, last_id = _replacement(), 0, 0
    tenants = _group_tenants(tenant_id)
    while True:
        rows = db.session.execute(select(table.c.id, table.c.message, table.c.params).where(
            table.c.tenant_id.in_(tenants), table.c.id > last_id).order_by(table.c.id).limit(SCRUB_CHUNK)).all()
        if not rows:
            return changed
        for row in rows:
            message = _scrub_text(row.message or "", terms, replacement)
            params = _scrub_value(row.params or {}, terms, replacement)
            if message != row.message or params != (row.params or {}):
                db.session.execute(update(table).where(table.c.id == row.id).values(message=message, params=params))
                changed += 1
        last_id = rows[-1].id


def scrub_outbox(terms: list[str]) -> int:
    """E-mails still in the outbox (or kept there after sending) that name the person."""
    from core.models import OutboxMail
    table = OutboxMail.__table__
    replacement, changed, last_id = _replacement(), 0, 0
    while True:
        rows = db.session.execute(select(table.c.id, table.c.subject, table.c.body).where(
            table.c.id > last_id).order_by(table.c.id).limit(SCRUB_CHUNK)).all()
        if not rows:
            return changed
        for row in rows:
            subject, body = _scrub_text(row.subject, terms, replacement), _scrub_text(row.body, terms, replacement)
            if (subject, body) != (row.subject, row.body):
                db.session.execute(update(table).where(table.c.id == row.id).values(subject=subject, body=body))
                changed += 1
        last_id = rows[-1].id


def scrub_shared_values(tenant_id: int, terms: list[str]) -> int:
    """Titles and published values the tenant shared with working groups, and their feed lines.
    Plain UPDATEs: an audited change would copy the old value into the audit log."""
    from core.models import GroupFeedEntry, SharedRecord
    replacement, changed = _replacement(), 0
    for model in (SharedRecord, GroupFeedEntry):
        table = model.__table__
        last_id = 0
        while True:
            rows = db.session.execute(select(table.c.id, table.c.title, table.c.fields).where(
                table.c.tenant_id == tenant_id, table.c.id > last_id).order_by(table.c.id).limit(SCRUB_CHUNK)).all()
            if not rows:
                break
            for row in rows:
                title = _scrub_text(row.title or "", terms, replacement)
                fields = _scrub_value(row.fields or {}, terms, replacement)
                if title != row.title or fields != (row.fields or {}):
                    db.session.execute(update(table).where(table.c.id == row.id).values(title=title, fields=fields))
                    changed += 1
            last_id = rows[-1].id
    # The session may hold these rows already loaded: make it read them again.
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, (SharedRecord, GroupFeedEntry)):
            db.session.expire(obj)
    return changed


# --- the erasure journal (outside the database) ------------------------------------------------

@dataclass(frozen=True)
class JournalEntry:
    """One erasure as the journal holds it: no identity, only where and when."""

    tenant_id: int
    contact_id: int
    erased_at: datetime


def journal_folder(instance_id: str) -> Path:
    from core.instance_state import folder
    return folder() / "erasures" / instance_id


def _entry_path(instance_id: str, tenant_id: int, contact_id: int) -> Path:
    return journal_folder(instance_id) / f"{int(tenant_id)}-{int(contact_id)}.json"


def journal_erasure(erasure: ContactErasure, *, undo_on_rollback: bool = False, instance_id: str | None = None) -> None:
    """Write the journal entry of `erasure` (nothing when it is there already). With
    `undo_on_rollback` it goes again if the current transaction is rolled back."""
    from core import uploads
    from core.instance_state import ensure_instance_id
    path = _entry_path(instance_id or ensure_instance_id(), erasure.tenant_id, erasure.contact_id)
    if uploads.is_stored(path):
        return              # an earlier erasure of the same contact (before a restore): keep it
    body = {"tenant_id": erasure.tenant_id, "contact_id": erasure.contact_id,
            "erased_at": (erasure.erased_at or utcnow()).isoformat()}
    uploads.write(path, json.dumps(body).encode("utf-8"), undo_on_rollback=undo_on_rollback)


def journal_entries(instance_id: str | None = None) -> list[JournalEntry]:
    """The journal of `instance_id` (this instance by default; none when it has no id yet)."""
    from core import uploads
    from core.instance_state import instance_id as current_id
    instance_id = instance_id or current_id()
    if not instance_id:
        return []
    entries = []
    for path in uploads.list_files(journal_folder(instance_id)):
        try:
            body = json.loads(uploads.read(path))
            entries.append(JournalEntry(int(body["tenant_id"]), int(body["contact_id"]),
                                        datetime.fromisoformat(body["erased_at"])))
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            current_app.logger.warning("Skipped a damaged erasure journal entry: %s", path.name)
    return entries


def journal_all_erasures() -> int:
    """Write a journal entry for every ContactErasure row that has none (erasures made before the
    journal existed, or brought by a restore onto a new host). Returns how many were written."""
    from core import uploads
    from core.instance_state import ensure_instance_id
    from core.tenancy import unscoped
    instance_id = ensure_instance_id()
    present = {path.name for path in uploads.list_files(journal_folder(instance_id))}
    with unscoped():
        erasures = list(db.session.execute(select(ContactErasure).order_by(ContactErasure.id)).scalars())
    written = 0
    for erasure in erasures:
        if _entry_path(instance_id, erasure.tenant_id, erasure.contact_id).name not in present:
            journal_erasure(erasure, instance_id=instance_id)
            written += 1
    return written


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def reapply_erasures(journal: list[JournalEntry] | None = None) -> int:
    """Erase again every person recorded in ContactErasure or in the erasure journal (this
    instance's by default) whose identity came back after a backup was restored; a journal entry
    without its row gets the row back. Returns how many contacts were erased again. The caller
    commits."""
    from core.tenancy import tenant_scope, unscoped
    with unscoped():
        logged = list(db.session.execute(select(ContactErasure).order_by(ContactErasure.id)).scalars())
    todo = [(erasure.tenant_id, erasure.contact_id, erasure.erased_at, True) for erasure in logged]
    known = {(tenant_id, contact_id) for tenant_id, contact_id, _at, _row in todo}
    for entry in journal_entries() if journal is None else journal:
        if (entry.tenant_id, entry.contact_id) not in known:
            known.add((entry.tenant_id, entry.contact_id))
            todo.append((entry.tenant_id, entry.contact_id, entry.erased_at, False))
    count = 0
    for tenant_id, contact_id, erased_at, has_row in todo:
        with tenant_scope(tenant_id):
            contact = db.session.get(Contact, contact_id)
            if contact is None or contact.tenant_id != tenant_id or contact.kind != ContactKind.PERSON:
                continue
            if not has_row:
                if contact.created_at is not None and _aware(contact.created_at) > _aware(erased_at):
                    continue        # a later contact that was given the erased one's id
                db.session.add(ContactErasure(tenant_id=tenant_id, contact_id=contact_id, erased_by_id=None,
                                              erased_at=erased_at))
            if contact.erased_at is not None and not any(getattr(contact, name) for name in BLANKED) \
                    and contact.birth_year is None:
                db.session.flush()
                continue
            if contact.erased_at is None:
                contact.erased_at = erased_at
            terms = _blank(contact)
            db.session.flush()
            scrub_everywhere(contact.tenant_id, terms)
            count += 1
    return count


def erasure_review(contact: Contact, url_for=None) -> list:
    """What the admin reviews before erasing: every record linked to the person, with the free
    text or files each module says may name them (ContactLink.review_on_erasure)."""
    from core.registers.contacts import all_links
    return all_links(contact, url_for)


def erased_contact_ids(contact_ids) -> set[int]:
    """Which of these ids were erased (for lists that only hold ids)."""
    ids = list(contact_ids)
    if not ids:
        return set()
    return set(db.session.execute(select(Contact.id).where(Contact.id.in_(ids), or_(
        Contact.erased_at.is_not(None)))).scalars())
