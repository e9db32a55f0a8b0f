"""Marshmallow schemas of the institutions API: an institution as read, as written (POST / PATCH of a
private institution), the list filters and the list envelope. Enums travel as their values, dates as
ISO dates; parent, place and successor are written by code, like the CSV files."""
from __future__ import annotations

from datetime import date

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from core.api.fields import BLANK_CHARACTERS, NOT_BLANK
from core.api.lists import ListArgs, page_schema
from core.registers.models import InstitutionKind
from core.web import MAX_RECORD_ID

DATE_RANGE = validate.Range(min=date(1900, 1, 1), max=date(2100, 12, 31),
                            error=_l("Give a date between 1900 and 2100."))

# Blank, or an address with an @ (as the page takes it), as a pattern the document shows.
EMAIL_OR_BLANK = validate.Regexp(rf"^(?:[{BLANK_CHARACTERS}]*$|[\s\S]*@)", error=_l("Give an e-mail address."))
# Blank, or an address starting with http:// or https:// (core.registers.institutions), likewise.
WEBSITE_OR_BLANK = validate.Regexp(rf"^[{BLANK_CHARACTERS}]*(?:$|[Hh][Tt][Tt][Pp][Ss]?://)",
                                   error=_l("Write the website with http:// or https:// in front."))


def _kind(**kwargs) -> fields.Enum:
    return fields.Enum(InstitutionKind, by_value=True, **kwargs)


class InstitutionSchema(ma.Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    kind = _kind(required=True)
    name_en = fields.String(required=True)
    name_km = fields.String(required=True)
    parent_id = fields.Integer(allow_none=True, required=True)
    parent_code = fields.String(allow_none=True, required=True)
    province_id = fields.Integer(allow_none=True, required=True, metadata={
        "description": "The provincial administration above it (null for national bodies and provinces)."})
    place_id = fields.Integer(allow_none=True, required=True)
    place_code = fields.String(allow_none=True, required=True, metadata={
        "description": "The gazetteer code of the place it governs."})
    ncdd_member = fields.Boolean(required=True)
    phone = fields.String(required=True)
    email = fields.String(required=True)
    website = fields.String(required=True)
    address_en = fields.String(required=True)
    valid_from = fields.Date(allow_none=True, required=True)
    valid_to = fields.Date(allow_none=True, required=True, metadata={
        "description": "The day it ended (renamed, merged, abolished); null while it exists."})
    successor_id = fields.Integer(allow_none=True, required=True)
    successor_code = fields.String(allow_none=True, required=True)
    is_current = fields.Boolean(required=True)
    is_shared = fields.Boolean(required=True, metadata={
        "description": "True for the instance-wide register (read-only here), false for the organisation's own."})


class InstitutionListArgs(ListArgs):
    SORTABLE = ("name_en", "kind", "code")
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Text in the names or code."})
    kind = _kind()
    province = fields.Integer(validate=validate.Range(min=1, max=MAX_RECORD_ID), metadata={
        "description": "Id of a provincial administration: the institutions in that province (itself included)."})
    include_former = fields.Boolean(load_default=False, metadata={
        "description": "Also list institutions that ended (renamed, merged, abolished)."})


InstitutionPage = page_schema(InstitutionSchema, "InstitutionPage")


def _code(**kwargs) -> fields.String:
    return fields.String(validate=validate.Length(max=64), **kwargs)


class InstitutionWriteSchema(ma.Schema):
    """A private institution of the organisation (POST); PATCH takes the same fields, each optional."""

    code = fields.String(required=True, validate=[validate.Length(min=1, max=64), NOT_BLANK])
    kind = _kind(required=True)
    name_en = fields.String(required=True, validate=[validate.Length(min=1, max=255), NOT_BLANK])
    name_km = fields.String(load_default="", validate=validate.Length(max=255))
    parent_code = _code(load_default="", metadata={"description": "Code of the institution above it."})
    place_code = fields.String(load_default="", validate=validate.Length(max=16),
                               metadata={"description": "Gazetteer code of the place it governs."})
    successor_code = _code(load_default="", metadata={"description": "Code of the institution that took over."})
    ncdd_member = fields.Boolean(load_default=False)
    phone = fields.String(load_default="", validate=validate.Length(max=100))
    email = fields.String(load_default="", validate=[validate.Length(max=254), EMAIL_OR_BLANK])
    website = fields.String(load_default="", validate=[validate.Length(max=255), WEBSITE_OR_BLANK])
    address_en = fields.String(load_default="", validate=validate.Length(max=500))
    valid_from = fields.Date(load_default=None, allow_none=True, validate=DATE_RANGE)
    valid_to = fields.Date(load_default=None, allow_none=True, validate=DATE_RANGE)



class InstitutionPatchSchema(InstitutionWriteSchema):
    """The institution's fields, each optional; send If-Match with the ETag you read."""

    name_km = fields.String(validate=validate.Length(max=255))
    parent_code = _code()
    place_code = fields.String(validate=validate.Length(max=16))
    successor_code = _code()
    ncdd_member = fields.Boolean()
    phone = fields.String(validate=validate.Length(max=100))
    email = fields.String(validate=[validate.Length(max=254), EMAIL_OR_BLANK])
    website = fields.String(validate=[validate.Length(max=255), WEBSITE_OR_BLANK])
    address_en = fields.String(validate=validate.Length(max=500))
    valid_from = fields.Date(allow_none=True, validate=DATE_RANGE)
    valid_to = fields.Date(allow_none=True, validate=DATE_RANGE)
