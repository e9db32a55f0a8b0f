"""Training figures: the report (courses, sessions, people and enrolments with the disaggregation
donors ask for, organisations trained, completion and learning gain, by province, project and
curriculum), the results-framework indicators, the dashboard card and the global search hits.

`compute(filters)` reads everything in a fixed number of SQL statements, however many courses and
participants there are: one per table (courses, sessions, enrolments with their attendance counted
in SQL, affiliations, the youth band, the provinces); the figures are then counted in Python from
those rows. Nobody is named: people are only counted, so protected contacts are counted like others."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, not_, or_, select
from sqlalchemy.orm import aliased

from core.cache import cached_if_large
from core.web import page_url
from core.disaggregation import DIMENSIONS, NO, UNKNOWN, YES, flag_cell
from core.periods import period_bounds
from core.extensions import db
from core.i18n import current_locale
from core.plugins import Indicator, SearchHit, Widget
from core.registers.models import (Contact, ContactAffiliation, ContactKind, OrganisationType, Place, PlaceKind,
                                   Project, Sex, name_in_language)
from core.search import any_contains
from core.tenancy import current_tenant_id, tenant_scope
from plugins.training_registry import services
from plugins.training_registry.models import (Attendance, Certificate, Course, CourseKind, Curriculum,
                                              CurriculumVersion, Enrolment, EnrolmentStatus, HistoricalTotals,
                                              TrainingSession)

NEXT_SESSION_DAYS = 14
WIDGET_SIZE = 5
# The dashboard's certificates to issue: courses that ended within this many days (or still run).
# Older courses are on their certificate pages; the card stays a to-do list, and one scan of a
# year's attendance instead of every year's.
CERTIFICATE_DAYS = 365
SEARCH_SIZE = 20
# Organisation types counted by the "CBOs trained" indicator (historical totals record CBOs/CSOs together).
CBO_TYPES = (OrganisationType.CBO, OrganisationType.CSO)


# --- what the report covers --------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportFilters:
    """Courses that start between the two dates (both included; either may be open), of a project,
    from any version of a curriculum, held in a province (by its code, e.g. "07" for Kampot)."""

    date_from: date | None = None
    date_to: date | None = None
    project_id: int | None = None
    curriculum_id: int | None = None
    province_code: str | None = None


@dataclass
class Figures:
    """The counts of one set of courses. `*_known` are the people whose value is recorded (or can be
    told, for youth): the denominators of the shares."""

    courses: int = 0
    sessions: int = 0
    people: int = 0
    enrolments: int = 0
    dropped: int = 0
    women: int = 0
    women_enrolments: int = 0
    youth: int = 0
    youth_known: int = 0
    idpoor: int = 0
    idpoor_known: int = 0
    disability: int = 0
    disability_known: int = 0
    completed: int = 0
    completion_base: int = 0           # enrolments that did not drop out
    organisations: int = 0
    gain_points: float | None = None
    gain_normalised: float | None = None
    scored: int = 0                    # enrolments with both scores

    @staticmethod
    def percent(part: int, whole: int) -> float | None:
        return round(100.0 * part / whole, 1) if whole else None

    @property
    def women_percent(self) -> float | None:
        return self.percent(self.women, self.people)

    @property
    def women_enrolments_percent(self) -> float | None:
        return self.percent(self.women_enrolments, self.enrolments)

    @property
    def youth_percent(self) -> float | None:
        return self.percent(self.youth, self.youth_known)

    @property
    def youth_unknown(self) -> int:
        return self.people - self.youth_known

    @property
    def idpoor_percent(self) -> float | None:
        return self.percent(self.idpoor, self.idpoor_known)

    @property
    def idpoor_unknown(self) -> int:
        return self.people - self.idpoor_known

    @property
    def disability_percent(self) -> float | None:
        return self.percent(self.disability, self.disability_known)

    @property
    def disability_unknown(self) -> int:
        return self.people - self.disability_known

    @property
    def completion_percent(self) -> float | None:
        return self.percent(self.completed, self.completion_base)

    @property
    def gain_percent(self) -> float | None:
        """The average normalised gain as a percentage."""
        return None if self.gain_normalised is None else round(100.0 * self.gain_normalised, 1)

    def plus(self, totals: Figures) -> Figures:
        """These named figures with historical totals added (they cannot be de-duplicated against
        them). Learning gain stays the named records' own: totals have no scores."""
        summed = {name: getattr(self, name) + getattr(totals, name) for name in (
            "courses", "sessions", "people", "enrolments", "dropped", "women", "women_enrolments", "youth",
            "youth_known", "idpoor", "idpoor_known", "disability", "disability_known", "completed",
            "completion_base", "organisations")}
        return Figures(**summed, gain_points=self.gain_points, gain_normalised=self.gain_normalised,
                       scored=self.scored)


