"""Demo data for `flask demo`: the shared institutions register, two closure days and about 25
information requests in every workflow state, each asked by a generated (never real) requester
saved as a contact of the tenant.

Requests are filed through services.create_request and moved through services.transition on past
dates, so references, events, due dates and statistics columns are exactly what real use produces."""
from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from core import sharing
from core.columns import utcnow
from core.extensions import db
from core.models import Membership, Role, Tenant, User
from core.registers import matching
from core.registers.contacts import create_contact
from core.registers.institutions import seed_institutions, visible_institutions
from core.registers.models import AgeGroup, ClosureDay, Contact, ContactKind, Institution, Sex
from core.tenancy import unscoped
from plugins.a2i_requests import services, statistics
from plugins.a2i_requests.models import (Channel, Correspondence, CorrespondenceKind, Direction, InfoRequest,
                                         RequestStatus, StatisticsSnapshot)
from plugins.a2i_requests.reports import snapshot_text

S = RequestStatus
DEMO_GROUP_SLUG = "a2iwg"      # the demo working group (core/cli.py)
SHARED_REQUESTS = 3
EARLIEST = date(2025, 1, 6)
LATEST = date(2026, 12, 31)

# Romanised Khmer family and given names, combined at random: the people are invented.
FAMILY_NAMES = ["Sok", "Chan", "Keo", "Lim", "Meas", "Heng", "Nhem", "Prak", "Ros", "Touch", "Vong", "Yim",
                "Chea", "Pen", "Ouk", "Seng", "Hun", "Mao", "Phan", "Sorn"]
WOMEN_NAMES = ["Sreymom", "Dalin", "Channary", "Bopha", "Chenda", "Kunthea", "Leakhena", "Malis", "Raksmey",
               "Thida", "Sokha", "Vanny", "Sreyleak", "Phalla"]
MEN_NAMES = ["Dara", "Vannak", "Sothea", "Rithy", "Visal", "Bunthoeun", "Kosal", "Veasna", "Samnang", "Piseth",
             "Chanthou", "Narith", "Sovann", "Vuthy"]
# The same kind of invented names in Khmer script (some requesters write their name in Khmer only).
FAMILY_NAMES_KM = ["សុខ", "ចាន់", "កែវ", "លឹម", "មាស", "ហេង", "ប្រាក់", "រស់", "ទូច", "វង្ស"]
WOMEN_NAMES_KM = ["ស្រីមុំ", "ដាលីន", "ចាន់ណារី", "បុប្ផា", "ចិន្តា", "គន្ធា", "ម្លិះ", "ធីតា"]
MEN_NAMES_KM = ["ដារា", "វណ្ណៈ", "សុធា", "រិទ្ធី", "វិសាល", "កុសល", "វាសនា", "សំណាង"]


@dataclass(frozen=True)
class Topic:
    """A subject a CSO asks about, in both languages, and the kinds of body it is asked of."""

    subject_en: str
    subject_km: str
    question_en: str
    codes: tuple[str, ...]           # body codes (shared register) the topic fits
    summary: str = ""


