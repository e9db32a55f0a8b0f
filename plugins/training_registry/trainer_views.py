"""Trainer pages: the list (search by name or topic, active or former, pages), marking a contact as
trainer, editing their topics and notes, deactivating and reactivating. Names follow the core's
protection rule: a protected person appears under a stand-in in the list."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core.errors import DomainError, form_status, show_on_form
from core.extensions import db
from core.i18n import current_locale
from core.pagination import paginate
from core.permissions import can, require
from core.registers.protection import PROTECTED_PERMISSION, shown_name
from plugins.training_registry import trainers
from plugins.training_registry.models import Trainer
from plugins.training_registry.trainer_forms import TrainerEditForm, TrainerFilterForm, TrainerForm

trainers_bp = Blueprint("training_trainers", __name__, url_prefix="/t/<tenant_slug>/training/trainers",
                        template_folder="templates")

PAGE_SIZE = 50
STATES = {"active": True, "inactive": False, "all": None}


def get_trainer(trainer_id: int) -> Trainer:
    trainer = trainers.get_trainer(trainer_id)
    if trainer is None:
        abort(404)
    return trainer


@trainers_bp.get("/")
@require("training.view")
def index() -> str:
    form = TrainerFilterForm(request.args)
    q, state = "", "active"
    if request.args:
        form.validate()
        if form.errors:
            flash(_("Some filters were not understood and have been ignored."), "error")
        q = form.q.data if not form.q.errors else ""
        state = form.state.data if not form.state.errors else "active"
    query = trainers.trainer_list_query(q=q or "", active=STATES.get(state, True),
                                        names_of_protected=can(PROTECTED_PERMISSION))
    page = paginate(query, per_page=PAGE_SIZE)
    locale = current_locale()
    rows = [(trainer, shown_name(trainer.contact, locale, reveal=False)) for trainer in page.items]
    query_args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template("training_registry/trainers/index.html", form=form, page=page, rows=rows,
                           query_args=query_args)


@trainers_bp.route("/new", methods=["GET", "POST"])
@require("training.edit")
def create():
    form = TrainerForm()
    if form.validate_on_submit():
        try:
            trainer = trainers.mark_trainer(form.contact_id.data, topics=form.topics.data or "",
                                            notes=form.notes.data or "")
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            name = shown_name(trainer.contact, current_locale(), reveal=False)
            db.session.commit()
            flash(_("%(name)s is now a trainer.", name=name), "success")
            return redirect(url_for("training_trainers.index"))
    return render_template("training_registry/trainers/form.html", form=form, trainer=None), form_status(form)


@trainers_bp.route("/<int:trainer_id>/edit", methods=["GET", "POST"])
@require("training.edit")
def edit(trainer_id: int):
    trainer = get_trainer(trainer_id)
    form = TrainerEditForm(obj=trainer)
    if form.validate_on_submit():
        try:
            trainers.update_trainer(trainer, topics=form.topics.data or "", notes=form.notes.data or "")
        except DomainError as error:
            db.session.rollback()
            trainer = get_trainer(trainer_id)
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("training_trainers.index"))
    name = shown_name(trainer.contact, current_locale(), reveal=False)
    return render_template("training_registry/trainers/form.html", form=form, trainer=trainer,
                           name=name), form_status(form)


@trainers_bp.post("/<int:trainer_id>/deactivate")
@require("training.edit")
def deactivate(trainer_id: int) -> Response:
    return _set_active(trainer_id, False, _("%(name)s is no longer listed as an active trainer."))


@trainers_bp.post("/<int:trainer_id>/activate")
@require("training.edit")
def activate(trainer_id: int) -> Response:
    return _set_active(trainer_id, True, _("%(name)s is an active trainer again."))


def _set_active(trainer_id: int, active: bool, message: str) -> Response:
    trainer = get_trainer(trainer_id)
    trainers.set_active(trainer, active)
    name = shown_name(trainer.contact, current_locale(), reveal=False)
    db.session.commit()
    flash(message % {"name": name}, "success")
    return redirect(url_for("training_trainers.index"))