@dataclass
class CrossTabRow:
    """Unique people of one sex and youth state, by disability."""

    sex: str                 # "women", "men", "other"
    youth: str               # "young", "not_young", "unknown"
    with_disability: int = 0
    without_disability: int = 0
    disability_unknown: int = 0

    @property
    def total(self) -> int:
        return self.with_disability + self.without_disability + self.disability_unknown


@dataclass
class BreakdownRow:
    key: str                 # province code, project id or curriculum id ("" when none is recorded)
    label: str
    named: Figures
    from_totals: Figures

    @property
    def total(self) -> Figures:
        return self.named.plus(self.from_totals)


@dataclass
class CourseRow:
    id: int
    kind: CourseKind
    title: str
    starts_on: date
    ends_on: date
    project: str
    curriculum: str
    province: str
    figures: Figures
    source: str = ""         # of a historical course's totals

    @property
    def is_historical(self) -> bool:
        return self.kind is CourseKind.HISTORICAL


@dataclass
class TrainingReport:
    filters: ReportFilters
    youth_band: tuple[int, int]
    named: Figures                                   # counted from named records
    from_totals: Figures                             # historical courses' totals
    crosstab: list[CrossTabRow]
    organisations_by_type: list[tuple[str, str, int]]   # (type value, label, organisations)
    by_province: list[BreakdownRow]
    by_project: list[BreakdownRow]
    by_curriculum: list[BreakdownRow]
    courses: list[CourseRow]
    province_name: str = ""
    # Unique people (named, then historical totals) by the dimensions of core.disaggregation: each
    # dimension's cells add up to total.people (see people_breakdown()).
    people_breakdown: dict = field(default_factory=dict)

    @property
    def total(self) -> Figures:
        return self.named.plus(self.from_totals)

    @property
    def young_women_with_disability(self) -> int:
        return sum(row.with_disability for row in self.crosstab if row.sex == "women" and row.youth == "young")

    @property
    def has_totals(self) -> bool:
        return self.from_totals.courses > 0


# --- the queries ------------------------------------------------------------------------------------

def _province_of(place):
    """The province a place lies in (itself for a province)."""
    return case((place.kind == PlaceKind.PROVINCE, place.id), else_=place.province_id)


def course_province_id():
    """SQL: the province of a course: its place's, else that of its first session held somewhere."""
    course_place = select(_province_of(Place)).where(Place.id == Course.place_id).scalar_subquery()
    session_place = aliased(Place)
    first_session = (select(_province_of(session_place))
                     .select_from(TrainingSession).join(session_place, session_place.id == TrainingSession.place_id)
                     .where(TrainingSession.course_id == Course.id)
                     .order_by(TrainingSession.starts_on, TrainingSession.id).limit(1).scalar_subquery())
    return func.coalesce(course_place, first_session)


