"""Demo data of the registers for `flask demo`: about forty people and ten organisations in each demo
tenant's contacts, with a realistic mix (half women, youth, IDPoor card holders, people with
disabilities, indigenous people, a few protected), and three or four projects funded by development
partners. Every person is invented: names are drawn from common Khmer family and given names, in
Khmer script and Latin letters, with a random generator seeded by the tenant's slug so that a run
gives the same people every time; phones are fictitious."""
from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.extensions import db
from core.registers.contacts import create_contact
from core.registers.matching import name_key
from core.registers.models import (AgeGroup, ConsentMethod, Contact, ContactAffiliation, ContactKind, Currency,
                                   OrganisationType, Place, PlaceKind, ProjectStatus, Sex)
from core.registers.projects import create_project

PEOPLE = 40
REFERENCE_YEAR = 2026

# (Latin, Khmer) pairs; family names come first in Cambodia.
FAMILY_NAMES = [("Sok", "សុខ"), ("Chan", "ចាន់"), ("Keo", "កែវ"), ("Lim", "លឹម"), ("Meas", "មាស"), ("Heng", "ហេង"),
                ("Chea", "ជា"), ("Ouk", "អ៊ុក"), ("Srey", "ស្រី"), ("Prak", "ប្រាក់"), ("Ros", "រស់"), ("Touch", "ទូច"),
                ("Vong", "វង្ស"), ("Yim", "យឹម"), ("Pen", "ប៉ែន"), ("Seng", "សេង"), ("Mao", "ម៉ៅ"), ("Phan", "ផាន"),
                ("Nhem", "ញឹម"), ("Long", "ឡុង"), ("Kong", "គង់"), ("Tep", "ទេព"), ("Chhim", "ឈឹម"), ("Som", "សោម")]
WOMEN_NAMES = [("Sreymom", "ស្រីមុំ"), ("Dalin", "ដាលីន"), ("Channary", "ច័ន្ទនារី"), ("Bopha", "បុប្ផា"),
               ("Chenda", "ចិន្តា"), ("Kunthea", "គន្ធា"), ("Leakhena", "លក្ខិណា"), ("Malis", "ម្លិះ"),
               ("Raksmey", "រស្មី"), ("Thida", "ធីតា"), ("Vanny", "វណ្ណី"), ("Sreyleak", "ស្រីល័ក្ខ"),
               ("Phalla", "ផល្លា"), ("Sophea", "សុភា"), ("Sopheap", "សុភាព"), ("Navy", "ណាវី"), ("Kanha", "កញ្ញា"),
               ("Nary", "នារី"), ("Rachana", "រចនា"), ("Chantha", "ចន្ថា")]
MEN_NAMES = [("Dara", "ដារ៉ា"), ("Vannak", "វណ្ណៈ"), ("Sothea", "សុធា"), ("Rithy", "រិទ្ធី"), ("Visal", "វិសាល"),
             ("Bunthoeun", "ប៊ុនធឿន"), ("Kosal", "កុសល"), ("Veasna", "វាសនា"), ("Samnang", "សំណាង"),
             ("Piseth", "ពិសិដ្ឋ"), ("Narith", "ណារិទ្ធ"), ("Sovann", "សុវណ្ណ"), ("Vuthy", "វុទ្ធី"),
             ("Sokhom", "សុខុម"), ("Ratana", "រតនា"), ("Sophal", "សុផល"), ("Makara", "មករា"), ("Pheakdey", "ភក្ដី"),
             ("Vichea", "វិជ្ជា"), ("Chanthou", "ចន្ធូ")]
# Mobile prefixes of Cambodian operators; the numbers after them are random (fictitious).
PHONE_PREFIXES = ["010", "011", "012", "015", "016", "017", "069", "070", "077", "078", "085", "086", "087", "089",
                  "092", "093", "095", "096", "097", "098"]
TAGS = ["commune council", "youth network", "land rights", "A2I", "budget monitoring", "women's group",
        "social protection", "digital rights"]
ROLES = ["Member", "Focal point", "Coordinator", "Treasurer", "Volunteer", "Board member"]
CONSENT_SCOPE = "Contact about trainings, meetings and advocacy activities; attendance records."
# Provinces whose communes the people live in (the community network works in Kampong Speu).
PROVINCES = {"demo-cso": ("05",), "demo-lead": ("12", "07", "02", "17", "16", "05"), "demo-consulting": ("12",)}


@dataclass(frozen=True)
class DemoOrganisation:
    name_en: str
    name_km: str
    kind: OrganisationType
    website: str = ""


