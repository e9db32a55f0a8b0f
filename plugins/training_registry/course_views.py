"""Course pages of the training registry: the course list with its filters, a course with its
sessions, trainers and participants, and the forms that change them. Thin: a form in, one call to
plugins.training_registry.courses, one commit. Participants' names go through
core.registers.protection (a list never shows a protected name)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from core.errors import DomainError, form_status, show_on_form
from core.extensions import db
from core.i18n import current_locale
from core.pagination import paginate
from core.permissions import MANAGERS, can, require
from core.registers.models import Place, PlaceKind, name_in_language
from core.registers.projects import project_choices
from core.registers.protection import shown_name
from plugins.training_registry import courses as service
from plugins.training_registry import services
from plugins.training_registry.course_forms import (CourseFilterForm, CourseForm, CourseTrainerForm, EnrolForm,
                                                    EnrolmentStatusForm, SessionForm)
from plugins.training_registry.models import Course, Curriculum, Enrolment, EnrolmentStatus

courses_bp = Blueprint("training_courses", __name__, url_prefix="/t/<tenant_slug>/training/courses",
                       template_folder="templates")

PAGE_SIZE = 25


# --- helpers ------------------------------------------------------------------------------------------

def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def may_delete() -> bool:
    """Deleting a course is for the organisation's managers (owners and administrators)."""
    membership = g.get("membership")
    return can("training.edit") and membership is not None and membership.role in MANAGERS


def _course_or_404(course_id: int) -> Course:
    course = service.load_course(course_id)
    if course is None:
        abort(404)
    return course


def _named_or_404(course_id: int) -> Course:
    course = _course_or_404(course_id)
    if course.is_historical:
        abort(404)
    return course


def _detail_url(course: Course, anchor: str = "") -> str:
    return url_for("training_courses.detail", course_id=course.id) + (f"#{anchor}" if anchor else "")


# --- choices (columns only, one query each) -----------------------------------------------------------

def _project_choices(blank, keep_id=None, include_closed=False) -> list[SelectChoice]:
    return [SelectChoice("", blank)] + [SelectChoice(str(pid), label) for pid, label in project_choices(
        g.tenant, current_locale(), include_closed=include_closed, keep_id=keep_id)]


def _version_choices() -> list[SelectChoice]:
    """The tenant's curriculum versions, grouped by curriculum."""
    lang = current_locale()
    choices = [SelectChoice("", _("No curriculum"))]
    for curriculum, versions in service.curriculum_versions():
        group = curriculum.title_in(lang) or f"#{curriculum.id}"
        choices += [SelectChoice(str(version.id), f"{version.label} · {version.status.label}", optgroup=group)
                    for version in versions]
    return choices


def _curriculum_choices() -> list[SelectChoice]:
    lang = current_locale()
    rows = db.session.execute(select(Curriculum.id, Curriculum.title_en, Curriculum.title_km).order_by(
        Curriculum.title_en, Curriculum.id)).all()
    return [SelectChoice("", _("Any curriculum"))] + [
        SelectChoice(str(row.id), name_in_language(row.title_en, row.title_km, lang)) for row in rows]


def _province_choices() -> list[SelectChoice]:
    """The provinces and the capital: a short list (25), unlike districts or communes."""
    lang = current_locale()
    rows = db.session.execute(select(Place.id, Place.name_en, Place.name_km).where(
        Place.kind == PlaceKind.PROVINCE).order_by(Place.name_en)).all()
    return [SelectChoice("", _("Any province"))] + [
        SelectChoice(str(row.id), name_in_language(row.name_en, row.name_km, lang)) for row in rows]


def _trainer_choices() -> list[SelectChoice]:
    lang = current_locale()
    return [SelectChoice("", _("Choose a trainer…"))] + [
        SelectChoice(str(trainer.id), " · ".join(part for part in (
            shown_name(trainer.contact, lang, reveal=False), trainer.topics) if part))
        for trainer in service.active_trainers()]


# --- the list -----------------------------------------------------------------------------------------

def _filters() -> tuple[CourseFilterForm, dict]:
    form = CourseFilterForm(request.args)
    form.project.choices = _project_choices(_("Any project"), include_closed=True)
    form.curriculum.choices = _curriculum_choices()
    form.province.choices = _province_choices()
    filters = {"q": "", "date_from": None, "date_to": None, "project_id": None, "curriculum_id": None,
               "province_id": None, "kind": None}
    if not any(value for key, value in request.args.items() if key != "page"):
        return form, filters
    form.validate()
    if form.errors:
        flash(_("Some filters were not understood and have been ignored."), "error")

    def value(name):
        field = form[name]
        return field.data if field.data and not field.errors else None

    filters.update(q=(value("q") or "").strip(), date_from=value("date_from"), date_to=value("date_to"),
                   project_id=_int(value("project")), curriculum_id=_int(value("curriculum")),
                   province_id=_int(value("province")), kind=value("kind"))
    return form, filters


