"""Working groups in the JSON API, under /api/v1/t/<tenant>/groups/: the groups the organisation
belongs to, each group's feed and shared records (only their published fields, read-only), and
sharing or withdrawing the organisation's own records (core.sharing: explicit, audited, the other
members notified). A group the organisation is not a member of is not found (404)."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import abort, g
from flask.views import MethodView
from flask_babel import gettext as _
from marshmallow import fields, validate
from sqlalchemy import select

from core import sharing
from core.api import ApiBlueprint, refuse
from core.api.fields import record_id
from core.api.lists import ListArgs, page_schema, paginate
from core.errors import DomainError
from core.extensions import db
from core.models import GroupFeedEntry, SharedRecord, WorkingGroup, WorkingGroupMember
from core.permissions import require

groups_api = ApiBlueprint("groups_api", __name__, path="groups",
                          description="Working groups: their feed and the records their members share.")

VIEW = "core.tenant.view"
FEED_KINDS = ("shared", "updated", "unshared")


class GroupSchema(ma.Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    convening_tenant = fields.String(required=True, metadata={"description": "The organisation that convenes it."})
    members = fields.List(fields.String(), required=True, metadata={"description": "The member organisations."})
    public_scoreboard = fields.Boolean(required=True)


class FeedEntrySchema(ma.Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(FEED_KINDS), metadata={
        "description": "shared, updated or unshared"})
    title = fields.String(required=True)
    tenant = fields.String(required=True, metadata={"description": "The organisation the record belongs to."})
    shared_record_id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)


class SharedFieldSchema(ma.Schema):
    name = fields.String(required=True)
    label = fields.String(required=True, metadata={"description": "The field's name in your language."})
    value = fields.String(required=True, metadata={"description": "The published value as shown on the page."})


class SharedRecordSchema(ma.Schema):
    id = fields.Integer(required=True)
    group = fields.String(required=True, metadata={"description": "The group's slug."})
    record_type = fields.String(required=True)
    record_type_label = fields.String(required=True)
    record_id = fields.Integer(required=True, metadata={"description": "The record's id in its owner's organisation."})
    title = fields.String(required=True)
    tenant = fields.String(required=True, metadata={"description": "The organisation that shared it."})
    own = fields.Boolean(required=True, metadata={"description": "True when your organisation shared it."})
    shared_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    fields_ = fields.List(fields.Nested(SharedFieldSchema), required=True, data_key="fields")


class GroupListArgs(ListArgs):
    SORTABLE = ("name",)


class FeedListArgs(ListArgs):
    SORTABLE = ("created_at",)


class SharedListArgs(ListArgs):
    SORTABLE = ("updated_at", "title")


class ShareSchema(ma.Schema):
    group = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={
        "description": "The slug of a group your organisation belongs to."})
    record_type = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={
        "description": "A shareable record type, e.g. a2i.request (see the modules)."})
    record_id = record_id(required=True)


GroupPage = page_schema(GroupSchema, "GroupPage")
FeedPage = page_schema(FeedEntrySchema, "GroupFeedPage")
SharedPage = page_schema(SharedRecordSchema, "SharedRecordPage")


def group_view(group: WorkingGroup) -> dict[str, Any]:
    return {"slug": group.slug, "name": group.name, "description": group.description or "",
            "convening_tenant": group.convening_tenant.name, "public_scoreboard": group.public_scoreboard,
            "members": sorted(member.tenant.name for member in group.members)}


def shared_view(shared: SharedRecord) -> dict[str, Any]:
    kind = sharing.shareable_types().get(shared.record_type)
    labels = kind.fields if kind is not None else {}
    return {"id": shared.id, "group": shared.group.slug, "record_type": shared.record_type,
            "record_type_label": str(kind.label) if kind else shared.record_type, "record_id": shared.record_id,
            "title": shared.title, "tenant": shared.tenant.name, "own": shared.tenant_id == g.tenant.id,
            "shared_at": shared.shared_at, "updated_at": shared.updated_at,
            "fields_": [{"name": name, "label": str(label), "value": sharing.display_value(shared.fields.get(name))}
                        for name, label in labels.items()]}


def _feed_view(entry: GroupFeedEntry) -> dict[str, Any]:
    return {"id": entry.id, "kind": entry.kind, "title": entry.title, "tenant": entry.tenant.name,
            "shared_record_id": entry.shared_record_id, "created_at": entry.created_at}


def get_group(group_slug: str) -> WorkingGroup:
    return sharing.group_for_member(g.tenant, group_slug) or abort(404)


@groups_api.route("/")
class Groups(MethodView):
    @require(VIEW)
    @groups_api.arguments(GroupListArgs, location="query")
    @groups_api.response(200, GroupPage)
    def get(self, args):
        """The working groups your organisation belongs to."""
        query = select(WorkingGroup).join(WorkingGroupMember).where(WorkingGroupMember.tenant_id == g.tenant.id)
        page = paginate(query, args, {"name": WorkingGroup.name}, (WorkingGroup.name, WorkingGroup.id))
        page["items"] = [group_view(group) for group in page["items"]]
        return page


@groups_api.route("/<group_slug>")
class GroupBySlug(MethodView):
    @require(VIEW)
    @groups_api.response(200, GroupSchema)
    def get(self, group_slug):
        """One working group (404 unless your organisation is a member)."""
        return group_view(get_group(group_slug))


@groups_api.route("/<group_slug>/feed")
class GroupFeed(MethodView):
    @require(VIEW)
    @groups_api.arguments(FeedListArgs, location="query")
    @groups_api.response(200, FeedPage)
    def get(self, args, group_slug):
        """The group's feed, newest first: records shared, updated and withdrawn by its members."""
        group = get_group(group_slug)
        query = select(GroupFeedEntry).where(GroupFeedEntry.group_id == group.id)
        page = paginate(query, args, {"created_at": GroupFeedEntry.created_at},
                        (GroupFeedEntry.created_at.desc(), GroupFeedEntry.id.desc()))
        page["items"] = [_feed_view(entry) for entry in page["items"]]
        return page


