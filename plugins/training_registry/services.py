"""The training rules every page, the API, imports and reports share: the youth band, enrolment,
sessions inside the course dates, attendance (idempotent), the completion rule and learning gain.
No Flask requests here: rules raise DomainError with a translated message."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core.errors import DomainError
from core.extensions import db
from core.registers.models import AGE_GROUP_YEARS, Contact, ContactKind
from plugins.training_registry.models import (Attendance, Course, CourseKind, Enrolment, EnrolmentSource,
                                              EnrolmentStatus, TrainingSession, TrainingSettings)

DEFAULT_YOUTH = (15, 30)
# A status set by hand wins over what attendance says, except these, which attendance moves on.
STATUSES_ATTENDANCE_MOVES = (EnrolmentStatus.INVITED, EnrolmentStatus.REGISTERED)


# --- settings and youth ----------------------------------------------------------------------------

def settings_for(tenant_id: int) -> TrainingSettings:
    """The tenant's training settings, created with the defaults on first use (not flushed)."""
    settings = db.session.scalar(select(TrainingSettings).where(TrainingSettings.tenant_id == tenant_id))
    if settings is None:
        settings = TrainingSettings(tenant_id=tenant_id, youth_min_age=DEFAULT_YOUTH[0],
                                    youth_max_age=DEFAULT_YOUTH[1])
        db.session.add(settings)
    return settings


def youth_band(tenant_id: int) -> tuple[int, int]:
    settings = db.session.scalar(select(TrainingSettings).where(TrainingSettings.tenant_id == tenant_id))
    return (settings.youth_min_age, settings.youth_max_age) if settings else DEFAULT_YOUTH


def is_youth(contact: Contact, on: date, band: tuple[int, int] = DEFAULT_YOUTH) -> bool | None:
    """Whether the person was inside the youth band on `on` (the session or course date): from the
    birth year when known, else from the recorded age group when the group lies wholly inside or
    outside the band; None when it cannot be told."""
    low, high = band
    if contact.birth_year:
        age = on.year - contact.birth_year
        return low <= age <= high
    youngest, oldest = AGE_GROUP_YEARS.get(contact.age_group, (None, None))
    if youngest is None and oldest is None:
        return None
    oldest = 200 if oldest is None else oldest
    if youngest >= low and oldest <= high:
        return True
    if oldest < low or youngest > high:
        return False
    return None


# --- courses and sessions -------------------------------------------------------------------------------

