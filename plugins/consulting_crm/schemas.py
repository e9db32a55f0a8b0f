"""Marshmallow schemas of the consulting JSON API: opportunities and stage moves, proposals, the
consultant pool, engagements, invoices and the pipeline figures. Enums travel as their values, dates
as ISO dates; money is read as a number with at most two decimals and written back as a decimal
string ("48000.00") so that no amount is rounded on its way. Rates, ratings and CVs of consultants
(and costs and margins, which reveal them) are null without consulting.pool.rates."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import marshmallow as ma
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from core.api import refuse
from core.api.fields import NOT_BLANK, enum, record_id
from core.api.files import StoredFileSchema
from core.api.lists import ListArgs, page_schema
from plugins.consulting_crm.models import (ClientType, Currency, DeliverableStatus, EngagementStatus, InvoiceStatus,
                                           OpportunitySource, ProposalResult, StageOutcome)
from plugins.consulting_crm.pool import LANGUAGES

DATE_RANGE = validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31),
                            error=_l("Give a date between 2000 and 2100."))
MAX_MONEY = Decimal("999999999999.99")
MONEY_RANGE = validate.Range(min=0, max=MAX_MONEY, error=_l("Give an amount between 0 and 999,999,999,999.99."))
RATE_RANGE = validate.Range(min=Decimal("0.0001"), max=Decimal("99999999.9999"),
                            error=_l("The exchange rate must be more than zero."))
SHARE_RANGE = validate.Range(min=0, max=100, error=_l("Give a share between 0 and 100 percent."))
DAYS_RANGE = validate.Range(min=0, max=Decimal("999999.99"), error=_l("Give a number of days between 0 and 999,999."))
QUANTITY_RANGE = validate.Range(min=0, max=Decimal("99999999.99"), error=_l("Give a quantity of 0 or more."))
PROBABILITY = validate.Range(min=0, max=100, error=_l("Give a probability between 0 and 100 percent."))


def api_date(**kwargs) -> fields.Date:
    return fields.Date(validate=DATE_RANGE, **kwargs)


def text(max_length: int, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(max=max_length), **kwargs)


def money_in(validator=MONEY_RANGE, maximum=MAX_MONEY, **kwargs) -> fields.Decimal:
    """An amount as a number with at most two decimals. The bounds are repeated as numbers for the
    OpenAPI document (apispec would write Decimal bounds as strings)."""
    metadata = {"minimum": 0, "maximum": float(maximum), **kwargs.pop("metadata", {})}
    if kwargs.get("load_default") is not None:
        metadata["default"] = float(kwargs["load_default"])    # a number in the document, as the field is
    return fields.Decimal(places=2, allow_nan=False, validate=validator, metadata=metadata, **kwargs)


def rate_in(**kwargs) -> fields.Decimal:
    metadata = {"minimum": 0.0001, "maximum": 99999999.9999,
                "description": "Riel per US dollar, e.g. 4100 (the National Bank of Cambodia's official rate).",
                **kwargs.pop("metadata", {})}
    return fields.Decimal(places=4, allow_nan=False, validate=RATE_RANGE, metadata=metadata, **kwargs)


def money_out(description: str = "A decimal string, e.g. \"48000.00\"; null when not set.") -> fields.String:
    return fields.String(allow_none=True, required=True, metadata={"description": description})


def hidden_money(description: str) -> fields.String:
    return fields.String(allow_none=True, required=True, metadata={
        "description": f"{description} A decimal string; null unless the token's user holds consulting.pool.rates."})


class DateOrderMixin:
    """Refuses a period (date_from, date_to) that ends before it starts: a rule between two valid
    dates, so a business-rule 422 (core.api.refuse)."""

    PERIODS = (("date_from", "date_to"),)

    @ma.validates_schema
    def _ordered(self, data, **kwargs) -> None:
        for start, end in self.PERIODS:
            if data.get(start) and data.get(end) and data[start] > data[end]:
                refuse({end: [_("The end date must not be before the start date.")]})


class NamedIdSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True, metadata={"description": "The name the token's user may see."})


# --- opportunities -----------------------------------------------------------------------------------

class StageSchema(ma.Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True, metadata={"description": "The stage's name in the reader's language."})
    outcome = enum(StageOutcome, required=True)


class OpportunitySchema(ma.Schema):
    """An opportunity as listed."""

    id = fields.Integer(required=True)
    title = fields.String(required=True)
    client_id = fields.Integer(allow_none=True, required=True)
    client_name = fields.String(allow_none=True, required=True)
    source = enum(OpportunitySource, required=True)
    call_reference = fields.String(required=True)
    stage = fields.Nested(StageSchema, required=True)
    questions_due_on = fields.Date(allow_none=True, required=True)
    submission_due_on = fields.Date(allow_none=True, required=True)
    expected_start_on = fields.Date(allow_none=True, required=True)
    currency = enum(Currency, required=True)
    estimated_value = money_out()
    khr_per_usd = money_out("Riel per US dollar used for this value, a decimal string; null when not set.")
    rate_on = fields.Date(allow_none=True, required=True)
    rate_source = fields.String(required=True)
    value_usd = money_out("The value in US dollars at the recorded rate; null without a value (or a rate).")
    probability = fields.Integer(required=True, metadata={"description": "Percent."})
    weighted_value_usd = money_out("Value in US dollars × probability; null without a value.")
    owner_id = fields.Integer(allow_none=True, required=True)
    owner_name = fields.String(allow_none=True, required=True)
    project_id = fields.Integer(allow_none=True, required=True)
    lost_reason = fields.String(required=True)
    closed_on = fields.Date(allow_none=True, required=True)


class PartnerSchema(ma.Schema):
    partner_id = fields.Integer(required=True)
    name = fields.String(required=True)
    share_percent = fields.String(required=True, metadata={"description": "Percent, a decimal string."})
    role = fields.String(required=True)


class MoveSchema(ma.Schema):
    from_stage_id = fields.Integer(allow_none=True, required=True)
    to_stage_id = fields.Integer(required=True)
    to_stage_code = fields.String(required=True)
    moved_at = fields.DateTime(required=True)
    moved_by_id = fields.Integer(allow_none=True, required=True)


class OpportunityDetailSchema(OpportunitySchema):
    description = fields.String(required=True)
    stage_entered_at = fields.DateTime(required=True)
    partners = fields.List(fields.Nested(PartnerSchema), required=True)
    moves = fields.List(fields.Nested(MoveSchema), required=True, metadata={"description": "Oldest first."})
    proposal_ids = fields.List(fields.Integer(), required=True)
    engagement_id = fields.Integer(allow_none=True, required=True)
    allowed_stages = fields.List(fields.String(), required=True, metadata={
        "description": "Codes of the stages it may move to now (what each needs is there)."})


class PartnerWriteSchema(ma.Schema):
    partner_id = record_id(required=True, metadata={"description": "An organisation of your contacts."})
    share_percent = money_in(SHARE_RANGE, Decimal(100), load_default=Decimal(0))
    role = text(200, load_default="", metadata={"description": "lead, sub-contractor…"})


class OpportunityWriteSchema(DateOrderMixin, ma.Schema):
    """What an opportunity is created with (it starts in the first stage; move it with …/stage)."""

    PERIODS = (("questions_due_on", "submission_due_on"),)

    title = fields.String(required=True, validate=[validate.Length(min=1, max=300), NOT_BLANK])
    client_id = record_id(allow_none=True, metadata={"description": "An organisation of your contacts."})
    source = enum(OpportunitySource)
    call_reference = text(200)
    description = text(20000)
    questions_due_on = api_date(allow_none=True)
    submission_due_on = api_date(allow_none=True)
    expected_start_on = api_date(allow_none=True)
    currency = enum(Currency)
    estimated_value = money_in(allow_none=True)
    khr_per_usd = rate_in(allow_none=True)
    rate_on = api_date(allow_none=True)
    rate_source = text(200)
    probability = fields.Integer(validate=PROBABILITY, metadata={
        "description": "Percent; the stage's default when not given."})
    owner_id = record_id(allow_none=True, metadata={"description": "A member of your organisation."})
    project_id = record_id(allow_none=True)
    partners = fields.List(fields.Nested(PartnerWriteSchema), validate=validate.Length(max=20), metadata={
        "description": "Consortium partners; replaces the current ones."})


class OpportunityPatchSchema(OpportunityWriteSchema):
    """The fields a PATCH may change (all optional; not the stage: POST …/stage)."""


class StageMoveWriteSchema(ma.Schema):
    stage = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={
        "description": "The code of the stage to move to (lead, qualified, writing, submitted, negotiation, "
                       "won, lost by default)."})
    lost_reason = text(20000, metadata={"description": "Needed to move to a lost stage."})


class OpportunityListArgs(DateOrderMixin, ListArgs):
    SORTABLE = ("title", "submission_due_on", "estimated_value", "probability", "created_at")
    PERIODS = (("deadline_from", "deadline_to"),)

    stage = text(64, metadata={"description": "A stage code."})
    outcome = enum(StageOutcome, metadata={"description": "open, won or lost."})
    owner_id = record_id()
    client_id = record_id()
    deadline_from = api_date(metadata={"description": "Submission deadline on or after this day."})
    deadline_to = api_date(metadata={"description": "Submission deadline on or before this day."})
    q = text(200, metadata={"description": "Text in the title or the call reference."})


OpportunityPage = page_schema(OpportunitySchema, "ConsultingOpportunityPage")


# --- proposals ---------------------------------------------------------------------------------------

class ProposalSchema(ma.Schema):
    id = fields.Integer(required=True)
    opportunity_id = fields.Integer(required=True)
    title = fields.String(required=True)
    currency = enum(Currency, required=True)
    submitted_on = fields.Date(allow_none=True, required=True)
    result = enum(ProposalResult, required=True)
    budget_total = money_out("The sum of the budget lines, a decimal string.")


class ProposalFileSchema(ma.Schema):
    id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    content_type = fields.String(required=True)
    size_bytes = fields.Integer(required=True)


class ProposalVersionSchema(ma.Schema):
    id = fields.Integer(required=True)
    label = fields.String(required=True)
    note = fields.String(required=True)
    files = fields.List(fields.Nested(ProposalFileSchema), required=True, metadata={
        "description": "Download them on the proposal's page; files cannot be sent through the API."})


class BudgetLineSchema(ma.Schema):
    description = fields.String(required=True)
    unit = fields.String(required=True)
    quantity = fields.String(required=True)
    unit_cost = fields.String(required=True)
    amount = fields.String(required=True, metadata={"description": "quantity × unit cost, a decimal string."})


class TeamMemberSchema(ma.Schema):
    consultant_id = fields.Integer(required=True)
    name = fields.String(required=True, metadata={"description": "The name the token's user may see."})
    role = fields.String(required=True)
    days = fields.String(allow_none=True, required=True)


class ProposalDetailSchema(ProposalSchema):
    feedback = fields.String(required=True)
    versions = fields.List(fields.Nested(ProposalVersionSchema), required=True)
    budget_lines = fields.List(fields.Nested(BudgetLineSchema), required=True)
    team = fields.List(fields.Nested(TeamMemberSchema), required=True)


class BudgetLineWriteSchema(ma.Schema):
    description = fields.String(required=True, validate=[validate.Length(min=1, max=300), NOT_BLANK])
    unit = text(50, load_default="", metadata={"description": "day, workshop, lump sum…"})
    quantity = money_in(QUANTITY_RANGE, Decimal("99999999.99"), load_default=Decimal(1))
    unit_cost = money_in(required=True)


class TeamMemberWriteSchema(ma.Schema):
    consultant_id = record_id(required=True)
    role = text(200, load_default="", metadata={"description": "team leader, trainer…"})
    days = money_in(DAYS_RANGE, Decimal("999999.99"), allow_none=True, load_default=None)


class ProposalWriteSchema(ma.Schema):
    opportunity_id = record_id(required=True)
    title = fields.String(required=True, validate=[validate.Length(min=1, max=300), NOT_BLANK])
    currency = enum(Currency, load_default=Currency.USD)
    submitted_on = api_date(allow_none=True, load_default=None)
    version_label = text(100, load_default="", metadata={
        "description": "A first version's label (files are added on the proposal's page)."})
    budget_lines = fields.List(fields.Nested(BudgetLineWriteSchema), load_default=list,
                               validate=validate.Length(max=200))
    team = fields.List(fields.Nested(TeamMemberWriteSchema), load_default=list, validate=validate.Length(max=50))


class ProposalListArgs(ListArgs):
    SORTABLE = ("submitted_on", "title", "created_at")
    opportunity_id = record_id()
    result = enum(ProposalResult)


ProposalPage = page_schema(ProposalSchema, "ConsultingProposalPage")


# --- consultants -------------------------------------------------------------------------------------

class AvailabilitySchema(ma.Schema):
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    note = fields.String(required=True)


class ConsultantSchema(ma.Schema):
    id = fields.Integer(required=True)
    contact_id = fields.Integer(required=True)
    name = fields.String(required=True, metadata={"description": "The name the token's user may see."})
    expertise = fields.List(fields.String(), required=True)
    languages = fields.List(fields.String(), required=True, metadata={"description": "Language codes: km, en, fr…"})
    is_active = fields.Boolean(required=True)
    day_rate = hidden_money("The consultant's day rate.")
    rate_currency = enum(Currency, allow_none=True, required=True, metadata={
        "description": "Null unless the token's user holds consulting.pool.rates."})
    average_rating = fields.Float(allow_none=True, required=True, metadata={
        "description": "1 to 5; null without ratings or unless the token's user holds consulting.pool.rates."})


class RatingSchema(ma.Schema):
    score = fields.Integer(required=True)
    comment = fields.String(required=True)
    engagement_id = fields.Integer(allow_none=True, required=True)


class ConsultantDetailSchema(ConsultantSchema):
    availability = fields.List(fields.Nested(AvailabilitySchema), required=True)
    ratings = fields.List(fields.Nested(RatingSchema), allow_none=True, required=True, metadata={
        "description": "Null unless the token's user holds consulting.pool.rates."})
    cvs = fields.List(fields.Nested(ProposalFileSchema), allow_none=True, required=True, metadata={
        "description": "CV files (download them on the consultant's page); null unless the token's user holds "
                       "consulting.pool.rates."})


class ConsultantListArgs(DateOrderMixin, ListArgs):
    SORTABLE = ("id", "created_at")
    PERIODS = (("available_from", "available_to"),)

    expertise = text(100, metadata={"description": "An expertise tag (or part of one)."})
    language = fields.String(validate=validate.OneOf(list(LANGUAGES), error=_l("Choose languages from the list.")),
                             metadata={"description": "A language code, e.g. en."})
    available_from = api_date(metadata={"description": "Available for the whole of available_from–available_to "
                                                       "(one day when only one is given)."})
    available_to = api_date()
    active = fields.Boolean(metadata={"description": "Only active (true) or inactive (false) consultants."})
    q = text(200, metadata={"description": "Text in the name."})


ConsultantPage = page_schema(ConsultantSchema, "ConsultingConsultantPage")


# --- engagements -------------------------------------------------------------------------------------

class EngagementSchema(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    opportunity_id = fields.Integer(allow_none=True, required=True)
    client_id = fields.Integer(allow_none=True, required=True)
    client_name = fields.String(allow_none=True, required=True)
    contract_reference = fields.String(required=True)
    currency = enum(Currency, required=True)
    contract_value = money_out()
    starts_on = fields.Date(allow_none=True, required=True)
    ends_on = fields.Date(allow_none=True, required=True)
    status = enum(EngagementStatus, required=True)


class DeliverableSchema(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    due_on = fields.Date(required=True)
    status = enum(DeliverableStatus, required=True)
    accepted_on = fields.Date(allow_none=True, required=True)


class TrancheSchema(ma.Schema):
    id = fields.Integer(required=True)
    label = fields.String(required=True)
    amount = fields.String(required=True)
    deliverable_id = fields.Integer(allow_none=True, required=True)
    invoiced = fields.Boolean(required=True, metadata={"description": "An invoice (not cancelled) is made for it."})


class AssignmentSchema(ma.Schema):
    consultant_id = fields.Integer(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)
    planned_days = fields.String(required=True)
    actual_days = fields.String(required=True)
    day_rate = hidden_money("The agreed day rate.")


class MarginSchema(ma.Schema):
    """Contract value minus consultants' days × their agreed rates (and, actual, the expenses)."""

    cost = fields.String(required=True)
    margin = fields.String(required=True)
    margin_percent = fields.Float(allow_none=True, required=True)