TOPICS = [
    Topic("Approved {year} budget of {body}", "ថវិកាឆ្នាំ{year} ដែលបានអនុម័តរបស់{body_km}",
          "Please provide the approved {year} budget of {body}, broken down by programme and by province.",
          ("MEF", "KH-7", "KH-2", "KH-17", "KH-5"), "Budget tables by programme received (PDF, 14 pages)."),
    Topic("Land concession maps and contracts in {body}", "ផែនទី និងកិច្ចសន្យាដីសម្បទានក្នុង{body_km}",
          "Please provide the maps, boundaries and contracts of the economic land concessions granted in {body} "
          "since {year}.", ("MLMUPC", "MAFF", "KH-16", "KH-11", "KH-5"),
          "Concession list with areas; maps withheld."),
    Topic("Commune investment plan {year} of {body}", "ផែនការវិនិយោគឃុំ ឆ្នាំ{year} របស់{body_km}",
          "Please provide the commune investment plan {year} and the list of projects funded by the commune/sangkat "
          "fund in {body}.", ("KH-12-DOUN-PENH-WAT-PHNOM", "KH-12-DOUN-PENH-SRAH-CHAK", "KH-7-KAMPOT-KAMPONG-BAY",
                              "KH-7-KAMPOT-KAMPONG-KANDAL", "KH-17-SIEM-REAP-SVAY-DANGKUM",
                              "KH-2-BATTAMBANG-SVAY-POR", "NCDD"),
          "Investment plan and project list received."),
    Topic("School operating budget for primary schools in {body}", "ថវិកាដំណើរការសាលារៀនបឋមសិក្សាក្នុង{body_km}",
          "Please provide the school operating budget transferred in {year} to each primary school in {body}.",
          ("MOEYS", "KH-7-KAMPOT", "KH-7-TUEK-CHHOU", "KH-2-THMA-KOUL", "KH-17-PUOK"),
          "Transfers per school for the school year received."),
    Topic("Official user fees of health centres in {body}", "តារាងតម្លៃសេវាផ្លូវការនៃមណ្ឌលសុខភាពក្នុង{body_km}",
          "Please provide the official list of user fees and the exemptions for ID-Poor card holders in the health "
          "centres of {body} for {year}.", ("MOH", "KH-3", "KH-21", "KH-16-BANLUNG", "KH-3-KAMPONG-CHAM"),
          "Fee list and exemption rules received."),
    Topic("Contracts for rural road repairs in {body}", "កិច្ចសន្យាជួសជុលផ្លូវជនបទក្នុង{body_km}",
          "Please provide the procurement notices and signed contracts for rural road repairs in {body} in {year}.",
          ("MRD", "MPWT", "KH-8-TA-KHMAU", "KH-17-SIEM-REAP"), "Contract list with amounts received."),
    Topic("Environmental impact assessment of the sand dredging licences in {body}",
          "របាយការណ៍វាយតម្លៃហេតុប៉ះពាល់បរិស្ថាននៃអាជ្ញាប័ណ្ណបូមខ្សាច់ក្នុង{body_km}",
          "Please provide the environmental impact assessments of the sand dredging licences issued in {body} "
          "since {year}.", ("MOE", "MME", "KH-9", "KH-8"), "Two assessment summaries received."),
]

COMPLAINT_BODY = "OCM"


@dataclass
class Step:
    status: RequestStatus
    after_days: int                   # calendar days after the previous step
    details: dict = field(default_factory=dict)