def selected_courses(filters: ReportFilters, tenant_id: int):
    """SQL: the ids of the tenant's courses the filters select (a course counts in the period in
    which it starts, so consecutive periods never count it twice)."""
    query = select(Course.id).where(Course.tenant_id == tenant_id)
    if filters.date_from:
        query = query.where(Course.starts_on >= filters.date_from)
    if filters.date_to:
        query = query.where(Course.starts_on <= filters.date_to)
    if filters.project_id:
        query = query.where(Course.project_id == filters.project_id)
    if filters.curriculum_id:
        query = query.where(Course.curriculum_version_id.in_(
            select(CurriculumVersion.id).where(CurriculumVersion.curriculum_id == filters.curriculum_id)))
    if filters.province_code:
        province = select(Place.id).where(Place.code == filters.province_code,
                                          Place.kind == PlaceKind.PROVINCE).scalar_subquery()
        query = query.where(course_province_id() == province)
    return query


def _course_rows(selected):
    return db.session.execute(
        select(Course.id, Course.kind, Course.title_en, Course.title_km, Course.starts_on, Course.ends_on,
               Course.completion_percent, Course.test_max_score, Course.project_id,
               Project.code.label("project_code"), Project.title_en.label("project_en"),
               Project.title_km.label("project_km"), CurriculumVersion.curriculum_id, CurriculumVersion.label,
               Curriculum.title_en.label("curriculum_en"), Curriculum.title_km.label("curriculum_km"),
               course_province_id().label("province_id"),
               HistoricalTotals.sessions.label("t_sessions"), HistoricalTotals.participants.label("t_participants"),
               HistoricalTotals.women.label("t_women"), HistoricalTotals.youth.label("t_youth"),
               HistoricalTotals.idpoor.label("t_idpoor"), HistoricalTotals.disability.label("t_disability"),
               HistoricalTotals.organisations.label("t_organisations"),
               HistoricalTotals.completed.label("t_completed"), HistoricalTotals.source.label("t_source"))
        .outerjoin(Project, Project.id == Course.project_id)
        .outerjoin(CurriculumVersion, CurriculumVersion.id == Course.curriculum_version_id)
        .outerjoin(Curriculum, Curriculum.id == CurriculumVersion.curriculum_id)
        .outerjoin(HistoricalTotals, HistoricalTotals.course_id == Course.id)
        .where(Course.id.in_(selected)).order_by(Course.starts_on, Course.id)).all()


def _session_counts(selected) -> dict[int, tuple[int, int]]:
    """(sessions, mandatory sessions) per course."""
    return {row.course_id: (row.sessions, int(row.mandatory or 0)) for row in db.session.execute(
        select(TrainingSession.course_id, func.count().label("sessions"),
               func.sum(case((TrainingSession.is_mandatory.is_(True), 1), else_=0)).label("mandatory"))
        .where(TrainingSession.course_id.in_(selected)).group_by(TrainingSession.course_id))}


def attendance_counts(course_ids=None):
    """SQL subquery: per enrolment, the sessions attended and the mandatory ones among them (of the
    courses `course_ids` selects, or of all)."""
    query = (select(Attendance.enrolment_id.label("enrolment_id"), func.count().label("attended"),
                    func.sum(case((TrainingSession.is_mandatory.is_(True), 1), else_=0)).label("attended_mandatory"))
             .join(TrainingSession, TrainingSession.id == Attendance.session_id)
             .where(Attendance.present.is_(True)))
    if course_ids is not None:
        query = query.where(TrainingSession.course_id.in_(course_ids))
    return query.group_by(Attendance.enrolment_id).subquery()


def _enrolment_rows(selected):
    present = attendance_counts(selected)
    return db.session.execute(
        select(Enrolment.id, Enrolment.course_id, Enrolment.contact_id, Enrolment.status, Enrolment.pre_score,
               Enrolment.post_score, Contact.sex, Contact.birth_year, Contact.age_group, Contact.disability,
               Contact.idpoor, func.coalesce(present.c.attended, 0).label("attended"),
               func.coalesce(present.c.attended_mandatory, 0).label("attended_mandatory"))
        .join(Contact, Contact.id == Enrolment.contact_id)
        .outerjoin(present, present.c.enrolment_id == Enrolment.id)
        .where(Enrolment.course_id.in_(selected)).order_by(Enrolment.id)).all()


