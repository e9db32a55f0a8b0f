"""Marshmallow schemas of the campaigns API: campaigns, recommendations and activities. Enums travel
as their values, dates as ISO dates. Stakeholders and attendees appear as ids with the name the
reader may see (core.registers.protection.shown_name); strategy notes and budget are null without
policy.campaigns.strategy."""
from __future__ import annotations

from datetime import date

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from core.api.fields import BLANK_CHARACTERS, NOT_BLANK, enum, record_id
from core.api.lists import ListArgs, page_schema
from plugins.policy_tracker.models import ActivityKind, CampaignStatus, Outcome

DATE_RANGE = validate.Range(min=date(1990, 1, 1), max=date(2100, 12, 31),
                            error=_l("Give a date between 1990 and 2100."))
COUNT = validate.Range(min=0, max=1_000_000)
# A budget as core.registers.projects.parse_budget reads it (blank, or 0 to 99999999999999.99 with at
# most two decimals), as a pattern the document shows.
BUDGET = validate.Regexp(rf"^(?:[{BLANK_CHARACTERS}]*|[0-9]{{1,14}}(?:\.[0-9]{{1,2}})?)$",
                         error=_l("Give the budget as a number, for example 25000 or 25000.50."))


def api_date(**kwargs) -> fields.Date:
    return fields.Date(validate=DATE_RANGE, **kwargs)


def id_list(**kwargs) -> fields.List:
    return fields.List(record_id(), validate=validate.Length(max=200), **kwargs)


# --- campaigns ----------------------------------------------------------------------------------------

class NamedIdSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class StakeholderSchema(ma.Schema):
    """A stakeholder: the contact's id and the name the token's user may see (a stand-in for a
    protected or erased person), with the role in the campaign."""

    contact_id = fields.Integer(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)


