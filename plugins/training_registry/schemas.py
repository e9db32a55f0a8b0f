"""Marshmallow schemas of the training JSON API: curricula with their versions, courses with their
sessions and trainers, enrolments with scores and certificate codes, attendance batches and the
training report. Enums travel as their values, dates as ISO dates, scores as numbers. People appear
as their contact id with the name the token's user may see (core.registers.protection)."""
from __future__ import annotations

from datetime import date

import marshmallow as ma
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from core.api import refuse
from core.api.fields import NOT_BLANK, ClockTime, enum, record_id
from core.api.files import StoredFileSchema
from core.api.lists import ListArgs, page_schema
from plugins.training_registry.models import (CourseKind, EnrolmentSource, EnrolmentStatus, SessionMode,
                                              VersionStatus)

DATE_RANGE = validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31),
                            error=_l("Give a date between 2000 and 2100."))
SCORE_RANGE = validate.Range(min=0, max=999999.99)
LANGUAGES = ("km", "en", "km,en")
MAX_BATCH = 500


def api_date(**kwargs) -> fields.Date:
    return fields.Date(validate=DATE_RANGE, **kwargs)


def score(**kwargs) -> fields.Decimal:
    """A test score or maximum: a number with at most two decimals (Numeric(8, 2)). The bounds are
    repeated as numbers for the OpenAPI document (apispec would write Decimal bounds as strings)."""
    metadata = {"minimum": 0, "maximum": 999999.99, **kwargs.pop("metadata", {})}
    return fields.Decimal(places=2, validate=SCORE_RANGE, metadata=metadata, **kwargs)


def text(max_length: int, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(max=max_length), **kwargs)


class DateOrderMixin:
    """Refuses a period (date_from, date_to) that ends before it starts: a rule between two valid
    dates, so a business-rule 422 (core.api.refuse)."""

    @ma.validates_schema
    def _ordered(self, data, **kwargs) -> None:
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            refuse({"date_to": [_("The end date must not be before the start date.")]})


# --- curricula ----------------------------------------------------------------------------------------

class CurriculumFileSchema(ma.Schema):
    id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    content_type = fields.String(required=True)
    size_bytes = fields.Integer(required=True)


class VersionSchema(ma.Schema):
    id = fields.Integer(required=True)
    label = fields.String(required=True)
    released_on = fields.Date(allow_none=True, required=True)
    change_note = fields.String(required=True)
    status = enum(VersionStatus, required=True)
    files = fields.List(fields.Nested(CurriculumFileSchema), required=True, metadata={
        "description": "Download them on the curriculum's page; files cannot be sent through the API."})


class CurriculumSchema(ma.Schema):
    id = fields.Integer(required=True)
    title_en = fields.String(required=True)
    title_km = fields.String(required=True)
    title = fields.String(required=True, metadata={"description": "The title in the reader's language."})
    topic = fields.String(required=True)
    language = fields.String(required=True, metadata={"description": "km, en or km,en."})
    latest_approved_version_id = fields.Integer(allow_none=True, required=True)


class CurriculumDetailSchema(CurriculumSchema):
    description = fields.String(required=True)
    versions = fields.List(fields.Nested(VersionSchema), required=True)


class VersionWriteSchema(ma.Schema):
    label = fields.String(required=True, validate=[validate.Length(min=1, max=100), NOT_BLANK],
                          metadata={"description": "For example: 2nd edition 2025."})
    released_on = api_date(allow_none=True, load_default=None)
    change_note = text(20000, load_default="")
    status = enum(VersionStatus, load_default=VersionStatus.DRAFT)


class CurriculumWriteSchema(ma.Schema):
    title_en = fields.String(required=True, validate=[validate.Length(min=1, max=300), NOT_BLANK])
    title_km = text(300, load_default="")
    topic = text(200, load_default="")
    language = fields.String(load_default="km", validate=validate.OneOf(LANGUAGES))
    description = text(20000, load_default="")
    versions = fields.List(fields.Nested(VersionWriteSchema), load_default=list, validate=validate.Length(max=50),
                           metadata={"description": "Its versions, oldest first (labels differ)."})


class CurriculumListArgs(ListArgs):
    SORTABLE = ("title_en",)
    status = enum(VersionStatus, metadata={"description": "Curricula with a version of this status."})
    q = text(200, metadata={"description": "Text in the titles or the topic."})


CurriculumPage = page_schema(CurriculumSchema, "TrainingCurriculumPage")


# --- courses ------------------------------------------------------------------------------------------