def _steps(kind: str, rng: random.Random) -> list[Step]:
    """The workflow path of one demo request ending in `kind` (extended_to is filled in later)."""
    receipt = {"receipt_number": f"{rng.randint(100, 999)}/{rng.choice(['ក', 'ខ', 'គ'])}"}
    submitted = Step(S.SUBMITTED, 0, receipt)
    paths: dict[str, list[Step]] = {
        "draft": [],
        "submitted": [submitted],
        "overdue": [submitted],
        "awaiting_clarification": [submitted, Step(S.AWAITING_CLARIFICATION, 3)],
        "clarified": [submitted, Step(S.AWAITING_CLARIFICATION, 2), Step(S.SUBMITTED, 6),
                      Step(S.ANSWERED_FULL, 9)],
        "initial_reply": [submitted, Step(S.INITIAL_REPLY, 4, {"initial_reply": "fee_stated",
                                                                 "fee_amount": "20,000 KHR"})],
        "fee_accepted": [submitted, Step(S.INITIAL_REPLY, 3, {"initial_reply": "fee_stated",
                                                                "fee_amount": "12,000 KHR"}),
                         Step(S.FEE_ACCEPTED, 2, {"fee_waived": False})],
        "extended": [submitted, Step(S.INITIAL_REPLY, 4, {"initial_reply": "held"}),
                     Step(S.EXTENDED, 8, {"extension_reason": "The records are kept in the provincial archive "
                                                              "and must be copied by hand."})],
        "answered_full": [submitted, Step(S.INITIAL_REPLY, 4, {"initial_reply": "held"}),
                          Step(S.ANSWERED_FULL, 12)],
        "answered_late": [submitted, Step(S.INITIAL_REPLY, 6, {"initial_reply": "held"}),
                          Step(S.ANSWERED_FULL, 35)],
        "answered_part": [submitted, Step(S.ANSWERED_PART, 7, {"exemption_ground_code": "personal_privacy"})],
        "refused": [submitted, Step(S.INITIAL_REPLY, 4, {"initial_reply": "confidential"}),
                    Step(S.REFUSED, 5, {"exemption_ground_code": rng.choice(
                        ["commercial_secrets", "internal_deliberation", "economic_interest"])})],
        "not_held": [submitted, Step(S.NOT_HELD, 5)],
        "transferred": [submitted, Step(S.TRANSFERRED, 4)],
        "no_response": [submitted, Step(S.NO_RESPONSE, 24)],
        "re_requested": [submitted, Step(S.NO_RESPONSE, 22), Step(S.RE_REQUESTED, 3, receipt)],
        "complained": [submitted, Step(S.REFUSED, 6, {"exemption_ground_code": "national_security"}),
                       Step(S.COMPLAINED, 5)],
        "complaint_decided": [submitted, Step(S.REFUSED, 5, {"exemption_ground_code": "commercial_secrets"}),
                              Step(S.COMPLAINED, 4), Step(S.COMPLAINT_DECIDED, 30,
                                                          {"complaint_outcome": "partly_upheld"})],
        "closed": [submitted, Step(S.INITIAL_REPLY, 3, {"initial_reply": "held"}), Step(S.ANSWERED_FULL, 10),
                   Step(S.CLOSED, 5)],
        "closed_after_refusal": [submitted, Step(S.NOT_HELD, 6), Step(S.CLOSED, 10)],
        "withdrawn": [submitted, Step(S.WITHDRAWN, 2)],
    }
    return paths[kind]


# Which path each of the demo requests takes; every status appears at least once.
PLAN = ["closed", "answered_full", "refused", "complaint_decided", "answered_part", "no_response", "closed",
        "not_held", "transferred", "re_requested", "withdrawn", "answered_late", "closed_after_refusal",
        "clarified", "complained", "answered_full", "refused", "fee_accepted", "initial_reply", "extended",
        "awaiting_clarification", "submitted", "overdue", "submitted", "draft"]
OPEN_KINDS = {"draft", "submitted", "overdue", "awaiting_clarification", "initial_reply", "fee_accepted",
              "extended", "complained", "re_requested"}


def _people(tenant: Tenant) -> list[User]:
    """The tenant's members who file requests (owners, admins, staff); falls back to no actor."""
    memberships = db.session.scalars(select(Membership).where(
        Membership.tenant_id == tenant.id, Membership.role.in_([Role.OWNER, Role.ADMIN, Role.STAFF]))).all()
    return [m.user for m in sorted(memberships, key=lambda m: m.id)]


