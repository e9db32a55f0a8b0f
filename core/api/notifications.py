"""The token user's notifications in the JSON API, under /api/v1/t/<tenant>/notifications/: list them
(newest first, in the user's language), count the unread ones and mark them read, as the bell's page
does (core.notifications). Nobody sees another person's notifications."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import g
from flask.views import MethodView
from flask_login import current_user
from marshmallow import fields, validate
from sqlalchemy import select

from core.api import ApiBlueprint
from core.api.fields import record_id
from core.api.lists import ListArgs, page_schema, paginate
from core.extensions import db
from core.models import Notification
from core.notifications import mark_read, render, unread_count
from core.permissions import require

notifications_api = ApiBlueprint("notifications_api", __name__, path="notifications",
                                 description="Your notifications in this organisation.")

VIEW = "core.tenant.view"
MAX_IDS = 100


class NotificationSchema(ma.Schema):
    id = fields.Integer(required=True)
    text = fields.String(required=True, metadata={"description": "The notification in your language."})
    url = fields.String(required=True, metadata={"description": "The page it is about (may be empty)."})
    created_at = fields.DateTime(required=True)
    read_at = fields.DateTime(allow_none=True, required=True)


class NotificationListArgs(ListArgs):
    SORTABLE = ("created_at",)
    unread = fields.Boolean(metadata={"description": "true: only unread notifications; false: only read ones."})


class MarkReadSchema(ma.Schema):
    ids = fields.List(record_id(), validate=validate.Length(max=MAX_IDS), load_default=None, metadata={
        "description": "The notifications to mark read (at most 100); leave it out to mark all of them read."})


class MarkedSchema(ma.Schema):
    marked = fields.Integer(required=True, metadata={"description": "How many were unread and are now read."})
    unread = fields.Integer(required=True, metadata={"description": "How many are still unread."})


class UnreadSchema(ma.Schema):
    unread = fields.Integer(required=True)


NotificationPage = page_schema(NotificationSchema, "NotificationPage")


def notification_view(notification: Notification) -> dict[str, Any]:
    return {"id": notification.id, "text": render(notification), "url": notification.url or "",
            "created_at": notification.created_at, "read_at": notification.read_at}


@notifications_api.route("/")
class Notifications(MethodView):
    @require(VIEW)
    @notifications_api.arguments(NotificationListArgs, location="query")
    @notifications_api.response(200, NotificationPage)
    def get(self, args):
        """Your notifications in this organisation, newest first."""
        query = select(Notification).where(Notification.user_id == current_user.id,
                                           Notification.tenant_id == g.tenant.id)
        if args.get("unread") is not None:
            query = query.where(Notification.read_at.is_(None) if args["unread"] else Notification.read_at.is_not(None))
        page = paginate(query, args, {"created_at": Notification.created_at},
                        (Notification.created_at.desc(), Notification.id.desc()))
        page["items"] = [notification_view(item) for item in page["items"]]
        return page


@notifications_api.route("/unread")
class Unread(MethodView):
    @require(VIEW)
    @notifications_api.response(200, UnreadSchema)
    def get(self):
        """How many of your notifications are unread (the bell's number)."""
        return {"unread": unread_count(current_user, g.tenant)}


@notifications_api.route("/read")
class MarkRead(MethodView):
    @require(VIEW)
    @notifications_api.arguments(MarkReadSchema)
    @notifications_api.response(200, MarkedSchema)
    def post(self, data):
        """Mark some of your notifications read (ids), or all of them (no ids). Ids that are not yours or
        already read are left alone."""
        marked = mark_read(current_user, g.tenant, data["ids"])
        db.session.commit()
        return {"marked": marked, "unread": unread_count(current_user, g.tenant)}