def _affiliations(selected) -> dict[int, list[tuple[int, OrganisationType | None]]]:
    """The organisations each participant is affiliated to: person id → [(organisation id, type)]."""
    organisation = aliased(Contact)
    rows = db.session.execute(
        select(ContactAffiliation.person_id, organisation.id, organisation.organisation_type)
        .join(organisation, organisation.id == ContactAffiliation.organisation_id)
        .where(organisation.kind == ContactKind.ORGANISATION, ContactAffiliation.person_id.in_(
            select(Enrolment.contact_id).where(Enrolment.course_id.in_(selected))))).all()
    found: dict[int, list] = defaultdict(list)
    for person_id, organisation_id, organisation_type in rows:
        found[person_id].append((organisation_id, organisation_type))
    return found


def _provinces() -> dict[int, Place]:
    return {place.id: place for place in db.session.scalars(select(Place).where(Place.kind == PlaceKind.PROVINCE))}


# --- counting ----------------------------------------------------------------------------------------

def _met_rule(row, course, sessions: tuple[int, int]) -> bool:
    """The completion rule of services.completions, from counts: completed by hand, or attended the
    share of sessions and every mandatory one; never after dropping out."""
    if row.status is EnrolmentStatus.DROPPED:
        return False
    if row.status is EnrolmentStatus.COMPLETED:
        return True
    total, mandatory = sessions
    return total > 0 and 100 * row.attended >= course.completion_percent * total \
        and row.attended_mandatory >= mandatory


class _Counter:
    """Counts named figures over subsets of the enrolment rows (no SQL)."""

    def __init__(self, courses: dict, sessions: dict, affiliations: dict, band: tuple[int, int]):
        self.courses, self.sessions, self.affiliations, self.band = courses, sessions, affiliations, band

    def youth(self, row) -> bool | None:
        return services.is_youth(row, self.courses[row.course_id].starts_on, self.band)

    def first_enrolments(self, rows) -> dict[int, object]:
        """Each person's enrolment in their first course of the set (youth is told at its start)."""
        firsts: dict[int, object] = {}
        for row in rows:
            seen = firsts.get(row.contact_id)
            course = self.courses[row.course_id]
            if seen is None or (course.starts_on, course.id) < (self.courses[seen.course_id].starts_on,
                                                                 seen.course_id):
                firsts[row.contact_id] = row
        return firsts

    def organisations(self, person_ids) -> dict[int, OrganisationType | None]:
        return {organisation_id: kind for person_id in person_ids
                for organisation_id, kind in self.affiliations.get(person_id, ())}

    def figures(self, course_ids, rows) -> Figures:
        figures = Figures(courses=len(course_ids),
                          sessions=sum(self.sessions.get(course_id, (0, 0))[0] for course_id in course_ids))
        for row in rows:
            figures.enrolments += 1
            figures.women_enrolments += row.sex is Sex.FEMALE
            if row.status is EnrolmentStatus.DROPPED:
                figures.dropped += 1
                continue
            figures.completion_base += 1
            figures.completed += _met_rule(row, self.courses[row.course_id],
                                           self.sessions.get(row.course_id, (0, 0)))
        people = self.first_enrolments(rows)
        figures.people = len(people)
        for row in people.values():
            figures.women += row.sex is Sex.FEMALE
            youth = self.youth(row)
            figures.youth_known += youth is not None
            figures.youth += youth is True
            figures.idpoor_known += row.idpoor is not None
            figures.idpoor += row.idpoor is True
            figures.disability_known += row.disability is not None
            figures.disability += row.disability is True
        figures.organisations = len(self.organisations(people))
        triples = [(row.pre_score, row.post_score, self.courses[row.course_id].test_max_score) for row in rows
                   if row.pre_score is not None and row.post_score is not None]
        gain = services.average_gain(triples)
        figures.gain_points, figures.gain_normalised, figures.scored = gain.points, gain.normalised, len(triples)
        return figures