class EngagementDetailSchema(EngagementSchema):
    khr_per_usd = money_out()
    withholding_applies = fields.Boolean(required=True)
    deliverables = fields.List(fields.Nested(DeliverableSchema), required=True)
    tranches = fields.List(fields.Nested(TrancheSchema), required=True)
    assignments = fields.List(fields.Nested(AssignmentSchema), required=True)
    expenses = money_out("Expenses recorded on the timesheet, a decimal string.")
    planned = fields.Nested(MarginSchema, allow_none=True, required=True, metadata={
        "description": "Null unless the token's user holds consulting.pool.rates (costs reveal rates)."})
    actual = fields.Nested(MarginSchema, allow_none=True, required=True, metadata={
        "description": "Null unless the token's user holds consulting.pool.rates (costs reveal rates)."})


class EngagementListArgs(ListArgs):
    SORTABLE = ("starts_on", "title", "contract_value")
    status = enum(EngagementStatus)
    client_id = record_id()
    q = text(200, metadata={"description": "Text in the title or the contract reference."})


EngagementPage = page_schema(EngagementSchema, "ConsultingEngagementPage")


# --- invoices ----------------------------------------------------------------------------------------

class InvoiceSchema(ma.Schema):
    id = fields.Integer(required=True)
    number = fields.String(allow_none=True, required=True, metadata={"description": "Null for a draft."})
    engagement_id = fields.Integer(required=True)
    status = enum(InvoiceStatus, required=True)
    overdue = fields.Boolean(required=True, metadata={
        "description": "Issued, past its due date, with a balance left."})
    issued_on = fields.Date(allow_none=True, required=True)
    due_on = fields.Date(allow_none=True, required=True)
    buyer_name = fields.String(required=True)
    currency = enum(Currency, required=True)
    total = money_out("Subtotal + VAT.")
    amount_due = money_out("Total − withholding: what the buyer pays.")
    paid = money_out()
    balance = money_out()