def _requester(rng: random.Random, tenant_id: int, index: int, protected: bool, consent_on: date) -> Contact:
    """An invented requester, saved as a person contact: about half women, some youth, a few protected,
    some with a Khmer-script name. Phone numbers use the unallocated 000 block. A name already in the
    tenant's contacts is that person filing a request (one contact across modules)."""
    female = index % 2 == 0
    khmer = rng.random() < 0.3
    if khmer:
        name = f"{rng.choice(FAMILY_NAMES_KM)} {rng.choice(WOMEN_NAMES_KM if female else MEN_NAMES_KM)}"
    else:
        name = f"{rng.choice(FAMILY_NAMES)} {rng.choice(WOMEN_NAMES if female else MEN_NAMES)}"
    age = rng.choices([AgeGroup.FROM_15_TO_17, AgeGroup.FROM_18_TO_30, AgeGroup.FROM_31_TO_59, AgeGroup.FROM_60,
                       AgeGroup.NOT_RECORDED], weights=[1, 3, 5, 1, 1])[0]
    phone = f"0{rng.choice([12, 15, 17, 70, 96])} 000 {rng.randint(100, 999)}"
    # Looked up after every random draw, so a rerun draws the same sequence.
    same_person = db.session.scalar(select(Contact).where(
        Contact.tenant_id == tenant_id, Contact.kind == ContactKind.PERSON,
        Contact.match_name == matching.name_key(name if khmer else "", "" if khmer else name)).limit(1))
    if same_person is not None:
        return same_person
    return create_contact(tenant_id=tenant_id, kind=ContactKind.PERSON, name_km=name if khmer else "",
                          name_latin="" if khmer else name, phone=phone,
                          sex=Sex.FEMALE if female else Sex.MALE, age_group=age, protected=protected,
                          guardian_consent=age == AgeGroup.FROM_15_TO_17, consent_scope=services.CONSENT_SCOPE,
                          consent_on=consent_on, tags="a2i")


def _ensure_closure_days(tenant_id: int) -> None:
    wanted = [(date(2025, 9, 5), "Provincial hall closed: staff retreat"),
              (date(2026, 3, 13), "Commune office closed: commune council election preparations")]
    existing = set(db.session.scalars(select(ClosureDay.day).where(ClosureDay.tenant_id == tenant_id)))
    for day, label in wanted:
        if day not in existing:
            db.session.add(ClosureDay(tenant_id=tenant_id, day=day, label=label))


def _shared_bodies() -> dict[str, Institution]:
    with unscoped():
        seed_institutions()
    return {body.code: body for body in db.session.scalars(visible_institutions()) if body.is_shared}


def _correspond(req: InfoRequest, kind: CorrespondenceKind, direction: Direction, on: date, summary: str) -> None:
    req.correspondence.append(Correspondence(tenant_id=req.tenant_id, kind=kind, direction=direction,
                                             occurred_on=on, summary=summary))


