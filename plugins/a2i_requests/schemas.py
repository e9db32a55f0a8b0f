"""Marshmallow schemas of the A2I JSON API: public bodies, requests, workflow steps, events,
correspondence and statistics. Enums travel as their string values, dates as ISO dates."""
from __future__ import annotations

from datetime import date

import marshmallow as ma
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from core.api import refuse
from core.api.fields import NOT_BLANK, enum, record_id
from core.api.files import FileUploadSchema, StoredFileSchema
from core.api.lists import ListArgs, page_schema
from core.registers.models import AgeGroup, InstitutionKind, Sex
from plugins.a2i_requests.models import (Channel, ComplaintOutcome, CorrespondenceKind, Direction, DueRule,
                                         InitialReply, RequestStatus)
from plugins.a2i_requests.statistics import GROUPINGS

# Dates the deadline engine can count from (a typo like 0202 or 9999 is refused, not computed on).
DATE_RANGE = validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31),
                            error=_l("Give a date between 2000 and 2100."))
MAX_TAGS_LENGTH = 500


def api_date(**kwargs) -> fields.Date:
    return fields.Date(validate=DATE_RANGE, **kwargs)


# --- public bodies ------------------------------------------------------------------------------

class BodySchema(ma.Schema):
    """A public body: an institution of the core register (also at /institutions/)."""

    id = fields.Integer(required=True)
    code = fields.String(required=True)
    kind = enum(InstitutionKind, required=True)
    name_en = fields.String(required=True)
    name_km = fields.String(required=True)
    parent_id = fields.Integer(allow_none=True, required=True)
    province_id = fields.Integer(allow_none=True, required=True)
    ncdd_member = fields.Boolean(required=True)
    phone = fields.String(required=True)
    email = fields.String(required=True)
    address_en = fields.String(required=True)
    is_shared = fields.Boolean(required=True, metadata={
        "description": "True for the instance-wide register, false for the organisation's own additions."})


class BodyListArgs(ListArgs):
    SORTABLE = ("name_en", "kind")
    kind = enum(InstitutionKind)
    province_id = record_id(metadata={"description": "Bodies in this province (the province included)."})
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Text in the names or code."})


BodyPage = page_schema(BodySchema, "A2IBodyPage")


# --- requests -------------------------------------------------------------------------------------

class RequestSchema(ma.Schema):
    """A request as listed (no requester identity)."""

    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    subject = fields.String(required=True)
    body_id = fields.Integer(required=True)
    body_name = fields.String(required=True)
    channel = enum(Channel, required=True)
    status = enum(RequestStatus, required=True)
    tags = fields.List(fields.String(), required=True)
    assignee_id = fields.Integer(allow_none=True, required=True)
    assignee_name = fields.String(allow_none=True, required=True)
    submitted_on = fields.Date(allow_none=True, required=True)
    due_on = fields.Date(allow_none=True, required=True)
    due_rule = enum(DueRule, allow_none=True, required=True)
    days_left = fields.Integer(allow_none=True, required=True, metadata={
        "description": "Working days until due_on (0 on the day, negative once late); null without a deadline."})
    answered_on = fields.Date(allow_none=True, required=True)
    on_time = fields.Boolean(allow_none=True, required=True)


class RequestDetailSchema(RequestSchema):
    """One request with its workflow facts. The requester is a contact (requester_contact_id); the
    requester_* fields are read from it. The requester's name, contact and consent are null (and
    requester_hidden true) when the requester is protected and the token's user is neither the
    assignee nor allowed to see protected people, or when the person was erased."""

    question = fields.String(required=True)
    allowed_transitions = fields.List(enum(RequestStatus), required=True)
    requester_hidden = fields.Boolean(required=True)
    requester_name = fields.String(allow_none=True, required=True)
    requester_contact = fields.String(allow_none=True, required=True)
    requester_contact_id = fields.Integer(allow_none=True, required=True, metadata={
        "description": "The requester's contact in the organisation's contacts register (null: none)."})
    requester_user_id = fields.Integer(allow_none=True, required=True, metadata={
        "description": "Deprecated: always null (requesters are contacts)."})
    consent_recorded = fields.Boolean(allow_none=True, required=True)
    protected_requester = fields.Boolean(required=True)
    requester_sex = enum(Sex, required=True)
    requester_age_group = enum(AgeGroup, required=True)
    receipt_number = fields.String(required=True)
    clock_start_on = fields.Date(allow_none=True, required=True)
    initial_reply = enum(InitialReply, allow_none=True, required=True)
    initial_reply_on = fields.Date(allow_none=True, required=True)
    fee_amount = fields.String(required=True)
    fee_accepted_on = fields.Date(allow_none=True, required=True)
    fee_waived = fields.Boolean(required=True)
    extension_reason = fields.String(required=True)
    extended_to = fields.Date(allow_none=True, required=True)
    outcome = enum(RequestStatus, allow_none=True, required=True)
    working_days_to_answer = fields.Integer(allow_none=True, required=True)
    was_extended = fields.Boolean(required=True)
    was_transferred = fields.Boolean(required=True)
    transferred_to_id = fields.Integer(allow_none=True, required=True)
    exemption_ground_code = fields.String(required=True)
    complained = fields.Boolean(required=True)
    complaint_outcome = enum(ComplaintOutcome, allow_none=True, required=True)
    disclosed_summary = fields.String(required=True)
    closed_on = fields.Date(allow_none=True, required=True)
    published = fields.Boolean(required=True)


