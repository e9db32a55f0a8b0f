"""The test plugin's pages: list, create, edit, a detail page."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from core.extensions import db
from core.permissions import require
from core.plugins import SearchHit
from core.search import any_contains
from tests.example_plugin.models import FieldVisit

visits = Blueprint("visits", __name__, url_prefix="/t/<tenant_slug>/visits", template_folder="templates")


class VisitForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    visited_on = DateField(_l("Date of the visit"), validators=[DataRequired()])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=5000)])


def visit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(FieldVisit))


def search_visits(query: str) -> list[SearchHit]:
    rows = db.session.execute(select(FieldVisit).where(any_contains([FieldVisit.title, FieldVisit.notes], query))
                              .limit(20)).scalars()
    return [SearchHit(title=v.title, url=url_for("visits.detail", visit_id=v.id), kind=_("Field visit"))
            for v in rows]


def get_visit(visit_id: int) -> FieldVisit:
    visit = db.session.execute(select(FieldVisit).where(FieldVisit.id == visit_id)).scalar_one_or_none()
    if visit is None:
        abort(404)
    return visit


@visits.get("/")
@require("visits.view")
def index():
    rows = db.session.execute(select(FieldVisit).order_by(FieldVisit.visited_on.desc())).scalars().all()
    return render_template("example_plugin/index.html", visits=rows)


@visits.get("/<int:visit_id>")
@require("visits.view")
def detail(visit_id: int):
    return render_template("example_plugin/detail.html", visit=get_visit(visit_id))


@visits.route("/new", methods=["GET", "POST"])
@require("visits.edit")
def create():
    form = VisitForm()
    if form.validate_on_submit():
        visit = FieldVisit()
        form.populate_obj(visit)
        db.session.add(visit)
        db.session.commit()
        flash(_("Field visit saved."), "success")
        return redirect(url_for("visits.detail", visit_id=visit.id))
    return render_template("example_plugin/form.html", form=form), 422 if form.errors else 200


@visits.route("/<int:visit_id>/edit", methods=["GET", "POST"])
@require("visits.edit")
def edit(visit_id: int):
    visit = get_visit(visit_id)
    form = VisitForm(obj=visit)
    if form.validate_on_submit():
        form.populate_obj(visit)
        db.session.commit()
        flash(_("Field visit saved."), "success")
        return redirect(url_for("visits.detail", visit_id=visit.id))
    return render_template("example_plugin/form.html", form=form, visit=visit), 422 if form.errors else 200


@visits.post("/<int:visit_id>/delete")
@require("visits.edit")
def delete(visit_id: int):
    db.session.delete(get_visit(visit_id))
    db.session.commit()
    flash(_("Field visit deleted."), "success")
    return redirect(url_for("visits.index"))
