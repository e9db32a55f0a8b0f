"""Demo data of the training registry for `flask demo`: curricula with versions (approved, draft,
retired), trainers, named courses from 2024 to 2026 in several provinces with sessions (one on a
public holiday), participants, attendance, pre/post scores, closed courses with certificates, and
two historical courses known only as totals.

The lead NGO gets a few hundred participants, the other demo tenants a smaller set. Participants are
the tenant's demo contacts (core.registers.demo runs first) plus invented people, drawn from common
Khmer family and given names with a random generator seeded by the tenant's slug: about half women,
some youth by birth year, some IDPoor card holders, a few with a disability, a few protected. A
tenant that already has courses or curricula is left alone."""
from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from core.extensions import db
from core.models import Tenant
from core.registers.contacts import add_affiliation, create_contact
from core.registers.demo import FAMILY_NAMES, MEN_NAMES, PHONE_PREFIXES, WOMEN_NAMES
from core.registers.matching import name_key
from core.registers.models import (AgeGroup, ConsentMethod, Contact, ContactKind, OrganisationType, Place,
                                   PlaceKind, Project, Sex)
from core.registers.places import place_by_code
from plugins.training_registry import certificates, curricula, services
from plugins.training_registry.models import (Attendance, Course, CourseKind, CourseTrainer, Curriculum,
                                              EnrolmentSource, EnrolmentStatus, HistoricalTotals, SessionMode,
                                              Trainer, TrainingSession, VersionStatus)

LEAD = "demo-lead"
CONSENT_SCOPE = "Training records: attendance, test scores and certificates; invitations to later trainings."
SIGNATORY = ("Sok Dara", "Executive Director")


@dataclass(frozen=True)
class DemoVersion:
    label: str
    released_on: date | None
    status: VersionStatus
    change_note: str = ""


@dataclass(frozen=True)
class DemoCurriculum:
    key: str
    title_en: str
    title_km: str
    topic: str
    language: str
    description: str
    versions: tuple[DemoVersion, ...]


@dataclass(frozen=True)
class DemoCourse:
    title_en: str
    title_km: str
    curriculum: str                    # DemoCurriculum.key
    version: str                       # its label
    province: str                      # gazetteer code
    starts_on: date
    days: int
    participants: int
    project: str = ""                  # core.registers.demo project code
    venue: str = ""
    target_group: str = ""
    closed: bool = False               # statuses set from attendance (completed)
    certificates: bool = False         # certificates issued two weeks after the end
    youth_course: bool = False
    online_day: int | None = None      # the day held online
    max_score: Decimal = Decimal(20)


@dataclass(frozen=True)
class DemoHistorical:
    title_en: str
    title_km: str
    province: str
    starts_on: date
    days: int
    totals: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    new_people: int
    trainers: int
    curricula: tuple[DemoCurriculum, ...]
    courses: tuple[DemoCourse, ...]
    historical: tuple[DemoHistorical, ...]
    protected: int


A2I = DemoCurriculum(
    "a2i", "Access to information for citizens and officials", "សិទ្ធិទទួលបានព័ត៌មានសម្រាប់ពលរដ្ឋ និងមន្ត្រី",
    "Access to information", "km,en",
    "How to ask public bodies for information, and how officials answer within the deadlines.",
    (DemoVersion("1st edition 2019", date(2019, 3, 1), VersionStatus.RETIRED),
     DemoVersion("2nd edition 2024", date(2024, 1, 15), VersionStatus.APPROVED,
                 "Updated for the draft A2I law; new module on appeals.")))
SOCIAL = DemoCurriculum(
    "social", "Social accountability and the commune budget", "គណនេយ្យភាពសង្គម និងថវិកាឃុំ",
    "Social accountability", "km",
    "Reading the commune investment plan, community scorecards and budget forums.",
    (DemoVersion("2023 edition", date(2023, 6, 1), VersionStatus.APPROVED),
     DemoVersion("2026 draft", None, VersionStatus.DRAFT, "Adds the district budget and online tools.")))
DIGITAL = DemoCurriculum(
    "digital", "Digital rights and online safety for youth", "សិទ្ធិឌីជីថល និងសុវត្ថិភាពអនឡាញសម្រាប់យុវជន",
    "Digital rights", "km,en", "Privacy settings, personal data, misinformation and safe reporting online.",
    (DemoVersion("1st edition 2024", date(2024, 5, 2), VersionStatus.APPROVED),))
