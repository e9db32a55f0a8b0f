"""Pre/post tests and learning gain: parsing and saving a course's scores all at once, and the gain
figures per course and per curriculum that pages and reports reuse (each in a constant number of
queries). No Flask here: refusals raise DomainError with translated messages."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core.errors import DomainError
from core.extensions import db
from plugins.training_registry import services
from plugins.training_registry.models import (
    Course,
    Curriculum,
    CurriculumVersion,
    Enrolment,
)

# The columns are Numeric(8, 2).
LARGEST_SCORE = Decimal("999999.99")
CENT = Decimal("0.01")
TYPED_LENGTH = 40        # longer text is no score
PRE, POST, MAXIMUM = "pre_score", "post_score", "test_max_score"


# --- figures ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ScoreSummary:
    """What a group of people's tests show: how many took both tests, their average pre and post
    scores, and their average gain (services.average_gain: mean points, mean normalised gain)."""
    participants: int
    average_pre: float | None
    average_post: float | None
    gain: services.Gain


def summarise(rows: Iterable[tuple]) -> ScoreSummary:
    """The summary of (pre, post, maximum) triples; rows missing a score are left out."""
    both = [(pre, post, maximum) for pre, post, maximum in rows if pre is not None and post is not None]
    count = len(both)
    return ScoreSummary(participants=count,
                        average_pre=sum(float(pre) for pre, _post, _max in both) / count if count else None,
                        average_post=sum(float(post) for _pre, post, _max in both) / count if count else None,
                        gain=services.average_gain(both))


def _score_rows(course_ids: list[int]):
    """(course id, pre, post, maximum) of everyone in these courses with both scores: one query."""
    return db.session.execute(
        select(Enrolment.course_id, Enrolment.pre_score, Enrolment.post_score, Course.test_max_score)
        .join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.course_id.in_(course_ids), Enrolment.pre_score.is_not(None),
               Enrolment.post_score.is_not(None))).all()


def summaries_by_course(course_ids: Iterable[int]) -> dict[int, ScoreSummary]:
    """Each course's summary (an empty one for a course without scores), in one query."""
    course_ids = list(dict.fromkeys(course_ids))
    if not course_ids:
        return {}
    rows: dict[int, list[tuple]] = {course_id: [] for course_id in course_ids}
    for course_id, pre, post, maximum in _score_rows(course_ids):
        rows[course_id].append((pre, post, maximum))
    return {course_id: summarise(triples) for course_id, triples in rows.items()}


def gains_by_course(course_ids: Iterable[int]) -> dict[int, services.Gain]:
    """Each course's average gain (Gain(None, None) when nobody took both tests), in one query."""
    return {course_id: summary.gain for course_id, summary in summaries_by_course(course_ids).items()}


def course_gain(course: Course) -> services.Gain:
    """The course's average gain over the participants who took both tests."""
    return gains_by_course([course.id])[course.id]


@dataclass(frozen=True)
class CourseLine:
    course: Course
    summary: ScoreSummary


@dataclass(frozen=True)
class VersionLine:
    version: CurriculumVersion
    courses: list[CourseLine]
    summary: ScoreSummary        # over every participant of the version's courses


@dataclass(frozen=True)
class CurriculumGains:
    curriculum: Curriculum
    versions: list[VersionLine]
    summary: ScoreSummary        # over every participant of every version


def curriculum_gains(curriculum: Curriculum) -> CurriculumGains:
    """For each version of the curriculum (oldest first), each course that used it with its figures,
    the version's figures and the curriculum-wide ones, all over the people who took both tests (not
    an average of averages). Three queries, however many versions, courses and people."""
    versions = list(db.session.scalars(
        select(CurriculumVersion).where(CurriculumVersion.curriculum_id == curriculum.id)
        .order_by(CurriculumVersion.released_on.is_(None), CurriculumVersion.released_on, CurriculumVersion.id)))
    courses = list(db.session.scalars(
        select(Course).where(Course.curriculum_version_id.in_([version.id for version in versions]))
        .order_by(Course.starts_on, Course.id))) if versions else []
    rows: dict[int, list[tuple]] = {course.id: [] for course in courses}
    if courses:
        for course_id, pre, post, maximum in _score_rows(list(rows)):
            rows[course_id].append((pre, post, maximum))
    lines = []
    for version in versions:
        used = [course for course in courses if course.curriculum_version_id == version.id]
        lines.append(VersionLine(
            version=version, courses=[CourseLine(course, summarise(rows[course.id])) for course in used],
            summary=summarise(triple for course in used for triple in rows[course.id])))
    return CurriculumGains(curriculum=curriculum, versions=lines,
                           summary=summarise(triple for triples in rows.values() for triple in triples))


