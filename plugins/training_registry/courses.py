"""Courses, their sessions, trainers and participants: the rules behind the course pages, without
Flask. Every check runs before the first row changes, so a refusal (DomainError) leaves nothing
half-written; the caller commits. Lists are built in a fixed number of queries whatever their size."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal, InvalidOperation

from babel.dates import format_date
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from core.errors import DomainError
from core.extensions import db
from core.registers.calendar import tenant_calendar
from core.registers.models import Contact, ContactKind, Place, Project
from core.search import any_contains
from core.text import clean_text
from core.workdays import DEFAULT_CLOSURE_LABEL, WorkingCalendar
from plugins.training_registry import services
from plugins.training_registry.models import (Attendance, Certificate, Course, CourseKind, CourseTrainer, Curriculum,
                                              CurriculumVersion, Enrolment, EnrolmentStatus, SessionMode, Trainer,
                                              TrainingSession)

MAX_TEXT = 20000


# --- small input helpers ------------------------------------------------------------------------------

def _optional_id(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1        # never an id: the caller's lookup fails and names the field


def _no_historical(course: Course) -> None:
    if course.kind is CourseKind.HISTORICAL:
        raise DomainError(_l("A historical course has totals only: it has no sessions or named participants."))


# --- courses ------------------------------------------------------------------------------------------

COURSE_FIELDS = ("title_en", "title_km", "curriculum_version_id", "objectives", "organiser_id", "project_id",
                 "target_group", "place_id", "starts_on", "ends_on", "completion_percent", "test_max_score",
                 "signatory_name", "signatory_title")


def parse_score(value, field: str = "test_max_score") -> Decimal | None:
    """A maximum test score: empty, or a number above 0 with at most two decimals."""
    if value in (None, ""):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise DomainError(_l("Give a number, e.g. 20 or 100."), field=field) from None
    if not number.is_finite() or number <= 0 or number > Decimal(999999):
        raise DomainError(_l("The maximum score must be a number above 0."), field=field)
    if number != number.quantize(Decimal("0.01")):
        raise DomainError(_l("Use at most two decimals."), field=field)
    return number.quantize(Decimal("0.01"))


def _clean_course(course: Course | None, fields: dict) -> dict:
    unknown = set(fields) - set(COURSE_FIELDS)
    if unknown:
        raise TypeError(f"unknown course fields: {sorted(unknown)}")
    values: dict = {}
    for name, limit in (("title_en", 300), ("title_km", 300), ("target_group", 300), ("signatory_name", 200),
                        ("signatory_title", 200)):
        if name in fields:
            values[name] = clean_text(fields[name], name, limit)
    if "objectives" in fields:
        values["objectives"] = clean_text(fields["objectives"], "objectives", MAX_TEXT, multiline=True)
    title_en = values.get("title_en", course.title_en if course else "")
    title_km = values.get("title_km", course.title_km if course else "")
    if not (title_en or title_km):
        raise DomainError(_l("Give the course a title in English or in Khmer."), field="title_en")
    if "curriculum_version_id" in fields:
        version_id = _optional_id(fields["curriculum_version_id"])
        if version_id is not None and db.session.scalar(
                select(CurriculumVersion.id).where(CurriculumVersion.id == version_id)) is None:
            raise DomainError(_l("Choose a version of one of your organisation's curricula."),
                              field="curriculum_version_id")
        values["curriculum_version_id"] = version_id
    if "organiser_id" in fields:
        organiser_id = _optional_id(fields["organiser_id"])
        if organiser_id is not None:
            organiser = db.session.scalar(select(Contact).where(Contact.id == organiser_id))
            if organiser is None or organiser.is_erased or organiser.kind is not ContactKind.ORGANISATION:
                raise DomainError(_l("Choose an organisation from your contacts."), field="organiser_id")
        values["organiser_id"] = organiser_id
    if "project_id" in fields:
        project_id = _optional_id(fields["project_id"])
        if project_id is not None and db.session.scalar(select(Project.id).where(Project.id == project_id)) is None:
            raise DomainError(_l("Choose one of your organisation's projects."), field="project_id")
        values["project_id"] = project_id
    if "place_id" in fields:
        place_id = _optional_id(fields["place_id"])
        if place_id is not None and db.session.get(Place, place_id) is None:
            raise DomainError(_l("Choose a place from the gazetteer."), field="place_id")
        values["place_id"] = place_id
    for name in ("starts_on", "ends_on"):
        if name in fields:
            if not isinstance(fields[name], date):
                raise DomainError(_l("Give a date."), field=name)
            values[name] = fields[name]
    starts = values.get("starts_on", course.starts_on if course else None)
    ends = values.get("ends_on", course.ends_on if course else None)
    if starts is None:
        raise DomainError(_l("Give a date."), field="starts_on")
    if ends is None:
        raise DomainError(_l("Give a date."), field="ends_on")
    services.check_course_dates(starts, ends)
    if "completion_percent" in fields:
        percent = fields["completion_percent"]
        if not isinstance(percent, int) or isinstance(percent, bool) or not 1 <= percent <= 100:
            raise DomainError(_l("Give a share of sessions between 1 and 100 %."), field="completion_percent")
        values["completion_percent"] = percent
    if "test_max_score" in fields:
        values["test_max_score"] = parse_score(fields["test_max_score"])
    if course is not None:
        _check_existing_rows(course, starts, ends, values)
    return values


def _check_existing_rows(course: Course, starts: date, ends: date, values: dict) -> None:
    """New dates must still hold the course's sessions; a new maximum score its recorded scores."""
    outside = db.session.execute(select(TrainingSession.starts_on).where(
        TrainingSession.course_id == course.id,
        or_(TrainingSession.starts_on < starts, TrainingSession.starts_on > ends)).order_by(
        TrainingSession.starts_on).limit(1)).scalar()
    if outside is not None:
        raise DomainError(_l("A session of this course is on %(day)s, outside these dates: move or delete it first.",
                             day=outside.isoformat()), field="starts_on" if outside < starts else "ends_on")
    if "test_max_score" in values:
        highest = db.session.execute(select(func.max(Enrolment.pre_score), func.max(Enrolment.post_score)).where(
            Enrolment.course_id == course.id)).one()
        recorded = [score for score in highest if score is not None]
        maximum = values["test_max_score"]
        if recorded and (maximum is None or max(recorded) > maximum):
            highest_score = f"{Decimal(max(recorded)).normalize():f}"
            raise DomainError(_l("Scores up to %(score)s are already recorded: the maximum cannot be lower.",
                                 score=highest_score), field="test_max_score")


