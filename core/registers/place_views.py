"""HTML pages of the places register: the list with its filters and a "go to a place" picker, one
place with its children, and the small JSON search the type-ahead picker calls."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from core.enums import enum_choices
from core.i18n import current_locale
from core.pagination import paginate
from core.permissions import require
from core.registers import places
from core.registers.fields import MAX_CHOICES, PlaceField, picker_response
from core.registers.models import PlaceKind
from core.web import problem

places_bp = Blueprint("places", __name__, url_prefix="/t/<tenant_slug>/places")

PLACES_PER_PAGE = 50
SEARCH_MAX_AGE = 300   # seconds: the gazetteer changes a few times a year


class PlaceFilterForm(FlaskForm):
    """The list's filters, read from the query string (so no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or code"), validators=[Optional(), Length(max=200)])
    kind = SelectField(_l("Level"), choices=enum_choices(PlaceKind, _l("All levels")), default="")


class FindPlaceForm(FlaskForm):
    place = PlaceField(_l("Go to a place"), validators=[DataRequired(_l("Type a place's name or code."))],
                       description=_l("Type at least two letters of a name in Khmer or English, or a code."))


def _parent_id() -> int | None:
    value = request.args.get("parent", "")
    return int(value) if value.isdigit() and len(value) <= 10 else None


def _list_page(find_form: FindPlaceForm, status: int = 200):
    filters_form = PlaceFilterForm(request.args)
    filters: dict = {}
    if filters_form.validate():
        filters = {name: filters_form[name].data for name in ("q", "kind") if filters_form[name].data}
    parent = places.get_place(_parent_id()) if _parent_id() else None
    if parent is not None:
        filters["parent"] = parent.id
    query = places.places_query(filters.get("q"), kind=PlaceKind(filters["kind"]) if filters.get("kind") else None,
                                parent_id=parent.id if parent else None,
                                include_retired=parent is not None or bool(filters.get("q")))
    page = paginate(query, PLACES_PER_PAGE)
    return render_template("registers/places/index.html", page=page, filters=filters, form=filters_form,
                           find_form=find_form, parent=parent, label=places.place_label,
                           path=places.place_path, locale=current_locale()), status


@places_bp.route("/", methods=["GET", "POST"])
@require("core.tenant.view")
def index():
    if request.method == "GET":
        return _list_page(FindPlaceForm(formdata=None))
    form = FindPlaceForm()
    if form.validate_on_submit():
        return redirect(url_for("places.detail", place_id=form.place.data))
    return _list_page(form, 422)


@places_bp.get("/<int:place_id>")
@require("core.tenant.view")
def detail(place_id: int):
    place = places.get_place(place_id)
    if place is None:
        abort(404)
    return render_template("registers/places/detail.html", place=place, ancestors=places.ancestors(place),
                           children=places.children_of(place), successor=places.current_successor(place),
                           label=places.place_label, locale=current_locale())


@places_bp.get("/search")
@require("core.tenant.view")
def search() -> Response:
    """[{id, code, label}] for the picker: current places only, at most 10, in the user's language."""
    kind = request.args.get("kind", "")
    if kind and kind not in {member.value for member in PlaceKind}:
        return problem(400, _("Bad request"), _("Unknown kind of place: %(kind)s.", kind=kind[:40]))
    text = request.args.get("q", "")[:200]
    found = []
    if len(places.normalise_query(text)) >= PlaceField.min_chars:
        found = places.search_places(text, kind=kind or None, limit=MAX_CHOICES)
    locale = current_locale()
    response = picker_response([(place.id, place.code, places.place_label(place, locale)) for place in found])
    response.headers["Cache-Control"] = f"private, max-age={SEARCH_MAX_AGE}"
    response.headers["Vary"] = "Cookie, Accept-Language"
    return response