@groups_api.route("/<group_slug>/records")
class GroupRecords(MethodView):
    @require(VIEW)
    @groups_api.arguments(SharedListArgs, location="query")
    @groups_api.response(200, SharedPage)
    def get(self, args, group_slug):
        """The records shared with the group (still shared), last updated first, with their published fields."""
        group = get_group(group_slug)
        query = select(SharedRecord).where(SharedRecord.group_id == group.id, SharedRecord.revoked_at.is_(None))
        page = paginate(query, args, {"updated_at": SharedRecord.updated_at, "title": SharedRecord.title},
                        (SharedRecord.updated_at.desc(), SharedRecord.id.desc()))
        page["items"] = [shared_view(shared) for shared in page["items"]]
        return page


@groups_api.route("/records/<int:shared_id>")
class SharedRecordById(MethodView):
    @require(VIEW)
    @groups_api.response(200, SharedRecordSchema)
    def get(self, shared_id):
        """One shared record with its published fields (404 unless shared with a group of yours)."""
        shared = sharing.visible_shared_record(g.tenant, shared_id) or abort(404)
        return shared_view(shared)

    @require("core.sharing.manage")
    @groups_api.response(204)
    def delete(self, shared_id):
        """Withdraw one of your organisation's shared records: the group's members no longer see it."""
        shared = db.session.get(SharedRecord, shared_id)
        if shared is None or shared.tenant_id != g.tenant.id or shared.revoked_at is not None:
            abort(404)
        sharing.unshare(shared)
        db.session.commit()


@groups_api.route("/shares")
class Shares(MethodView):
    @require("core.sharing.manage")
    @groups_api.arguments(ShareSchema)
    @groups_api.response(201, SharedRecordSchema)
    def post(self, data):
        """Share one of your organisation's records with a group it belongs to; the group sees only the
        record type's published fields, and the other members are notified."""
        kind = sharing.shareable_types().get(data["record_type"])
        if kind is None:
            refuse({"record_type": [_("This kind of record cannot be shared.")]})
        group = sharing.group_for_member(g.tenant, data["group"])
        if group is None:
            refuse({"group": [_("Your organisation is not a member of this working group.")]})
        # A tenant-scoped select: another organisation's record is simply not found.
        record = db.session.execute(select(kind.model).where(kind.model.id == data["record_id"])).scalar_one_or_none()
        if record is None:
            refuse({"record_id": [_("There is nothing here, or you do not have access to it.")]})
        try:
            shared = sharing.share(record, data["record_type"], group, g.tenant)
            db.session.flush()
        except DomainError as error:
            refuse(error, "record_id")
        db.session.commit()
        return shared_view(shared)
