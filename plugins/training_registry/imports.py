"""Importing a course's participants with their status, test scores and attendance from a CSV or
Excel file, through the core contacts import (core.registers.contact_import): the same file checks,
preview, duplicates and limits, plus the training columns (status, pre_score, post_score and one
column per session, headed by the session's date or title). Nothing is written until the user
accepts; accepting writes contacts, enrolments (source IMPORT), scores and attendance in the
caller's one transaction, through the shared rules of services.py, so importing the same file
again changes nothing. No Flask requests here."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.audit import record_event
from core.errors import DomainError
from core.extensions import db
from core.registers import contact_import, matching
from core.registers.contact_import import (COLUMNS, ImportFileError, RowRefused, Table, problem_text,
                                           refusal_problem)
from core.registers.models import Contact, ContactImport, ContactKind
from plugins.training_registry import services
from plugins.training_registry.models import (Course, Enrolment, EnrolmentSource, EnrolmentStatus,
                                              TrainingSession)

TRAINING_COLUMNS = ["status", "pre_score", "post_score"]
# The contact columns a participants file may hold (participants are people).
PERSON_COLUMNS = [name for name in COLUMNS if name not in ("kind", "organisation_type")]

TRAINING_COLUMN_HELP = {
    "status": _l("invited, registered, attended, completed or dropped (Khmer words accepted; empty: registered, "
                 "or unchanged for someone already enrolled)"),
    "pre_score": _l("Score of the test before the course, between 0 and the course's maximum"),
    "post_score": _l("Score of the test after the course, between 0 and the course's maximum"),
}

# Khmer header labels accepted for the training columns.
KHMER_TRAINING_HEADERS = {"ស្ថានភាព": "status", "ពិន្ទុមុន": "pre_score", "ពិន្ទុតេស្តមុន": "pre_score",
                          "ពិន្ទុមុនវគ្គ": "pre_score", "ពិន្ទុក្រោយ": "post_score",
                          "ពិន្ទុតេស្តក្រោយ": "post_score", "ពិន្ទុក្រោយវគ្គ": "post_score"}

STATUS_ALIASES = {
    **{status.value: status for status in EnrolmentStatus},
    "អញ្ជើញ": EnrolmentStatus.INVITED, "បានអញ្ជើញ": EnrolmentStatus.INVITED,
    "ចុះឈ្មោះ": EnrolmentStatus.REGISTERED, "បានចុះឈ្មោះ": EnrolmentStatus.REGISTERED,
    "ចូលរួម": EnrolmentStatus.ATTENDED, "បានចូលរួម": EnrolmentStatus.ATTENDED,
    "បញ្ចប់": EnrolmentStatus.COMPLETED, "បានបញ្ចប់": EnrolmentStatus.COMPLETED,
    "បោះបង់": EnrolmentStatus.DROPPED, "បានបោះបង់": EnrolmentStatus.DROPPED, "ឈប់": EnrolmentStatus.DROPPED,
}

PRESENT = contact_import.YES | {"✓", "✔", "☑", "present", "វត្តមាន"}
ABSENT = contact_import.NO | {"✗", "✘", "absent", "អវត្តមាន"}
ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ]00:00(?::00)?)?$")

# Decisions for a row that may be someone already in the contacts register.
SKIP, NEW = "skip", "new"
EXISTING_PREFIX = "contact-"

# Problems worded here (the core words its own codes).
NOT_A_SESSION, UNKNOWN_COLUMN, NOT_A_NUMBER = "training_not_a_session", "training_unknown_column", "training_number"

# The same rule and message as services.record_attendance, checked before anything is written.
DROPPED_PRESENT = _l("This person dropped out of the course. Change their status before marking them present.")
ONLY_PEOPLE = _l("Only people can be enrolled in a course.")
SESSION_GONE = _l("A session of this file was deleted after the preview. Upload the file again.")


def extension_for(course: Course) -> str:
    """The name kept on a pending import's rows: the import belongs to this course's import pages."""
    return f"training_registry.course.{course.id}"


# --- reading the training columns --------------------------------------------------------------------

@dataclass
class SessionColumns:
    """What the header's columns other than the contact columns are: training columns by index,
    sessions by index, and columns naming no session (reported on the rows that fill them)."""
    training: dict[int, str]
    sessions: dict[int, TrainingSession]
    not_sessions: dict[int, str]       # index -> header, a date on which the course has no session
    unknown: dict[int, str]            # index -> header, neither a column we know nor a session title
    labels: list[str]                  # the header as written


def session_header(session: TrainingSession, sessions: list[TrainingSession]) -> str:
    """How the template names a session's column: its date, or its title when several share the date."""
    same_day = [other for other in sessions if other.starts_on == session.starts_on]
    if len(same_day) > 1 and session.title:
        return session.title
    return session.starts_on.isoformat()


