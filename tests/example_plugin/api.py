"""The test plugin's JSON API: proves a plugin gets paginated, filtered, sorted lists, validation
as problem+json and ETag-guarded updates from the core conventions alone."""
from __future__ import annotations

import marshmallow as ma
from flask import abort
from flask.views import MethodView
from marshmallow import fields, validate
from sqlalchemy import select

from core.api import ApiBlueprint
from core.api.lists import ListArgs, page_schema, paginate
from core.extensions import db
from core.permissions import require
from tests.example_plugin.models import FieldVisit

visits_api = ApiBlueprint("visits_api", __name__, path="visits", description="Field visits (test plugin).")


class VisitSchema(ma.Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    visited_on = fields.Date(required=True)
    notes = fields.String(load_default="", validate=validate.Length(max=5000))


class VisitListArgs(ListArgs):
    SORTABLE = ("title", "visited_on")
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Text in the title."})


class VisitPatchSchema(VisitSchema):
    """The same fields, each optional (PATCH)."""


VisitPage = page_schema(VisitSchema, "VisitPage")
SORT_COLUMNS = {"title": FieldVisit.title, "visited_on": FieldVisit.visited_on}


def get_visit(visit_id: int) -> FieldVisit:
    visit = db.session.execute(select(FieldVisit).where(FieldVisit.id == visit_id)).scalar_one_or_none()
    if visit is None:
        abort(404)
    return visit


@visits_api.route("/")
class Visits(MethodView):
    @require("visits.view")
    @visits_api.arguments(VisitListArgs, location="query")
    @visits_api.response(200, VisitPage)
    def get(self, args):
        """List field visits."""
        query = select(FieldVisit)
        if args.get("q"):
            query = query.where(FieldVisit.title.contains(args["q"], autoescape=True))
        return paginate(query, args, SORT_COLUMNS, (FieldVisit.visited_on.desc(), FieldVisit.id.desc()))

    @require("visits.edit")
    @visits_api.arguments(VisitSchema)
    @visits_api.response(201, VisitSchema)
    def post(self, data):
        """Record a field visit."""
        visit = FieldVisit(**data)
        db.session.add(visit)
        db.session.commit()
        return visit


@visits_api.route("/<int:visit_id>")
class VisitById(MethodView):
    @require("visits.view")
    @visits_api.etag
    @visits_api.response(200, VisitSchema)
    def get(self, visit_id):
        """One field visit (with its ETag)."""
        return get_visit(visit_id)

    @require("visits.edit")
    @visits_api.etag
    @visits_api.arguments(VisitPatchSchema(partial=True))
    @visits_api.response(200, VisitSchema)
    def patch(self, data, visit_id):
        """Change a field visit; send If-Match with the ETag you read."""
        visit = get_visit(visit_id)
        visits_api.check_etag(visit, VisitSchema)
        for key, value in data.items():
            setattr(visit, key, value)
        db.session.commit()
        return visit

    @require("visits.edit")
    @visits_api.etag
    @visits_api.response(204)
    def delete(self, visit_id):
        """Delete a field visit; send If-Match with the ETag you read."""
        visit = get_visit(visit_id)
        visits_api.check_etag(visit, VisitSchema)
        db.session.delete(visit)
        db.session.commit()