class CourseSchema(ma.Schema):
    """A course as listed."""

    id = fields.Integer(required=True)
    kind = enum(CourseKind, required=True)
    title_en = fields.String(required=True)
    title_km = fields.String(required=True)
    title = fields.String(required=True, metadata={"description": "The title in the reader's language."})
    curriculum_id = fields.Integer(allow_none=True, required=True)
    curriculum_version_id = fields.Integer(allow_none=True, required=True)
    project_id = fields.Integer(allow_none=True, required=True)
    place_id = fields.Integer(allow_none=True, required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    enrolled = fields.Integer(required=True, metadata={
        "description": "People enrolled by name (dropped ones included); 0 for a historical course."})


class SessionSchema(ma.Schema):
    id = fields.Integer(required=True)
    course_id = fields.Integer(required=True)
    title = fields.String(required=True)
    starts_on = fields.Date(required=True)
    start_time = fields.Time(allow_none=True, required=True)
    end_time = fields.Time(allow_none=True, required=True)
    place_id = fields.Integer(allow_none=True, required=True)
    venue = fields.String(required=True)
    mode = enum(SessionMode, required=True)
    capacity = fields.Integer(allow_none=True, required=True)
    is_mandatory = fields.Boolean(required=True)
    has_sheet = fields.Boolean(required=True, metadata={"description": "A signed attendance sheet is attached."})
    warning = fields.String(allow_none=True, required=True, metadata={
        "description": "Why the day may be a poor choice (a public holiday or closure day), else null."})


class SessionDetailSchema(SessionSchema):
    present = fields.Integer(required=True, metadata={"description": "People marked present."})
    absent = fields.Integer(required=True, metadata={"description": "People marked absent."})


class CourseTrainerSchema(ma.Schema):
    trainer_id = fields.Integer(required=True)
    contact_id = fields.Integer(required=True)
    name = fields.String(required=True, metadata={"description": "The name the token's user may see."})
    role = fields.String(required=True)


class TotalsSchema(ma.Schema):
    """What is known of a historical course: head counts only."""

    sessions = fields.Integer(required=True)
    participants = fields.Integer(required=True)
    women = fields.Integer(required=True)
    youth = fields.Integer(required=True)
    idpoor = fields.Integer(required=True)
    disability = fields.Integer(required=True)
    organisations = fields.Integer(required=True)
    completed = fields.Integer(required=True)
    source = fields.String(required=True)


class CourseDetailSchema(CourseSchema):
    objectives = fields.String(required=True)
    organiser_id = fields.Integer(allow_none=True, required=True)
    target_group = fields.String(required=True)
    completion_percent = fields.Integer(required=True)
    test_max_score = fields.Float(allow_none=True, required=True)
    signatory_name = fields.String(required=True)
    signatory_title = fields.String(required=True)
    sessions = fields.List(fields.Nested(SessionSchema), required=True)
    trainers = fields.List(fields.Nested(CourseTrainerSchema), required=True)
    totals = fields.Nested(TotalsSchema, allow_none=True, required=True, metadata={
        "description": "A historical course's head counts; null for a named course."})


class CourseTrainerWriteSchema(ma.Schema):
    trainer_id = record_id(required=True)
    role = text(100, load_default="", metadata={"description": "Lead trainer, co-trainer…"})


class CourseWriteSchema(ma.Schema):
    """What a course is created with (POST); PATCH takes the same fields but kind, each optional."""

    kind = enum(CourseKind, load_default=CourseKind.NAMED, metadata={
        "description": "named (participants by name) or historical (totals only, entered on its page)."})
    title_en = text(300, metadata={"description": "A title in English or in Khmer is needed (English for a "
                                                  "historical course)."})
    title_km = text(300)
    curriculum_version_id = record_id(allow_none=True)
    objectives = text(20000)
    organiser_id = record_id(allow_none=True, metadata={
        "description": "The organising organisation, a contact; null: your organisation."})
    project_id = record_id(allow_none=True)
    target_group = text(300)
    place_id = record_id(allow_none=True, metadata={"description": "A province, district or commune."})
    starts_on = api_date(required=True)
    ends_on = api_date(required=True)
    completion_percent = fields.Integer(validate=validate.Range(min=1, max=100), metadata={
        "description": "Share of the sessions a participant must attend to complete (80 by default)."})
    test_max_score = score(allow_none=True, metadata={"description": "The pre and post tests' maximum score."})
    signatory_name = text(200)
    signatory_title = text(200)
    trainers = fields.List(fields.Nested(CourseTrainerWriteSchema), validate=validate.Length(max=50),
                           metadata={"description": "Replaces the course's trainers."})


class CoursePatchSchema(CourseWriteSchema):
    """The fields a PATCH may change (all optional, not the kind); send If-Match with the ETag you read."""

    class Meta:
        exclude = ("kind",)


class CourseListArgs(DateOrderMixin, ListArgs):
    SORTABLE = ("starts_on", "title_en")
    date_from = api_date(metadata={"description": "Courses still running on or after this day."})
    date_to = api_date(metadata={"description": "Courses started on or before this day."})
    project_id = record_id()
    curriculum_id = record_id(metadata={"description": "Courses run from any version of this curriculum."})
    kind = enum(CourseKind)
    q = text(200, metadata={"description": "Text in the titles."})


CoursePage = page_schema(CourseSchema, "TrainingCoursePage")


# --- sessions -----------------------------------------------------------------------------------------

class SessionWriteSchema(ma.Schema):
    title = text(300, load_default="")
    starts_on = api_date(required=True, metadata={"description": "Between the course's first and last day."})
    start_time = ClockTime(allow_none=True, load_default=None)
    end_time = ClockTime(allow_none=True, load_default=None)
    place_id = record_id(allow_none=True, metadata={"description": "Defaults to the course's place."})
    venue = text(300, load_default="")
    mode = enum(SessionMode, load_default=SessionMode.IN_PERSON)
    capacity = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(min=1, max=100_000))
    is_mandatory = fields.Boolean(load_default=False)