def _totals_figures(courses) -> Figures:
    figures = Figures()
    for course in courses:
        figures.courses += 1
        if course.t_participants is None:       # a historical course whose totals are not entered yet
            continue
        figures.sessions += course.t_sessions
        figures.people += course.t_participants
        figures.enrolments += course.t_participants
        figures.women += course.t_women
        figures.women_enrolments += course.t_women
        figures.youth += course.t_youth
        figures.idpoor += course.t_idpoor
        figures.disability += course.t_disability
        # Totals say how many had each trait, not for how many it was recorded: all count as known.
        figures.youth_known += course.t_participants
        figures.idpoor_known += course.t_participants
        figures.disability_known += course.t_participants
        figures.completed += course.t_completed
        figures.completion_base += course.t_participants
        figures.organisations += course.t_organisations
    return figures


YOUTH_STATES = ("young", "not_young", "unknown")
SEX_GROUPS = ("women", "men", "other")


def _sex_group(sex: Sex) -> str:
    return "women" if sex is Sex.FEMALE else "men" if sex is Sex.MALE else "other"


def compute(filters: ReportFilters, tenant_id: int | None = None) -> TrainingReport:
    """The training report for the current tenant (or `tenant_id`) and the filters."""
    tenant_id = tenant_id if tenant_id is not None else current_tenant_id()
    if tenant_id is None:
        raise RuntimeError("compute() needs a tenant")
    with tenant_scope(tenant_id):
        return _compute(filters, tenant_id)


def _compute(filters: ReportFilters, tenant_id: int) -> TrainingReport:
    locale = current_locale()
    selected = selected_courses(filters, tenant_id)
    course_rows = _course_rows(selected)
    sessions = _session_counts(selected)
    enrolments = _enrolment_rows(selected)
    affiliations = _affiliations(selected)
    band = services.youth_band(tenant_id)
    provinces = _provinces()

    courses = {course.id: course for course in course_rows}
    counter = _Counter(courses, sessions, affiliations, band)
    named_ids = [course.id for course in course_rows if course.kind is not CourseKind.HISTORICAL]
    historical = [course for course in course_rows if course.kind is CourseKind.HISTORICAL]
    by_course: dict[int, list] = defaultdict(list)
    for row in enrolments:
        by_course[row.course_id].append(row)

    named = counter.figures(named_ids, [row for row in enrolments if courses[row.course_id].kind
                                        is not CourseKind.HISTORICAL])

    # Cross-tab of unique people: sex × youth × disability.
    cells = {(sex, youth): CrossTabRow(sex, youth) for sex in SEX_GROUPS for youth in YOUTH_STATES}
    for row in counter.first_enrolments(enrolments).values():
        youth = counter.youth(row)
        cell = cells[(_sex_group(row.sex), "unknown" if youth is None else "young" if youth else "not_young")]
        if row.disability is None:
            cell.disability_unknown += 1
        elif row.disability:
            cell.with_disability += 1
        else:
            cell.without_disability += 1

    by_type: dict[str, int] = defaultdict(int)
    for kind in counter.organisations(counter.first_enrolments(enrolments)).values():
        by_type[kind.value if kind else ""] += 1
    organisations_by_type = sorted(
        ((value, str(OrganisationType(value).label) if value else _("Type not recorded"), count)
         for value, count in by_type.items()), key=lambda item: (-item[2], item[1]))

    def province_key(course) -> tuple[str, str]:
        place = provinces.get(course.province_id)
        return (place.code, place.name_in(locale)) if place else ("", _("No province recorded"))

    def project_key(course) -> tuple[str, str]:
        if course.project_id is None:
            return "", _("No project")
        title = name_in_language(course.project_en, course.project_km, locale)
        return str(course.project_id), f"{course.project_code} · {title}" if course.project_code else title

    def curriculum_key(course) -> tuple[str, str]:
        if course.curriculum_id is None:
            return "", _("No curriculum")
        return str(course.curriculum_id), name_in_language(course.curriculum_en, course.curriculum_km, locale)

    def breakdown(key_of) -> list[BreakdownRow]:
        groups: dict[tuple[str, str], list] = defaultdict(list)
        for course in course_rows:
            groups[key_of(course)].append(course)
        result = []
        for (key, label), members in groups.items():
            ids = [c.id for c in members if c.kind is not CourseKind.HISTORICAL]
            result.append(BreakdownRow(key, label, counter.figures(ids, [r for i in ids for r in by_course[i]]),
                                       _totals_figures([c for c in members if c.kind is CourseKind.HISTORICAL])))
        return sorted(result, key=lambda row: (row.key == "", row.label.casefold()))

    course_list = []
    for course in course_rows:
        if course.kind is CourseKind.HISTORICAL:
            figures = _totals_figures([course])
        else:
            figures = counter.figures([course.id], by_course[course.id])
        curriculum = curriculum_key(course)[1] if course.curriculum_id else ""
        if curriculum and course.label:
            curriculum = f"{curriculum} ({course.label})"
        course_list.append(CourseRow(
            id=course.id, kind=course.kind, title=name_in_language(course.title_en, course.title_km, locale),
            starts_on=course.starts_on, ends_on=course.ends_on,
            project=project_key(course)[1] if course.project_id else "", curriculum=curriculum,
            province=province_key(course)[1] if course.province_id in provinces else "", figures=figures,
            source=course.t_source or ""))

    chosen = next((p for p in provinces.values() if p.code == filters.province_code), None)
    named_rows = [row for row in enrolments if courses[row.course_id].kind is not CourseKind.HISTORICAL]
    people = people_breakdown(counter, named_rows, historical, provinces)
    return TrainingReport(
        filters=filters, youth_band=band, named=named, from_totals=_totals_figures(historical),
        crosstab=[cells[(sex, youth)] for sex in SEX_GROUPS for youth in YOUTH_STATES],
        organisations_by_type=organisations_by_type, by_province=breakdown(province_key),
        by_project=breakdown(project_key), by_curriculum=breakdown(curriculum_key), courses=course_list,
        province_name=chosen.name_in(locale) if chosen else "", people_breakdown=people)


