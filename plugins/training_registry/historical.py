"""Historical courses: older courses known only as totals (sessions, participants, women, youth,
IDPoor, disability, organisations trained, completed). Creating and changing one with its totals,
with the rules every front door shares: counts are whole numbers, none negative, no part larger
than the participants, and the course ends on or after its first day. No Flask requests here."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.errors import DomainError
from core.extensions import db
from plugins.training_registry import services
from plugins.training_registry.models import Course, CourseKind, CurriculumVersion, HistoricalTotals

COUNTS = ("sessions", "participants", "women", "youth", "idpoor", "disability", "organisations", "completed")
# Parts of the participants: none can be more than the participants themselves.
PARTS = ("women", "youth", "idpoor", "disability", "organisations", "completed")
COURSE_FIELDS = ("title_en", "title_km", "starts_on", "ends_on", "place_id", "project_id", "curriculum_version_id")


def totals_problems(totals: dict) -> list[DomainError]:
    """Every problem of a set of totals (to show them all at once), each naming its field."""
    problems = []
    for name in COUNTS:
        value = totals.get(name)
        if value is None:
            continue
        if not isinstance(value, int) or value < 0:
            problems.append(DomainError(_l("A count cannot be negative."), name))
    participants = totals.get("participants") or 0
    for name in PARTS:
        value = totals.get(name)
        if isinstance(value, int) and value > participants:
            problems.append(DomainError(_l("This count cannot be more than the participants (%(num)s).",
                                           num=participants), name))
    return problems


def check(fields: dict, totals: dict) -> None:
    """Raise the first problem of a historical course's fields and totals (DomainError)."""
    if not (fields.get("title_en") or "").strip():
        raise DomainError(_l("Give the course's title in English."), "title_en")
    services.check_course_dates(fields["starts_on"], fields["ends_on"])
    version_id = fields.get("curriculum_version_id")
    if version_id is not None and db.session.scalar(
            select(CurriculumVersion.id).where(CurriculumVersion.id == version_id)) is None:
        raise DomainError(_l("Choose a curriculum version from the list."), "curriculum_version_id")
    problems = totals_problems(totals)
    if problems:
        raise problems[0]


def _apply(course: Course, fields: dict, totals: dict) -> None:
    for name in COURSE_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(course, name, value.strip() if isinstance(value, str) else value)
    if course.totals is None:
        course.totals = HistoricalTotals(tenant_id=course.tenant_id)
    for name in COUNTS:
        setattr(course.totals, name, totals.get(name) or 0)
    course.totals.source = (totals.get("source") or "").strip()[:500]


def create_historical_course(tenant_id: int, fields: dict, totals: dict) -> Course:
    """A course of kind HISTORICAL with its totals (flushes; the caller commits)."""
    check(fields, totals)
    course = Course(tenant_id=tenant_id, kind=CourseKind.HISTORICAL, title_en="", starts_on=date.today(),
                    ends_on=date.today())
    _apply(course, fields, totals)
    db.session.add(course)
    db.session.flush()
    return course


def update_historical_course(course: Course, fields: dict, totals: dict) -> Course:
    if not course.is_historical:
        raise DomainError(_l("Only a historical course is recorded as totals."))
    check(fields, totals)
    _apply(course, fields, totals)
    db.session.flush()
    return course