@courses_bp.get("/")
@require("training.view")
def index():
    form, filters = _filters()
    page = paginate(service.course_list_query(**filters), per_page=PAGE_SIZE)
    counts = services.enrolment_counts([course.id for course in page.items if not course.is_historical])
    query_args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("training_registry/courses/index.html", form=form, page=page, counts=counts,
                           query_args=query_args, active=any(filters.values()), lang=current_locale())


# --- a course -----------------------------------------------------------------------------------------

def _course_form(course: Course | None = None) -> CourseForm:
    form = CourseForm(obj=course) if course is not None else CourseForm()
    form.curriculum_version_id.choices = _version_choices()
    form.project_id.choices = _project_choices(_("No project"), keep_id=course.project_id if course else None)
    if request.method == "GET" and course is not None:
        form.curriculum_version_id.data = str(course.curriculum_version_id or "")
        form.project_id.data = str(course.project_id or "")
        form.test_max_score.data = "" if course.test_max_score is None else f"{course.test_max_score.normalize():f}"
    return form


def _course_fields(form: CourseForm) -> dict:
    return {"title_en": form.title_en.data, "title_km": form.title_km.data,
            "curriculum_version_id": form.curriculum_version_id.data, "objectives": form.objectives.data,
            "organiser_id": form.organiser_id.data, "project_id": form.project_id.data,
            "target_group": form.target_group.data, "place_id": form.place_id.data,
            "starts_on": form.starts_on.data, "ends_on": form.ends_on.data,
            "completion_percent": form.completion_percent.data, "test_max_score": form.test_max_score.data,
            "signatory_name": form.signatory_name.data, "signatory_title": form.signatory_title.data}


@courses_bp.route("/new", methods=["GET", "POST"])
@require("training.edit")
def new():
    form = _course_form()
    if form.validate_on_submit():
        try:
            course = service.create_course(g.tenant.id, **_course_fields(form))
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Course saved."), "success")
            return redirect(_detail_url(course))
    return render_template("training_registry/courses/form.html", form=form, course=None), form_status(form)


@courses_bp.route("/<int:course_id>/edit", methods=["GET", "POST"])
@require("training.edit")
def edit(course_id: int):
    course = _course_or_404(course_id)
    if course.is_historical:
        return redirect(url_for("training_historical.edit", course_id=course.id))
    form = _course_form(course)
    if form.validate_on_submit():
        try:
            service.update_course(course, **_course_fields(form))
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Course saved."), "success")
            return redirect(_detail_url(course))
    return render_template("training_registry/courses/form.html", form=form, course=course), form_status(form)


def _render_detail(course: Course, *, enrol_form=None, trainer_form=None, status: int = 200):
    lang = current_locale()
    editing = can("training.edit") and not course.is_historical
    people = service.participants(course) if not course.is_historical else []
    if editing:
        enrol_form = enrol_form or EnrolForm(formdata=None)
        trainer_form = trainer_form or CourseTrainerForm(formdata=None)
        trainer_form.trainer_id.choices = _trainer_choices()
    return render_template(
        "training_registry/courses/detail.html", course=course, lang=lang, people=people,
        names={row.enrolment.id: shown_name(row.contact, lang, reveal=False) for row in people},
        trainers=[(row, shown_name(row.trainer.contact, lang, reveal=False)) for row in course.trainers],
        warnings=service.session_warnings(course, lang), capacity=service.capacity_warning(course, people),
        organiser=shown_name(course.organiser, lang, reveal=False), editing=editing,
        enrol_form=enrol_form if editing else None,
        trainer_form=trainer_form if editing else None, may_delete=may_delete(),
        dropped=EnrolmentStatus.DROPPED,
        past_sessions={session.id for session in course.sessions if session.starts_on < date.today()}), status


@courses_bp.get("/<int:course_id>")
@require("training.view")
def detail(course_id: int):
    return _render_detail(_course_or_404(course_id))


@courses_bp.post("/<int:course_id>/delete")
@require("training.edit")
def delete(course_id: int):
    if not may_delete():
        abort(403)
    course = _course_or_404(course_id)
    try:
        service.delete_course(course)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(_detail_url(course))
    db.session.commit()
    flash(_("Course deleted."), "success")
    return redirect(url_for("training_courses.index"))