GENDER = DemoCurriculum(
    "gender", "Gender-responsive planning for commune councils", "ផែនការឆ្លើយតបនឹងយេនឌ័រសម្រាប់ក្រុមប្រឹក្សាឃុំ",
    "Gender", "km", "Including women's priorities in commune development and investment plans.",
    (DemoVersion("Pilot draft 2026", None, VersionStatus.DRAFT, "For the pilot course; to be reviewed."),))
BUDGET = DemoCurriculum(
    "budget", "Community budget forums", "វេទិកាថវិកាសហគមន៍", "Budget", "km",
    "Preparing and running a community forum on the commune budget.",
    (DemoVersion("2025 edition", date(2025, 2, 1), VersionStatus.APPROVED),
     DemoVersion("2026 draft", None, VersionStatus.DRAFT)))

LEAD_PLAN = Plan(
    new_people=240, trainers=5, protected=4, curricula=(A2I, SOCIAL, DIGITAL, GENDER),
    courses=(
        DemoCourse("Access to information for commune councils", "សិទ្ធិទទួលបានព័ត៌មានសម្រាប់ក្រុមប្រឹក្សាឃុំ", "a2i",
                   "2nd edition 2024", "07", date(2024, 3, 11), 3, 30, "A2I-2024", "Provincial hall, Kampot",
                   "Commune councillors and clerks", closed=True, certificates=True),
        DemoCourse("Access to information for CSO staff", "សិទ្ធិទទួលបានព័ត៌មានសម្រាប់បុគ្គលិកអង្គការសង្គមស៊ីវិល", "a2i",
                   "2nd edition 2024", "17", date(2024, 6, 24), 3, 32, "A2I-2024", "Training centre, Siem Reap",
                   "CSO and CBO staff", closed=True, certificates=True),
        DemoCourse("Digital rights clinic for youth", "គ្លីនិកសិទ្ធិឌីជីថលសម្រាប់យុវជន", "digital", "1st edition 2024",
                   "02", date(2024, 9, 9), 2, 28, "YDR-2024", "Youth centre, Battambang", "Youth groups",
                   closed=True, certificates=True, youth_course=True),
        DemoCourse("Social accountability for commune focal points", "គណនេយ្យភាពសង្គមសម្រាប់មន្ត្រីទំនាក់ទំនងឃុំ",
                   "social", "2023 edition", "12", date(2025, 1, 6), 3, 34, "A2I-2024", "Office meeting room, Phnom Penh",
                   "Commune focal points", closed=True, certificates=True),
        DemoCourse("Reading the commune budget", "ការអានថវិកាឃុំ", "social", "2023 edition", "10", date(2025, 5, 19), 3,
                   35, "SNA-2025", "Provincial hall, Kratie", "Community members and CBO leaders", closed=True,
                   certificates=True),
        DemoCourse("Online safety for youth volunteers", "សុវត្ថិភាពអនឡាញសម្រាប់យុវជនស្ម័គ្រចិត្ត", "digital",
                   "1st edition 2024", "05", date(2025, 8, 4), 2, 30, "YDR-2024", "Youth centre, Kampong Speu",
                   "Youth volunteers", closed=True, certificates=True, youth_course=True, online_day=2),
        DemoCourse("Community scorecards", "កាតពិន្ទុសហគមន៍", "social", "2023 edition", "07", date(2025, 11, 10), 3,
                   36, "SNA-2025", "Commune hall, Kampong Bay", "Community members", closed=True),
        DemoCourse("Access to information refresher for commune clerks",
                   "វគ្គរំលឹកសិទ្ធិទទួលបានព័ត៌មានសម្រាប់ស្មៀនឃុំ", "a2i", "2nd edition 2024", "17", date(2026, 3, 2), 3, 30,
                   "SNA-2025", "Training centre, Siem Reap", "Commune clerks"),
        DemoCourse("Gender-responsive planning (pilot)", "ផែនការឆ្លើយតបនឹងយេនឌ័រ (សាកល្បង)", "gender",
                   "Pilot draft 2026", "02", date(2026, 9, 14), 2, 24, "SNA-2025", "Provincial hall, Battambang",
                   "Women commune councillors", max_score=Decimal(30)),
        DemoCourse("Access to information for district officials", "សិទ្ធិទទួលបានព័ត៌មានសម្រាប់មន្ត្រីស្រុក", "a2i",
                   "2nd edition 2024", "10", date(2026, 12, 14), 3, 20, "SNA-2025", "District hall, Kratie",
                   "District information officers"),
    ),
    historical=(
        DemoHistorical("Access to information awareness for CSOs (2016)", "ការយល់ដឹងអំពីសិទ្ធិទទួលបានព័ត៌មាន (២០១៦)",
                       "07", date(2016, 5, 10), 3,
                       {"sessions": 3, "participants": 85, "women": 41, "youth": 30, "idpoor": 12, "disability": 3,
                        "organisations": 18, "completed": 79, "source": "2016 annual report, p. 9"}),
        DemoHistorical("Commune council planning training (2019)", "វគ្គបណ្តុះបណ្តាលផែនការក្រុមប្រឹក្សាឃុំ (២០១៩)",
                       "21", date(2019, 8, 20), 2,
                       {"sessions": 2, "participants": 60, "women": 27, "youth": 14, "idpoor": 9, "disability": 2,
                        "organisations": 11, "completed": 55,
                        "source": "2019 report to the Mekong Civic Fund, annex 2"}),
    ))

