"""Marshmallow schemas of the results-framework API: indicators with their targets and values per
period, and frozen snapshots. Enums travel as their values, dates as ISO dates, and every figure
(values, targets, baselines, breakdown cells) as a JSON number: the stored decimals (four places)
are written as floats, never as strings."""
from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from core.api.fields import enum
from core.api.lists import ListArgs, page_schema
from plugins.results_framework.models import Accumulation, Aggregation, Direction, Source, Unit
from plugins.results_framework.services import Status

MAX_PERIODS = 12
NUMBER_NOTE = "A JSON number (stored with four decimal places); null when there is none."
PERIOD_NOTE = ("A period key: a year (2026), a quarter (2026-Q3) or a fiscal year by its first month "
               "(FY2026-07).")
# core.periods.parse_period: the years 1900 to 2200, alone, by quarter or as a fiscal year's first month.
_YEAR = "(?:19[0-9]{2}|2[01][0-9]{2}|2200)"
PERIOD_PATTERN = rf"^(?:{_YEAR}|{_YEAR}-Q[1-4]|FY{_YEAR}-(?:0[1-9]|1[0-2]))$"


def number(**kwargs) -> fields.Float:
    kwargs.setdefault("metadata", {"description": NUMBER_NOTE})
    return fields.Float(allow_none=True, required=True, **kwargs)


def breakdown(**kwargs) -> fields.Dict:
    """Dimension ("sex", "youth", "disability", "idpoor", "province") -> cell -> number."""
    return fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(),
                                                                values=fields.Float(allow_none=True)),
                       required=True, metadata={"description": "The disaggregation: dimension (sex, youth, "
                                                "disability, idpoor, province) -> cell -> number."}, **kwargs)


# --- indicators -----------------------------------------------------------------------------------

class BaselineSchema(ma.Schema):
    value = number()
    date = fields.Date(allow_none=True, required=True)


class TargetSchema(ma.Schema):
    period = fields.String(required=True, metadata={"description": PERIOD_NOTE})
    value = fields.Float(required=True, metadata={"description": "A JSON number."})


class PeriodValueSchema(ma.Schema):
    """An indicator's figure for one requested period: frozen when the period has a snapshot in
    force (and the indicator was in it), live otherwise."""

    period = fields.String(required=True, metadata={"description": PERIOD_NOTE})
    label = fields.String(required=True, metadata={"description": "The period's name in the reader's language."})
    value = number()
    target = number(metadata={"description": "The period's own target, else the target of the year it ends in."})
    status = enum(Status, required=True)
    status_label = fields.String(required=True)
    breakdown = breakdown()
    comment = fields.String(required=True)
    frozen = fields.Boolean(required=True, metadata={"description": "True when the value comes from a snapshot."})
    records_url = fields.String(allow_none=True, required=True, metadata={
        "description": "The page listing the records behind a computed figure, when the token's user may see it."})


