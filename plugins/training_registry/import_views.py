"""Pages to import a course's participants, status, scores and attendance from a CSV or Excel file:
upload, preview (rows with errors, possible duplicates to decide on, valid rows), accept or cancel,
and the course's template file. The rules live in imports.py (over the core contacts import)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from core.csv_export import csv_response
from core.errors import DomainError
from core.extensions import db
from core.i18n import current_locale
from core.permissions import can, require
from core.registers import contact_import
from core.registers.contact_import import COLUMN_HELP, MAX_FILE_BYTES
from core.registers.models import Contact
from core.registers.protection import PROTECTED_PERMISSION, shown_name
from plugins.training_registry import imports, services
from plugins.training_registry.import_forms import AcceptParticipantsForm, ParticipantsFileForm
from plugins.training_registry.models import Course, EnrolmentStatus

imports_bp = Blueprint("training_import", __name__, url_prefix="/t/<tenant_slug>/training/import",
                       template_folder="templates")

VALID_ROWS_SHOWN = 100


def _course_or_404(course_id: int) -> Course:
    course = services.get_course(course_id)
    if course is None:
        abort(404)
    return course


def _pending_or_404(course: Course, import_id: int):
    pending = imports.get_pending(course, import_id, current_user.id)
    if pending is None:
        abort(404)
    return pending


@imports_bp.route("/courses/<int:course_id>", methods=["GET", "POST"])
@require("training.edit")
def start(course_id: int):
    course = _course_or_404(course_id)
    form = ParticipantsFileForm()
    if request.method == "POST" and form.validate_on_submit():
        upload = form.file.data
        try:
            pending = imports.preview(course, upload.read(MAX_FILE_BYTES + 1), file_name=upload.filename or "",
                                      user_id=current_user.id)
        except DomainError as error:
            db.session.rollback()
            form.file.errors.append(str(error.message))
        else:
            db.session.commit()
            return redirect(url_for("training_import.preview", course_id=course.id, import_id=pending.id))
    status = 422 if form.errors else 200
    return render_template("training_registry/import/start.html", course=course, form=form,
                           lang=current_locale(), person_columns=imports.PERSON_COLUMNS, column_help=COLUMN_HELP,
                           training_help=imports.TRAINING_COLUMN_HELP,
                           session_headers=[(session, imports.session_header(session, course.sessions))
                                            for session in course.sessions]), status


@imports_bp.get("/courses/<int:course_id>/template.csv")
@require("training.edit")
def template_csv(course_id: int) -> Response:
    """The course's file to fill in: the contact and training columns, then one column per session."""
    course = _course_or_404(course_id)
    sessions = course.sessions
    header = [*imports.PERSON_COLUMNS, *imports.TRAINING_COLUMNS,
              *(imports.session_header(session, sessions) for session in sessions)]
    return csv_response(f"participants-course-{course.id}.csv", header, [])


def _row_name(row: dict, may_see_protected: bool) -> str:
    values = row["values"]
    if values.get("protected") and not may_see_protected:
        return _("Protected person (line %(line)d)", line=row["line"])
    names = [values["name_km"], values["name_latin"]]
    if current_locale() != "km":
        names.reverse()
    return " / ".join(name for name in names if name)


def _status_label(row: dict) -> str:
    status = (row.get("training") or {}).get("status")
    return str(EnrolmentStatus(status).label) if status else ""


