"""Marshmallow schemas of the laws API: register entries, their stage history and versions. Enums
travel as their string values, dates as ISO dates."""
from __future__ import annotations

from datetime import date

import marshmallow as ma
from flask_smorest.fields import Upload
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from core.api import refuse
from core.api.fields import NOT_BLANK, enum, record_id
from core.api.lists import ListArgs, page_schema
from plugins.policy_tracker.models import InstrumentType, StageKind

DATE_RANGE = validate.Range(min=date(1950, 1, 1), max=date(2100, 12, 31),
                            error=_l("Give a date between 1950 and 2100."))
MAX_TAGS_LENGTH = 500


class PolicyLawStageSchema(ma.Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True, metadata={"description": "In the token user's language."})
    name_en = fields.String(required=True)
    name_km = fields.String(required=True)
    kind = enum(StageKind, required=True)


class PolicyLawSchema(ma.Schema):
    """A register entry as listed."""

    id = fields.Integer(required=True)
    official = fields.Boolean(required=True, metadata={"description": "In the shared register (else the "
                                                                      "organisation's private entry)."})
    title_en = fields.String(required=True)
    title_km = fields.String(required=True)
    short_name = fields.String(required=True)
    instrument_type = enum(InstrumentType, required=True)
    tags = fields.List(fields.String(), required=True)
    current_stage = fields.Nested(PolicyLawStageSchema, allow_none=True, required=True)
    current_stage_on = fields.Date(allow_none=True, required=True)
    is_demo = fields.Boolean(required=True, metadata={"description": "Seeded demonstration content, not fact."})


class PolicyLawDetailSchema(PolicyLawSchema):
    summary_en = fields.String(required=True)
    summary_km = fields.String(required=True)
    links = fields.List(fields.String(), required=True)
    institution_ids = fields.List(fields.Integer(), required=True)
    may_edit = fields.Boolean(required=True, metadata={"description": "Whether the token's user may change it."})


class PolicyLawListArgs(ListArgs):
    SORTABLE = ("title_en", "current_stage_on")
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Text in the titles or tags."})
    type = enum(InstrumentType)
    stage = fields.String(validate=validate.Length(max=64),
                          metadata={"description": "The code of the current stage (e.g. national_assembly)."})


LawPage = page_schema(PolicyLawSchema, "PolicyLawPage")


def _tags_field() -> fields.List:
    return fields.List(fields.String(validate=validate.Length(max=100), metadata={"pattern": "^[^,]*$"}), metadata={
        "description": "Topic tags; commas inside a tag are not allowed."})


class PolicyLawWriteSchema(ma.Schema):
    """A private entry of the organisation (POST); PATCH takes the same fields, each optional."""

    title_en = fields.String(required=True, validate=[validate.Length(min=1, max=300), NOT_BLANK])
    title_km = fields.String(load_default="", validate=validate.Length(max=300))
    short_name = fields.String(validate=validate.Length(max=64))
    instrument_type = enum(InstrumentType, required=True)
    institution_ids = fields.List(record_id(), metadata={"description": "Lead institutions from the register."})
    tags = _tags_field()
    summary_en = fields.String(validate=validate.Length(max=20000))
    summary_km = fields.String(validate=validate.Length(max=20000))
    links = fields.List(fields.String(validate=validate.Length(max=1000)))

    @ma.validates("tags")
    def _tags_fit(self, value, **kwargs) -> None:
        if any("," in tag for tag in value):
            raise ma.ValidationError(_l("A tag cannot contain a comma."))
        if len(", ".join(tag.strip() for tag in value if tag.strip())) > MAX_TAGS_LENGTH:
            raise ma.ValidationError(_l("Tags may take at most %(n)s characters together.", n=MAX_TAGS_LENGTH))


class PolicyLawPatchSchema(PolicyLawWriteSchema):
    """The entry's own fields, each optional; send If-Match with the ETag you read."""


class PolicyLawStageChangeSchema(ma.Schema):
    """One entry of the stage history; POST a stage_id (or stage code), the date, a source and a note."""

    id = fields.Integer(dump_only=True)
    stage_id = record_id(metadata={"description": "A stage of the law's instrument type."})
    stage_code = fields.String(validate=validate.Length(max=64), metadata={"description": "Or the stage's code."})
    stage = fields.Nested(PolicyLawStageSchema, dump_only=True)
    occurred_on = fields.Date(required=True, validate=DATE_RANGE,
                              metadata={"description": "Not before the latest change."})
    source = fields.String(load_default="", validate=validate.Length(max=500))
    note = fields.String(load_default="", validate=validate.Length(max=5000))

    @ma.validates_schema
    def _one_stage(self, data, **kwargs) -> None:
        if not data.get("stage_id") and not data.get("stage_code"):
            refuse({"stage_id": [_("Give the stage (stage_id or stage_code).")]})


class PolicyLawSubListArgs(ListArgs):
    pass


StageChangePage = page_schema(PolicyLawStageChangeSchema, "PolicyStageChangePage")


class PolicyLawVersionFileSchema(ma.Schema):
    id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    content_type = fields.String(required=True)
    size_bytes = fields.Integer(required=True)


class PolicyLawVersionSchema(ma.Schema):
    """A version of the law's text; files are uploaded on the law's page."""

    id = fields.Integer(dump_only=True)
    label = fields.String(required=True, validate=[validate.Length(min=1, max=100), NOT_BLANK])
    dated_on = fields.Date(allow_none=True, load_default=None, validate=DATE_RANGE)
    source = fields.String(load_default="", validate=validate.Length(max=500))
    note = fields.String(load_default="", validate=validate.Length(max=5000))
    files = fields.List(fields.Nested(PolicyLawVersionFileSchema), dump_only=True)


VersionPage = page_schema(PolicyLawVersionSchema, "PolicyVersionPage")


class PolicyLawVersionUploadSchema(PolicyLawVersionSchema):
    """A version with its file (multipart/form-data): the version's fields and the file as `file`."""

    dated_on = fields.Date(validate=DATE_RANGE, metadata={"description": "Leave it out when the text is undated."})
    file = Upload(required=True, metadata={"description": "PDF, Word (.docx), OpenDocument (.odt), text, PNG or "
                                                          "JPEG, at most 20 MB; the content must match the name."})