class InvoiceLineSchema(ma.Schema):
    description = fields.String(required=True)
    quantity = fields.String(required=True)
    unit_price = fields.String(required=True)
    amount = fields.String(required=True)


class PaymentSchema(ma.Schema):
    paid_on = fields.Date(required=True)
    amount = fields.String(required=True)
    reference = fields.String(required=True)


class InvoiceDetailSchema(InvoiceSchema):
    tranche_id = fields.Integer(allow_none=True, required=True)
    seller_name = fields.String(required=True)
    seller_tax_number = fields.String(required=True)
    buyer_tax_number = fields.String(required=True)
    khr_per_usd = money_out()
    rate_on = fields.Date(allow_none=True, required=True)
    rate_source = fields.String(required=True)
    vat_percent = fields.String(required=True)
    withholding_percent = fields.String(required=True)
    subtotal = money_out()
    vat_amount = money_out()
    withholding_amount = money_out()
    note = fields.String(required=True)
    lines = fields.List(fields.Nested(InvoiceLineSchema), required=True)
    payments = fields.List(fields.Nested(PaymentSchema), required=True)


class InvoiceListArgs(ListArgs):
    SORTABLE = ("issued_on", "due_on", "number")
    status = enum(InvoiceStatus)
    overdue = fields.Boolean(metadata={"description": "true: only overdue invoices; false: none of them."})
    engagement_id = record_id()