@courses_bp.post("/<int:course_id>/close")
@require("training.edit")
def close(course_id: int):
    course = _named_or_404(course_id)
    changed = service.close_course(course)
    db.session.commit()
    flash(ngettext("%(num)s participant met the completion rule and is now marked completed.",
                   "%(num)s participants met the completion rule and are now marked completed.", changed),
          "success")
    return redirect(_detail_url(course, "participants"))


# --- trainers on the course ---------------------------------------------------------------------------

@courses_bp.post("/<int:course_id>/trainers")
@require("training.edit")
def add_trainer(course_id: int):
    course = _named_or_404(course_id)
    form = CourseTrainerForm()
    form.trainer_id.choices = _trainer_choices()
    if form.validate_on_submit():
        try:
            service.add_trainer(course, form.trainer_id.data, form.role.data)
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Trainer saved."), "success")
            return redirect(_detail_url(course, "trainers"))
    return _render_detail(course, trainer_form=form, status=422)


@courses_bp.post("/<int:course_id>/trainers/<int:row_id>/remove")
@require("training.edit")
def remove_trainer(course_id: int, row_id: int):
    course = _named_or_404(course_id)
    try:
        service.remove_trainer(course, row_id)
    except DomainError:
        abort(404)
    db.session.commit()
    flash(_("Trainer removed from the course."), "success")
    return redirect(_detail_url(course, "trainers"))


# --- sessions -----------------------------------------------------------------------------------------

def _session_fields(form: SessionForm) -> dict:
    return {"title": form.title.data, "starts_on": form.starts_on.data, "start_time": form.start_time.data,
            "end_time": form.end_time.data, "place_id": form.place_id.data, "venue": form.venue.data,
            "mode": form.mode.data, "capacity": form.capacity.data, "is_mandatory": form.is_mandatory.data}


def _flash_day_warning(session) -> None:
    from core.registers.calendar import tenant_calendar
    warning = service.session_day_warning(session.starts_on, current_locale(), tenant_calendar(session.tenant_id))
    if warning:
        flash(_("Saved, but note: %(warning)s", warning=warning), "warning")


@courses_bp.route("/<int:course_id>/sessions/new", methods=["GET", "POST"])
@require("training.edit")
def new_session(course_id: int):
    course = _named_or_404(course_id)
    form = SessionForm()
    if request.method == "GET":
        form.place_id.data = course.place_id
        form.starts_on.data = course.starts_on
    if form.validate_on_submit():
        try:
            session = service.add_session(course, **_session_fields(form))
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Session saved."), "success")
            _flash_day_warning(session)
            return redirect(_detail_url(course, "sessions"))
    return render_template("training_registry/courses/session_form.html", form=form, course=course,
                           session=None), form_status(form)


@courses_bp.route("/<int:course_id>/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@require("training.edit")
def edit_session(course_id: int, session_id: int):
    course = _named_or_404(course_id)
    session = service.get_session(course, session_id)
    if session is None:
        abort(404)
    form = SessionForm(obj=session)
    if request.method == "GET":
        form.mode.data = session.mode.value
    if form.validate_on_submit():
        try:
            service.update_session(session, **_session_fields(form))
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Session saved."), "success")
            _flash_day_warning(session)
            return redirect(_detail_url(course, "sessions"))
    return render_template("training_registry/courses/session_form.html", form=form, course=course,
                           session=session), form_status(form)


@courses_bp.post("/<int:course_id>/sessions/<int:session_id>/delete")
@require("training.edit")
def delete_session(course_id: int, session_id: int):
    course = _named_or_404(course_id)
    session = service.get_session(course, session_id)
    if session is None:
        abort(404)
    try:
        service.delete_session(session)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("Session deleted."), "success")
    return redirect(_detail_url(course, "sessions"))


# --- enrolments ---------------------------------------------------------------------------------------

@courses_bp.post("/<int:course_id>/enrolments")
@require("training.edit")
def enrol(course_id: int):
    course = _named_or_404(course_id)
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            enrolment, is_new = service.enrol_contact(course, form.contact_id.data, form.status.data)
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            name = shown_name(enrolment.contact, current_locale(), reveal=False)
            if is_new:
                flash(_("%(name)s is enrolled.", name=name), "success")
            else:
                flash(_("%(name)s was already enrolled in this course.", name=name), "warning")
            return redirect(_detail_url(course, "participants"))
    return _render_detail(course, enrol_form=form, status=422)