def create_course(tenant_id: int, **fields) -> Course:
    """A new named course of the tenant (flushes; the caller commits)."""
    values = _clean_course(None, fields)
    course = Course(tenant_id=tenant_id, kind=CourseKind.NAMED, title_en="", title_km="", objectives="",
                    target_group="", signatory_name="", signatory_title="", completion_percent=80)
    for name, value in values.items():
        setattr(course, name, value)
    db.session.add(course)
    db.session.flush()
    return course


def update_course(course: Course, **fields) -> Course:
    for name, value in _clean_course(course, fields).items():
        setattr(course, name, value)
    db.session.flush()
    return course


def certificate_count(course: Course) -> int:
    return db.session.scalar(select(func.count(Certificate.id)).join(
        Enrolment, Enrolment.id == Certificate.enrolment_id).where(Enrolment.course_id == course.id)) or 0


def delete_course(course: Course) -> None:
    """Delete a course with its sessions, trainers and enrolments; refused once certificates exist
    (their public verification must keep working)."""
    if certificate_count(course):
        raise DomainError(_l("Certificates were issued for this course: it cannot be deleted."))
    db.session.delete(course)
    db.session.flush()


def load_course(course_id: int) -> Course | None:
    """One of the tenant's courses with what its page shows (scoping hides the others' courses)."""
    return db.session.execute(select(Course).where(Course.id == course_id).options(
        joinedload(Course.curriculum_version).joinedload(CurriculumVersion.curriculum),
        joinedload(Course.organiser), joinedload(Course.project), joinedload(Course.place),
        joinedload(Course.totals),
        selectinload(Course.sessions).joinedload(TrainingSession.place),
        selectinload(Course.trainers).joinedload(CourseTrainer.trainer).joinedload(Trainer.contact),
    )).unique().scalar_one_or_none()