def _title_key(text: str) -> str:
    return re.sub(r"\s+", " ", matching.clean_text(text)).casefold()


def read_columns(table: Table, sessions: list[TrainingSession]) -> SessionColumns:
    """Sort the header's other columns into training and session columns. A header naming two
    sessions, or a session or training column twice, makes the file unreadable (ImportFileError)."""
    khmer = {matching.khmer_key(label): name for label, name in KHMER_TRAINING_HEADERS.items()}
    columns = SessionColumns({}, {}, {}, {}, [matching.clean_text(label or "") for label in table.labels])
    for index, label in enumerate(table.labels):
        if index < len(table.columns) and table.columns[index] is not None:
            continue
        label = matching.clean_text(label or "")
        if not label:
            continue
        key = re.sub(r"[\s\-]+", "_", label.casefold()).strip("_")
        name = key if key in TRAINING_COLUMNS else khmer.get(matching.khmer_key(label))
        if name is not None:
            if name in columns.training.values():
                raise ImportFileError(_("The column %(column)s appears twice in the header.", column=name))
            columns.training[index] = name
            continue
        day = ISO_DATE.match(label)
        if day:
            try:
                on = date.fromisoformat(day.group(1))
            except ValueError:
                on = None
            matches = [session for session in sessions if session.starts_on == on] if on else []
            if not matches:
                columns.not_sessions[index] = label
                continue
        else:
            matches = [session for session in sessions
                       if session.title and _title_key(session.title) == _title_key(label)]
            if not matches:
                columns.unknown[index] = label
                continue
        if len(matches) > 1:
            raise ImportFileError(_("The column \"%(column)s\" matches several sessions of the course. Head each "
                                    "session's column with the session's title instead.", column=label))
        if matches[0] in columns.sessions.values():
            raise ImportFileError(_("Two columns of the header are the session of %(date)s.",
                                    date=matches[0].starts_on.isoformat()))
        columns.sessions[index] = matches[0]
    return columns


def _score(text: str) -> Decimal | None | str:
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        return "invalid"
    return value if value.is_finite() else "invalid"


def check_training_row(course: Course, columns: SessionColumns, cells: list[str], kind: str) -> tuple[dict, list]:
    """One row's training values (JSON-ready) and problems: status, scores against the course's
    maximum (services.check_score), attendance cells, cells filled under a column that is no session."""
    def cell(index: int) -> str:
        return cells[index] if index < len(cells) else ""

    problems: list[dict] = []
    values: dict = {"course_id": course.id, "status": None, "pre_score": None, "post_score": None, "attendance": []}
    if kind != ContactKind.PERSON.value:
        problems.append(refusal_problem(ONLY_PEOPLE, "kind"))
    by_name = {name: cell(index) for index, name in columns.training.items()}
    status_text = by_name.get("status", "")
    if status_text:
        status = STATUS_ALIASES.get(status_text.casefold().replace(" ", "_")) or {
            matching.khmer_key(alias): member for alias, member in STATUS_ALIASES.items()}.get(
            matching.khmer_key(status_text))
        if status is None:
            problems.append({"code": "choice", "params": {
                "column": "status", "value": status_text,
                "choices": ", ".join(member.value for member in EnrolmentStatus)}})
        else:
            values["status"] = status.value
    for name in ("pre_score", "post_score"):
        text = by_name.get(name, "")
        score = _score(text)
        if score == "invalid":
            problems.append({"code": NOT_A_NUMBER, "params": {"column": name, "value": text}})
            continue
        try:
            services.check_score(course, score, name)
        except DomainError as error:
            problems.append(refusal_problem(error.message, error.field))
            continue
        values[name] = None if score is None else f"{score:f}"
    for index, session in columns.sessions.items():
        text = cell(index)
        if not text:
            continue
        key = text.casefold()
        if key in PRESENT:
            values["attendance"].append([session.id, True])
        elif key in ABSENT:
            values["attendance"].append([session.id, False])
        else:
            problems.append({"code": "yes_no", "params": {"column": columns.labels[index], "value": text}})
    if values["status"] == EnrolmentStatus.DROPPED.value and any(present for _id, present in values["attendance"]):
        problems.append(refusal_problem(DROPPED_PRESENT, "status"))
    dates = ", ".join(session.starts_on.isoformat() for session in course.sessions)
    for index, label in columns.not_sessions.items():
        if cell(index):
            problems.append({"code": NOT_A_SESSION, "params": {"column": label, "dates": dates}})
    for index, label in columns.unknown.items():
        if cell(index):
            problems.append({"code": UNKNOWN_COLUMN, "params": {"column": label}})
    return values, problems