SMALL_PLAN = Plan(
    new_people=30, trainers=2, protected=1, curricula=(BUDGET,),
    courses=(
        DemoCourse("Preparing a community budget forum", "ការរៀបចំវេទិកាថវិកាសហគមន៍", "budget", "2025 edition", "05",
                   date(2025, 6, 9), 2, 24, "", "Commune hall, Odongk", "Community network members", closed=True,
                   certificates=True),
        DemoCourse("Budget forum facilitation", "ការសម្របសម្រួលវេទិកាថវិកា", "budget", "2025 edition", "05",
                   date(2026, 4, 20), 2, 22, "CBF-2026", "Commune hall, Kong Pisei", "Forum facilitators"),
    ),
    historical=(
        DemoHistorical("Community forest rights training (2018)", "វគ្គសិទ្ធិព្រៃសហគមន៍ (២០១៨)", "05", date(2018, 7, 2),
                       2, {"sessions": 2, "participants": 45, "women": 24, "youth": 11, "idpoor": 10, "disability": 1,
                           "organisations": 6, "completed": 40, "source": "2018 activity report"}),
    ))


def plan_for(tenant: Tenant) -> Plan:
    return LEAD_PLAN if tenant.slug == LEAD else SMALL_PLAN


# --- people -------------------------------------------------------------------------------------------