def people_breakdown(counter: _Counter, named_rows, historical, provinces: dict[int, Place]) -> dict:
    """Unique people by sex (Sex values), youth, disability, IDPoor (yes/no/unknown) and province
    (province codes), from rows compute() has already read. A named person is counted once, with
    what is known at their first course of the set, in that course's province; a historical
    course adds its totals as the report does: its women as "female" and the others as sex not
    recorded (totals do not say), its youth, IDPoor and disability counts as "yes" and the others
    as "no" (the report counts totals as known). A course without a province is under "unknown"."""
    def province(course) -> str:
        place = provinces.get(course.province_id)
        return place.code if place else UNKNOWN

    found: dict = {dimension: defaultdict(int) for dimension in DIMENSIONS}
    for row in counter.first_enrolments(named_rows).values():
        found["sex"][(row.sex or Sex.NOT_RECORDED).value] += 1
        found["youth"][flag_cell(counter.youth(row))] += 1
        found["disability"][flag_cell(row.disability)] += 1
        found["idpoor"][flag_cell(row.idpoor)] += 1
        found["province"][province(counter.courses[row.course_id])] += 1
    for course in historical:
        if course.t_participants is None:
            continue
        total = course.t_participants
        found["sex"][Sex.FEMALE.value] += course.t_women
        found["sex"][Sex.NOT_RECORDED.value] += total - course.t_women
        for dimension, yes in (("youth", course.t_youth), ("disability", course.t_disability),
                               ("idpoor", course.t_idpoor)):
            found[dimension][YES] += yes
            found[dimension][NO] += total - yes
        found["province"][province(course)] += total
    return {dimension: {cell: count for cell, count in cells.items() if count} for dimension, cells in found.items()}