def course_list_query(*, q: str = "", date_from: date | None = None, date_to: date | None = None,
                      project_id: int | None = None, curriculum_id: int | None = None,
                      province_id: int | None = None, kind: str | None = None) -> Select:
    """The tenant's courses, newest first, with what the list shows joined in. The period keeps the
    courses that overlap it; the province, those held in it or in one of its districts or communes."""
    query = select(Course).options(joinedload(Course.place), joinedload(Course.project), joinedload(Course.totals),
                                   joinedload(Course.curriculum_version).joinedload(CurriculumVersion.curriculum))
    if (q or "").strip():
        query = query.where(any_contains([Course.title_en, Course.title_km, Course.target_group], q))
    if date_from:
        query = query.where(Course.ends_on >= date_from)
    if date_to:
        query = query.where(Course.starts_on <= date_to)
    if project_id:
        query = query.where(Course.project_id == project_id)
    if curriculum_id:
        query = query.where(Course.curriculum_version_id.in_(
            select(CurriculumVersion.id).where(CurriculumVersion.curriculum_id == curriculum_id)))
    if province_id:
        query = query.where(Course.place_id.in_(select(Place.id).where(
            or_(Place.id == province_id, Place.province_id == province_id))))
    if kind:
        query = query.where(Course.kind == CourseKind(kind))
    return query.order_by(Course.starts_on.desc(), Course.id.desc())


def curriculum_versions() -> list[tuple[Curriculum, list[CurriculumVersion]]]:
    """The tenant's curricula with their versions, for a grouped select (two queries)."""
    curricula = db.session.scalars(select(Curriculum).options(selectinload(Curriculum.versions)).order_by(
        func.lower(Curriculum.title_en), Curriculum.id)).all()
    return [(curriculum, list(curriculum.versions)) for curriculum in curricula]


# --- trainers on a course -----------------------------------------------------------------------------

def active_trainers() -> list[Trainer]:
    """The tenant's active trainers with their contacts (one query)."""
    return list(db.session.scalars(select(Trainer).join(Contact, Contact.id == Trainer.contact_id).where(
        Trainer.is_active.is_(True), Contact.erased_at.is_(None)).options(joinedload(Trainer.contact)).order_by(
        Contact.name_latin, Contact.name_km, Trainer.id)))


def add_trainer(course: Course, trainer_id, role: str = "") -> CourseTrainer:
    """Put one of the tenant's active trainers on the course with a role (a trainer already on it
    gets the new role)."""
    role = clean_text(role, "role", 100)
    wanted = _optional_id(trainer_id)
    trainer = db.session.scalar(select(Trainer).where(Trainer.id == wanted)) if wanted is not None else None
    if trainer is None or not trainer.is_active:
        raise DomainError(_l("Choose one of your organisation's active trainers."), field="trainer_id")
    for row in course.trainers:
        if row.trainer_id == trainer.id:
            row.role = role
            db.session.flush()
            return row
    row = CourseTrainer(tenant_id=course.tenant_id, course=course, trainer=trainer, role=role)
    db.session.add(row)
    db.session.flush()
    return row


def remove_trainer(course: Course, course_trainer_id: int) -> None:
    for row in list(course.trainers):
        if row.id == course_trainer_id:
            course.trainers.remove(row)
            db.session.flush()
            return
    raise DomainError(_l("This trainer is not on the course."), field="trainer_id")


# --- sessions -----------------------------------------------------------------------------------------

SESSION_FIELDS = ("title", "starts_on", "start_time", "end_time", "place_id", "venue", "mode", "capacity",
                  "is_mandatory")