InvoicePage = page_schema(InvoiceSchema, "ConsultingInvoicePage")


# --- pipeline ----------------------------------------------------------------------------------------

class PipelineArgs(DateOrderMixin, ma.Schema):
    class Meta:
        unknown = ma.RAISE

    year = fields.Integer(validate=validate.Range(min=2000, max=2100, error=_l("Give a year between 2000 and 2100.")),
                          metadata={"description": "A calendar year (instead of date_from and date_to)."})
    date_from = api_date(metadata={"description": "The start of the period (included)."})
    date_to = api_date(metadata={"description": "The end of the period (included)."})
    owner_id = record_id(metadata={"description": "The opportunities' owner (for engagements and invoices: their "
                                                  "opportunity's)."})
    client_type = enum(ClientType)

    @ma.validates_schema
    def _year_or_period(self, data, **kwargs) -> None:
        if data.get("year") and (data.get("date_from") or data.get("date_to")):
            refuse({"year": [_("Give a year or a period, not both.")]})


class PipelineFiltersSchema(ma.Schema):
    year = fields.Integer(allow_none=True, required=True)
    date_from = fields.Date(allow_none=True, required=True)
    date_to = fields.Date(allow_none=True, required=True)
    owner_id = fields.Integer(allow_none=True, required=True)
    client_type = enum(ClientType, allow_none=True, required=True)