def _new_people(tenant: Tenant, plan: Plan, rng: random.Random, reference: date) -> list[Contact]:
    """Invented participants: half women; about 40 % youth (18–30) by birth year, some with an age
    group only; about a fifth IDPoor; a few with a disability; `plan.protected` protected. Names not
    already in the tenant's contacts (no false duplicates); fictitious phones."""
    taken = set(db.session.scalars(select(Contact.match_name).where(Contact.tenant_id == tenant.id)))
    phones = set(db.session.scalars(select(Contact.phone).where(Contact.tenant_id == tenant.id)))
    communes = _communes(plan)
    protected = set(range(7, plan.new_people, max(1, plan.new_people // max(1, plan.protected))))
    protected = set(sorted(protected)[:plan.protected])
    people = []
    for index in range(plan.new_people):
        sex, given = (Sex.FEMALE, WOMEN_NAMES) if index % 2 == 0 else (Sex.MALE, MEN_NAMES)
        while True:
            (family_latin, family_km), (given_latin, given_km) = rng.choice(FAMILY_NAMES), rng.choice(given)
            name_latin, name_km = f"{family_latin} {given_latin}", f"{family_km} {given_km}"
            if name_key(name_km, name_latin) not in taken:
                taken.add(name_key(name_km, name_latin))
                break
        youth = rng.random() < 0.4
        age = rng.randint(18, 29) if youth else rng.randint(31, 62)
        ages = {"birth_year": reference.year - age} if rng.random() < 0.85 else {
            "age_group": AgeGroup.FROM_18_TO_30 if youth else AgeGroup.FROM_31_TO_59}
        while True:
            digits = f"{rng.randrange(1_000_000):06d}"
            phone = f"{rng.choice(PHONE_PREFIXES)} {digits[:3]} {digits[3:]}"
            if phone not in phones:
                phones.add(phone)
                break
        people.append(create_contact(
            kind=ContactKind.PERSON, name_latin=name_latin, name_km=name_km, sex=sex,
            phone=phone if rng.random() < 0.8 else "",
            idpoor=True if rng.random() < 0.2 else rng.choice([False, False, None]),
            disability=True if index % 23 == 5 else rng.choice([False, False, None]),
            protected=index in protected, languages="km", tags="training",
            place_id=rng.choice(communes) if communes else None, consent_scope=CONSENT_SCOPE,
            consent_on=date(2024, 1, 8) + timedelta(days=rng.randrange(600)),
            consent_method=rng.choice([ConsentMethod.WRITTEN, ConsentMethod.THUMBPRINT, ConsentMethod.VERBAL]),
            **ages))
    return people


def _communes(plan: Plan) -> list[int]:
    """Current communes of the plan's provinces (none without a gazetteer)."""
    ids: list[int] = []
    for code in sorted({course.province for course in plan.courses}):
        ids += db.session.scalars(select(Place.id).where(
            Place.kind == PlaceKind.COMMUNE, Place.valid_to.is_(None), Place.code.startswith(code))
            .order_by(Place.code).limit(40)).all()
    return ids


def _affiliate(people: list[Contact], rng: random.Random) -> None:
    """A quarter of the new participants belong to one of the tenant's CSOs or CBOs (organisations trained)."""
    groups = db.session.scalars(select(Contact.id).where(
        Contact.kind == ContactKind.ORGANISATION, Contact.organisation_type.in_([OrganisationType.CBO,
                                                                                OrganisationType.CSO]))
        .order_by(Contact.id)).all()
    if not groups:
        return
    for person in people:
        if rng.random() < 0.25:
            add_affiliation(person, rng.choice(groups), rng.choice(["Member", "Volunteer", "Focal point"]))


def _trainers(plan: Plan, rng: random.Random) -> list[Trainer]:
    taken = set(db.session.scalars(select(Contact.match_name)))
    trainers = []
    topics = [curriculum.topic for curriculum in plan.curricula]
    for index in range(plan.trainers):
        sex, given = (Sex.FEMALE, WOMEN_NAMES) if index % 2 == 0 else (Sex.MALE, MEN_NAMES)
        while True:
            (family_latin, family_km), (given_latin, given_km) = rng.choice(FAMILY_NAMES), rng.choice(given)
            key = name_key(f"{family_km} {given_km}", f"{family_latin} {given_latin}")
            if key not in taken:
                taken.add(key)
                break
        contact = create_contact(kind=ContactKind.PERSON, name_latin=f"{family_latin} {given_latin}",
                                 name_km=f"{family_km} {given_km}", sex=sex, birth_year=rng.randint(1970, 1992),
                                 languages="km,en", tags="trainer", consent_scope=CONSENT_SCOPE,
                                 consent_on=date(2024, 1, 8), consent_method=ConsentMethod.WRITTEN)
        trainer = Trainer(tenant_id=contact.tenant_id, contact=contact, is_active=True,
                          topics=", ".join(topics[index % len(topics):] + topics[:index % len(topics)][:1]),
                          notes="Staff trainer." if index < 2 else "From the trainers' pool.")
        db.session.add(trainer)
        trainers.append(trainer)
    db.session.flush()
    return trainers


# --- curricula and courses ----------------------------------------------------------------------------

def _curricula(plan: Plan) -> dict[tuple[str, str], int]:
    """The plan's curricula; returns (curriculum key, version label) → version id."""
    versions = {}
    for item in plan.curricula:
        curriculum = curricula.create_curriculum(title_en=item.title_en, title_km=item.title_km, topic=item.topic,
                                                 language=item.language, description=item.description)
        for version in item.versions:
            added = curricula.add_version(curriculum, label=version.label, released_on=version.released_on,
                                          change_note=version.change_note, status=version.status)
            versions[(item.key, version.label)] = added.id
    return versions


def _place_id(code: str) -> int | None:
    place = place_by_code(code)
    return place.id if place is not None and place.kind is PlaceKind.PROVINCE else None


def _course(tenant: Tenant, item: DemoCourse, versions: dict, projects: dict, trainers: list[Trainer],
            index: int) -> Course:
    course = Course(tenant_id=tenant.id, kind=CourseKind.NAMED, title_en=item.title_en, title_km=item.title_km,
                    curriculum_version_id=versions.get((item.curriculum, item.version)),
                    project_id=projects.get(item.project), target_group=item.target_group,
                    place_id=_place_id(item.province), starts_on=item.starts_on,
                    ends_on=item.starts_on + timedelta(days=item.days - 1), completion_percent=80,
                    test_max_score=item.max_score, signatory_name=SIGNATORY[0], signatory_title=SIGNATORY[1],
                    objectives="Participants can explain their rights and use the tools of the module in their commune.")
    for day in range(item.days):
        on = item.starts_on + timedelta(days=day)
        services.check_session_date(course, on)
        course.sessions.append(TrainingSession(
            tenant_id=tenant.id, title=f"Day {day + 1}", starts_on=on, start_time=time(8, 0),
            end_time=time(16, 30), place_id=course.place_id, venue=item.venue, capacity=40,
            mode=SessionMode.ONLINE if item.online_day == day + 1 else SessionMode.IN_PERSON,
            is_mandatory=day == 0))
    lead, co = trainers[index % len(trainers)], trainers[(index + 1) % len(trainers)]
    course.trainers.append(CourseTrainer(tenant_id=tenant.id, trainer=lead, role="Lead trainer"))
    if co is not lead:
        course.trainers.append(CourseTrainer(tenant_id=tenant.id, trainer=co, role="Co-trainer"))
    db.session.add(course)
    db.session.flush()
    return course


def _participants(item: DemoCourse, pool: list[Contact], enrolled_before: set[int], course: Course,
                  rng: random.Random) -> list[Contact]:
    """Mostly people not trained before, about one in eight coming back; youth courses take youth."""
    def fits(person: Contact) -> bool:
        return not item.youth_course or services.is_youth(person, course.starts_on) is True

    fresh = [person for person in pool if person.id not in enrolled_before and fits(person)]
    returning = [person for person in pool if person.id in enrolled_before and fits(person)]
    back = min(len(returning), item.participants // 8)
    chosen = rng.sample(returning, back) + rng.sample(fresh, min(len(fresh), item.participants - back))
    return chosen


def _run(course: Course, item: DemoCourse, people: list[Contact], today: date, rng: random.Random) -> None:
    """Enrol the people; for the sessions already held take attendance and scores; close and certify."""
    held = [session for session in course.sessions if session.starts_on <= today]
    for person in people:
        source = rng.choices([EnrolmentSource.FORM, EnrolmentSource.IMPORT, EnrolmentSource.WALK_IN],
                             weights=[6, 3, 1])[0]
        status = EnrolmentStatus.REGISTERED if held or rng.random() < 0.7 else EnrolmentStatus.INVITED
        enrolment = services.enrol(course, person, status=status, source=source)
        if not held:
            continue
        dropped = rng.random() < 0.05
        for number, session in enumerate(held):
            present = number == 0 or (not dropped and rng.random() < 0.92)
            db.session.add(Attendance(tenant_id=course.tenant_id, session=session, enrolment=enrolment,
                                      present=present))
            if present and enrolment.status in services.STATUSES_ATTENDANCE_MOVES:
                enrolment.status = EnrolmentStatus.ATTENDED
        if dropped:
            enrolment.status = EnrolmentStatus.DROPPED
        maximum = int(item.max_score)
        pre = rng.randint(maximum // 5, maximum * 3 // 5)
        enrolment.pre_score = Decimal(pre)
        if not dropped and len(held) == len(course.sessions) and rng.random() < 0.9:
            enrolment.post_score = Decimal(min(maximum, pre + rng.randint(maximum // 10, maximum * 2 // 5)))
    db.session.flush()
    if item.closed and len(held) == len(course.sessions):
        services.close_course(course)
        if item.certificates:
            certificates.issue_all(course, on=course.ends_on + timedelta(days=14))


def _historical(tenant: Tenant, item: DemoHistorical, versions: dict) -> None:
    course = Course(tenant_id=tenant.id, kind=CourseKind.HISTORICAL, title_en=item.title_en, title_km=item.title_km,
                    place_id=_place_id(item.province), starts_on=item.starts_on,
                    ends_on=item.starts_on + timedelta(days=item.days - 1),
                    curriculum_version_id=versions.get(("a2i", "1st edition 2019")))
    course.totals = HistoricalTotals(tenant_id=tenant.id, **item.totals)
    db.session.add(course)


def load_demo_data(tenant: Tenant) -> None:
    """Seed the tenant's training demo (inside its tenant scope; the caller commits). Does nothing
    when the tenant already has courses or curricula."""
    if db.session.scalar(select(Course.id).limit(1)) is not None or \
            db.session.scalar(select(Curriculum.id).limit(1)) is not None:
        return
    plan = plan_for(tenant)
    rng = random.Random(zlib.crc32(f"training:{tenant.slug}".encode()))
    today = certificates.tenant_today(tenant.id)
    services.settings_for(tenant.id)
    registered = list(db.session.scalars(select(Contact).where(
        Contact.kind == ContactKind.PERSON, Contact.erased_at.is_(None)).order_by(Contact.id)))
    trainers = _trainers(plan, rng)
    new = _new_people(tenant, plan, rng, date(2025, 1, 1))
    _affiliate(new, rng)
    pool = registered + new
    versions = _curricula(plan)
    projects = {project.code: project.id for project in db.session.scalars(select(Project))}
    enrolled_before: set[int] = set()
    for index, item in enumerate(plan.courses):
        course = _course(tenant, item, versions, projects, trainers, index)
        people = _participants(item, pool, enrolled_before, course, rng)
        _run(course, item, people, today, rng)
        enrolled_before.update(person.id for person in people)
    for item in plan.historical:
        _historical(tenant, item, versions)
    db.session.flush()