def _clean_session(course: Course, fields: dict) -> dict:
    unknown = set(fields) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"unknown session fields: {sorted(unknown)}")
    values: dict = {}
    if "title" in fields:
        values["title"] = clean_text(fields["title"], "title", 300)
    if "venue" in fields:
        values["venue"] = clean_text(fields["venue"], "venue", 300)
    if "starts_on" in fields:
        if not isinstance(fields["starts_on"], date):
            raise DomainError(_l("Give a date."), field="starts_on")
        services.check_session_date(course, fields["starts_on"])
        values["starts_on"] = fields["starts_on"]
    for name in ("start_time", "end_time"):
        if name in fields:
            value = fields[name]
            if value is not None and not isinstance(value, time):
                raise DomainError(_l("Give a time, e.g. 08:30."), field=name)
            values[name] = value
    start, end = values.get("start_time"), values.get("end_time")
    if start is not None and end is not None and end <= start:
        raise DomainError(_l("The session must end after it starts."), field="end_time")
    if "place_id" in fields:
        place_id = _optional_id(fields["place_id"])
        if place_id is not None and db.session.get(Place, place_id) is None:
            raise DomainError(_l("Choose a place from the gazetteer."), field="place_id")
        values["place_id"] = place_id
    if "mode" in fields:
        try:
            values["mode"] = SessionMode(fields["mode"] or SessionMode.IN_PERSON)
        except ValueError:
            raise DomainError(_l("Choose a mode from the list."), field="mode") from None
    if "capacity" in fields:
        capacity = fields["capacity"]
        if capacity is not None and (not isinstance(capacity, int) or isinstance(capacity, bool)
                                     or not 0 < capacity <= 100_000):
            raise DomainError(_l("The capacity must be a number of places above 0."), field="capacity")
        values["capacity"] = capacity
    if "is_mandatory" in fields:
        values["is_mandatory"] = bool(fields["is_mandatory"])
    return values


def add_session(course: Course, **fields) -> TrainingSession:
    """A new session of a named course; its place is the course's unless another is given."""
    _no_historical(course)
    if "starts_on" not in fields:
        raise DomainError(_l("Give a date."), field="starts_on")
    fields.setdefault("place_id", course.place_id)
    values = _clean_session(course, fields)
    session = TrainingSession(tenant_id=course.tenant_id, course=course, title="", venue="",
                              mode=SessionMode.IN_PERSON, is_mandatory=False)
    for name, value in values.items():
        setattr(session, name, value)
    db.session.add(session)
    db.session.flush()
    return session


def update_session(session: TrainingSession, **fields) -> TrainingSession:
    fields.setdefault("start_time", session.start_time)
    fields.setdefault("end_time", session.end_time)
    for name, value in _clean_session(session.course, fields).items():
        setattr(session, name, value)
    db.session.flush()
    return session


def get_session(course: Course, session_id: int) -> TrainingSession | None:
    return next((session for session in course.sessions if session.id == session_id), None)


def delete_session(session: TrainingSession) -> None:
    """Delete a session that has no attendance recorded (attendance decides completion and certificates)."""
    taken = db.session.scalar(select(func.count(Attendance.id)).where(Attendance.session_id == session.id))
    if taken:
        raise DomainError(_l("Attendance was taken at this session: it cannot be deleted."))
    session.course.sessions.remove(session)
    db.session.flush()


def session_day_warning(day: date, locale: str, calendar: WorkingCalendar) -> str | None:
    """Why a session day may be a poor choice: a public holiday or one of the tenant's closure days
    (weekends are not: trainings on Saturdays are normal). None when neither."""
    shown = format_date(day, format="full", locale=locale)
    with force_locale(locale):
        holiday = WorkingCalendar().holiday_name(day, locale)
        if holiday is not None:
            return _("%(day)s is a public holiday: %(name)s.", day=shown, name=holiday)
        label = calendar.holiday_name(day, locale)
        if label is None:
            return None
        if label != DEFAULT_CLOSURE_LABEL:
            return _("%(day)s is a closure day of your organisation: %(name)s.", day=shown, name=label)
        return _("%(day)s is a closure day of your organisation.", day=shown)


