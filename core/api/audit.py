"""The audit log in the JSON API, under /api/v1/t/<tenant>/audit/: the organisation's events, newest
first, filtered like the audit page (record type, record, action, who, dates in the organisation's
time zone) and paginated; for owners and administrators (core.audit.view). Same query as the page
(core.admin.queries.audit_events_query)."""
from __future__ import annotations

from datetime import date
from typing import Any

import marshmallow as ma
from flask import g
from flask.views import MethodView
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from core.admin.queries import audit_events_query, audit_models
from core.admin.views import describe_event
from core.api import ApiBlueprint, refuse
from core.api.fields import record_id as id_field
from core.api.lists import ListArgs, page_schema, paginate
from core.models import AuditEvent
from core.permissions import require

audit_api = ApiBlueprint("audit_api", __name__, path="audit",
                         description="The organisation's audit log (owners and administrators).")

VIEW = "core.audit.view"
DATE_RANGE = validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31),
                            error=_l("Give a date between 2000 and 2100."))


class AuditEventSchema(ma.Schema):
    id = fields.Integer(required=True)
    occurred_at = fields.DateTime(required=True)
    actor_id = fields.Integer(allow_none=True, required=True)
    actor = fields.String(required=True, metadata={"description": "Who did it, as recorded then."})
    action = fields.String(required=True, metadata={"description": "insert, update, delete, login, export…"})
    model = fields.String(required=True, metadata={"description": "The record type."})
    record_id = fields.String(required=True)
    description = fields.String(required=True, metadata={"description": "The event in words, in your language."})
    changes = fields.Dict(keys=fields.String(), required=True, metadata={
        "description": "What changed: field -> [before, after] for updates (sensitive values redacted)."})
    request_id = fields.String(required=True)
    hash = fields.String(required=True, metadata={"description": "The event's link in the hash chain."})


class AuditListArgs(ListArgs):
    SORTABLE = ("occurred_at",)
    model = fields.String(validate=validate.Length(min=1, max=64), metadata={
        "description": "Events of this record type (see /audit/models)."})
    record_id = fields.String(validate=validate.Length(min=1, max=64), metadata={
        "description": "Events of this record (with model)."})
    action = fields.String(validate=validate.Length(min=1, max=64))
    actor = fields.String(validate=validate.Length(min=1, max=254), metadata={
        "description": "Text in who did it (name or e-mail as recorded)."})
    actor_id = id_field(metadata={"description": "Events by this user."})
    date_from = fields.Date(validate=DATE_RANGE, metadata={
        "description": "Events on or after this day (in the organisation's time zone)."})
    date_to = fields.Date(validate=DATE_RANGE, metadata={
        "description": "Events on or before this day (in the organisation's time zone)."})

    @ma.validates_schema
    def _ordered(self, data, **kwargs) -> None:
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            refuse({"date_to": [_("The end date must not be before the start date.")]})


class AuditModelsSchema(ma.Schema):
    items = fields.List(fields.String(), required=True)


AuditEventPage = page_schema(AuditEventSchema, "AuditEventPage")


def event_view(event: AuditEvent) -> dict[str, Any]:
    return {"id": event.id, "occurred_at": event.occurred_at, "actor_id": event.actor_id,
            "actor": event.actor_label or "", "action": event.action, "model": event.model or "",
            "record_id": event.record_id or "", "description": describe_event(event),
            "changes": event.changes or {}, "request_id": event.request_id or "", "hash": event.hash}


@audit_api.route("/events")
class AuditEvents(MethodView):
    @require(VIEW)
    @audit_api.arguments(AuditListArgs, location="query")
    @audit_api.response(200, AuditEventPage)
    def get(self, args):
        """The organisation's audit events, newest first (sort=occurred_at for oldest first)."""
        filters = {name: args[name] for name in ("model", "record_id", "action", "actor", "date_from", "date_to")
                   if args.get(name)}
        query = audit_events_query(g.tenant, filters).order_by(None)
        if args.get("actor_id"):
            query = query.where(AuditEvent.actor_id == args["actor_id"])
        page = paginate(query, args, {"occurred_at": AuditEvent.occurred_at},
                        (AuditEvent.occurred_at.desc(), AuditEvent.id.desc()))
        page["items"] = [event_view(event) for event in page["items"]]
        return page


@audit_api.route("/models")
class AuditModels(MethodView):
    @require(VIEW)
    @audit_api.response(200, AuditModelsSchema)
    def get(self):
        """The record types that appear in the organisation's audit log (the values `model` takes)."""
        return {"items": audit_models(g.tenant)}