class SessionListArgs(ListArgs):
    SORTABLE = ("starts_on",)


SessionPage = page_schema(SessionSchema, "TrainingSessionPage")


# --- attendance ---------------------------------------------------------------------------------------

class AttendanceSchema(ma.Schema):
    """One enrolled person at one session: present, absent, or not yet recorded (null)."""

    enrolment_id = fields.Integer(required=True)
    contact_id = fields.Integer(required=True)
    name = fields.String(required=True, metadata={
        "description": "The name the token's user may see; protected people always appear as a stand-in here."})
    status = enum(EnrolmentStatus, required=True)
    present = fields.Boolean(allow_none=True, required=True)
    recorded_at = fields.DateTime(allow_none=True, required=True)


class AttendanceListArgs(ListArgs):
    """Pages of the roster, in enrolment order."""


AttendancePage = page_schema(AttendanceSchema, "TrainingAttendancePage")


class AttendanceMarkSchema(ma.Schema):
    enrolment_id = record_id(required=True)
    present = fields.Boolean(required=True)


class AttendanceBatchSchema(ma.Schema):
    """Marks for one session, applied all or nothing. Sending the same batch again (an offline queue
    replayed) changes nothing: each person has one mark per session."""

    items = fields.List(fields.Nested(AttendanceMarkSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_BATCH))


class AttendanceResultSchema(ma.Schema):
    session_id = fields.Integer(required=True)
    received = fields.Integer(required=True, metadata={"description": "Marks in the batch."})
    changed = fields.Integer(required=True, metadata={
        "description": "Marks that were new or different from the recorded ones (0 for a batch sent again)."})
    present = fields.Integer(required=True, metadata={"description": "People now marked present at the session."})
    absent = fields.Integer(required=True, metadata={"description": "People now marked absent at the session."})


# --- enrolments ---------------------------------------------------------------------------------------

class EnrolmentSchema(ma.Schema):
    id = fields.Integer(required=True)
    course_id = fields.Integer(required=True)
    contact_id = fields.Integer(required=True)
    name = fields.String(required=True, metadata={
        "description": "In lists, a protected person always appears as a stand-in; one enrolment's own "
                       "record shows the name to those who may see it."})
    identity_hidden = fields.Boolean(required=True)
    status = enum(EnrolmentStatus, required=True)
    source = enum(EnrolmentSource, required=True)
    pre_score = fields.Float(allow_none=True, required=True)
    post_score = fields.Float(allow_none=True, required=True)
    gain = fields.Float(allow_none=True, required=True, metadata={"description": "post_score − pre_score."})
    certificate_code = fields.String(allow_none=True, required=True, metadata={
        "description": "The code of the person's valid certificate for the course (checked at /verify/<code>)."})


class EnrolmentWriteSchema(ma.Schema):
    course_id = record_id(required=True)
    contact_id = record_id(required=True, metadata={"description": "A person of your contacts register."})
    status = enum(EnrolmentStatus, load_default=EnrolmentStatus.REGISTERED)


class EnrolmentPatchSchema(ma.Schema):
    """Send If-Match with the ETag you read. Scores are between 0 and the course's test_max_score;
    null clears one."""

    status = enum(EnrolmentStatus)
    pre_score = score(allow_none=True)
    post_score = score(allow_none=True)


class EnrolmentListArgs(ListArgs):
    SORTABLE = ("id", "status")
    course_id = record_id()
    contact_id = record_id()
    status = enum(EnrolmentStatus)


EnrolmentPage = page_schema(EnrolmentSchema, "TrainingEnrolmentPage")


# --- reports ------------------------------------------------------------------------------------------