class IndicatorSchema(ma.Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name_en = fields.String(required=True)
    name_km = fields.String(required=True)
    definition = fields.String(required=True)
    unit = enum(Unit, required=True)
    direction = enum(Direction, required=True)
    aggregation = enum(Aggregation, required=True)
    accumulation = enum(Accumulation, required=True)
    source = enum(Source, required=True)
    source_code = fields.String(required=True, metadata={
        "description": "The module figure a computed indicator comes from; empty for a hand-entered one."})
    baseline = fields.Nested(BaselineSchema, required=True)
    disaggregations = fields.List(fields.String(), required=True)
    outcome_code = fields.String(required=True)
    objective_code = fields.String(required=True)
    project_ids = fields.List(fields.Integer(), required=True)
    targets = fields.List(fields.Nested(TargetSchema), required=True)
    values = fields.List(fields.Nested(PeriodValueSchema), required=True, metadata={
        "description": "One entry per requested period, in the order asked."})


class PeriodsArgs(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    period = fields.List(fields.String(metadata={"pattern": PERIOD_PATTERN}), metadata={
        "description": f"{PERIOD_NOTE} Repeat it for several periods (at most {MAX_PERIODS}); default: the "
                       "current calendar year. A key that is not a period of the plan is refused (422)."})


class IndicatorListArgs(ListArgs, PeriodsArgs):
    SORTABLE = ("code",)
    source = enum(Source)
    outcome_code = fields.String(validate=validate.Length(max=32))


IndicatorPage = page_schema(IndicatorSchema, "ResultsIndicatorPage")


# --- snapshots ------------------------------------------------------------------------------------

class SnapshotSchema(ma.Schema):
    id = fields.Integer(required=True)
    period = fields.String(required=True, metadata={"description": PERIOD_NOTE})
    period_label = fields.String(required=True)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    comment = fields.String(required=True)
    corrects_id = fields.Integer(allow_none=True, required=True, metadata={
        "description": "The snapshot this one corrects (null for a period's first freeze)."})
    in_force = fields.Boolean(required=True, metadata={
        "description": "True for the period's latest snapshot, the one its figures are read from."})
    frozen_at = fields.DateTime(required=True)
    frozen_by_id = fields.Integer(allow_none=True, required=True)
    frozen_by_name = fields.String(allow_none=True, required=True)


class SnapshotValueSchema(ma.Schema):
    indicator_id = fields.Integer(allow_none=True, required=True, metadata={
        "description": "Null when the indicator was removed from the framework since."})
    code = fields.String(required=True)
    name_en = fields.String(required=True)
    name_km = fields.String(required=True)
    unit = enum(Unit, required=True)
    value = number()
    target = number()
    status = enum(Status, allow_none=True, required=True, metadata={
        "description": "Against the frozen target; null when the indicator was removed since."})
    breakdown = breakdown()
    comment = fields.String(required=True)


class SnapshotDetailSchema(SnapshotSchema):
    values = fields.List(fields.Nested(SnapshotValueSchema), required=True)


class SnapshotListArgs(ListArgs):
    SORTABLE = ("frozen_at", "period")
    period = fields.String(validate=validate.Length(max=40), metadata={"description": PERIOD_NOTE,
                                                                      "pattern": PERIOD_PATTERN})


SnapshotPage = page_schema(SnapshotSchema, "ResultsSnapshotPage")


def comments_field() -> fields.Dict:
    return fields.Dict(keys=fields.String(validate=validate.Length(max=32)),
                       values=fields.String(validate=validate.Length(max=5000)),
                       validate=validate.Length(max=500), load_default=dict, metadata={
                           "description": "A comment per indicator, by indicator code; stored with its value."})


class FreezeSchema(ma.Schema):
    period = fields.String(required=True, validate=validate.Length(min=1, max=40),
                           metadata={"description": PERIOD_NOTE, "pattern": PERIOD_PATTERN})
    comment = fields.String(load_default="", validate=validate.Length(max=5000))
    comments = comments_field()


class CorrectionSchema(ma.Schema):
    comment = fields.String(required=True, validate=validate.Length(min=1, max=5000),
                            metadata={"description": "Why the snapshot is corrected."})
    comments = comments_field()


# --- hand-entered values and their evidence files (core/api/files.py) ----------------------------------

class ManualValueSchema(ma.Schema):
    """A value entered by hand for one period, with its evidence: a link, a file (download it from
    evidence_download_url) or both."""

    id = fields.Integer(required=True)
    period_key = fields.String(required=True, metadata={"description": PERIOD_NOTE})
    value = fields.Float(required=True, metadata={"description": NUMBER_NOTE})
    breakdown = fields.Dict(keys=fields.String(), required=True)
    comment = fields.String(required=True)
    evidence_url = fields.String(required=True)
    evidence_name = fields.String(required=True, metadata={"description": "The evidence file's name (empty: none)."})
    evidence_download_url = fields.String(allow_none=True, required=True)
    entered_by = fields.String(allow_none=True, required=True)
    entered_at = fields.DateTime(required=True)


class ManualValueListArgs(ListArgs):
    SORTABLE = ("period_key",)


class ManualValueWriteSchema(ma.Schema):
    """The form fields of a hand-entered value (multipart, with the evidence file as `file`). A value
    for a period that has one already corrects it (its evidence is kept unless new evidence is given).
    The breakdown by sex, youth or disability is typed on the indicator's page."""

    period_key = fields.String(required=True, validate=validate.Length(min=1, max=16),
                               metadata={"description": PERIOD_NOTE + " It must lie within the plan's years."})
    value = fields.String(required=True, validate=validate.Length(min=1, max=40), metadata={
        "description": "The value as a person types it (a number; Khmer digits are accepted)."})
    comment = fields.String(load_default="", validate=validate.Length(max=20000))
    evidence_url = fields.String(load_default="", validate=validate.Length(max=1000), metadata={
        "description": "A web address (http:// or https://); a file, a link or both is required for a new value."})


class ManualValueUploadSchema(ManualValueWriteSchema):
    file = Upload(metadata={"description": "The evidence file: PDF, Word (.docx), Excel (.xlsx), OpenDocument "
                                           "(.odt, .ods), zip, JPEG, PNG or CSV, at most 20 MB."})


ManualValuePage = page_schema(ManualValueSchema, "ResultsManualValuePage")