# --- indicators -----------------------------------------------------------------------------------------



def indicators(tenant, period) -> list[Indicator]:
    """Results-framework figures for the courses that start in the period (the report's own counts),
    each with a link to the training report for the same period. People trained are broken down
    by sex, youth, disability, IDPoor and province (people_breakdown). The organisations trained
    are the tenant's own contacts, so they carry no instance-wide keys."""
    start, end = period_bounds(period)
    report = compute(ReportFilters(date_from=start, date_to=end), tenant.id)
    total = report.total
    cbos = sum(count for value, _label, count in report.organisations_by_type
               if value in {kind.value for kind in CBO_TYPES}) + report.from_totals.organisations
    link = {"url": page_url("training_reports.index", tenant, date_from=start.isoformat(), date_to=end.isoformat()),
            "permission": "training.view"}
    return [
        Indicator("training.people_trained", _l("People trained"), total.people, unit=_("people"),
                  breakdown=report.people_breakdown, **link),
        Indicator("training.women_share", _l("Women among the people trained"), total.women_percent or 0.0,
                  unit="%", **link),
        Indicator("training.cbos_trained", _l("CBOs and CSOs trained"), cbos, unit=_("organisations"), **link),
        Indicator("training.learning_gain", _l("Average learning gain (normalised)"), total.gain_percent or 0.0,
                  unit="%", **link),
    ]




# --- dashboard ---------------------------------------------------------------------------------------

def tenant_today(tenant) -> date:
    return tenant.today()




def certificates_due(course_ids=None):
    """SQL: enrolments in named courses (those `course_ids` selects, or all) that completed or met
    the rule, did not drop out and have no valid certificate (the completion rule of
    services.completions, counted in SQL)."""
    session_counts = (select(TrainingSession.course_id.label("course_id"), func.count().label("sessions"),
                             func.sum(case((TrainingSession.is_mandatory.is_(True), 1), else_=0)).label("mandatory"))
                      .group_by(TrainingSession.course_id).subquery())
    present = attendance_counts(course_ids)
    attended = func.coalesce(present.c.attended, 0)
    met = and_(session_counts.c.sessions > 0,
               100 * attended >= Course.completion_percent * session_counts.c.sessions,
               func.coalesce(present.c.attended_mandatory, 0) >= func.coalesce(session_counts.c.mandatory, 0))
    valid_certificate = exists().where(Certificate.enrolment_id == Enrolment.id, Certificate.revoked_at.is_(None))
    query = (select(Enrolment.id.label("enrolment_id"), Course.id.label("course_id"))
             .join(Course, Course.id == Enrolment.course_id)
             .outerjoin(session_counts, session_counts.c.course_id == Course.id)
             .outerjoin(present, present.c.enrolment_id == Enrolment.id)
             .where(Course.kind == CourseKind.NAMED, Enrolment.status != EnrolmentStatus.DROPPED,
                    or_(Enrolment.status == EnrolmentStatus.COMPLETED, met), not_(valid_certificate)))
    return query.where(Course.id.in_(course_ids)) if course_ids is not None else query


def _courses_awaiting_certificates(today: date) -> tuple[list, int]:
    """Of the courses that ended in the last CERTIFICATE_DAYS (or still run), the latest WIDGET_SIZE
    with certificates to issue (id, titles, how many) and the number waiting in all: one scan of their
    enrolments and attendance, kept a minute when 10,000 or more wait (core.cache)."""
    def compute() -> tuple[list, int]:
        recent = select(Course.id).where(Course.ends_on >= today - timedelta(days=CERTIFICATE_DAYS))
        due = certificates_due(recent).subquery()
        per_course = (select(Course.id, Course.title_en, Course.title_km, func.count().label("waiting"),
                             func.sum(func.count()).over().label("everyone"))
                      .join(due, due.c.course_id == Course.id)
                      .group_by(Course.id, Course.title_en, Course.title_km, Course.ends_on))
        rows = db.session.execute(per_course.order_by(Course.ends_on.desc(), Course.id.desc())
                                  .limit(WIDGET_SIZE)).all()
        return [tuple(row[:4]) for row in rows], int(rows[0].everyone) if rows else 0
    return cached_if_large(("training.certificates_due", today), compute, size=lambda found: found[1])


