"""Pre/post test pages: a course's scores sheet (the maximum score of each test and every
participant's pre and post score, saved all at once) with each person's and the course's learning
gain, and a curriculum's learning gain by version and course. Thin: learning.py holds the rules.
Participants' names follow the core protection rule (reveal=False: this is a list)."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.errors import DomainError, form_status, show_on_form
from core.extensions import db
from core.i18n import current_locale
from core.permissions import can, require
from core.registers.protection import shown_name
from plugins.training_registry import learning, services
from plugins.training_registry.learning_forms import post_name, pre_name, scores_form
from plugins.training_registry.models import Course, Curriculum, Enrolment

learning_bp = Blueprint("training_learning", __name__, url_prefix="/t/<tenant_slug>/training",
                        template_folder="templates")

EDIT = "training.edit"


def _typed(value: Decimal | None) -> str:
    """A stored score as a person would type it: 14, 14.5."""
    return "" if value is None else f"{value.normalize():f}"


def _course_or_404(course_id: int) -> Course:
    course = services.get_course(course_id)
    if course is None:
        abort(404)
    return course


def _sheet_rows(course: Course) -> list[tuple[Enrolment, str, services.Gain]]:
    """Each enrolment with the name the reader may see and its gain, ordered by that name."""
    lang = current_locale()
    rows = [(enrolment, shown_name(enrolment.contact, lang, reveal=False),
             services.gain(enrolment.pre_score, enrolment.post_score, course.test_max_score))
            for enrolment in learning.scores_page_rows(course)]
    return sorted(rows, key=lambda row: (row[1].casefold(), row[0].id))


def _submitted(form, rows) -> tuple[dict[int, dict[str, str]], object]:
    """The values the submission carries. A field it lacks (a person enrolled after the page was
    opened) stays as it is; a blank one means the test was not taken."""
    typed: dict[int, dict[str, str]] = {}
    for enrolment, _name, _gain in rows:
        entry = {}
        if pre_name(enrolment.id) in request.form:
            entry[learning.PRE] = form[pre_name(enrolment.id)].data
        if post_name(enrolment.id) in request.form:
            entry[learning.POST] = form[post_name(enrolment.id)].data
        typed[enrolment.id] = entry
    maximum = form.test_max_score.data if "test_max_score" in request.form else ...
    return typed, maximum


def _show_refusal(form, error: learning.ScoresRefused) -> None:
    for (enrolment_id, name), messages in error.errors.items():
        if enrolment_id is None:
            field = form.test_max_score
        else:
            field_name = (pre_name if name == learning.PRE else post_name)(enrolment_id)
            if field_name not in form:
                continue
            field = form[field_name]
        field.errors = list(field.errors) + [str(message) for message in messages]
    form.form_errors.append(str(error.message))


@learning_bp.route("/courses/<int:course_id>/scores", methods=["GET", "POST"])
@require("training.view")
def scores(course_id: int):
    if request.method == "POST" and not can(EDIT):
        abort(403)
    course = _course_or_404(course_id)
    rows = _sheet_rows(course)
    form = None
    status = 200
    if can(EDIT) and not course.is_historical:
        form = scores_form([enrolment.id for enrolment, _name, _gain in rows])
        if request.method == "GET":
            form.test_max_score.data = _typed(course.test_max_score)
            for enrolment, _name, _gain in rows:
                form[pre_name(enrolment.id)].data = _typed(enrolment.pre_score)
                form[post_name(enrolment.id)].data = _typed(enrolment.post_score)
        elif form.validate_on_submit():
            typed, maximum = _submitted(form, rows)
            try:
                learning.save_scores(course, typed, maximum=maximum,
                                     enrolments=[enrolment for enrolment, _name, _gain in rows])
            except DomainError as error:
                db.session.rollback()
                if isinstance(error, learning.ScoresRefused):
                    _show_refusal(form, error)
                else:
                    show_on_form(form, error)
                # The rollback expired the rows: read them again at once (not one by one).
                course = _course_or_404(course_id)
                rows = _sheet_rows(course)
            else:
                db.session.commit()
                flash(_("Scores saved."), "success")
                return redirect(url_for("training_learning.scores", course_id=course.id))
        status = form_status(form)
    elif request.method == "POST":
        abort(404)     # a historical course has no scores sheet
    summary = learning.summarise((enrolment.pre_score, enrolment.post_score, course.test_max_score)
                                 for enrolment, _name, _gain in rows)
    return render_template("training_registry/learning/scores.html", course=course, rows=rows, form=form,
                           summary=summary, lang=current_locale()), status


@learning_bp.get("/curricula/<int:curriculum_id>/learning-gain")
@require("training.view")
def curriculum_gain(curriculum_id: int):
    curriculum = db.session.scalar(select(Curriculum).where(Curriculum.id == curriculum_id))
    if curriculum is None:
        abort(404)
    return render_template("training_registry/learning/curriculum.html", curriculum=curriculum,
                           figures=learning.curriculum_gains(curriculum), lang=current_locale())