ORGANISATIONS = [
    DemoOrganisation("Mekong Civic Fund", "មូលនិធិពលរដ្ឋមេគង្គ", OrganisationType.DEVELOPMENT_PARTNER,
                     "https://mekong-civic-fund.example"),
    DemoOrganisation("Nordic Democracy Partnership", "ភាពជាដៃគូប្រជាធិបតេយ្យណ័រឌីក",
                     OrganisationType.DEVELOPMENT_PARTNER, "https://nordic-democracy.example"),
    DemoOrganisation("Open Governance Trust", "មូលនិធិអភិបាលកិច្ចបើកចំហ", OrganisationType.DEVELOPMENT_PARTNER,
                     "https://open-governance-trust.example"),
    DemoOrganisation("Kampot Youth for Change", "យុវជនកំពតដើម្បីការផ្លាស់ប្តូរ", OrganisationType.CSO),
    DemoOrganisation("Tonle Sap Women's Voice", "សំឡេងស្ត្រីទន្លេសាប", OrganisationType.CSO),
    DemoOrganisation("Budget Watch Network", "បណ្តាញតាមដានថវិកា", OrganisationType.CSO),
    DemoOrganisation("Oral Community Forest Network", "បណ្តាញសហគមន៍ព្រៃឈើឱរ៉ាល់", OrganisationType.CBO),
    DemoOrganisation("Kong Pisei Farmers' Association", "សមាគមកសិករគងពិសី", OrganisationType.CBO),
    DemoOrganisation("Phnom Sruoch Women's Savings Group", "ក្រុមសន្សំប្រាក់ស្ត្រីភ្នំស្រួច", OrganisationType.CBO),
    DemoOrganisation("Kampong Speu Community Radio", "វិទ្យុសហគមន៍កំពង់ស្ពឺ", OrganisationType.MEDIA),
]


@dataclass(frozen=True)
class DemoProject:
    code: str
    title_en: str
    title_km: str
    donor: str
    starts_on: date
    ends_on: date
    budget: Decimal
    currency: Currency
    status: ProjectStatus


PROJECTS = [
    DemoProject("A2I-2024", "Access to information at sub-national level", "ការទទួលបានព័ត៌មាននៅថ្នាក់ក្រោមជាតិ",
                "Mekong Civic Fund", date(2024, 1, 1), date(2026, 12, 31), Decimal("450000"), Currency.USD,
                ProjectStatus.ACTIVE),
    DemoProject("SNA-2025", "Citizens and commune councils working together",
                "ពលរដ្ឋ និងក្រុមប្រឹក្សាឃុំធ្វើការរួមគ្នា", "Nordic Democracy Partnership", date(2025, 3, 1),
                date(2026, 12, 31), Decimal("280000"), Currency.USD, ProjectStatus.ACTIVE),
    DemoProject("YDR-2024", "Youth digital rights clinics", "គ្លីនិកសិទ្ធិឌីជីថលសម្រាប់យុវជន", "Open Governance Trust",
                date(2024, 4, 1), date(2025, 9, 30), Decimal("95000"), Currency.USD, ProjectStatus.CLOSED),
    DemoProject("CBF-2026", "Community budget forums in Kampong Speu", "វេទិកាថវិកាសហគមន៍នៅខេត្តកំពង់ស្ពឺ",
                "Mekong Civic Fund", date(2026, 1, 1), date(2026, 12, 31), Decimal("180000000"), Currency.KHR,
                ProjectStatus.PLANNED),
]


def _rng(tenant) -> random.Random:
    return random.Random(zlib.crc32(f"registers:{tenant.slug}".encode()))


def _communes(slug: str) -> list[int]:
    """Ids of current communes in the tenant's provinces (any commune when none there; [] without a gazetteer)."""
    query = select(Place.id).where(Place.kind == PlaceKind.COMMUNE, Place.valid_to.is_(None)).order_by(Place.code)
    prefixes = PROVINCES.get(slug, PROVINCES["demo-lead"])
    ids: list[int] = []
    for prefix in prefixes:
        ids += db.session.scalars(query.where(Place.code.startswith(prefix)).limit(60)).all()
    return ids or list(db.session.scalars(query.limit(200)))


def _phone(rng: random.Random, used: set[str]) -> str:
    while True:
        digits = f"{rng.randrange(1_000_000):06d}"
        phone = f"{rng.choice(PHONE_PREFIXES)} {digits[:3]} {digits[3:]}"
        if phone not in used:
            used.add(phone)
            return phone


