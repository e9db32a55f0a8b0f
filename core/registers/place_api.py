"""JSON API of the places register: /api/v1/t/<tenant>/places/ (the official gazetteer, read only)."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import abort
from flask.views import MethodView
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from core.api import ApiBlueprint, refuse
from core.api.lists import ListArgs, page_schema, paginate
from core.i18n import current_locale
from core.permissions import require
from core.registers import places
from core.registers.models import Place, PlaceKind
from core.web import MAX_RECORD_ID

places_api = ApiBlueprint("places_api", __name__, path="places",
                          description="The official gazetteer: provinces, districts, communes and villages.")

KINDS = [kind.value for kind in PlaceKind]
PLACE_SORT = {"code": Place.code, "name_en": Place.name_en}


class PlaceSchema(ma.Schema):
    """One unit of the gazetteer. `valid_to` and `successor_id` are set when it split, moved or was
    renamed; records made earlier keep pointing to it."""

    id = fields.Integer(required=True)
    code = fields.String(required=True, metadata={"description": "The MEF code: 2, 4, 6 or 8 digits."})
    kind = fields.Enum(PlaceKind, by_value=True, required=True)
    name_en = fields.String(required=True)
    name_km = fields.String(required=True)
    name = fields.String(required=True, metadata={"description": "The name in the token user's language."})
    path = fields.String(required=True, metadata={"description": "The units above it, province first."})
    parent_id = fields.Integer(allow_none=True, required=True)
    province_id = fields.Integer(allow_none=True, required=True)
    valid_from = fields.Date(allow_none=True, required=True)
    valid_to = fields.Date(allow_none=True, required=True)
    is_current = fields.Boolean(required=True)
    successor_id = fields.Integer(allow_none=True, required=True)
    successor_code = fields.String(allow_none=True, required=True)
    source = fields.String(required=True)


class PlaceListArgs(ListArgs):
    SORTABLE = ("code", "name_en")
    q = fields.String(validate=validate.Length(max=200),
                      metadata={"description": "A code prefix, or part of the English or Khmer name."})
    kind = fields.String(metadata={"description": "province, district, commune or village.", "enum": KINDS})
    parent = fields.String(validate=[validate.Length(min=1, max=16), validate.Regexp(
        r"^[0-9]+$", error=_l("Give the parent place's code or id, in digits."))], metadata={
        "description": "Only the units directly under this place: its code (e.g. 0701) or its id; a value that "
                       "is a code is read as the code."})
    include_retired = fields.Boolean(load_default=False, metadata={
        "description": "Also list units that are no longer valid (split, moved, renamed)."})

    @ma.validates("kind")
    def _known_kind(self, value, **kwargs) -> None:
        if value not in KINDS:
            raise ma.ValidationError(_("Unknown kind “%(kind)s”: use one of %(kinds)s.", kind=value[:40],
                                       kinds=", ".join(KINDS)))


PlacePage = page_schema(PlaceSchema, "PlacePage")


def place_view(place: Place) -> dict[str, Any]:
    locale = current_locale()
    return {"id": place.id, "code": place.code, "kind": place.kind, "name_en": place.name_en,
            "name_km": place.name_km, "name": place.name_in(locale), "path": places.place_path(place, locale),
            "parent_id": place.parent_id, "province_id": place.province_id, "valid_from": place.valid_from,
            "valid_to": place.valid_to, "is_current": place.is_current, "successor_id": place.successor_id,
            "successor_code": place.successor.code if place.successor else None, "source": place.source}


def _parent(value: str) -> Place:
    """The place a `parent` filter names (a code first, else an id); a rule's 422 naming it when there
    is none (the document cannot list the gazetteer)."""
    parent = places.place_by_code(value)
    if parent is None and value.isdigit() and int(value) <= MAX_RECORD_ID:
        parent = places.get_place(int(value))
    if parent is None:
        refuse({"parent": [_("No place has the code or id %(value)s.", value=value)]})
    return parent


@places_api.route("/")
class Places(MethodView):
    @require("core.tenant.view")
    @places_api.arguments(PlaceListArgs, location="query")
    @places_api.response(200, PlacePage)
    def get(self, args):
        """List places: current ones, best matches first when searching; filter by level and parent."""
        parent = _parent(args["parent"]) if args.get("parent") else None
        query = places.places_query(args.get("q"), kind=PlaceKind(args["kind"]) if args.get("kind") else None,
                                    parent_id=parent.id if parent else None,
                                    include_retired=args["include_retired"], ordered=False)
        page = paginate(query, args, PLACE_SORT, places.places_order(args.get("q")))
        page["items"] = [place_view(place) for place in page["items"]]
        return page


@places_api.route("/<int:place_id>")
class PlaceById(MethodView):
    @require("core.tenant.view")
    @places_api.response(200, PlaceSchema)
    def get(self, place_id):
        """One place, with its validity and successor."""
        place = places.get_place(place_id)
        if place is None:
            abort(404)
        return place_view(place)
