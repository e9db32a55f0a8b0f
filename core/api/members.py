"""Members and roles in the JSON API, under /api/v1/t/<tenant>/members/ and …/roles: owners and admins
list, add and change members with the administration pages' rules (core.admin.services: only an owner
hands out or takes away ownership, the last owner stays, nobody deactivates themselves). A new
member is told by e-mail as on the page; every change is audited (Membership is Audited)."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import abort, current_app, g
from flask.views import MethodView
from flask_login import current_user
from marshmallow import fields, validate
from sqlalchemy import select

from core.admin import services
from core.api import ApiBlueprint, refuse
from core.api.fields import enum
from core.api.lists import ListArgs, paginate, page_schema
from core.auth.views import send_invitation
from core.errors import DomainError
from core.extensions import db
from core.models import Membership, Role, User
from core.permissions import require, role_label
from core.search import any_contains

members_api = ApiBlueprint("members_api", __name__, description="Members of the organisation and their roles "
                                                                "(owners and administrators).")

MANAGE = "core.members.manage"
SORT = {"email": User.email, "name": User.name, "created_at": Membership.created_at}


class MemberSchema(ma.Schema):
    id = fields.Integer(required=True, metadata={"description": "The membership's id (used in the URLs)."})
    user_id = fields.Integer(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    role = enum(Role, required=True)
    role_label = fields.String(required=True, metadata={"description": "The role's name in your language."})
    is_active = fields.Boolean(required=True, metadata={"description": "False: the person can no longer use "
                                                                       "this organisation."})
    created_at = fields.DateTime(required=True)


class MemberListArgs(ListArgs):
    SORTABLE = tuple(SORT)
    role = enum(Role)
    active = fields.Boolean(metadata={"description": "Only active (true) or deactivated (false) members."})
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Text in the e-mail or name."})


class MemberAddSchema(ma.Schema):
    email = fields.Email(required=True, validate=validate.Length(min=3, max=254))
    name = fields.String(load_default="", validate=validate.Length(max=200), metadata={
        "description": "Only needed when the person has no Samaki account yet."})
    role = enum(Role, load_default=Role.MEMBER, metadata={
        "description": "Only an owner can make someone an owner."})


class MemberPatchSchema(ma.Schema):
    role = enum(Role, metadata={"description": "Only an owner gives or takes away the owner role; an "
                                               "organisation keeps at least one owner."})
    is_active = fields.Boolean(metadata={"description": "false: the person can no longer use this organisation "
                                                        "(not yourself, not the last owner)."})


class RoleSchema(ma.Schema):
    role = enum(Role, required=True)
    label = fields.String(required=True)
    members = fields.Integer(required=True, metadata={"description": "Active members with this role."})
    permissions = fields.List(fields.String(), required=True, metadata={
        "description": "What the role may do (permission names, core and modules)."})


class RoleListSchema(ma.Schema):
    items = fields.List(fields.Nested(RoleSchema), required=True)


MemberPage = page_schema(MemberSchema, "MemberPage")


def member_view(membership: Membership) -> dict[str, Any]:
    user = membership.user
    return {"id": membership.id, "user_id": user.id, "email": user.email, "name": user.name,
            "role": membership.role, "role_label": str(role_label(membership.role)),
            "is_active": membership.is_active, "created_at": membership.created_at}


def get_membership(membership_id: int) -> Membership:
    """A membership of the current tenant (Membership is not TenantScoped: checked here), else 404."""
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.tenant_id != g.tenant.id:
        abort(404)
    return membership


@members_api.route("/members/")
class Members(MethodView):
    @require(MANAGE)
    @members_api.arguments(MemberListArgs, location="query")
    @members_api.response(200, MemberPage)
    def get(self, args):
        """List the organisation's members (active first, then in the order they joined unless sorted)."""
        query = select(Membership).join(User, User.id == Membership.user_id).where(Membership.tenant_id == g.tenant.id)
        if args.get("role"):
            query = query.where(Membership.role == args["role"])
        if args.get("active") is not None:
            query = query.where(Membership.is_active.is_(args["active"]))
        if (args.get("q") or "").strip():
            query = query.where(any_contains([User.email, User.name], args["q"]))
        page = paginate(query, args, SORT, (Membership.is_active.desc(), Membership.id))
        page["items"] = [member_view(membership) for membership in page["items"]]
        return page

    @require(MANAGE)
    @members_api.arguments(MemberAddSchema)
    @members_api.response(201, MemberSchema)
    def post(self, data):
        """Add a person, creating their account when they have none; they are told by e-mail (a new
        account gets a link to set its password)."""
        try:
            membership, created = services.add_member(g.tenant, email=data["email"], name=data["name"],
                                                      role=data["role"], actor_role=g.membership.role)
            db.session.flush()
        except DomainError as error:
            refuse(error, "email")
        send_invitation(membership.user, g.tenant, new_account=created)
        db.session.commit()
        return member_view(membership)


@members_api.route("/members/<int:membership_id>")
class MemberById(MethodView):
    @require(MANAGE)
    @members_api.etag
    @members_api.response(200, MemberSchema)
    def get(self, membership_id):
        """One member."""
        return member_view(get_membership(membership_id))

    @require(MANAGE)
    @members_api.etag
    @members_api.arguments(MemberPatchSchema)
    @members_api.response(200, MemberSchema)
    def patch(self, data, membership_id):
        """Change a member's role or (de)activate them; send If-Match with the ETag you read. The rules
        are the members page's: a 422 names the field at fault and nothing changes."""
        membership = get_membership(membership_id)
        members_api.check_etag(member_view(membership), MemberSchema)
        try:
            if "role" in data and data["role"] != membership.role:
                services.change_role(membership, data["role"], actor_role=g.membership.role)
            if "is_active" in data and data["is_active"] != membership.is_active:
                services.set_member_active(membership, data["is_active"], actor_role=g.membership.role,
                                           actor_id=current_user.id)
            db.session.flush()
        except DomainError as error:
            refuse(error, "role" if "role" in data else "is_active")
        db.session.commit()
        return member_view(get_membership(membership_id))


@members_api.route("/roles")
class Roles(MethodView):
    @require(MANAGE)
    @members_api.response(200, RoleListSchema)
    def get(self):
        """The roles, most powerful first, with how many active members have each and what each may do."""
        from core.admin.queries import member_count_by_role
        counts = member_count_by_role(g.tenant)
        registry = current_app.extensions["samaki"].permissions
        return {"items": [{"role": role, "label": str(role_label(role)), "members": counts.get(role, 0),
                           "permissions": sorted(registry.for_role(role))} for role in Role]}