def _names(rng: random.Random, count: int) -> list[tuple[Sex, str, str]]:
    """`count` different people, half of them women: (sex, Latin name, Khmer name), no two with the
    same duplicate-detection key."""
    chosen: list[tuple[Sex, str, str]] = []
    keys: set[str] = set()
    for index in range(count):
        sex, given_names = (Sex.FEMALE, WOMEN_NAMES) if index % 2 == 0 else (Sex.MALE, MEN_NAMES)
        while True:
            (family_latin, family_km), (given_latin, given_km) = rng.choice(FAMILY_NAMES), rng.choice(given_names)
            name_latin, name_km = f"{family_latin} {given_latin}", f"{family_km} {given_km}"
            key = name_key(name_km, name_latin)
            if key not in keys:
                keys.add(key)
                chosen.append((sex, name_latin, name_km))
                break
    rng.shuffle(chosen)
    return chosen


def _age(rng: random.Random, index: int) -> dict:
    """A birth year for most people, else an age group; about a third are youth (18–30)."""
    youth = index % 3 == 0
    if rng.random() < 0.75:
        age = rng.randint(18, 30) if youth else rng.randint(31, 68)
        return {"birth_year": REFERENCE_YEAR - age}
    return {"age_group": AgeGroup.FROM_18_TO_30 if youth else rng.choice([AgeGroup.FROM_31_TO_59, AgeGroup.FROM_60])}


def _people(tenant, rng: random.Random, phones: set[str]) -> list[Contact]:
    communes = _communes(tenant.slug)
    protected = {3, 17, 29, 36}                  # a few at risk: land activists, a requester
    disability = {5, 21, 33}
    indigenous = {8, 24, 38}
    people = []
    for index, (sex, name_latin, name_km) in enumerate(_names(rng, PEOPLE)):
        fields = {
            "kind": ContactKind.PERSON, "name_latin": name_latin, "name_km": name_km, "sex": sex,
            "phone": _phone(rng, phones) if rng.random() < 0.9 else "",
            "idpoor": True if index % 5 == 1 else rng.choice([False, False, None]),
            "disability": True if index in disability else rng.choice([False, None]),
            "indigenous": True if index in indigenous else rng.choice([False, None]),
            "protected": index in protected,
            "languages": "km" if index in indigenous or rng.random() < 0.6 else "km,en",
            "tags": ", ".join(rng.sample([tag for tag in TAGS if sex == Sex.FEMALE or tag != "women's group"],
                                         rng.randint(0, 2))),
            "consent_scope": CONSENT_SCOPE,
            "consent_on": date(2024, 1, 8) + timedelta(days=rng.randrange(800)),
            "consent_method": rng.choice(list(ConsentMethod)),
            **_age(rng, index),
        }
        if communes:
            fields["place_id"] = rng.choice(communes)
        people.append(create_contact(**fields))
    return people


def _organisations(rng: random.Random, phones: set[str]) -> dict[str, Contact]:
    organisations = {}
    for organisation in ORGANISATIONS:
        digits = f"{rng.randrange(1_000_000):06d}"
        # Offices have a Phnom Penh landline; community groups a leader's mobile.
        phone = f"023 {digits[:3]} {digits[3:]}" if organisation.kind != OrganisationType.CBO else _phone(rng, phones)
        organisations[organisation.name_en] = create_contact(
            kind=ContactKind.ORGANISATION, name_latin=organisation.name_en, name_km=organisation.name_km,
            organisation_type=organisation.kind, website=organisation.website, phone=phone, languages="km,en")
    return organisations


def _affiliations(rng: random.Random, people: list[Contact], organisations: dict[str, Contact]) -> None:
    members = [org for org in organisations.values() if org.organisation_type in (
        OrganisationType.CSO, OrganisationType.CBO, OrganisationType.MEDIA)]
    for person in rng.sample(people, 14):
        db.session.add(ContactAffiliation(person_id=person.id, organisation_id=rng.choice(members).id,
                                          role=rng.choice(ROLES)))


def load_register_demo(tenant) -> None:
    """Contacts, affiliations and projects for one demo tenant (inside its tenant scope; the caller
    commits). Does nothing when the tenant already has contacts."""
    if db.session.scalar(select(func.count()).select_from(Contact).where(Contact.tenant_id == tenant.id)):
        return
    rng, phones = _rng(tenant), set()
    organisations = _organisations(rng, phones)
    people = _people(tenant, rng, phones)
    _affiliations(rng, people, organisations)
    for project in PROJECTS:
        create_project(tenant.id, code=project.code, title_en=project.title_en, title_km=project.title_km,
                       donor_id=organisations[project.donor].id, starts_on=project.starts_on,
                       ends_on=project.ends_on, budget=project.budget, currency=project.currency,
                       status=project.status)
    db.session.flush()