def load_demo_data(tenant: Tenant) -> None:
    """Seed the tenant's demo requests (run inside tenant_scope; does nothing when it already has requests)."""
    if db.session.scalar(select(InfoRequest.id).where(InfoRequest.tenant_id == tenant.id).limit(1)) is not None:
        return
    rng = random.Random(zlib.crc32(tenant.slug.encode("utf-8")))
    register = _shared_bodies()
    _ensure_closure_days(tenant.id)
    services.ensure_exemption_grounds(tenant.id)
    db.session.flush()
    calendar = services.calendar_for(tenant.id)
    rules = services.rules_for(tenant.id)
    people = _people(tenant) or [None]
    today = services.tenant_today(tenant.id)
    latest = min(today, LATEST)
    protected = {3, 9, 16}
    published_done = False

    for index, kind in enumerate(PLAN):
        topic = rng.choice(TOPICS)
        body = register.get(rng.choice(topic.codes)) or next(iter(register.values()))
        steps = _steps(kind, rng)
        span = sum(step.after_days for step in steps)
        if kind == "overdue":
            start = latest - timedelta(days=rules.initial_reply_days * 2 + 12)
        elif kind in OPEN_KINDS:
            start = latest - timedelta(days=span + rng.randint(0, 3 if kind == "submitted" else 12))
        else:
            last_start = latest - timedelta(days=span + 14)
            start = EARLIEST + timedelta(days=rng.randint(0, max(0, (last_start - EARLIEST).days)))
        start = min(start, latest - timedelta(days=span))
        while not calendar.is_working_day(start) and start > EARLIEST:
            start -= timedelta(days=1)   # bodies' registries receive letters on working days
        year = start.year
        km = rng.random() < 0.6
        names = dict(body=body.name_en, body_km=body.name_km or body.name_en, year=year)
        subject = (topic.subject_km if km else topic.subject_en).format(**names)[:200]
        actor = people[index % len(people)]
        req = services.create_request(
            tenant.id, subject=subject, question=topic.question_en.format(**names), body_id=body.id, actor=actor,
            channel=rng.choice([Channel.LETTER, Channel.LETTER, Channel.IN_PERSON, Channel.EMAIL]),
            tags=",".join(rng.sample(["budget", "land", "education", "health", "youth", "women"], 2)),
            requester_contact_id=_requester(rng, tenant.id, index, index in protected,
                                            min(start, date.today())).id)
        on = start
        for step in steps:
            on = on + timedelta(days=step.after_days)
            details = dict(step.details)
            if step.status == S.EXTENDED:
                details["extended_to"] = calendar.add_working_days(req.initial_reply_on or on, 25)
            if step.status == S.TRANSFERRED:
                target = register.get("MOINT") if body.code != "MOINT" else register.get("MEF")
                details["transferred_to_id"] = target.id
            if step.status in (S.ANSWERED_FULL, S.ANSWERED_PART) and topic.summary:
                details["disclosed_summary"] = topic.summary
            if step.status == S.NO_RESPONSE:
                on = max(on, (req.due_on or on) + timedelta(days=1))
            services.transition(req, step.status, actor=actor, on=on, **details)
            if step.status in (S.SUBMITTED, S.RE_REQUESTED):
                _correspond(req, CorrespondenceKind.LETTER, Direction.OUTGOING, on,
                            "Request letter delivered to the registry; receipt stamped.")
            elif step.status in (S.INITIAL_REPLY, S.ANSWERED_FULL, S.ANSWERED_PART, S.REFUSED, S.NOT_HELD,
                                 S.TRANSFERRED):
                _correspond(req, CorrespondenceKind.LETTER, Direction.INCOMING, on,
                            f"Letter from {body.name_en}: {step.status.value.replace('_', ' ')}.")
            elif step.status == S.AWAITING_CLARIFICATION:
                _correspond(req, CorrespondenceKind.CALL, Direction.INCOMING, on,
                            "The officer asked which years the request covers.")
            elif step.status == S.COMPLAINED:
                _correspond(req, CorrespondenceKind.LETTER, Direction.OUTGOING, on,
                            f"Complaint sent to {register[COMPLAINT_BODY].name_en}."
                            if COMPLAINT_BODY in register else "Complaint sent.")
        if not published_done and kind == "closed" and not req.protected_requester:
            req.published_at = utcnow()
            published_done = True
        db.session.flush()
    _share_with_working_group(tenant)


def _share_with_working_group(tenant: Tenant) -> None:
    """Share three answered requests and last year's statistics with the demo A2IWG, when the tenant
    is a member (core/cli.py creates the group first), so the group's page shows what sharing does."""
    group = sharing.group_for_member(tenant, DEMO_GROUP_SLUG)
    if group is None:
        return
    answered = db.session.scalars(select(InfoRequest).where(
        InfoRequest.status.in_([S.ANSWERED_FULL, S.ANSWERED_PART])).order_by(InfoRequest.id)).all()
    for req in [req for req in answered if not req.protected_requester][:SHARED_REQUESTS]:
        sharing.share(req, "a2i.request", group, tenant)
    year = services.tenant_today(tenant.id).year - 1
    rows, total = statistics.statistics_table("kind", date(year, 1, 1), date(year, 12, 31),
                                              locale=tenant.default_locale)
    snapshot = StatisticsSnapshot(title=f"Disclosure statistics of {tenant.name}", period=str(year),
                                  table=snapshot_text(rows, total))
    db.session.add(snapshot)
    db.session.flush()
    sharing.share(snapshot, "a2i.statistics", group, tenant)