class PipelineRowSchema(ma.Schema):
    """Open opportunities of one expected month (key "2026-03", "" without a date) or one stage (its code)."""

    key = fields.String(required=True)
    label = fields.String(required=True)
    opportunities = fields.Integer(required=True)
    value_usd = money_out("US dollars, a decimal string.")
    weighted_usd = money_out("Value × probability in US dollars, a decimal string.")


class WinRateSchema(ma.Schema):
    won = fields.Integer(required=True)
    lost = fields.Integer(required=True)
    closed = fields.Integer(required=True)
    won_usd = money_out("US dollars, a decimal string.")
    lost_usd = money_out("US dollars, a decimal string.")
    without_value = fields.Integer(required=True, metadata={"description": "Closed ones without a value in USD."})
    by_count = fields.Float(allow_none=True, required=True, metadata={"description": "Percent of the closed ones."})
    by_value = fields.Float(allow_none=True, required=True, metadata={"description": "Percent of the closed value."})


class StageDaysSchema(ma.Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)
    stays = fields.Integer(required=True)
    still_open = fields.Integer(required=True)
    average_days = fields.Float(allow_none=True, required=True)


class MarginFiguresSchema(ma.Schema):
    contract_usd = money_out("US dollars, a decimal string.")
    planned_cost_usd = money_out("US dollars, a decimal string.")
    actual_cost_usd = money_out("US dollars, a decimal string.")
    planned_margin_usd = money_out("US dollars, a decimal string.")
    margin_usd = money_out("Actual margin in US dollars, a decimal string.")
    margin_percent = fields.Float(allow_none=True, required=True)