def rows_check(course: Course):
    """The check_rows hook of the core preview: the training columns of every row, kept under the
    row's "training" key; their problems added to the row's."""
    sessions = list(course.sessions)

    def check(table: Table, rows: list[dict]) -> None:
        columns = read_columns(table, sessions)
        for (_line, cells), row in zip(table.rows, rows, strict=True):
            values, problems = check_training_row(course, columns, cells, row["values"]["kind"])
            row["training"] = values
            row["problems"] = [*row["problems"], *problems]
    return check


# --- preview ----------------------------------------------------------------------------------------------

def preview(course: Course, data: bytes, *, file_name: str, user_id: int) -> ContactImport:
    """Read and check a participants file for `course` and keep it for review (flushes; the caller
    commits). Raises DomainError for a historical course, ImportFileError for an unreadable file."""
    if course.is_historical:
        raise DomainError(_l("A historical course has totals only: nobody can be enrolled by name."), "file")
    return contact_import.preview_import(data, file_name=file_name, user_id=user_id,
                                         extension=extension_for(course), check_rows=rows_check(course))


def get_pending(course: Course, import_id: int, user_id: int) -> ContactImport | None:
    """The user's own pending import of this course's participants."""
    return contact_import.get_pending_import(import_id, user_id, extension=extension_for(course))


def problem_message(line: int, problem: dict) -> str:
    """One problem of a row in the reader's language (the training ones here, the others by the core)."""
    params = dict(problem.get("params") or {}, line=line)
    if problem["code"] == NOT_A_SESSION:
        return _("Line %(line)d: the column \"%(column)s\" is a date on which this course has no session "
                 "(its sessions: %(dates)s).", **params)
    if problem["code"] == UNKNOWN_COLUMN:
        return _("Line %(line)d: the column \"%(column)s\" is neither a column of the import nor a session of "
                 "this course. Head a session's column with its date (2026-03-31) or its title.", **params)
    if problem["code"] == NOT_A_NUMBER:
        return _("Line %(line)d: %(column)s \"%(value)s\" is not a number.", **params)
    return problem_text(line, problem)


def row_messages(row: dict) -> list[str]:
    return [problem_message(row["line"], problem) for problem in row["problems"]]


def enrolled_contact_ids(course: Course, contact_ids: set[int]) -> set[int]:
    """Which of these contacts are already enrolled in the course (one query)."""
    if not contact_ids:
        return set()
    return set(db.session.scalars(select(Enrolment.contact_id).where(
        Enrolment.course_id == course.id, Enrolment.contact_id.in_(contact_ids))))


def default_decision(row: dict, enrolled: set[int]) -> str:
    """For a possible duplicate: the existing contact already enrolled in the course (so that a file
    imported again lands on the same people), else skip the row until the user decides."""
    for candidate in row.get("duplicates", []):
        if candidate["id"] in enrolled:
            return f"{EXISTING_PREFIX}{candidate['id']}"
    return SKIP


def decision_choices(row: dict) -> list[str]:
    return [f"{EXISTING_PREFIX}{candidate['id']}" for candidate in row.get("duplicates", [])] + [NEW, SKIP]


# --- accept ------------------------------------------------------------------------------------------------

@dataclass
class TrainingImportResult:
    contacts_added: int = 0              # new people (and the organisations they named)
    enrolled_existing: int = 0           # rows enrolled as a contact already in the register
    rows_imported: int = 0               # rows whose enrolment, scores and attendance were written
    skipped_with_errors: int = 0
    skipped_duplicates: int = 0


