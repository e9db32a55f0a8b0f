"""Attendance on a phone: a session's roster in three queries, batches of taps applied all or
nothing (each through services.record_attendance, so a batch sent twice counts once), walk-ins
added once per client key, and the scan or photo of the signed paper sheet. No Flask requests here:
rules raise DomainError with a translated message."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core import uploads
from core.errors import DomainError
from core.extensions import db
from core.registers import contacts, duplicates
from core.registers.models import Contact, ContactKind
from plugins.training_registry import services
from plugins.training_registry.models import (Attendance, Course, CourseKind, Enrolment, EnrolmentSource,
                                              EnrolmentStatus, TrainingSession)

SHEET_AREA = "training"
SHEET_MAX_BYTES = 10 * 1024 * 1024
# Recognised by their first bytes; the name's extension must agree.
SHEET_SIGNATURES = {"pdf": b"%PDF-", "png": b"\x89PNG\r\n\x1a\n", "jpg": b"\xff\xd8\xff"}
SHEET_CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}
SHEET_EXTENSIONS = {"pdf": "pdf", "png": "png", "jpg": "jpg", "jpeg": "jpg"}
SHEET_STORAGE_NAME = re.compile(r"^[0-9a-f]{32}\.(pdf|png|jpg)$")
MAX_BATCH = 500          # taps or walk-ins in one batch: a day's screen, never more
CLIENT_KEY = re.compile(r"^[A-Za-z0-9-]{8,64}$")


def not_enrolled_message():
    return _l("This person is not enrolled in the session's course.")


# --- the roster -------------------------------------------------------------------------------------

def get_session(session_id: int) -> TrainingSession | None:
    """A session of the current tenant with its course (the central tenant filter applies)."""
    return db.session.scalar(select(TrainingSession).where(TrainingSession.id == session_id)
                             .options(joinedload(TrainingSession.course)))


@dataclass
class RosterEntry:
    enrolment: Enrolment
    present: bool | None          # None: not marked yet

    @property
    def contact(self) -> Contact:
        return self.enrolment.contact


@dataclass
class Roster:
    active: list[RosterEntry] = field(default_factory=list)
    dropped: list[RosterEntry] = field(default_factory=list)

    @property
    def enrolled(self) -> int:
        return len(self.active)

    @property
    def present(self) -> int:
        return sum(1 for entry in self.active if entry.present)

    def marks(self) -> dict[int, bool]:
        return {entry.enrolment.id: bool(entry.present) for entry in self.active + self.dropped
                if entry.present is not None}


def roster(session: TrainingSession) -> Roster:
    """The people enrolled in the session's course with whether they were marked present: two
    queries whatever the number of people. Ordered as they enrolled (walk-ins come last)."""
    enrolments = db.session.scalars(select(Enrolment).where(Enrolment.course_id == session.course_id)
                                    .options(joinedload(Enrolment.contact))
                                    .order_by(Enrolment.created_at, Enrolment.id)).all()
    marks = dict(db.session.execute(select(Attendance.enrolment_id, Attendance.present)
                                    .where(Attendance.session_id == session.id)).all())
    result = Roster()
    for enrolment in enrolments:
        entry = RosterEntry(enrolment, marks.get(enrolment.id))
        (result.dropped if enrolment.status is EnrolmentStatus.DROPPED else result.active).append(entry)
    return result


# --- taps ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Tap:
    enrolment_id: int
    present: bool
    key: str = ""            # the client's id of the tap, echoed when it is refused


class TapsRefused(DomainError):
    """Some taps of a batch cannot be applied; `refused` maps each one's position to the reason."""

    def __init__(self, refused: dict[int, object]):
        super().__init__(next(iter(refused.values())), "taps")
        self.refused = refused


def apply_taps(session: TrainingSession, taps: list[Tap], *, user_id: int | None = None) -> int:
    """Apply taps in order (the last one for a person wins). All or nothing: when one tap names
    someone not enrolled in this session's course, or marks a dropped-out person present,
    TapsRefused is raised before anything changes. Returns the number of taps applied."""
    if len(taps) > MAX_BATCH:
        raise DomainError(_l("Send at most %(num)d taps at a time.", num=MAX_BATCH), "taps")
    ids = {tap.enrolment_id for tap in taps}
    enrolments = {enrolment.id: enrolment for enrolment in db.session.scalars(
        select(Enrolment).where(Enrolment.id.in_(ids)))} if ids else {}
    refused: dict[int, object] = {}
    for index, tap in enumerate(taps):
        enrolment = enrolments.get(tap.enrolment_id)
        if enrolment is None or enrolment.course_id != session.course_id:
            refused[index] = not_enrolled_message()
        elif tap.present and enrolment.status is EnrolmentStatus.DROPPED:
            refused[index] = _l("This person dropped out of the course. Change their status before marking "
                                "them present.")
    if refused:
        raise TapsRefused(refused)
    for tap in taps:
        services.record_attendance(session, enrolments[tap.enrolment_id], tap.present, user_id=user_id)
    return len(taps)


# --- walk-ins -------------------------------------------------------------------------------------------

def check_client_key(client_key: str) -> str:
    client_key = (client_key or "").strip()
    if not CLIENT_KEY.match(client_key):
        raise DomainError(_l("This form is out of date: reload the page and enter the person again."), "client_key")
    return client_key


