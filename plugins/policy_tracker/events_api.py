"""The policy calendar JSON API under /api/v1/t/<tenant>/policy/: a law's events (list, add) and the
upcoming events (official and the organisation's own). The rules are events.py's, as on the pages."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import marshmallow as ma
from flask import abort, g
from flask.views import MethodView
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import fields, validate

from core.api.fields import NOT_BLANK, RECORD_ID
from core.api import ApiBlueprint, refuse
from core.api.lists import ListArgs, page_schema, paginate
from core.errors import DomainError
from core.extensions import db
from core.i18n import current_locale
from core.permissions import require
from plugins.policy_tracker import events
from plugins.policy_tracker.models import EventKind, LawEvent

events_api = ApiBlueprint("policy_events_api", __name__, path="policy",
                          description="Dated events of laws: consultation deadlines, hearings, workshops, A2I Day.")

DATE_RANGE = validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31),
                            error=_l("Give a date between 2000 and 2100."))
EVENT_SORT = {"starts_on": LawEvent.starts_on}


class PolicyEventSchema(ma.Schema):
    id = fields.Integer(required=True)
    law_id = fields.Integer(allow_none=True, required=True)
    law_title = fields.String(allow_none=True, required=True)
    kind = fields.Enum(EventKind, by_value=True, required=True)
    title = fields.String(required=True, metadata={"description": "In the request's language when there is one."})
    title_en = fields.String(required=True)
    title_km = fields.String(required=True)
    starts_on = fields.Date(required=True)
    place_text = fields.String(required=True)
    is_private = fields.Boolean(required=True)
    official = fields.Boolean(required=True, metadata={"description": "An official event, shown to every organisation."})
    remind_days_before = fields.Integer(required=True)


class PolicyEventWriteSchema(ma.Schema):
    """A new event of the law: the organisation's own, or official (operators and conveners only)."""

    title_en = fields.String(required=True, validate=[validate.Length(min=1, max=300), NOT_BLANK])
    title_km = fields.String(load_default="", validate=validate.Length(max=300))
    kind = fields.Enum(EventKind, by_value=True, load_default=EventKind.OTHER)
    starts_on = fields.Date(required=True, validate=DATE_RANGE)
    place_text = fields.String(load_default="", validate=validate.Length(max=300))
    is_private = fields.Boolean(load_default=False)
    remind_days_before = fields.Integer(load_default=3, validate=validate.Range(min=0, max=events.MAX_REMIND_DAYS))
    official = fields.Boolean(load_default=False)


class PolicyEventListArgs(ListArgs):
    SORTABLE = ("starts_on",)


class UpcomingEventArgs(ListArgs):
    SORTABLE = ("starts_on",)

    from_ = fields.Date(data_key="from", validate=DATE_RANGE,
                        metadata={"description": "First day (default: today in the organisation's time zone)."})
    to = fields.Date(validate=DATE_RANGE, metadata={"description": "Last day (default: 60 days after the first)."})
    law_id = fields.Integer(validate=RECORD_ID, metadata={"description": "Only this law's events."})

    @ma.validates_schema
    def _ordered(self, data, **kwargs) -> None:
        if data.get("from_") and data.get("to") and data["to"] < data["from_"]:
            refuse({"to": [_("The last day cannot be before the first.")]})


PolicyEventPage = page_schema(PolicyEventSchema, "PolicyEventPage")


def event_view(event: LawEvent) -> dict[str, Any]:
    locale = current_locale()
    return {"id": event.id, "law_id": event.law_id,
            "law_title": event.law.title_in(locale) if event.law is not None else None,
            "kind": event.kind, "title": event.title_in(locale), "title_en": event.title_en, "title_km": event.title_km,
            "starts_on": event.starts_on, "place_text": event.place_text, "is_private": event.is_private,
            "official": event.is_official, "remind_days_before": event.remind_days_before}


@events_api.route("/laws/<int:law_id>/events")
class LawEvents(MethodView):
    @require("policy.view")
    @events_api.arguments(PolicyEventListArgs, location="query")
    @events_api.response(200, PolicyEventPage)
    def get(self, args, law_id):
        """The law's events, past and coming (soonest first unless sorted): official ones and the
        organisation's own."""
        if events.get_visible_law(g.tenant.id, law_id) is None:
            abort(404)
        query = events.events_query(g.tenant.id).where(LawEvent.law_id == law_id)
        page = paginate(query, args, EVENT_SORT, (LawEvent.starts_on, LawEvent.id))
        page["items"] = [event_view(event) for event in page["items"]]
        return page

    @require("policy.edit")
    @events_api.arguments(PolicyEventWriteSchema)
    @events_api.response(201, PolicyEventSchema)
    def post(self, data, law_id):
        """Add an event to the law: the organisation's own, or with official=true an official one
        (instance operators and conveners of a working group that follows the law)."""
        if events.get_visible_law(g.tenant.id, law_id) is None:
            abort(404)
        official = data.pop("official")
        try:
            event = events.create_event(g.tenant.id, actor=current_user._get_current_object(), official=official,
                                        law_id=law_id, **data)
        except DomainError as error:
            refuse(error, "title_en")
        db.session.commit()
        return event_view(events.get_event(g.tenant.id, event.id))


@events_api.route("/events/")
class UpcomingEvents(MethodView):
    @require("policy.view")
    @events_api.arguments(UpcomingEventArgs, location="query")
    @events_api.response(200, PolicyEventPage)
    def get(self, args):
        """Upcoming events (official and the organisation's own), soonest first; filter by from, to
        and law_id."""
        start = args.get("from_") or events.tenant_today(g.tenant)
        end = args.get("to") or start + timedelta(days=60)
        query = events.events_query(g.tenant.id).where(LawEvent.starts_on >= start, LawEvent.starts_on <= end)
        if args.get("law_id"):
            query = query.where(LawEvent.law_id == args["law_id"])
        page = paginate(query, args, EVENT_SORT, (LawEvent.starts_on, LawEvent.id))
        page["items"] = [event_view(event) for event in page["items"]]
        return page