def accept(course: Course, pending: ContactImport, *, mode: str, decisions: dict[int, str],
           user_id: int | None) -> TrainingImportResult:
    """Write the accepted rows (flushes; the caller commits once: any refusal, RowRefused for a row,
    DomainError otherwise, leaves nothing written). `decisions` maps a possible duplicate's line to
    SKIP, NEW or "contact-<id>" (one of the row's candidates); missing lines take default_decision."""
    rows = [dict(row) for row in pending.rows or []]
    sessions = {session.id: session for session in course.sessions}
    duplicates = [row for row in rows if not row["problems"] and contact_import.is_duplicate(row)]
    enrolled = enrolled_contact_ids(course, {c["id"] for row in duplicates for c in row.get("duplicates", [])})
    chosen: dict[int, str] = {}
    for row in duplicates:
        decision = decisions.get(row["line"]) or default_decision(row, enrolled)
        if decision not in decision_choices(row):
            raise DomainError(_("Choose what to do with line %(line)d: enrol the existing contact, add a new "
                                "person or skip the row.", line=row["line"]), "decisions")
        chosen[row["line"]] = decision
    result = TrainingImportResult()

    def write(row: dict, contact: Contact) -> None:
        _write_training(course, sessions, row, contact, user_id)
        result.rows_imported += 1

    core = contact_import.accept_import(pending, mode=mode,
                                        import_duplicates=[line for line, d in chosen.items() if d == NEW],
                                        on_row=write)
    existing_rows = {line: int(d[len(EXISTING_PREFIX):]) for line, d in chosen.items() if d.startswith(EXISTING_PREFIX)}
    contacts = {contact.id: contact for contact in db.session.scalars(
        select(Contact).where(Contact.id.in_(set(existing_rows.values()))))} if existing_rows else {}
    for row in rows:
        if row["line"] in existing_rows:
            contact = contacts.get(existing_rows[row["line"]])
            if contact is None:
                raise RowRefused(row["line"], _l("The existing contact chosen for this row is no longer in the "
                                                 "register."))
            write(row, contact)
            result.enrolled_existing += 1
    result.contacts_added = core.imported + core.organisations_added
    result.skipped_with_errors = core.skipped_with_errors
    result.skipped_duplicates = sum(1 for d in chosen.values() if d == SKIP)
    record_event("training.import", tenant_id=course.tenant_id, model="Course", record_id=str(course.id),
                 changes=vars(result))
    return result


REFUSAL_COLUMNS = {"pre_score", "post_score", "status", "kind"}


def _write_training(course: Course, sessions: dict[int, TrainingSession], row: dict, contact: Contact,
                    user_id: int | None) -> None:
    """Enrol the row's person (once), set the status and scores the file gives and the attendance it
    marks, through the shared rules; a refusal becomes RowRefused for the row's line. An early status
    in the file (invited, registered) never moves back someone who has since attended or completed,
    so a file imported again, or an older list, changes nothing; empty cells change nothing."""
    values = row.get("training") or {}
    try:
        status = EnrolmentStatus(values["status"]) if values.get("status") else None
        enrolment = services.enrol(course, contact, status=status or EnrolmentStatus.REGISTERED,
                                   source=EnrolmentSource.IMPORT)
        if status is not None and enrolment.status is not status and not (
                status in services.STATUSES_ATTENDANCE_MOVES
                and enrolment.status not in services.STATUSES_ATTENDANCE_MOVES):
            enrolment.status = status
        pre, post = (Decimal(values[name]) if values.get(name) is not None else None
                     for name in ("pre_score", "post_score"))
        if pre is not None or post is not None:
            services.set_scores(enrolment, enrolment.pre_score if pre is None else pre,
                                enrolment.post_score if post is None else post)
        for session_id, present in values.get("attendance", []):
            session = sessions.get(session_id)
            if session is None:
                raise DomainError(SESSION_GONE)
            services.record_attendance(session, enrolment, present, user_id=user_id)
    except RowRefused:
        raise
    except DomainError as error:
        field = error.field if error.field in REFUSAL_COLUMNS else None
        raise RowRefused(row["line"], error.message, field) from None