class ReportArgs(DateOrderMixin, ma.Schema):
    class Meta:
        unknown = ma.RAISE

    date_from = api_date(metadata={"description": "Courses that start on or after this day."})
    date_to = api_date(metadata={"description": "Courses that start on or before this day."})
    project_id = record_id()
    curriculum_id = record_id(metadata={"description": "Courses run from any version of this curriculum."})
    province = fields.String(validate=validate.Regexp(r"^[0-9]{2}$", error=_l("Give a province code of two digits, "
                                                                            "for example 07 for Kampot.")),
                             metadata={"description": "The code of a province in the gazetteer (07: Kampot); "
                                                      "a course lies in its place's province."})


class FiguresSchema(ma.Schema):
    """Counts of one set of courses. People are counted once however many courses they took; the
    *_known counts are those whose trait is recorded (the denominators of the percentages)."""

    courses = fields.Integer(required=True)
    sessions = fields.Integer(required=True)
    people = fields.Integer(required=True)
    enrolments = fields.Integer(required=True)
    dropped = fields.Integer(required=True)
    women = fields.Integer(required=True)
    women_enrolments = fields.Integer(required=True)
    youth = fields.Integer(required=True)
    youth_known = fields.Integer(required=True)
    idpoor = fields.Integer(required=True)
    idpoor_known = fields.Integer(required=True)
    disability = fields.Integer(required=True)
    disability_known = fields.Integer(required=True)
    completed = fields.Integer(required=True)
    completion_base = fields.Integer(required=True, metadata={"description": "Enrolments that did not drop out."})
    organisations = fields.Integer(required=True)
    scored = fields.Integer(required=True, metadata={"description": "Enrolments with both test scores."})
    gain_points = fields.Float(allow_none=True, required=True)
    gain_normalised = fields.Float(allow_none=True, required=True)
    women_percent = fields.Float(allow_none=True, required=True)
    youth_percent = fields.Float(allow_none=True, required=True)
    idpoor_percent = fields.Float(allow_none=True, required=True)
    disability_percent = fields.Float(allow_none=True, required=True)
    completion_percent = fields.Float(allow_none=True, required=True)
    gain_percent = fields.Float(allow_none=True, required=True)


class CrossTabSchema(ma.Schema):
    sex = fields.String(required=True, metadata={"description": "women, men or other."})
    youth = fields.String(required=True, metadata={"description": "young, not_young or unknown."})
    with_disability = fields.Integer(required=True)
    without_disability = fields.Integer(required=True)
    disability_unknown = fields.Integer(required=True)
    total = fields.Integer(required=True)


class OrganisationTypeCountSchema(ma.Schema):
    type = fields.String(required=True, metadata={"description": "The organisation type; empty: not recorded."})
    label = fields.String(required=True)
    organisations = fields.Integer(required=True)


class BreakdownSchema(ma.Schema):
    key = fields.String(required=True, metadata={
        "description": "Province code, project id or curriculum id; empty when none is recorded."})
    label = fields.String(required=True)
    named = fields.Nested(FiguresSchema, required=True)
    from_totals = fields.Nested(FiguresSchema, required=True)
    total = fields.Nested(FiguresSchema, required=True)


class ReportCourseSchema(ma.Schema):
    id = fields.Integer(required=True)
    kind = enum(CourseKind, required=True)
    title = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    project = fields.String(required=True)
    curriculum = fields.String(required=True)
    province = fields.String(required=True)
    source = fields.String(required=True, metadata={"description": "Where a historical course's totals come from."})
    figures = fields.Nested(FiguresSchema, required=True)


class YouthBandSchema(ma.Schema):
    min_age = fields.Integer(required=True)
    max_age = fields.Integer(required=True)


class ReportSchema(ma.Schema):
    """The training report: figures counted from named records, historical courses' totals, and their
    sum; breakdowns by province, project and curriculum; each course's figures. Nobody is named."""

    youth_band = fields.Nested(YouthBandSchema, required=True)
    province_name = fields.String(required=True)
    named = fields.Nested(FiguresSchema, required=True)
    from_totals = fields.Nested(FiguresSchema, required=True)
    total = fields.Nested(FiguresSchema, required=True)
    crosstab = fields.List(fields.Nested(CrossTabSchema), required=True)
    organisations_by_type = fields.List(fields.Nested(OrganisationTypeCountSchema), required=True)
    by_province = fields.List(fields.Nested(BreakdownSchema), required=True)
    by_project = fields.List(fields.Nested(BreakdownSchema), required=True)
    by_curriculum = fields.List(fields.Nested(BreakdownSchema), required=True)
    courses = fields.List(fields.Nested(ReportCourseSchema), required=True)


# --- files (core/api/files.py) --------------------------------------------------------------------------

class TrainingFileSchema(StoredFileSchema):
    """A curriculum file; download it from download_url."""

    version_id = fields.Integer(required=True, metadata={"description": "The curriculum version it belongs to."})
    created_at = fields.DateTime(required=True)


TrainingFilePage = page_schema(TrainingFileSchema, "TrainingFilePage")