def session_warnings(course: Course, locale: str) -> dict[int, str]:
    """The warning of each session that falls on a holiday or closure day (one query)."""
    if not course.sessions:
        return {}
    calendar = tenant_calendar(course.tenant_id)
    warnings = {}
    for session in course.sessions:
        warning = session_day_warning(session.starts_on, locale, calendar)
        if warning:
            warnings[session.id] = warning
    return warnings


# --- enrolments ---------------------------------------------------------------------------------------

def enrol_contact(course: Course, contact_id, status=EnrolmentStatus.REGISTERED) -> tuple[Enrolment, bool]:
    """Enrol one of the tenant's people; returns the enrolment and whether it is new."""
    _no_historical(course)
    wanted = _optional_id(contact_id)
    contact = db.session.scalar(select(Contact).where(Contact.id == wanted)) if wanted is not None else None
    if contact is None:
        raise DomainError(_l("Choose a person from your contacts."), field="contact_id")
    try:
        status = EnrolmentStatus(status or EnrolmentStatus.REGISTERED)
    except ValueError:
        raise DomainError(_l("Choose a status from the list."), field="status") from None
    existing = db.session.scalar(select(Enrolment.id).where(Enrolment.course_id == course.id,
                                                            Enrolment.contact_id == contact.id))
    enrolment = services.enrol(course, contact, status=status)
    return enrolment, existing is None


def set_status(enrolment: Enrolment, status) -> Enrolment:
    try:
        enrolment.status = EnrolmentStatus(status)
    except ValueError:
        raise DomainError(_l("Choose a status from the list."), field="status") from None
    db.session.flush()
    return enrolment


def remove_enrolment(enrolment: Enrolment) -> None:
    """Take someone off the course: only while nothing is recorded for them (attendance, a
    certificate); otherwise they are marked dropped, which keeps the record."""
    attendance = db.session.scalar(select(func.count(Attendance.id)).where(Attendance.enrolment_id == enrolment.id))
    certificates = db.session.scalar(select(func.count(Certificate.id)).where(
        Certificate.enrolment_id == enrolment.id))
    if attendance or certificates:
        raise DomainError(_l("Attendance or a certificate is recorded for this person: mark them as dropped "
                             "out instead."), field="status")
    enrolment.course.enrolments.remove(enrolment)
    db.session.flush()


def load_enrolment(course: Course, enrolment_id: int) -> Enrolment | None:
    return db.session.scalar(select(Enrolment).where(Enrolment.id == enrolment_id,
                                                     Enrolment.course_id == course.id).options(
        joinedload(Enrolment.contact)))


@dataclass(frozen=True)
class Participant:
    enrolment: Enrolment
    contact: Contact
    youth: bool | None
    completion: services.Completion | None


def participants(course: Course) -> list[Participant]:
    """The course's participants with their youth at the course start and their completion
    standing: five queries, whatever their number."""
    band = services.youth_band(course.tenant_id)
    enrolments = db.session.scalars(select(Enrolment).where(Enrolment.course_id == course.id).join(
        Contact, Contact.id == Enrolment.contact_id).options(joinedload(Enrolment.contact)).order_by(
        Contact.protected, Contact.name_latin, Contact.name_km, Enrolment.id)).all()
    standing = services.completions(course) if enrolments else {}
    return [Participant(enrolment, enrolment.contact, services.is_youth(enrolment.contact, course.starts_on, band),
                        standing.get(enrolment.id)) for enrolment in enrolments]


@dataclass(frozen=True)
class CapacityWarning:
    enrolled: int
    capacity: int


def capacity_warning(course: Course, people: Iterable[Participant]) -> CapacityWarning | None:
    """When more people are enrolled (dropped ones aside) than the smallest session holds."""
    capacities = [session.capacity for session in course.sessions if session.capacity]
    if not capacities:
        return None
    enrolled = sum(1 for row in people if row.enrolment.status is not EnrolmentStatus.DROPPED)
    smallest = min(capacities)
    return CapacityWarning(enrolled, smallest) if enrolled > smallest else None


def close_course(course: Course) -> int:
    _no_historical(course)
    return services.close_course(course)