class RequestListArgs(ListArgs):
    SORTABLE = ("reference", "submitted_on", "due_on")
    status = enum(RequestStatus)
    body_id = record_id()
    assignee_id = record_id()
    overdue = fields.Boolean(metadata={"description": "Only open requests past their due date."})
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Text in the reference or subject."})


RequestPage = page_schema(RequestSchema, "A2IRequestPage")


def _tags_field() -> fields.List:
    return fields.List(fields.String(validate=validate.Length(max=100), metadata={"pattern": "^[^,]*$"}), metadata={
        "description": "Free tags; commas inside a tag are not allowed."})


class RequestWriteSchema(ma.Schema):
    """What a request is filed with (POST); PATCH takes the same fields, each optional."""

    subject = fields.String(required=True, validate=[validate.Length(min=1, max=200), NOT_BLANK])
    question = fields.String(required=True, validate=[validate.Length(min=1, max=20000), NOT_BLANK])
    body_id = record_id(required=True)
    channel = enum(Channel, load_default=Channel.LETTER)
    tags = _tags_field()
    assignee_id = record_id(allow_none=True, metadata={"description": "A member of the organisation; "
                                                                      "defaults to the token's user on creation."})
    requester_contact_id = record_id(allow_none=True, metadata={
        "description": "A person of the organisation's contacts who asked. Or describe a new requester with "
                       "the requester_* fields below (a contact is created), not both."})
    requester_name = fields.String(validate=validate.Length(max=200))
    requester_contact = fields.String(validate=validate.Length(max=200),
                                      metadata={"description": "A phone number or an e-mail address."})
    consent_recorded = fields.Boolean()
    requester_sex = enum(Sex)
    requester_age_group = enum(AgeGroup)
    protected_requester = fields.Boolean()

    @ma.validates("tags")
    def _tags_fit(self, value, **kwargs) -> None:
        if any("," in tag for tag in value):
            raise ma.ValidationError(_l("A tag cannot contain a comma."))
        if len(", ".join(tag.strip() for tag in value if tag.strip())) > MAX_TAGS_LENGTH:
            raise ma.ValidationError(_l("Tags may take at most %(n)s characters together.", n=MAX_TAGS_LENGTH))


class RequestPatchSchema(RequestWriteSchema):
    """The request's own fields, each optional; send If-Match with the ETag you read."""

    channel = enum(Channel)


# --- workflow -------------------------------------------------------------------------------------

class TransitionSchema(ma.Schema):
    """One workflow step. Besides `to`, `occurred_on` and `note`, send only the details the step takes:
    submitted / re_requested: receipt_number; initial_reply: initial_reply (required), fee_amount;
    fee_accepted: fee_waived; extended: extension_reason and extended_to (both required);
    refused: exemption_ground_code (required), disclosed_summary; answered_full: disclosed_summary;
    answered_part: disclosed_summary, exemption_ground_code; transferred: transferred_to_id (required);
    complaint_decided: complaint_outcome (required)."""

    to = enum(RequestStatus, required=True, metadata={"description": "The status the request moves to."})
    occurred_on = api_date(required=True, metadata={"description": "When the step happened (not in the future)."})
    note = fields.String(load_default="", validate=validate.Length(max=5000))
    receipt_number = fields.String(allow_none=True, validate=validate.Length(max=64))
    initial_reply = enum(InitialReply, allow_none=True)
    fee_amount = fields.String(allow_none=True, validate=validate.Length(max=64))
    fee_waived = fields.Boolean(allow_none=True)
    extension_reason = fields.String(allow_none=True, validate=validate.Length(max=5000))
    extended_to = api_date(allow_none=True)
    exemption_ground_code = fields.String(allow_none=True, validate=validate.Length(max=64))
    transferred_to_id = record_id(allow_none=True)
    complaint_outcome = enum(ComplaintOutcome, allow_none=True)
    disclosed_summary = fields.String(allow_none=True, validate=validate.Length(max=20000))


