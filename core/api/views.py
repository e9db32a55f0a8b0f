"""Core API endpoints: who a token belongs to."""
from __future__ import annotations

import marshmallow as ma
from flask import abort, g
from flask_login import current_user
from marshmallow import fields

from core.api import ApiBlueprint

core_api = ApiBlueprint("core_api", __name__, tenant=False, description="Who the token belongs to.")


class MeUserSchema(ma.Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    locale = fields.String(allow_none=True)


class MeTenantSchema(ma.Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)


class MeTokenSchema(ma.Schema):
    name = fields.String(required=True)
    prefix = fields.String(required=True)
    expires_at = fields.DateTime(allow_none=True)


class MeSchema(ma.Schema):
    user = fields.Nested(MeUserSchema, required=True)
    tenant = fields.Nested(MeTenantSchema, required=True)
    role = fields.String(required=True)
    token = fields.Nested(MeTokenSchema, required=True)


@core_api.route("/me")
@core_api.response(200, MeSchema)
@core_api.alt_response(401, description="Missing, unknown, expired or revoked token.")
def me():
    """The user, tenant and role the bearer token acts for."""
    token = g.get("api_token") if current_user.is_authenticated else None   # loads the token user
    if token is None:
        abort(401)
    membership = token.membership
    return {"user": membership.user, "tenant": membership.tenant, "role": membership.role.value, "token": token}