def check_course_dates(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise DomainError(_l("The course cannot end before it starts."), "ends_on")


def check_session_date(course: Course, day: date) -> None:
    """A session lies inside its course's dates."""
    if not (course.starts_on <= day <= course.ends_on):
        raise DomainError(_l("The session must be between the course's first and last day."), "starts_on")


def get_course(course_id: int, *options) -> Course | None:
    """A course of the current tenant (the central tenant filter applies)."""
    return db.session.scalar(select(Course).where(Course.id == course_id).options(*options))


# --- enrolment ------------------------------------------------------------------------------------------

def enrol(course: Course, contact: Contact, *, status: EnrolmentStatus = EnrolmentStatus.REGISTERED,
          source: EnrolmentSource = EnrolmentSource.FORM, client_key: str | None = None) -> Enrolment:
    """Enrol a person in a named course. Enrolling someone already enrolled returns their enrolment;
    a walk-in submission carrying a client key already seen returns the enrolment it made."""
    if course.kind is CourseKind.HISTORICAL:
        raise DomainError(_l("A historical course has totals only: nobody can be enrolled by name."))
    if contact.kind is not ContactKind.PERSON:
        raise DomainError(_l("Only people can be enrolled in a course."), "contact")
    if contact.erased_at is not None:
        raise DomainError(_l("This contact was erased and cannot be enrolled."), "contact")
    if client_key:
        seen = db.session.scalar(select(Enrolment).where(Enrolment.client_key == client_key))
        if seen is not None:
            return seen
    existing = db.session.scalar(select(Enrolment).where(Enrolment.course_id == course.id,
                                                         Enrolment.contact_id == contact.id))
    if existing is not None:
        return existing
    enrolment = Enrolment(tenant_id=course.tenant_id, course=course, contact=contact, status=status,
                          source=source, client_key=client_key or None)
    db.session.add(enrolment)
    db.session.flush()
    return enrolment


def get_enrolment(enrolment_id: int, *options) -> Enrolment | None:
    """An enrolment of the current tenant (the central tenant filter applies)."""
    return db.session.scalar(select(Enrolment).where(Enrolment.id == enrolment_id).options(*options))


# --- attendance -----------------------------------------------------------------------------------------

def record_attendance(session: TrainingSession, enrolment: Enrolment, present: bool, *,
                      user_id: int | None = None) -> Attendance:
    """Mark one person present or absent at one session. Idempotent: the same tap sent twice (an
    offline queue replayed) leaves one row with the same value."""
    if enrolment.course_id != session.course_id:
        raise DomainError(_l("This person is not enrolled in the session's course."), "enrolment")
    if enrolment.status is EnrolmentStatus.DROPPED and present:
        raise DomainError(_l("This person dropped out of the course. Change their status before marking "
                             "them present."), "enrolment")
    row = db.session.scalar(select(Attendance).where(Attendance.session_id == session.id,
                                                     Attendance.enrolment_id == enrolment.id))
    if row is None:
        row = Attendance(tenant_id=session.tenant_id, session=session, enrolment=enrolment, present=present,
                         recorded_by_id=user_id)
        db.session.add(row)
    elif row.present != present:
        row.present = present
        row.recorded_by_id = user_id
    if present and enrolment.status in STATUSES_ATTENDANCE_MOVES:
        enrolment.status = EnrolmentStatus.ATTENDED
    db.session.flush()
    return row


# --- the completion rule ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Completion:
    attended: int            # sessions attended
    sessions: int            # sessions of the course
    missing_mandatory: tuple[int, ...]   # ids of mandatory sessions not attended
    percent_needed: int

    @property
    def percent(self) -> float:
        return 100.0 * self.attended / self.sessions if self.sessions else 0.0

    @property
    def met(self) -> bool:
        return (self.sessions > 0 and self.percent + 1e-9 >= self.percent_needed
                and not self.missing_mandatory)


def completions(course: Course) -> dict[int, Completion]:
    """Each enrolment's standing against the course's completion rule, in two queries."""
    sessions = list(db.session.execute(select(TrainingSession.id, TrainingSession.is_mandatory).where(
        TrainingSession.course_id == course.id)))
    mandatory = {row.id for row in sessions if row.is_mandatory}
    attended: dict[int, set[int]] = {}
    for enrolment_id, session_id in db.session.execute(
            select(Attendance.enrolment_id, Attendance.session_id).join(
                TrainingSession, TrainingSession.id == Attendance.session_id).where(
                TrainingSession.course_id == course.id, Attendance.present.is_(True))):
        attended.setdefault(enrolment_id, set()).add(session_id)
    enrolment_ids = db.session.scalars(select(Enrolment.id).where(Enrolment.course_id == course.id))
    return {enrolment_id: Completion(
        attended=len(attended.get(enrolment_id, ())), sessions=len(sessions),
        missing_mandatory=tuple(sorted(mandatory - attended.get(enrolment_id, set()))),
        percent_needed=course.completion_percent) for enrolment_id in enrolment_ids}


def completion(enrolment: Enrolment) -> Completion:
    return completions(enrolment.course)[enrolment.id]


def has_completed(enrolment: Enrolment) -> bool:
    """Met the completion rule, or was marked completed by hand (e.g. a make-up session on paper)
    and did not drop out."""
    if enrolment.status is EnrolmentStatus.DROPPED:
        return False
    return enrolment.status is EnrolmentStatus.COMPLETED or completion(enrolment).met


def close_course(course: Course) -> int:
    """Set the status of everyone who met the completion rule to completed; returns how many changed."""
    changed = 0
    standing = completions(course)
    for enrolment in course.enrolments:
        if enrolment.status is not EnrolmentStatus.DROPPED and standing[enrolment.id].met \
                and enrolment.status is not EnrolmentStatus.COMPLETED:
            enrolment.status = EnrolmentStatus.COMPLETED
            changed += 1
    db.session.flush()
    return changed


# --- learning gain ------------------------------------------------------------------------------------------

def check_score(course: Course, value: Decimal | None, field: str) -> None:
    if value is None:
        return
    if course.test_max_score is None:
        raise DomainError(_l("Set the course's maximum test score before recording scores."), field)
    if value < 0 or value > course.test_max_score:
        maximum = f"{course.test_max_score.normalize():f}"
        raise DomainError(_l("A score must be between 0 and the test's maximum, %(max)s.", max=maximum), field)


def set_scores(enrolment: Enrolment, pre: Decimal | None, post: Decimal | None) -> None:
    check_score(enrolment.course, pre, "pre_score")
    check_score(enrolment.course, post, "post_score")
    enrolment.pre_score, enrolment.post_score = pre, post
    db.session.flush()


@dataclass(frozen=True)
class Gain:
    points: float | None        # post − pre
    normalised: float | None    # (post − pre) / (max − pre); None when pre is already the maximum


def gain(pre: Decimal | float | None, post: Decimal | float | None, maximum: Decimal | float | None) -> Gain:
    if pre is None or post is None:
        return Gain(None, None)
    points = float(post) - float(pre)
    room = float(maximum) - float(pre) if maximum is not None else 0.0
    return Gain(points, points / room if room > 0 else None)


def average_gain(rows) -> Gain:
    """The mean of points and of normalised gains over (pre, post, max) triples that have both scores."""
    gains = [gain(pre, post, maximum) for pre, post, maximum in rows]
    points = [g.points for g in gains if g.points is not None]
    normalised = [g.normalised for g in gains if g.normalised is not None]
    return Gain(sum(points) / len(points) if points else None,
                sum(normalised) / len(normalised) if normalised else None)


def enrolment_counts(course_ids: list[int]) -> dict[int, int]:
    """Enrolled people per course (dropped ones included), in one query."""
    if not course_ids:
        return {}
    return dict(db.session.execute(select(Enrolment.course_id, func.count()).where(
        Enrolment.course_id.in_(course_ids)).group_by(Enrolment.course_id)).all())