# --- entering scores -----------------------------------------------------------------------------------

class ScoresRefused(DomainError):
    """Some values of a scores submission were refused; nothing of it was saved. `errors` maps
    (enrolment id, field) to messages; the maximum's key is (None, "test_max_score")."""

    def __init__(self, errors: dict[tuple[int | None, str], list]):
        super().__init__(_l("Nothing was saved: correct the marked values."))
        self.errors = errors


def parse_score(value, field_name: str) -> Decimal | None:
    """A score typed in a form: None when blank, else a non-negative number with at most two
    decimals (Khmer digits are read too)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if isinstance(value, bool) or len(str(value)) > TYPED_LENGTH:
            raise InvalidOperation
        number = Decimal(value.strip() if isinstance(value, str) else str(value))
        if not number.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise DomainError(_l("Give a number, for example 14 or 14.5."), field_name)
    if number < 0:
        raise DomainError(_l("A score cannot be negative."), field_name)
    if number > LARGEST_SCORE:
        raise DomainError(_l("This number is too large."), field_name)
    if number != number.quantize(CENT):
        raise DomainError(_l("Give the number with at most two decimals."), field_name)
    return number.quantize(CENT)


def scores_page_rows(course: Course) -> list[Enrolment]:
    """The course's enrolments with their contacts (one query); the page orders them by shown name."""
    return list(db.session.scalars(select(Enrolment).where(Enrolment.course_id == course.id)
                                   .options(joinedload(Enrolment.contact)).order_by(Enrolment.id)))


def save_scores(course: Course, scores: Mapping[int, Mapping[str, object]], *,
                maximum: object = ..., enrolments: list[Enrolment] | None = None) -> int:
    """Save a whole scores sheet, all or nothing. `scores` maps enrolment ids of the course to the
    typed values {"pre_score": …, "post_score": …} (a missing key leaves that score as it is; blank
    means the test was not taken); `maximum`, when given, is the typed new maximum score of each
    test. Every value is checked first (against the new maximum) and, if any is refused, ScoresRefused
    lists them all and nothing changes. Returns how many enrolments changed."""
    if course.is_historical:
        raise DomainError(_l("A historical course has totals only: it has no test scores."))
    if enrolments is None:
        enrolments = scores_page_rows(course)
    errors: dict[tuple[int | None, str], list] = {}

    new_maximum = course.test_max_score
    maximum_ok = True
    if maximum is not ...:
        try:
            new_maximum = parse_score(maximum, MAXIMUM)
            if new_maximum is not None and new_maximum == 0:
                raise DomainError(_l("The maximum score must be more than 0."), MAXIMUM)
        except DomainError as error:
            errors[(None, MAXIMUM)] = [error.message]
            maximum_ok = False

    # The sheet as it would be: typed values where given, else what is stored.
    sheet: dict[int, dict[str, Decimal | None]] = {}
    for enrolment in enrolments:
        typed = scores.get(enrolment.id, {})
        values = {PRE: enrolment.pre_score, POST: enrolment.post_score}
        for name in (PRE, POST):
            if name not in typed:
                continue
            try:
                values[name] = parse_score(typed[name], name)
            except DomainError as error:
                errors.setdefault((enrolment.id, name), []).append(error.message)
                values[name] = None   # already refused; no range check on it
        sheet[enrolment.id] = values

    if maximum_ok:
        # The shared rule (services.check_score) against the new maximum; it reads only test_max_score.
        scale = SimpleNamespace(test_max_score=new_maximum)
        above = False
        for enrolment_id, values in sheet.items():
            for name, value in values.items():
                try:
                    services.check_score(scale, value, name)
                except DomainError as error:
                    errors.setdefault((enrolment_id, name), []).append(error.message)
                    above = above or (new_maximum is not None and value > new_maximum)
        if maximum is not ... and new_maximum != course.test_max_score:
            if new_maximum is None and any(value is not None for values in sheet.values() for value in values.values()):
                errors[(None, MAXIMUM)] = [_l("Scores are recorded: the maximum cannot be removed.")]
            elif above:
                errors[(None, MAXIMUM)] = [_l("Some recorded scores are above this maximum: lower them first, "
                                              "or keep a higher maximum.")]

    if errors:
        raise ScoresRefused(errors)

    if maximum is not ... and new_maximum != course.test_max_score:
        course.test_max_score = new_maximum
    changed = 0
    for enrolment in enrolments:
        values = sheet[enrolment.id]
        if (values[PRE], values[POST]) != (enrolment.pre_score, enrolment.post_score):
            enrolment.pre_score, enrolment.post_score = values[PRE], values[POST]
            changed += 1
    db.session.flush()
    return changed