def _render_preview(course: Course, pending, form: AcceptParticipantsForm | None = None,
                    decisions: dict[int, str] | None = None, status: int = 200):
    rows = pending.rows or []
    may_see_protected = can(PROTECTED_PERMISSION)
    locale = current_locale()
    candidate_ids = {c["id"] for row in rows if not row["problems"] for c in row.get("duplicates", [])}
    existing = {contact.id: contact for contact in db.session.scalars(
        select(Contact).where(Contact.id.in_(candidate_ids)))} if candidate_ids else {}
    enrolled = imports.enrolled_contact_ids(course, set(existing))
    problem_rows = [(row, _row_name(row, may_see_protected), imports.row_messages(row)) for row in rows
                    if row["problems"]]
    duplicate_rows = []
    for row in rows:
        if row["problems"] or not contact_import.is_duplicate(row):
            continue
        chosen = (decisions or {}).get(row["line"]) or imports.default_decision(row, enrolled)
        matches = [(existing[c["id"]], shown_name(existing[c["id"]], locale, reveal=False), c,
                    f"{imports.EXISTING_PREFIX}{c['id']}", c["id"] in enrolled)
                   for c in row["duplicates"] if c["id"] in existing]
        duplicate_rows.append((row, _row_name(row, may_see_protected), matches, chosen))
    valid_rows = [(row, _row_name(row, may_see_protected)) for row in rows
                  if not row["problems"] and not contact_import.is_duplicate(row)]
    return render_template("training_registry/import/preview.html", course=course, pending=pending,
                           lang=locale, counts=contact_import.counts(pending), form=form or AcceptParticipantsForm(),
                           problem_rows=problem_rows, duplicate_rows=duplicate_rows,
                           valid_rows=valid_rows[:VALID_ROWS_SHOWN],
                           more_valid=max(0, len(valid_rows) - VALID_ROWS_SHOWN), status_label=_status_label,
                           reasons_text=contact_import.reasons_text, NEW=imports.NEW, SKIP=imports.SKIP,
                           sessions_in_file=len(course.sessions)), status


@imports_bp.get("/courses/<int:course_id>/<int:import_id>")
@require("training.edit")
def preview(course_id: int, import_id: int):
    course = _course_or_404(course_id)
    return _render_preview(course, _pending_or_404(course, import_id))


def _decisions() -> dict[int, str]:
    """The posted decision for each possible duplicate: decision-<line> = new, skip or contact-<id>."""
    decisions = {}
    for name, value in request.form.items():
        line = name.removeprefix("decision-")
        if name.startswith("decision-") and line.isdigit():
            decisions[int(line)] = value.strip()[:40]
    return decisions


@imports_bp.post("/courses/<int:course_id>/<int:import_id>/accept")
@require("training.edit")
def accept(course_id: int, import_id: int):
    course = _course_or_404(course_id)
    pending = _pending_or_404(course, import_id)
    form = AcceptParticipantsForm()
    decisions = _decisions()
    if not form.validate_on_submit():
        return _render_preview(course, pending, form, decisions, 422)
    try:
        result = imports.accept(course, pending, mode=form.mode.data, decisions=decisions, user_id=current_user.id)
    except contact_import.RowRefused as refused:
        db.session.rollback()
        course = _course_or_404(course_id)
        pending = _pending_or_404(course, import_id)
        contact_import.note_refused_row(pending, refused)
        db.session.commit()
        form.form_errors.append(_("Nothing was imported: line %(line)d was refused. The row is now marked with "
                                  "the reason.", line=refused.line))
        return _render_preview(course, pending, form, decisions, 422)
    except DomainError as error:
        db.session.rollback()
        form.form_errors.append(str(error.message))
        course = _course_or_404(course_id)
        return _render_preview(course, _pending_or_404(course, import_id), form, decisions, 422)
    db.session.commit()
    flash(_("Import done: %(rows)d participants imported with their status, scores and attendance "
            "(%(added)d new contacts, %(existing)d existing contacts); %(errors)d rows with errors and "
            "%(skipped)d skipped rows left out.", rows=result.rows_imported, added=result.contacts_added,
            existing=result.enrolled_existing, errors=result.skipped_with_errors,
            skipped=result.skipped_duplicates), "success")
    return redirect(url_for("training_courses.detail", course_id=course.id))


@imports_bp.post("/courses/<int:course_id>/<int:import_id>/cancel")
@require("training.edit")
def cancel(course_id: int, import_id: int) -> Response:
    course = _course_or_404(course_id)
    contact_import.cancel_import(_pending_or_404(course, import_id))
    db.session.commit()
    flash(_("Import cancelled: nothing was imported and the uploaded rows were deleted."), "success")
    return redirect(url_for("training_import.start", course_id=course.id))