class CampaignSchema(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    goal = fields.String(required=True)
    status = enum(CampaignStatus, required=True)
    project_id = fields.Integer(allow_none=True, required=True)
    starts_on = fields.Date(allow_none=True, required=True)
    ends_on = fields.Date(allow_none=True, required=True)


class CampaignDetailSchema(CampaignSchema):
    law_ids = fields.List(fields.Integer(), required=True)
    institution_ids = fields.List(fields.Integer(), required=True)
    team = fields.List(fields.Nested(NamedIdSchema), required=True)
    stakeholders = fields.List(fields.Nested(StakeholderSchema), required=True)
    strategy_notes = fields.String(allow_none=True, required=True, metadata={
        "description": "Null unless the token's user holds policy.campaigns.strategy."})
    budget = fields.String(allow_none=True, required=True, metadata={
        "description": "USD, as a decimal string; null when not set or not visible to the token's user."})


class StakeholderWriteSchema(ma.Schema):
    contact_id = record_id(required=True)
    role = fields.String(load_default="", validate=validate.Length(max=200))


class CampaignWriteSchema(ma.Schema):
    title = fields.String(required=True, validate=[validate.Length(min=1, max=300), NOT_BLANK])
    goal = fields.String(validate=validate.Length(max=20000))
    status = enum(CampaignStatus)
    project_id = record_id(allow_none=True)
    starts_on = api_date(allow_none=True)
    ends_on = api_date(allow_none=True)
    strategy_notes = fields.String(validate=validate.Length(max=20000), metadata={
        "description": "Needs policy.campaigns.strategy."})
    budget = fields.String(allow_none=True, validate=[validate.Length(max=40), BUDGET], metadata={
        "description": "USD as a decimal string, e.g. \"25000.50\" (blank for none); needs policy.campaigns.strategy."})
    law_ids = id_list()
    institution_ids = id_list()
    team_user_ids = id_list()
    stakeholders = fields.List(fields.Nested(StakeholderWriteSchema), validate=validate.Length(max=200),
                               metadata={"description": "Replaces the campaign's stakeholders."})


class CampaignPatchSchema(CampaignWriteSchema):
    """The fields a PATCH may change (all optional)."""


class CampaignListArgs(ListArgs):
    SORTABLE = ("title", "starts_on")
    status = enum(CampaignStatus)
    law_id = record_id()
    project_id = record_id()
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Text in the title or goal."})


CampaignPage = page_schema(CampaignSchema, "PolicyCampaignPage")


# --- recommendations ----------------------------------------------------------------------------------

class RecommendationSchema(ma.Schema):
    id = fields.Integer(required=True)
    law_id = fields.Integer(required=True)
    version_id = fields.Integer(allow_none=True, required=True)
    article = fields.String(required=True)
    campaign_id = fields.Integer(allow_none=True, required=True)
    text_en = fields.String(required=True)
    text_km = fields.String(required=True)
    submitted_to_id = fields.Integer(allow_none=True, required=True)
    submitted_on = fields.Date(allow_none=True, required=True)
    outcome = enum(Outcome, required=True)
    outcome_on = fields.Date(allow_none=True, required=True)
    outcome_evidence = fields.String(required=True)
    partner_tenant_ids = fields.List(fields.Integer(), required=True, metadata={
        "description": "Other organisations of this instance that submitted it jointly."})
    organisation_ids = fields.List(fields.Integer(), required=True, metadata={
        "description": "Co-submitting organisations from the contacts register."})


class RecommendationWriteSchema(ma.Schema):
    law_id = record_id(required=True)
    version_id = record_id(allow_none=True)
    article = fields.String(validate=validate.Length(max=100))
    campaign_id = record_id(allow_none=True)
    text_en = fields.String(validate=validate.Length(max=20000))
    text_km = fields.String(validate=validate.Length(max=20000))
    submitted_to_id = record_id(allow_none=True)
    submitted_on = api_date(allow_none=True)
    partner_tenant_ids = id_list()
    organisation_ids = id_list()


class RecommendationPatchSchema(RecommendationWriteSchema):
    """The fields a PATCH may change (all optional)."""


class OutcomeSchema(ma.Schema):
    outcome = enum(Outcome, required=True)
    outcome_on = api_date(allow_none=True, load_default=None)
    outcome_evidence = fields.String(load_default="", validate=validate.Length(max=20000))


class RecommendationListArgs(ListArgs):
    SORTABLE = ("submitted_on", "outcome_on")
    law_id = record_id()
    campaign_id = record_id()
    outcome = enum(Outcome)
    date_from = api_date(metadata={"description": "Submitted on or after."})
    date_to = api_date(metadata={"description": "Submitted on or before."})
    q = fields.String(validate=validate.Length(max=200))


RecommendationPage = page_schema(RecommendationSchema, "PolicyRecommendationPage")


class TakenUpArgs(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    law_id = record_id()
    campaign_id = record_id()
    date_from = api_date()
    date_to = api_date()


class TakenUpSchema(ma.Schema):
    pending = fields.Integer(required=True)
    adopted = fields.Integer(required=True)
    partly_adopted = fields.Integer(required=True)
    rejected = fields.Integer(required=True)


# --- activities ---------------------------------------------------------------------------------------

class ActivitySchema(ma.Schema):
    id = fields.Integer(required=True)
    kind = enum(ActivityKind, required=True)
    title = fields.String(required=True)
    occurred_on = fields.Date(required=True)
    campaign_id = fields.Integer(allow_none=True, required=True)
    place_id = fields.Integer(allow_none=True, required=True)
    summary = fields.String(required=True)
    is_public = fields.Boolean(required=True)
    participants_total = fields.Integer(required=True)
    participants_women = fields.Integer(required=True)
    participants_youth = fields.Integer(required=True)
    participants_disability = fields.Integer(required=True)


class ActivityDetailSchema(ActivitySchema):
    attendees = fields.List(fields.Nested(NamedIdSchema), required=True, metadata={
        "description": "Contacts who attended: id and the name the token's user may see."})


class ActivityWriteSchema(ma.Schema):
    kind = enum(ActivityKind)
    title = fields.String(required=True, validate=[validate.Length(min=1, max=300), NOT_BLANK])
    occurred_on = api_date(required=True)
    campaign_id = record_id(allow_none=True)
    place_id = record_id(allow_none=True)
    summary = fields.String(validate=validate.Length(max=20000))
    is_public = fields.Boolean()
    participants_total = fields.Integer(validate=COUNT)
    participants_women = fields.Integer(validate=COUNT)
    participants_youth = fields.Integer(validate=COUNT)
    participants_disability = fields.Integer(validate=COUNT)
    attendee_ids = id_list()


class ActivityPatchSchema(ActivityWriteSchema):
    """The fields a PATCH may change (all optional)."""


class ActivityListArgs(ListArgs):
    SORTABLE = ("occurred_on", "title")
    campaign_id = record_id()
    kind = enum(ActivityKind)
    date_from = api_date()
    date_to = api_date()
    q = fields.String(validate=validate.Length(max=200))


ActivityPage = page_schema(ActivitySchema, "PolicyActivityPage")