class RevenueRowSchema(MarginFiguresSchema):
    year = fields.Integer(required=True)
    client_type = fields.String(required=True, metadata={"description": "A client type, \"\" without a profile."})
    label = fields.String(required=True)
    invoiced_usd = money_out("Invoiced (excluding VAT) in US dollars, a decimal string.")
    invoices = fields.Integer(required=True)
    engagements = fields.Integer(required=True)


class EngagementMarginSchema(MarginFiguresSchema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    client_type = fields.String(required=True)
    year = fields.Integer(required=True)
    status = enum(EngagementStatus, required=True)


class PipelineSchema(MarginFiguresSchema):
    """The figures of the pipeline figures page; every amount in US dollars at its row's recorded rate."""

    filters = fields.Nested(PipelineFiltersSchema, required=True)
    pipeline = fields.Nested(PipelineRowSchema, required=True, metadata={"description": "All open ones shown."})
    not_in_usd = fields.Integer(required=True, metadata={
        "description": "Open opportunities left out: no value, or riel without a rate."})
    by_month = fields.List(fields.Nested(PipelineRowSchema), required=True)
    by_stage = fields.List(fields.Nested(PipelineRowSchema), required=True)
    win_rate = fields.Nested(WinRateSchema, required=True)
    stage_days = fields.List(fields.Nested(StageDaysSchema), required=True)
    revenue = fields.List(fields.Nested(RevenueRowSchema), required=True, metadata={
        "description": "By year and client type."})
    engagements = fields.List(fields.Nested(EngagementMarginSchema), required=True)
    invoiced_usd = money_out("US dollars, a decimal string.")
    generated_at = fields.DateTime(required=True)


# --- files (core/api/files.py) ------------------------------------------------------------------------

class ConsultingFileSchema(StoredFileSchema):
    """A CV or a proposal file; download it from download_url."""

    version_id = fields.Integer(metadata={"description": "The proposal version (proposal files only)."})
    version_label = fields.String(metadata={"description": "The proposal version's name (proposal files only)."})
    created_at = fields.DateTime(required=True)


ConsultingFilePage = page_schema(ConsultingFileSchema, "ConsultingFilePage")