def _enrolment_or_404(course: Course, enrolment_id: int) -> Enrolment:
    enrolment = service.load_enrolment(course, enrolment_id)
    if enrolment is None:
        abort(404)
    return enrolment


def _render_enrolment(course: Course, enrolment: Enrolment, form: EnrolmentStatusForm, status: int = 200):
    standing = services.completions(course).get(enrolment.id)
    return render_template("training_registry/courses/enrolment.html", course=course, enrolment=enrolment,
                           form=form, name=shown_name(enrolment.contact, current_locale()), standing=standing,
                           lang=current_locale()), status


@courses_bp.get("/<int:course_id>/enrolments/<int:enrolment_id>")
@require("training.edit")
def enrolment(course_id: int, enrolment_id: int):
    course = _named_or_404(course_id)
    record = _enrolment_or_404(course, enrolment_id)
    form = EnrolmentStatusForm(formdata=None)
    form.status.data = record.status.value
    return _render_enrolment(course, record, form)


@courses_bp.post("/<int:course_id>/enrolments/<int:enrolment_id>/status")
@require("training.edit")
def set_status(course_id: int, enrolment_id: int):
    course = _named_or_404(course_id)
    record = _enrolment_or_404(course, enrolment_id)
    form = EnrolmentStatusForm()
    if form.validate_on_submit():
        try:
            service.set_status(record, form.status.data)
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Status saved."), "success")
            return redirect(_detail_url(course, "participants"))
    return _render_enrolment(course, record, form, 422)


@courses_bp.post("/<int:course_id>/enrolments/<int:enrolment_id>/remove")
@require("training.edit")
def remove_enrolment(course_id: int, enrolment_id: int):
    course = _named_or_404(course_id)
    record = _enrolment_or_404(course, enrolment_id)
    try:
        service.remove_enrolment(record)
    except DomainError as error:
        db.session.rollback()
        form = EnrolmentStatusForm(formdata=None)
        form.status.data = record.status.value
        show_on_form(form, error)
        return _render_enrolment(course, record, form, 422)
    db.session.commit()
    flash(_("The person was removed from the course."), "success")
    return redirect(_detail_url(course, "participants"))


# --- where a contact appears (samaki_contact_links) ----------------------------------------------------

def contact_links(contact) -> list:
    """A contact's enrolments ("Participant") and trainer roles on courses ("Trainer"), one query
    each. A merge keeps one enrolment per course (unique_with); the free text listed for erasure is
    what may name the person: a trainer's topics and notes."""
    from core.plugins import ContactLink
    from plugins.training_registry.models import CourseTrainer, Trainer
    links = []
    lang = current_locale()
    enrolments = db.session.execute(select(Enrolment, Course).join(Course, Course.id == Enrolment.course_id).where(
        Enrolment.contact_id == contact.id).order_by(Course.starts_on, Course.id)).all()
    for row, course in enrolments:
        links.append(ContactLink(record=row, attribute="contact_id", role=_l("Participant"),
                                 title=f"{course.starts_on.isoformat()} · {course.title_in(lang)} · {row.status.label}",
                                 url=_url("training_courses.detail", course_id=course.id),
                                 unique_with=("course_id",)))
    trainers = db.session.scalars(select(Trainer).where(Trainer.contact_id == contact.id)).all()
    if trainers:
        roles = db.session.execute(select(CourseTrainer, Course).join(Course, Course.id == CourseTrainer.course_id)
                                   .where(CourseTrainer.trainer_id.in_([t.id for t in trainers]))
                                   .order_by(Course.starts_on, Course.id)).all()
        review = tuple(text for trainer in trainers for text in (
            _("Trainer topics: %(text)s", text=trainer.topics) if trainer.topics else "",
            _("Trainer notes: %(text)s", text=trainer.notes) if trainer.notes else "") if text)
        for trainer in trainers:
            courses = [(row, course) for row, course in roles if row.trainer_id == trainer.id]
            title = "; ".join(f"{course.title_in(lang)}{' (' + row.role + ')' if row.role else ''}"
                              for row, course in courses) or _("No course yet")
            links.append(ContactLink(record=trainer, attribute="contact_id", role=_l("Trainer"), title=title,
                                     url=_url("training_trainers.index"), review_on_erasure=review,
                                     unique_with=("tenant_id",)))
    return links


def _url(endpoint: str, **values) -> str:
    """A link when a request is being served (the contact page), none from the CLI."""
    from flask import has_request_context
    from werkzeug.routing import BuildError
    if not has_request_context():
        return ""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return ""
