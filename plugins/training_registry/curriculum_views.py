"""Curriculum pages: the list (search, status filter, pages), a curriculum with its versions, their
files and the courses that used each one; create and edit a curriculum, add and edit versions,
add, download and remove files."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from core.errors import DomainError, form_status, show_on_form
from core.extensions import db
from core.i18n import current_locale
from core.pagination import paginate
from core.permissions import require
from core.uploads import is_stored, received, send_download
from plugins.training_registry import curricula
from plugins.training_registry.curriculum_forms import CurriculumFilterForm, CurriculumForm, FileForm, VersionForm
from plugins.training_registry.models import Curriculum, CurriculumVersion

curricula_bp = Blueprint("training_curricula", __name__, url_prefix="/t/<tenant_slug>/training/curricula",
                         template_folder="templates")

PAGE_SIZE = 25
VIEW, EDIT = "training.view", "training.curricula.edit"


def get_curriculum(curriculum_id: int, *options) -> Curriculum:
    curriculum = curricula.get_curriculum(curriculum_id, *options)
    if curriculum is None:
        abort(404)
    return curriculum


def get_version(curriculum: Curriculum, version_id: int) -> CurriculumVersion:
    version = curricula.get_version(curriculum, version_id)
    if version is None:
        abort(404)
    return version


# --- the list and one curriculum ----------------------------------------------------------------------

@curricula_bp.get("/")
@require(VIEW)
def index() -> str:
    form = CurriculumFilterForm(request.args)
    filters: dict = {}
    if request.args:
        form.validate()
        filters = {name: form[name].data for name in ("q", "status") if form[name].data and not form[name].errors}
        if form.errors:
            flash(_("Some filters were not understood and have been ignored."), "error")
    query = curricula.curriculum_list_query(**filters).options(selectinload(Curriculum.versions))
    page = paginate(query, per_page=PAGE_SIZE)
    query_args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template("training_registry/curricula/index.html", form=form, page=page, query_args=query_args,
                           latest_approved=curricula.latest_approved, language_label=curricula.language_label)


@curricula_bp.get("/<int:curriculum_id>")
@require(VIEW)
def detail(curriculum_id: int) -> str:
    curriculum = get_curriculum(curriculum_id, selectinload(Curriculum.versions).selectinload(CurriculumVersion.files))
    courses = curricula.courses_by_version([version.id for version in curriculum.versions])
    return render_template("training_registry/curricula/detail.html", curriculum=curriculum,
                           versions=curricula.newest_first(curriculum.versions), courses=courses,
                           language_label=curricula.language_label)


# --- create and edit ----------------------------------------------------------------------------------

def _curriculum_fields(form: CurriculumForm) -> dict:
    return {name: form[name].data or "" for name in curricula.CURRICULUM_FIELDS}


@curricula_bp.route("/new", methods=["GET", "POST"])
@require(EDIT)
def create():
    form = CurriculumForm()
    if form.validate_on_submit():
        try:
            curriculum = curricula.create_curriculum(**_curriculum_fields(form))
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("“%(title)s” added.", title=curriculum.title_in(current_locale())), "success")
            return redirect(url_for("training_curricula.detail", curriculum_id=curriculum.id))
    return render_template("training_registry/curricula/form.html", form=form, curriculum=None), form_status(form)


@curricula_bp.route("/<int:curriculum_id>/edit", methods=["GET", "POST"])
@require(EDIT)
def edit(curriculum_id: int):
    curriculum = get_curriculum(curriculum_id)
    form = CurriculumForm(obj=curriculum)
    if form.validate_on_submit():
        try:
            curricula.update_curriculum(curriculum, **_curriculum_fields(form))
        except DomainError as error:
            db.session.rollback()
            curriculum = get_curriculum(curriculum_id)
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("training_curricula.detail", curriculum_id=curriculum.id))
    return render_template("training_registry/curricula/form.html", form=form, curriculum=curriculum), form_status(form)


# --- versions -----------------------------------------------------------------------------------------

@curricula_bp.route("/<int:curriculum_id>/versions/new", methods=["GET", "POST"])
@require(EDIT)
def add_version(curriculum_id: int):
    curriculum = get_curriculum(curriculum_id)
    form = VersionForm()
    if form.validate_on_submit():
        try:
            curricula.add_version(curriculum, label=form.label.data, released_on=form.released_on.data,
                                  change_note=form.change_note.data or "", status=form.status.data,
                                  files=received(form.file.data))
        except DomainError as error:
            db.session.rollback()
            curriculum = get_curriculum(curriculum_id)
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Version added."), "success")
            return redirect(url_for("training_curricula.detail", curriculum_id=curriculum.id))
    return render_template("training_registry/curricula/version_form.html", form=form, curriculum=curriculum,
                           version=None), form_status(form)


@curricula_bp.route("/<int:curriculum_id>/versions/<int:version_id>/edit", methods=["GET", "POST"])
@require(EDIT)
def edit_version(curriculum_id: int, version_id: int):
    curriculum = get_curriculum(curriculum_id)
    version = get_version(curriculum, version_id)
    form = VersionForm(obj=version)
    del form.file
    if request.method == "GET":
        form.status.data = version.status.value
    if form.validate_on_submit():
        try:
            curricula.update_version(version, label=form.label.data, released_on=form.released_on.data,
                                     change_note=form.change_note.data or "", status=form.status.data)
        except DomainError as error:
            db.session.rollback()
            curriculum = get_curriculum(curriculum_id)
            version = get_version(curriculum, version_id)
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("training_curricula.detail", curriculum_id=curriculum.id))
    return render_template("training_registry/curricula/version_form.html", form=form, curriculum=curriculum,
                           version=version), form_status(form)


# --- files --------------------------------------------------------------------------------------------

@curricula_bp.route("/<int:curriculum_id>/versions/<int:version_id>/files/new", methods=["GET", "POST"])
@require(EDIT)
def add_file(curriculum_id: int, version_id: int):
    curriculum = get_curriculum(curriculum_id)
    version = get_version(curriculum, version_id)
    form = FileForm()
    if form.validate_on_submit():
        uploads = received(form.file.data)
        try:
            if not uploads:
                raise DomainError(_("Choose a file to upload."), field="file")
            curricula.add_file(version, uploads[0])
        except DomainError as error:
            db.session.rollback()
            curriculum = get_curriculum(curriculum_id)
            version = get_version(curriculum, version_id)
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("File added."), "success")
            return redirect(url_for("training_curricula.detail", curriculum_id=curriculum.id))
    return render_template("training_registry/curricula/file_form.html", form=form, curriculum=curriculum,
                           version=version), form_status(form)


@curricula_bp.get("/<int:curriculum_id>/files/<int:file_id>")
@require(VIEW)
def download(curriculum_id: int, file_id: int):
    curriculum = get_curriculum(curriculum_id)
    stored = curricula.get_file(curriculum, file_id)
    if stored is None:
        abort(404)
    path = curricula.file_path(stored)
    if not is_stored(path):
        abort(404)
    return send_download(path, content_type=stored.content_type, download_name=stored.display_name)


@curricula_bp.post("/<int:curriculum_id>/files/<int:file_id>/remove")
@require(EDIT)
def remove_file(curriculum_id: int, file_id: int) -> Response:
    curriculum = get_curriculum(curriculum_id)
    stored = curricula.get_file(curriculum, file_id)
    if stored is None:
        abort(404)
    name = stored.display_name
    curricula.remove_file(stored)
    db.session.commit()
    flash(_("“%(name)s” removed.", name=name), "success")
    return redirect(url_for("training_curricula.detail", curriculum_id=curriculum.id))
