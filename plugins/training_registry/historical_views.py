"""Pages to record a historical course (known only as totals) and to change it. The rules live in
historical.py; after saving, the course's page is shown."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from core.errors import DomainError, form_status, show_on_form
from core.extensions import db
from core.i18n import current_locale
from core.permissions import require
from core.registers.models import name_in_language
from core.registers.projects import project_choices
from plugins.training_registry import historical, services
from plugins.training_registry.historical_forms import HistoricalCourseForm
from plugins.training_registry.models import Course, Curriculum, CurriculumVersion

historical_bp = Blueprint("training_historical", __name__, url_prefix="/t/<tenant_slug>/training/historical",
                          template_folder="templates")


def version_choices(locale: str) -> list[SelectChoice]:
    """The tenant's curriculum versions: "curriculum — version" (columns only, one query)."""
    rows = db.session.execute(
        select(CurriculumVersion.id, CurriculumVersion.label, Curriculum.title_en, Curriculum.title_km)
        .join(Curriculum, Curriculum.id == CurriculumVersion.curriculum_id)
        .order_by(Curriculum.title_en, CurriculumVersion.released_on, CurriculumVersion.id)).all()
    return [SelectChoice(str(row.id), f"{name_in_language(row.title_en, row.title_km, locale)} — {row.label}")
            for row in rows]


def _initial(course: Course) -> dict:
    """The form's values for an existing course (its totals under the counts' names)."""
    initial = {name: getattr(course, name) for name in ("title_en", "title_km", "starts_on", "ends_on", "place_id")}
    initial.update(project_id=str(course.project_id or ""),
                   curriculum_version_id=str(course.curriculum_version_id or ""))
    for name in historical.COUNTS + ("source",):
        initial[name] = getattr(course.totals, name) if course.totals else None
    return initial


def _form(course: Course | None) -> HistoricalCourseForm:
    locale = current_locale()
    form = HistoricalCourseForm(data=_initial(course)) if course is not None else HistoricalCourseForm()
    form.project_id.choices = [SelectChoice("", _("No project"))] + [
        SelectChoice(str(pid), label) for pid, label in project_choices(
            g.tenant, locale, keep_id=course.project_id if course else None)]
    form.curriculum_version_id.choices = [SelectChoice("", _("No curriculum version"))] + version_choices(locale)
    return form


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _fields(form: HistoricalCourseForm) -> tuple[dict, dict]:
    fields = {"title_en": form.title_en.data, "title_km": form.title_km.data or "", "starts_on": form.starts_on.data,
              "ends_on": form.ends_on.data, "place_id": form.place_id.data,
              "project_id": _int(form.project_id.data), "curriculum_version_id": _int(form.curriculum_version_id.data)}
    totals = {name: getattr(form, name).data for name in historical.COUNTS}
    totals["source"] = form.source.data or ""
    return fields, totals


def _save(form: HistoricalCourseForm, action):
    """On a posted form, check every total at once (beside the fields' own checks), then save with
    `action(fields, totals)`: the course's page on success; None (the form again, with all its
    errors) otherwise, nothing saved."""
    if not form.is_submitted():
        return None
    valid = form.validate()
    fields, totals = _fields(form)
    problems = [problem for problem in historical.totals_problems(totals) if not getattr(form, problem.field).errors]
    for problem in problems:
        show_on_form(form, problem)
    if not valid or problems:
        return None
    try:
        course = action(fields, totals)
    except DomainError as error:
        db.session.rollback()
        show_on_form(form, error)
        return None
    db.session.commit()
    flash(_("Historical course saved."), "success")
    return redirect(url_for("training_courses.detail", course_id=course.id))


@historical_bp.route("/new", methods=["GET", "POST"])
@require("training.edit")
def new():
    form = _form(None)
    saved = _save(form, lambda fields, totals: historical.create_historical_course(g.tenant.id, fields, totals))
    if saved:
        return saved
    status = form_status(form)
    return render_template("training_registry/historical/form.html", form=form, course=None), status


@historical_bp.route("/<int:course_id>", methods=["GET", "POST"])
@require("training.edit")
def edit(course_id: int):
    course = services.get_course(course_id)
    if course is None or not course.is_historical:
        abort(404)
    form = _form(course)
    saved = _save(form, lambda fields, totals: historical.update_historical_course(course, fields, totals))
    if saved:
        return saved
    status = form_status(form)
    return render_template("training_registry/historical/form.html", form=form, course=course,
                           lang=current_locale()), status