def dashboard_widgets(tenant, user) -> list[Widget]:
    """One light card: the sessions of the next two weeks and the courses with certificates to issue."""
    from core.permissions import can
    if not can("training.view"):
        return []
    locale = current_locale()
    with tenant_scope(tenant.id):
        today = tenant_today(tenant)
        upcoming = (select(TrainingSession.id, TrainingSession.title, TrainingSession.starts_on,
                           TrainingSession.start_time, Course.id.label("course_id"), Course.title_en, Course.title_km)
                    .join(Course, Course.id == TrainingSession.course_id)
                    .where(TrainingSession.starts_on >= today,
                           TrainingSession.starts_on <= today + timedelta(days=NEXT_SESSION_DAYS)))
        sessions = db.session.execute(upcoming.order_by(TrainingSession.starts_on, TrainingSession.start_time,
                                                        TrainingSession.id).limit(WIDGET_SIZE)).all()
        session_total = db.session.execute(select(func.count()).select_from(upcoming.subquery())).scalar_one()
        certificates, certificate_total = ([], 0)
        if can("training.certificates.issue"):
            certificates, certificate_total = _courses_awaiting_certificates(today)
    context = {
        "days": NEXT_SESSION_DAYS,
        "sessions": [{"on": row.starts_on, "time": row.start_time, "title": row.title,
                      "course": name_in_language(row.title_en, row.title_km, locale),
                      "days": (row.starts_on - today).days,
                      "course_url": page_url("training_courses.detail", tenant, course_id=row.course_id),
                      "attendance_url": page_url("training_attendance.take", tenant, session_id=row.id)}
                     for row in sessions],
        "session_total": session_total,
        "show_certificates": can("training.certificates.issue"),
        "certificate_days": CERTIFICATE_DAYS,
        "certificates": [{"course": name_in_language(title_en, title_km, locale), "waiting": waiting,
                          "url": page_url("training_certificates.course", tenant, course_id=course_id)}
                         for course_id, title_en, title_km, waiting in certificates],
        "certificate_total": certificate_total,
        "reports_url": page_url("training_reports.index", tenant),
    }
    return [Widget(_l("Training"), "training_registry/widgets/training_card.html", context, order=35)]


# --- search ----------------------------------------------------------------------------------------

def search_hits(query: str) -> list[SearchHit]:
    """Courses and curricula whose English or Khmer title contains `query`."""
    from core.permissions import can
    text = (query or "").strip()
    if not text or not can("training.view"):
        return []
    locale = current_locale()
    courses = db.session.scalars(select(Course).where(any_contains([Course.title_en, Course.title_km], text))
                                 .order_by(Course.starts_on.desc(), Course.id.desc()).limit(SEARCH_SIZE))
    hits = [SearchHit(title=course.title_in(locale), url=url_for("training_courses.detail", course_id=course.id),
                      kind=_("Course"), snippet=_("%(start)s to %(end)s", start=_day(course.starts_on),
                                                  end=_day(course.ends_on)))
            for course in courses]
    curricula = db.session.scalars(select(Curriculum).where(any_contains(
        [Curriculum.title_en, Curriculum.title_km], text)).order_by(Curriculum.title_en, Curriculum.id)
        .limit(SEARCH_SIZE))
    hits += [SearchHit(title=curriculum.title_in(locale),
                       url=url_for("training_curricula.detail", curriculum_id=curriculum.id),
                       kind=_("Curriculum"), snippet=curriculum.topic) for curriculum in curricula]
    return hits


def _day(value: date) -> str:
    from flask_babel import format_date
    return format_date(value, "medium")