def walk_in_by_key(client_key: str) -> Enrolment | None:
    """The enrolment a walk-in submission with this key already made (current tenant), if any."""
    return db.session.scalar(select(Enrolment).where(Enrolment.client_key == client_key)
                             .options(joinedload(Enrolment.contact)))


def possible_matches(*, name_km: str = "", name_latin: str = "", phone: str = "",
                     may_see_protected: bool = False) -> list[duplicates.DuplicateCandidate]:
    """Contacts that may be the walk-in being typed. Protected people only for those who may see
    them: "same name, same phone" would otherwise tell who they are."""
    found = duplicates.find_duplicates(name_km=name_km or "", name_latin=name_latin or "", phone=phone or "")
    return [candidate for candidate in found if may_see_protected or not candidate.contact.protected]


def _check_walk_in_course(course: Course) -> None:
    if course.kind is CourseKind.HISTORICAL:
        raise DomainError(_l("A historical course has totals only: nobody can be enrolled by name."))


def add_walk_in(session: TrainingSession, *, client_key: str, contact: Contact | None = None,
                fields: dict | None = None, user_id: int | None = None) -> tuple[Enrolment, bool]:
    """Enrol a walk-in in the session's course (source walk-in) and mark them present: `contact`
    when the person is already in the register, else a new contact made from `fields`. A key seen
    before returns the enrolment it made (an offline submission replayed adds nobody twice).
    Returns (enrolment, whether this call created it). Flushes; the caller commits; on a
    DomainError nothing was added."""
    client_key = check_client_key(client_key)
    _check_walk_in_course(session.course)
    seen = walk_in_by_key(client_key)
    if seen is not None:
        if seen.course_id != session.course_id:
            raise DomainError(_l("This walk-in was already added to another course."), "client_key")
        services.record_attendance(session, seen, True, user_id=user_id)
        return seen, False
    if contact is not None:
        if contact.kind is not ContactKind.PERSON or contact.is_erased:
            raise DomainError(_l("Only people can be enrolled in a course."), "contact_id")
        existing = db.session.scalar(select(Enrolment.id).where(Enrolment.course_id == session.course_id,
                                                                 Enrolment.contact_id == contact.id))
        if existing is not None:
            enrolment = services.enrol(session.course, contact)
            services.record_attendance(session, enrolment, True, user_id=user_id)
            return enrolment, False
    else:
        contact = contacts.create_contact(kind=ContactKind.PERSON, tenant_id=session.tenant_id, **(fields or {}))
    enrolment = services.enrol(session.course, contact, source=EnrolmentSource.WALK_IN, client_key=client_key)
    services.record_attendance(session, enrolment, True, user_id=user_id)
    return enrolment, True


def find_person(contact_id: int) -> Contact | None:
    """A person of the current tenant's register who may be enrolled."""
    contact = db.session.scalar(select(Contact).where(Contact.id == contact_id))
    if contact is None or contact.kind is not ContactKind.PERSON or contact.is_erased:
        return None
    return contact


# --- the signed paper sheet ---------------------------------------------------------------------------------

def read_sheet(filename: str | None, data: bytes, limit: int = SHEET_MAX_BYTES) -> tuple[str, str]:
    """(storage extension, content type) of an acceptable sheet; DomainError on the `sheet` field otherwise."""
    if not filename:
        raise DomainError(_l("Choose a file to upload."), "sheet")
    if len(data) > limit:
        raise DomainError(_l("The file is larger than %(mb)s MB.", mb=uploads.megabytes(limit)), "sheet")
    if not data:
        raise DomainError(_l("The file is empty."), "sheet")
    _stem, dot, extension = filename.rpartition(".")
    extension = SHEET_EXTENSIONS.get(extension.lower()) if dot else None
    if extension is None:
        raise DomainError(_l("Upload a PDF, JPEG or PNG file."), "sheet")
    if not data.startswith(SHEET_SIGNATURES[extension]):
        raise DomainError(_l("The file's content does not match its name: upload a PDF, JPEG or PNG file."),
                          "sheet")
    return extension, SHEET_CONTENT_TYPES[extension]


def sheet_display_name(filename: str) -> str:
    name = "".join(ch for ch in (filename or "").replace("\\", "/").rsplit("/", 1)[-1] if ch.isprintable()).strip()
    return name[-255:] or "sheet"


def sheet_path(session: TrainingSession) -> Path | None:
    """The stored file of the session's sheet (None without one, or for a name that is not ours)."""
    if not session.sheet_name or not SHEET_STORAGE_NAME.match(session.sheet_name):
        return None
    return uploads.tenant_folder(session.tenant_id, SHEET_AREA) / session.sheet_name


def save_sheet(session: TrainingSession, filename: str | None, data: bytes) -> None:
    """Attach the scan or photo of the signed sheet (flushes; the caller commits). A replaced
    sheet's file goes once the change is committed; on a DomainError nothing was stored."""
    extension, content_type = read_sheet(filename, data)
    old_path = sheet_path(session)
    session.sheet_name = uploads.store(uploads.tenant_folder(session.tenant_id, SHEET_AREA), data, extension)
    session.sheet_display_name = sheet_display_name(filename or "")
    session.sheet_content_type = content_type
    db.session.flush()
    if old_path is not None:
        uploads.remove_after_commit(old_path)
