"""The attendance screen of a session, made for a phone: one large tap target per enrolled person
(a small form without JavaScript; with static/attendance.js taps toggle at once, wait in the phone's
storage and are sent in batches to `sync`), walk-ins with an immediate duplicate check, and the scan
or photo of the signed paper sheet. `training_static_bp` serves the screen's script and styles."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from core.errors import DomainError, show_on_form
from core.extensions import db
from core.i18n import current_locale
from core.permissions import can, require
from core.registers.protection import PROTECTED_PERMISSION, shown_name
from core.uploads import is_stored, send_download
from core.web import problem
from plugins.training_registry import attendance
from plugins.training_registry.attendance_forms import SheetForm, TapForm, WalkInForm
from plugins.training_registry.models import TrainingSession

attendance_bp = Blueprint("training_attendance", __name__, url_prefix="/t/<tenant_slug>/training/sessions",
                          template_folder="templates")
# The screen's script and styles, outside any tenant (the strict CSP allows only files from 'self').
training_static_bp = Blueprint("training_static", __name__, url_prefix="/training-static", static_folder="static",
                               static_url_path="")

TEMPLATE = "training_registry/attendance/take.html"
MAX_WALK_INS = 50          # walk-ins in one batch
# A create_contact refusal names the column, the form names the field; a refusal of the (hidden)
# client key is shown above the form.
FORM_FIELD = {"place_id": "commune", "client_key": None}


def _user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def load_session(session_id: int) -> TrainingSession:
    session = attendance.get_session(session_id)
    if session is None or session.course.is_historical:
        abort(404)
    return session


def _shown(contact) -> str:
    return shown_name(contact, current_locale(), reveal=False)


def _render(session: TrainingSession, *, status: int = 200, walk_in_form: WalkInForm | None = None,
            candidates=None, sheet_form: SheetForm | None = None, tap_error: str | None = None):
    may_edit = can("training.edit")
    if walk_in_form is None and may_edit:
        walk_in_form = WalkInForm(formdata=None)
    if sheet_form is None and may_edit:
        sheet_form = SheetForm(formdata=None)
    return render_template(TEMPLATE, session=session, course=session.course, roster=attendance.roster(session),
                           may_edit=may_edit, walk_in_form=walk_in_form, candidates=candidates or [],
                           sheet_form=sheet_form, tap_error=tap_error, shown=_shown,
                           locale=current_locale()), status


# --- the screen -------------------------------------------------------------------------------------------

@attendance_bp.get("/<int:session_id>/attendance")
@require("training.view")
def take(session_id: int):
    return _render(load_session(session_id))


@attendance_bp.post("/<int:session_id>/attendance")
@require("training.edit")
def mark(session_id: int):
    """One tap without JavaScript: record it and come back to the same person on the screen."""
    session = load_session(session_id)
    form = TapForm()
    if not form.validate():
        return _render(session, status=422, tap_error=_("This tap was not understood. Tap the person again."))
    tap = attendance.Tap(form.enrolment_id.data, form.present.data == "1")
    try:
        attendance.apply_taps(session, [tap], user_id=_user_id())
    except DomainError as error:
        db.session.rollback()
        return _render(load_session(session_id), status=422, tap_error=str(error.message))
    db.session.commit()
    return redirect(url_for("training_attendance.take", session_id=session.id, _anchor=f"p{tap.enrolment_id}"))


# --- walk-ins ---------------------------------------------------------------------------------------------

class WalkInOutcome:
    """What became of one walk-in: saved (with its enrolment), possible matches to choose from, or
    errors on the form."""

    def __init__(self, form: WalkInForm, *, enrolment=None, created: bool = False, candidates=None):
        self.form, self.enrolment, self.created, self.candidates = form, enrolment, created, candidates or []

    @property
    def saved(self) -> bool:
        return self.enrolment is not None

    def as_json(self) -> dict:
        if self.saved:
            return {"status": "saved", "enrolment_id": self.enrolment.id, "name": _shown(self.enrolment.contact),
                    "present": True}
        if self.candidates:
            return {"status": "choose", "candidates": [_candidate_json(c) for c in self.candidates]}
        errors = {name: [str(message) for message in messages] for name, messages in self.form.errors.items()}
        if self.form.form_errors:
            errors["form"] = [str(message) for message in self.form.form_errors]
        return {"status": "invalid", "errors": errors}


def _candidate_json(candidate) -> dict:
    contact = candidate.contact
    details = [] if contact.protected else [str(value.label) for value in (contact.sex, contact.age_group)
                                            if value.value != "not_recorded"]
    return {"id": contact.id, "name": _shown(contact), "reasons": [str(reason) for reason in candidate.reasons],
            "details": details}


def process_walk_in(session: TrainingSession, form: WalkInForm) -> WalkInOutcome:
    """Check and add one walk-in (no commit). Possible matches are offered unless the person was
    chosen among them or confirmed as new; a client key seen before adds nobody again."""
    if not form.validate():
        return WalkInOutcome(form)
    contact = None
    if attendance.walk_in_by_key(form.client_key.data) is None:
        if form.contact_id.data:
            contact = attendance.find_person(form.contact_id.data)
            if contact is None or (contact.protected and not can(PROTECTED_PERMISSION)):
                form.form_errors.append(_("Choose one of the people offered, or add a new person."))
                return WalkInOutcome(form)
        elif form.confirm_new.data != "1":
            candidates = attendance.possible_matches(
                name_km=form.name_km.data, name_latin=form.name_latin.data, phone=form.phone.data,
                may_see_protected=can(PROTECTED_PERMISSION))
            if candidates:
                return WalkInOutcome(form, candidates=candidates)
    try:
        enrolment, created = attendance.add_walk_in(
            session, client_key=form.client_key.data, contact=contact,
            fields=form.contact_fields() if contact is None else None, user_id=_user_id())
    except DomainError as error:
        show_on_form(form, DomainError(error.message, FORM_FIELD.get(error.field, error.field)))
        return WalkInOutcome(form)
    return WalkInOutcome(form, enrolment=enrolment, created=created)


@attendance_bp.post("/<int:session_id>/attendance/walk-ins")
@require("training.edit")
def walk_in(session_id: int):
    session = load_session(session_id)
    form = WalkInForm()
    try:
        outcome = process_walk_in(session, form)
    except IntegrityError:
        # The same walk-in sent twice at once: the other request added it; show the screen.
        db.session.rollback()
        return redirect(url_for("training_attendance.take", session_id=session_id))
    if outcome.saved:
        name = _shown(outcome.enrolment.contact)
        db.session.commit()
        flash(_("%(name)s was added and marked present.", name=name), "success")
        return redirect(url_for("training_attendance.take", session_id=session.id,
                                _anchor=f"p{outcome.enrolment.id}"))
    db.session.rollback()
    session = load_session(session_id)
    if outcome.candidates:
        return _render(session, walk_in_form=form, candidates=outcome.candidates)
    return _render(session, status=422, walk_in_form=form)


@attendance_bp.get("/<int:session_id>/attendance/walk-ins/matches")
@require("training.edit")
def matches(session_id: int) -> Response:
    """People already in the register who may be the walk-in being typed (for the script)."""
    load_session(session_id)
    args = {name: request.args.get(name, "")[:200] for name in ("name_km", "name_latin", "phone")}
    found = attendance.possible_matches(**args, may_see_protected=can(PROTECTED_PERMISSION))
    return jsonify({"matches": [_candidate_json(candidate) for candidate in found]})


# --- the batch the script sends ------------------------------------------------------------------------------

def _read_taps(items) -> list[attendance.Tap] | None:
    if not isinstance(items, list) or len(items) > attendance.MAX_BATCH:
        return None
    taps = []
    for item in items:
        if not isinstance(item, dict):
            return None
        enrolment_id, present = item.get("enrolment_id"), item.get("present")
        if isinstance(enrolment_id, bool) or not isinstance(enrolment_id, int) or not 0 < enrolment_id < 2**31 \
                or not isinstance(present, bool):
            return None
        taps.append(attendance.Tap(enrolment_id, present, str(item.get("key", ""))[:64]))
    return taps


def _walk_in_form(item) -> WalkInForm | None:
    if not isinstance(item, dict):
        return None
    values = MultiDict({str(name): ("" if value is None else str(value))[:300] for name, value in item.items()
                        if value is None or (isinstance(value, (str, int)) and not isinstance(value, bool))})
    return WalkInForm(formdata=values, meta={"csrf": False})


def _state(session: TrainingSession) -> dict:
    roster = attendance.roster(session)
    return {"present": roster.present, "enrolled": roster.enrolled,
            "marks": {str(enrolment_id): present for enrolment_id, present in roster.marks().items()}}


@attendance_bp.post("/<int:session_id>/attendance/sync")
@require("training.edit")
def sync(session_id: int) -> Response:
    """A batch of taps and walk-ins from the phone's queue. The taps are applied all or nothing
    (422 names the refused ones); each walk-in is saved, or answered with possible matches or
    errors. Sending the same batch again changes nothing. Answers the session's current state."""
    session = attendance.get_session(session_id)
    if session is None or session.course.is_historical:
        return problem(404, _("Not found"), _("This session does not exist, or you do not have access to it."))
    batch = request.get_json(silent=True)
    taps = _read_taps(batch.get("taps", [])) if isinstance(batch, dict) else None
    walk_ins = batch.get("walk_ins", []) if isinstance(batch, dict) else None
    if taps is None or not isinstance(walk_ins, list) or len(walk_ins) > MAX_WALK_INS:
        return problem(400, _("Bad request"), _("The taps sent could not be read."))
    forms = [_walk_in_form(item) for item in walk_ins]
    if any(form is None for form in forms):
        return problem(400, _("Bad request"), _("The taps sent could not be read."))
    try:
        attendance.apply_taps(session, taps, user_id=_user_id())
        outcomes = {form.client_key.data or "": process_walk_in(session, form).as_json() for form in forms}
        db.session.commit()
    except attendance.TapsRefused as refusal:
        db.session.rollback()
        return problem(422, _("Some taps were refused"), str(refusal.message),
                       errors={f"taps[{index}]": [str(message)] for index, message in refusal.refused.items()},
                       refused=[taps[index].key for index in refusal.refused])
    except DomainError as error:
        db.session.rollback()
        return problem(422, _("Some taps were refused"), str(error.message))
    except IntegrityError:
        db.session.rollback()
        return problem(409, _("Conflict"), _("The same taps were being saved from elsewhere. They will be sent again."))
    return jsonify({**_state(session), "walk_ins": outcomes})


# --- the signed paper sheet ------------------------------------------------------------------------------

@attendance_bp.post("/<int:session_id>/sheet")
@require("training.edit")
def upload_sheet(session_id: int):
    session = load_session(session_id)
    form = SheetForm()
    if form.validate_on_submit():
        upload = form.sheet.data
        data = upload.stream.read(attendance.SHEET_MAX_BYTES + 1) if upload else b""
        try:
            attendance.save_sheet(session, getattr(upload, "filename", None), data)
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The signed sheet was attached."), "success")
            return redirect(url_for("training_attendance.take", session_id=session.id, _anchor="sheet"))
    return _render(load_session(session_id), status=422, sheet_form=form)


@attendance_bp.get("/<int:session_id>/sheet")
@require("training.view")
def sheet(session_id: int):
    session = load_session(session_id)
    path = attendance.sheet_path(session)
    if path is None or not is_stored(path):
        abort(404)
    return send_download(path, content_type=session.sheet_content_type,
                         download_name=session.sheet_display_name or path.name)