DETAIL_NAMES = ("receipt_number", "initial_reply", "fee_amount", "fee_waived", "extension_reason", "extended_to",
                "exemption_ground_code", "transferred_to_id", "complaint_outcome", "disclosed_summary")


class EventSchema(ma.Schema):
    id = fields.Integer(required=True)
    occurred_on = fields.Date(required=True)
    from_status = enum(RequestStatus, allow_none=True, required=True)
    to_status = enum(RequestStatus, required=True)
    note = fields.String(required=True)
    details = fields.Dict(keys=fields.String(), required=True)
    actor_id = fields.Integer(allow_none=True, required=True)
    actor_name = fields.String(allow_none=True, required=True)


class SubListArgs(ListArgs):
    SORTABLE = ("occurred_on",)


EventPage = page_schema(EventSchema, "A2IEventPage")


# --- correspondence -------------------------------------------------------------------------------

class AttachmentSchema(ma.Schema):
    id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    content_type = fields.String(required=True)
    size_bytes = fields.Integer(required=True)


class CorrespondenceSchema(ma.Schema):
    id = fields.Integer(dump_only=True, required=True)
    kind = enum(CorrespondenceKind, required=True)
    direction = enum(Direction, required=True)
    occurred_on = api_date(required=True)
    summary = fields.String(load_default="", validate=validate.Length(max=10000))
    attachments = fields.List(fields.Nested(AttachmentSchema), dump_only=True, required=True)


CorrespondencePage = page_schema(CorrespondenceSchema, "A2ICorrespondencePage")


# --- statistics -----------------------------------------------------------------------------------

class StatisticsArgs(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    group_by = fields.String(load_default="body", validate=validate.OneOf(GROUPINGS))
    date_from = api_date(metadata={"description": "Requests submitted on or after this date."})
    date_to = api_date(metadata={"description": "Requests submitted on or before this date."})
    kind = enum(InstitutionKind)
    province_id = record_id()

    @ma.validates_schema
    def _ordered(self, data, **kwargs) -> None:
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            refuse({"date_to": [_("The end date must not be before the start date.")]})


class StatRowSchema(ma.Schema):
    key = fields.String(allow_none=True, required=True, metadata={
        "description": "The body id, body kind or province id of the row (null: national bodies, or the total)."})
    label = fields.String(required=True)
    requests = fields.Integer(required=True)
    answered_full = fields.Float(required=True, metadata={"description": "Percent of requests."})
    answered_part = fields.Float(required=True)
    refused = fields.Float(required=True)
    extended = fields.Float(required=True)
    transferred = fields.Float(required=True)
    on_time = fields.Float(required=True)
    complaints = fields.Integer(required=True)
    mean_days = fields.Float(allow_none=True, required=True)
    median_days = fields.Float(allow_none=True, required=True)


class StatisticsSchema(ma.Schema):
    group_by = fields.String(required=True)
    rows = fields.List(fields.Nested(StatRowSchema), required=True)
    total = fields.Nested(StatRowSchema, required=True)


# --- attachments (core/api/files.py) --------------------------------------------------------------

class AttachmentFileSchema(StoredFileSchema):
    """A file attached to a request; download it from download_url."""

    correspondence_id = fields.Integer(allow_none=True, required=True, metadata={
        "description": "The correspondence it came with (null: attached to the request itself)."})
    created_at = fields.DateTime(required=True)


class AttachmentUploadSchema(FileUploadSchema):
    """The multipart body of an attachment: the file, and optionally the correspondence it came with."""

    correspondence_id = record_id(metadata={"description": "A correspondence entry of the same request."})


AttachmentPage = page_schema(AttachmentFileSchema, "A2IAttachmentPage")
