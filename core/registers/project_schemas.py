"""Marshmallow schemas of the projects API: a project as read, what it is written with, the list's
filters. Enums travel as their values, dates as ISO dates, the budget as a decimal string."""
from __future__ import annotations

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from core.api.fields import NOT_BLANK, RECORD_ID, enum
from core.api.lists import ListArgs, page_schema
from core.registers.models import Currency, ProjectStatus
from core.registers.projects import (EARLIEST_DAY, LATEST_DAY, MAX_BUDGET, MAX_CODE_LENGTH, MAX_DESCRIPTION_LENGTH,
                                     MAX_TITLE_LENGTH)

DATE_RANGE = validate.Range(min=EARLIEST_DAY, max=LATEST_DAY, error=_l("Give a date between 1990 and 2100."))


class ProjectSchema(ma.Schema):
    """A project or grant as the API returns it."""

    id = fields.Integer(required=True)
    code = fields.String(required=True)
    title_en = fields.String(required=True)
    title_km = fields.String(required=True)
    title = fields.String(required=True, metadata={"description": "The title in the reader's language."})
    donor_id = fields.Integer(allow_none=True, required=True, metadata={
        "description": "The organisation contact that funds the project."})
    donor_name = fields.String(allow_none=True, required=True)
    starts_on = fields.Date(allow_none=True, required=True)
    ends_on = fields.Date(allow_none=True, required=True)
    budget = fields.String(allow_none=True, required=True, metadata={
        "description": "The amount in `currency`, as a decimal string with two decimals, e.g. \"25000.00\"."})
    currency = enum(Currency, required=True)
    budget_text = fields.String(allow_none=True, required=True, metadata={
        "description": "The budget formatted for the reader's language, e.g. $25,000.00."})
    status = enum(ProjectStatus, required=True)
    description = fields.String(required=True)


class ProjectListArgs(ListArgs):
    SORTABLE = ("code", "starts_on", "ends_on", "title_en")
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Text in the code or titles."})
    status = enum(ProjectStatus)
    donor = fields.Integer(validate=RECORD_ID, metadata={"description": "Projects funded by this organisation contact."})


ProjectPage = page_schema(ProjectSchema, "ProjectPage")


class ProjectWriteSchema(ma.Schema):
    """What a project is created with (POST); PATCH takes the same fields, each optional."""

    code = fields.String(required=True, validate=[validate.Length(min=1, max=MAX_CODE_LENGTH), NOT_BLANK])
    title_en = fields.String(required=True, validate=[validate.Length(min=1, max=MAX_TITLE_LENGTH), NOT_BLANK])
    title_km = fields.String(validate=validate.Length(max=MAX_TITLE_LENGTH))
    donor_id = fields.Integer(allow_none=True, validate=RECORD_ID, metadata={
        "description": "An organisation contact of your organisation."})
    starts_on = fields.Date(allow_none=True, validate=DATE_RANGE)
    ends_on = fields.Date(allow_none=True, validate=DATE_RANGE, metadata={"description": "Not before starts_on."})
    budget = fields.Decimal(allow_none=True, validate=[
        validate.Range(min=0, error=_l("The budget cannot be negative.")),
        validate.Range(max=MAX_BUDGET, error=_l("The budget is too large."))], metadata={
        "minimum": 0, "maximum": float(MAX_BUDGET),   # numbers in the document (apispec writes Decimals as strings)
        "description": "From 0 to 99999999999999.99, at most two decimals (a number or a decimal string)."})
    currency = enum(Currency)
    status = enum(ProjectStatus)
    description = fields.String(validate=validate.Length(max=MAX_DESCRIPTION_LENGTH))


class ProjectPatchSchema(ProjectWriteSchema):
    """The project's fields, each optional; send If-Match with the ETag you read."""
