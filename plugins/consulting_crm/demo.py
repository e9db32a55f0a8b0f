"""Demo data of the consulting enterprise (tenant `demo-consulting` only): a year and a half of calls
for proposals from development partners and clients (the EU Delegation, SDC, GIZ, a USAID-funded
programme, UNDP, Oxfam, the NCDD Secretariat, the Ministry of Interior, a Phnom Penh company), in
every stage with their stage moves over time, proposals with budget lines and teams, a pool of twelve
invented consultants, five engagements of the won ones with deliverables, tranches, team and
timesheets, and invoices numbered from the tenant's sequence (issued, paid, partly paid, one
overdue on the demo's reference day). Values in US dollars and some in riel at the National Bank of
Cambodia's rate of the day. Deterministic: a random generator seeded by the tenant's slug picks the
consultants' names; everything else is written out below. Loading twice adds nothing."""
from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.extensions import db
from core.models import Membership, Role
from core.registers.contacts import create_contact
from core.registers.demo import FAMILY_NAMES, MEN_NAMES, WOMEN_NAMES
from core.registers.models import ContactKind, OrganisationType, Sex
from plugins.consulting_crm import invoices, services
from plugins.consulting_crm.models import (Assignment, Availability, BudgetLine, ClientProfile, ClientType,
                                           ConsortiumPartner, Consultant, Currency, Deliverable, DeliverableStatus,
                                           Engagement, EngagementStatus, ExchangeRate, Invoice, Opportunity,
                                           OpportunitySource, Proposal, ProposalResult, ProposalVersion, ProposedMember,
                                           Rating, Stage, TimesheetLine, Tranche)

TENANT_SLUG = "demo-consulting"
REFERENCE_DAY = date(2026, 12, 1)          # the day the demo's "overdue" and "open" are told on
NBC = "National Bank of Cambodia"
SELLER = ("API Development Consulting Co., Ltd.", "K009-902345671",
          "No. 12, Street 184, Sangkat Boeng Raeng, Khan Daun Penh, Phnom Penh")
# The National Bank of Cambodia's official riel rate on the first working day of each month (demo values).
RATES = {date(2025, 1, 2): "4021", date(2025, 2, 3): "4013", date(2025, 3, 3): "4008", date(2025, 4, 1): "4005",
         date(2025, 5, 2): "4012", date(2025, 6, 2): "4018", date(2025, 7, 1): "4024", date(2025, 8, 1): "4031",
         date(2025, 9, 1): "4038", date(2025, 10, 1): "4045", date(2025, 11, 3): "4052", date(2025, 12, 1): "4060",
         date(2026, 1, 2): "4066", date(2026, 2, 2): "4071", date(2026, 3, 2): "4069", date(2026, 4, 1): "4078",
         date(2026, 5, 4): "4084", date(2026, 6, 1): "4090", date(2026, 7, 1): "4093", date(2026, 8, 3): "4096",
         date(2026, 9, 1): "4099", date(2026, 10, 1): "4087", date(2026, 11, 2): "4081", date(2026, 12, 1): "4079"}


@dataclass(frozen=True)
class DemoClient:
    key: str
    name_en: str
    name_km: str
    client_type: ClientType
    organisation_type: OrganisationType
    sector: str
    country: str = "KH"
    tax_number: str = ""


CLIENTS = [
    DemoClient("eu", "Delegation of the European Union to Cambodia", "គណៈប្រតិភូសហភាពអឺរ៉ុបប្រចាំកម្ពុជា",
               ClientType.DEVELOPMENT_PARTNER, OrganisationType.DEVELOPMENT_PARTNER, "Governance and civil society",
               "BE"),
    DemoClient("sdc", "Swiss Agency for Development and Cooperation (SDC)",
               "ទីភ្នាក់ងារស្វីសសម្រាប់ការអភិវឌ្ឍ និងសហប្រតិបត្តិការ", ClientType.DEVELOPMENT_PARTNER,
               OrganisationType.DEVELOPMENT_PARTNER, "Decentralisation and local governance", "CH"),
    DemoClient("giz", "GIZ Cambodia", "អង្គការ GIZ កម្ពុជា", ClientType.DEVELOPMENT_PARTNER,
               OrganisationType.DEVELOPMENT_PARTNER, "Administrative reform", "DE"),
    DemoClient("usaid", "Inclusive Governance Programme (USAID-funded)", "កម្មវិធីអភិបាលកិច្ចបរិយាប័ន្ន",
               ClientType.DEVELOPMENT_PARTNER, OrganisationType.DEVELOPMENT_PARTNER, "Civic participation", "US"),
    DemoClient("undp", "UNDP Cambodia", "កម្មវិធីអភិវឌ្ឍន៍សហប្រជាជាតិ ប្រចាំកម្ពុជា", ClientType.DEVELOPMENT_PARTNER,
               OrganisationType.DEVELOPMENT_PARTNER, "Governance and digital transformation"),
    DemoClient("oxfam", "Oxfam in Cambodia", "អុកស្វាម កម្ពុជា", ClientType.NGO, OrganisationType.CSO,
               "Social accountability"),
    DemoClient("ncdd", "NCDD Secretariat", "លេខាធិការដ្ឋាន គ.ជ.អ.ប", ClientType.INSTITUTION,
               OrganisationType.INSTITUTION, "Sub-national democratic development", tax_number="K001-100234567"),
    DemoClient("moi", "Ministry of Interior", "ក្រសួងមហាផ្ទៃ", ClientType.INSTITUTION, OrganisationType.INSTITUTION,
               "Public administration", tax_number="K001-100345678"),
    DemoClient("mekong", "Mekong Digital Solutions Co., Ltd.", "ក្រុមហ៊ុន មេគង្គ ឌីជីថល សូលូសិន ឯ.ក",
               ClientType.COMPANY, OrganisationType.COMPANY, "Information technology", tax_number="K006-901122334"),
    DemoClient("krp", "Khmer Research Partners", "ដៃគូស្រាវជ្រាវខ្មែរ", ClientType.COMPANY, OrganisationType.COMPANY,
               "Research and evaluation", tax_number="K006-902233445"),
]

EXPERTISE = ["access to information", "training of trainers", "local governance", "budget analysis",
             "social accountability", "gender", "monitoring and evaluation", "digital rights", "research",
             "curriculum design", "public financial management", "facilitation"]
# (expertise indices, languages, day rate, rate currency) of the twelve consultants, in order.
POOL = [((0, 1, 11), "km,en", "320", Currency.USD), ((2, 4), "km,en,fr", "380", Currency.USD),
        ((3, 10), "km,en", "420", Currency.USD), ((5, 6), "km,en", "300", Currency.USD),
        ((7, 0), "km,en", "350", Currency.USD), ((8, 6), "km,en", "280", Currency.USD),
        ((9, 1), "km", "700000", Currency.KHR), ((1, 11), "km", "600000", Currency.KHR),
        ((4, 2, 5), "km,en", "260", Currency.USD), ((6, 8), "km,en,fr", "450", Currency.USD),
        ((10, 3), "km,en", "400", Currency.USD), ((11, 9, 1), "km,en,th", "220", Currency.USD)]

PATH = ["lead", "qualified", "writing", "submitted", "negotiation", "won"]


@dataclass(frozen=True)
class DemoCall:
    title: str
    client: str
    value: str
    created: date
    stage: str                           # where it ends
    submission: date
    currency: Currency = Currency.USD
    source: OpportunitySource = OpportunitySource.CALL_FOR_PROPOSALS
    reference: str = ""
    lost_at: str = "submitted"           # the stage a lost one was dropped from
    lost_reason: str = ""
    partner: str = ""                    # a consortium partner's key (30 % share)
    team: tuple[int, ...] = (0, 1)       # consultants of POOL proposed


CALLS = [
    DemoCall("Social accountability framework: citizen report cards in 6 provinces", "eu", "185000",
             date(2025, 1, 14), "won", date(2025, 3, 10), reference="EuropeAid/182233/DD/ACT/KH", partner="krp",
             team=(1, 4, 8)),
    DemoCall("Training of trainers on the access to information law", "sdc", "64000", date(2025, 2, 3), "won",
             date(2025, 3, 21), reference="SDC-KH-2025-07", team=(0, 7)),
    DemoCall("Commune budget literacy curriculum (Khmer)", "ncdd", "210000000", date(2025, 3, 5), "won",
             date(2025, 4, 18), currency=Currency.KHR, source=OpportunitySource.DIRECT_REQUEST, team=(6, 2)),
    DemoCall("Digital rights clinics for youth: mid-term review", "usaid", "42000", date(2025, 4, 22), "won",
             date(2025, 6, 2), reference="IGP-RFP-2025-011", team=(4, 5)),
    DemoCall("Gender-responsive planning manual update", "undp", "38500", date(2025, 9, 8), "won",
             date(2025, 10, 17), reference="UNDP-KHM-RFQ-25-094", team=(3, 9)),
    DemoCall("Baseline survey on public service delivery", "giz", "96000", date(2025, 2, 17), "lost",
             date(2025, 4, 4), reference="GIZ-83412977", lost_reason="Price: the winning bid was 18 % lower.",
             partner="krp", team=(9, 5)),
    DemoCall("Evaluation of the sub-national democratic development programme", "eu", "240000", date(2025, 5, 6),
             "lost", date(2025, 6, 30), reference="EuropeAid/183101/DH/SER/KH",
             lost_reason="A larger international consortium won on references.", team=(9, 2)),
    DemoCall("Facilitation of provincial dialogues on land", "oxfam", "18000", date(2025, 6, 10), "lost",
             date(2025, 7, 11), lost_reason="The call was cancelled after funding cuts.", lost_at="qualified"),
    DemoCall("ICT skills assessment for district staff", "mekong", "22000", date(2025, 8, 4), "lost",
             date(2025, 9, 1), source=OpportunitySource.REFERRAL,
             lost_reason="Outside our expertise: declined after the go/no-go meeting.", lost_at="qualified"),
    DemoCall("Complaint handling mechanism for one-window offices", "moi", "98000000", date(2025, 10, 1), "lost",
             date(2025, 11, 14), currency=Currency.KHR, lost_reason="Awarded to a firm with a lower price.",
             team=(2, 8)),
    DemoCall("Participatory monitoring of commune investment plans", "sdc", "120000", date(2025, 11, 17),
             "negotiation", date(2026, 1, 23), reference="SDC-KH-2025-31", partner="krp", team=(8, 1, 5)),
    DemoCall("Civil society engagement roadmap 2026–2030", "eu", "75000", date(2026, 1, 12), "negotiation",
             date(2026, 2, 27), reference="EuropeAid/184420/DD/ACT/KH", team=(1, 4)),
    DemoCall("Access to information e-learning course", "giz", "56000", date(2026, 2, 9), "submitted",
             date(2026, 3, 20), reference="GIZ-83599104", team=(0, 11)),
    DemoCall("Training needs assessment for provincial councils", "ncdd", "140000000", date(2026, 3, 2),
             "submitted", date(2026, 4, 10), currency=Currency.KHR, source=OpportunitySource.DIRECT_REQUEST,
             team=(7, 6)),
    DemoCall("Youth participation in commune planning: pilot", "usaid", "88000", date(2026, 4, 6), "submitted",
             date(2026, 5, 15), reference="IGP-RFP-2026-004", team=(8, 3)),
    DemoCall("Public financial management training for line departments", "undp", "47000", date(2026, 5, 11),
             "submitted", date(2026, 6, 19), reference="UNDP-KHM-RFP-26-017", team=(10, 2)),
    DemoCall("Manual on social audits (2nd edition)", "oxfam", "26000", date(2026, 7, 6), "writing",
             date(2026, 12, 11), team=(4, 9)),
    DemoCall("Disability-inclusive local governance study", "sdc", "68000", date(2026, 8, 3), "writing",
             date(2026, 12, 18), reference="SDC-KH-2026-19", team=(5, 3)),
    DemoCall("Citizen feedback app: user research", "mekong", "19500", date(2026, 8, 24), "writing",
             date(2027, 1, 8), source=OpportunitySource.DIRECT_REQUEST, team=(11, 5)),
    DemoCall("Anti-corruption learning series for district officials", "moi", "160000000", date(2026, 9, 7),
             "writing", date(2027, 1, 15), currency=Currency.KHR, team=(0, 10)),
    DemoCall("Open data portal for provincial budgets: feasibility", "giz", "45000", date(2026, 9, 21), "qualified",
             date(2027, 1, 22)),
    DemoCall("Women's leadership in commune councils: training", "undp", "52000", date(2026, 10, 5), "qualified",
             date(2027, 2, 5)),
    DemoCall("Grievance redress review for a road project", "eu", "33000", date(2026, 10, 19), "qualified",
             date(2027, 2, 12), source=OpportunitySource.REFERRAL),
    DemoCall("Sub-national budget transparency index 2027", "usaid", "110000", date(2026, 11, 2), "qualified",
             date(2027, 2, 26)),
    DemoCall("Staff induction course on data protection", "mekong", "8500", date(2026, 11, 9), "lead",
             date(2027, 3, 5), source=OpportunitySource.DIRECT_REQUEST),
    DemoCall("Community radio and access to information", "oxfam", "24000", date(2026, 11, 16), "lead",
             date(2027, 3, 12)),
    DemoCall("Evaluation of the decentralisation reform programme", "sdc", "150000", date(2026, 11, 23), "lead",
             date(2027, 3, 26)),
    DemoCall("Provincial administration e-services training", "ncdd", "90000000", date(2026, 11, 30), "lead",
             date(2027, 4, 2), currency=Currency.KHR, source=OpportunitySource.DIRECT_REQUEST),
]


@dataclass(frozen=True)
class DemoTranche:
    deliverable: str
    percent: int
    due_on: date
    accepted_on: date | None = None
    # The invoice of the tranche: None (not invoiced), "paid", "partial", "issued" or "overdue".
    invoice: str | None = None


@dataclass(frozen=True)
class DemoEngagement:
    call: int                                     # index in CALLS
    reference: str
    starts_on: date
    ends_on: date
    status: EngagementStatus
    tranches: list[DemoTranche]
    days: tuple[int, ...]                         # planned days of each proposed consultant
    worked: tuple[int, ...]                       # actual days so far of each
    expenses: str = "0"
    withholding: bool = False
    ratings: tuple[int, ...] = field(default_factory=tuple)


ENGAGEMENTS = [
    DemoEngagement(0, "ACA/2025/455-102", date(2025, 5, 1), date(2026, 10, 31), EngagementStatus.CLOSED, [
        DemoTranche("Inception report", 20, date(2025, 6, 15), date(2025, 6, 20), "paid"),
        DemoTranche("Citizen report cards in six provinces", 50, date(2026, 3, 31), date(2026, 4, 10), "paid"),
        DemoTranche("Final report and dissemination workshop", 30, date(2026, 9, 30), date(2026, 10, 8), "paid")],
        days=(60, 90, 70), worked=(64, 95, 68), expenses="7420", ratings=(5, 4, 4)),
    DemoEngagement(1, "SDC-81027364", date(2025, 5, 5), date(2025, 12, 19), EngagementStatus.DELIVERED, [
        DemoTranche("Training of trainers curriculum", 40, date(2025, 7, 15), date(2025, 7, 21), "paid"),
        DemoTranche("Five regional trainings delivered", 60, date(2025, 11, 28), date(2025, 12, 10), "partial")],
        days=(45, 40), worked=(47, 38), expenses="5310", ratings=(5, 4)),
    DemoEngagement(2, "NCDDS/PROC/2025/019", date(2025, 6, 2), date(2026, 5, 29), EngagementStatus.DELIVERED, [
        DemoTranche("Draft curriculum (Khmer)", 30, date(2025, 9, 30), date(2025, 10, 6), "paid"),
        DemoTranche("Pilot in Kampong Speu", 30, date(2026, 1, 30), date(2026, 2, 9), "paid"),
        DemoTranche("Final curriculum and trainers' guide", 40, date(2026, 5, 15), date(2026, 5, 27), "overdue")],
        days=(70, 50), worked=(72, 49), expenses="18400000", withholding=True, ratings=(4, 5)),
    DemoEngagement(3, "IGP-SC-2025-033", date(2025, 7, 14), date(2026, 1, 30), EngagementStatus.DELIVERED, [
        DemoTranche("Inception note", 30, date(2025, 8, 8), date(2025, 8, 12), "paid"),
        DemoTranche("Mid-term review report", 70, date(2026, 1, 16), date(2026, 1, 28), "paid")],
        days=(35, 45), worked=(33, 52), expenses="2860", ratings=(4, 3)),
    DemoEngagement(4, "UNDP-KHM-PSC-25-212", date(2025, 12, 1), date(2027, 3, 31), EngagementStatus.ACTIVE, [
        DemoTranche("Review of the 2019 manual", 25, date(2026, 3, 13), date(2026, 3, 20), "paid"),
        DemoTranche("Draft manual", 45, date(2026, 11, 6), date(2026, 11, 12), "issued"),
        DemoTranche("Validated manual and training", 30, date(2027, 3, 19))],
        days=(30, 40), worked=(18, 22), expenses="1240"),
]


def _rng(tenant) -> random.Random:
    return random.Random(zlib.crc32(f"consulting:{tenant.slug}".encode()))


def _moment(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _rate_on(day: date) -> tuple[date, Decimal]:
    """The latest demo rate on or before `day` (the first one before them all)."""
    known = [rate_day for rate_day in RATES if rate_day <= day] or [min(RATES)]
    rate_day = max(known)
    return rate_day, Decimal(RATES[rate_day])


def _clients(tenant) -> dict:
    contacts = {}
    for client in CLIENTS:
        contact = create_contact(kind=ContactKind.ORGANISATION, name_latin=client.name_en, name_km=client.name_km,
                                 organisation_type=client.organisation_type, tax_number=client.tax_number,
                                 languages="km,en", tags="consulting client")
        db.session.add(ClientProfile(tenant_id=tenant.id, contact_id=contact.id, client_type=client.client_type,
                                     sector=client.sector, country=client.country))
        contacts[client.key] = contact
    return contacts


def _pool(tenant, rng: random.Random) -> list[Consultant]:
    consultants, used = [], set()
    for index, (expertise, languages, rate, currency) in enumerate(POOL):
        sex, names = (Sex.FEMALE, WOMEN_NAMES) if index % 2 == 0 else (Sex.MALE, MEN_NAMES)
        while True:
            (family_latin, family_km), (given_latin, given_km) = rng.choice(FAMILY_NAMES), rng.choice(names)
            if (family_latin, given_latin) not in used:
                used.add((family_latin, given_latin))
                break
        person = create_contact(kind=ContactKind.PERSON, name_latin=f"{family_latin} {given_latin}",
                                name_km=f"{family_km} {given_km}", sex=sex, languages=languages,
                                tags="consultant")
        consultant = Consultant(tenant_id=tenant.id, contact_id=person.id, languages=languages,
                                expertise=", ".join(EXPERTISE[i] for i in expertise), day_rate=Decimal(rate),
                                rate_currency=currency)
        start = date(2026, 1 + index % 6, 1)
        consultant.availability.append(Availability(tenant_id=tenant.id, starts_on=start,
                                                    ends_on=start + timedelta(days=60 + 10 * index)))
        consultant.availability.append(Availability(tenant_id=tenant.id, starts_on=date(2027, 1, 5),
                                                    ends_on=date(2027, 6, 30), note="Open for new assignments"))
        db.session.add(consultant)
        consultants.append(consultant)
    db.session.flush()
    return consultants


def _owners(tenant) -> list[int | None]:
    ids = list(db.session.scalars(select(Membership.user_id).where(
        Membership.tenant_id == tenant.id, Membership.role.in_([Role.OWNER, Role.ADMIN, Role.STAFF])).order_by(
        Membership.id)))
    return ids or [None]


def _usd_rate(currency: Currency, day: date) -> tuple[Decimal | None, date | None, str]:
    if currency is not Currency.KHR:
        return None, None, ""
    rate_day, rate = _rate_on(day)
    return rate, rate_day, NBC


def _proposal(tenant, opportunity: Opportunity, call: DemoCall, pool: list[Consultant], submitted: bool,
              result: ProposalResult) -> Proposal:
    value = Decimal(call.value)
    proposal = Proposal(tenant_id=tenant.id, title=f"Technical and financial proposal: {call.title}"[:300],
                        currency=call.currency, result=result,
                        submitted_on=call.submission - timedelta(days=1) if submitted else None,
                        feedback={ProposalResult.WON: "Strong methodology and a team with local experience.",
                                  ProposalResult.LOST: call.lost_reason}.get(result, ""))
    proposal.versions.append(ProposalVersion(tenant_id=tenant.id, label="draft 1", note="Internal review"))
    if submitted:
        proposal.versions.append(ProposalVersion(tenant_id=tenant.id, label="final", note="As submitted"))
    # Fees 70 %, workshops 20 %, travel 10 % of the estimated value, whole units.
    fees, workshops = (value * Decimal("0.7")).quantize(Decimal(1)), (value * Decimal("0.2")).quantize(Decimal(1))
    lines = [("Consultants' fees", "lump sum", 1, fees), ("Workshops and trainings", "workshop", 4, workshops / 4),
             ("Travel and accommodation", "lump sum", 1, value - fees - workshops)]
    for position, (description, unit, quantity, cost) in enumerate(lines, start=1):
        proposal.budget_lines.append(BudgetLine(tenant_id=tenant.id, position=position, description=description,
                                                unit=unit, quantity=Decimal(quantity), unit_cost=services.cents(cost)))
    for number, index in enumerate(call.team):
        proposal.team.append(ProposedMember(tenant_id=tenant.id, consultant_id=pool[index].id,
                                            role="team leader" if number == 0 else "consultant",
                                            days=Decimal(40 - 10 * number)))
    opportunity.proposals.append(proposal)
    return proposal


def _opportunities(tenant, clients: dict, pool: list[Consultant], stages: dict[str, Stage]) -> list[Opportunity]:
    owners = _owners(tenant)
    opportunities = []
    for number, call in enumerate(CALLS):
        rate, rate_day, source = _usd_rate(call.currency, call.created)
        lead = stages["lead"]
        opportunity = Opportunity(
            tenant_id=tenant.id, title=call.title, client_id=clients[call.client].id, source=call.source,
            call_reference=call.reference, description=f"{call.title}. Call published {call.created:%d %B %Y}.",
            questions_due_on=call.submission - timedelta(days=14), submission_due_on=call.submission,
            expected_start_on=(call.submission + timedelta(days=45)).replace(day=1), currency=call.currency,
            estimated_value=Decimal(call.value), khr_per_usd=rate, rate_on=rate_day, rate_source=source,
            probability=lead.default_probability, owner_id=owners[number % len(owners)], stage=lead,
            stage_id=lead.id, stage_entered_at=_moment(call.created), created_at=_moment(call.created))
        db.session.add(opportunity)
        if call.partner:
            opportunity.partners.append(ConsortiumPartner(tenant_id=tenant.id, partner_id=clients[call.partner].id,
                                                          share_percent=Decimal(30), role="sub-contractor"))
        db.session.flush()
        last = call.lost_at if call.stage == "lost" else call.stage
        path = PATH[:PATH.index(last) + 1] + (["lost"] if call.stage == "lost" else [])
        reaches_submitted = "submitted" in path
        if "writing" in path:
            result = {"won": ProposalResult.WON, "lost": ProposalResult.LOST}.get(call.stage, ProposalResult.PENDING)
            _proposal(tenant, opportunity, call, pool, reaches_submitted, result)
        # Moves spread between the call's publication and its decision.
        span = max((call.submission - call.created).days, len(path))
        for step, code in enumerate(path[1:], start=1):
            day = call.created + timedelta(days=span * step // len(path))
            if code in ("submitted",):
                day = call.submission - timedelta(days=1)
            elif code in ("negotiation", "won", "lost") and reaches_submitted:
                day = call.submission + timedelta(days=20 + 7 * step)
            day = min(day, REFERENCE_DAY)
            move = services.move_to_stage(opportunity, stages[code], user_id=opportunity.owner_id,
                                          lost_reason=call.lost_reason if code == "lost" else None, today=day)
            move.moved_at = _moment(day, 10 + step)
            opportunity.stage_entered_at = move.moved_at
        if call.stage == "negotiation":
            opportunity.probability = 70
        opportunities.append(opportunity)
    db.session.flush()
    return opportunities


def _seller(tenant) -> None:
    settings = services.settings_for(tenant.id)
    if not settings.seller_name:
        settings.seller_name, settings.seller_tax_number, settings.seller_address = SELLER
    db.session.flush()


def _invoice(engagement: Engagement, tranche: Tranche, kind: str, accepted_on: date) -> Invoice:
    """The tranche's invoice through the invoices' rules: a draft, issued with the next number of the
    tenant's sequence, and its payments ("paid", "partial"; "issued" and "overdue" have none)."""
    invoice = invoices.create_draft(engagement, tranche_id=tranche.id, currency=engagement.currency,
                                    khr_per_usd=engagement.khr_per_usd, rate_on=engagement.rate_on,
                                    rate_source=engagement.rate_source)
    issued_on = REFERENCE_DAY - timedelta(days=12) if kind == "issued" else accepted_on + timedelta(days=3)
    invoices.issue(invoice, issued_on=issued_on, today=REFERENCE_DAY)
    if kind == "paid":
        invoices.add_payment(invoice, amount=invoice.amount_due, paid_on=invoice.due_on - timedelta(days=9),
                             reference=f"TT-{invoice.number}", today=REFERENCE_DAY)
    elif kind == "partial":
        invoices.add_payment(invoice, amount=services.cents(invoice.amount_due / 2),
                             paid_on=invoice.due_on - timedelta(days=5), reference=f"TT-{invoice.number}-1",
                             today=REFERENCE_DAY)
        invoice.due_on = REFERENCE_DAY + timedelta(days=20)     # the client asked for time for the rest
    return invoice


def _engagements(tenant, opportunities: list[Opportunity], pool: list[Consultant]) -> None:
    _seller(tenant)
    for plan in ENGAGEMENTS:
        call, opportunity = CALLS[plan.call], opportunities[plan.call]
        engagement = Engagement(
            tenant_id=tenant.id, opportunity_id=opportunity.id, client_id=opportunity.client_id, title=call.title,
            contract_reference=plan.reference, currency=call.currency, contract_value=Decimal(call.value),
            khr_per_usd=opportunity.khr_per_usd, rate_on=opportunity.rate_on, rate_source=opportunity.rate_source,
            starts_on=plan.starts_on, ends_on=plan.ends_on, status=EngagementStatus.ACTIVE,
            withholding_applies=plan.withholding, created_at=_moment(plan.starts_on))
        db.session.add(engagement)
        for position, tranche_plan in enumerate(plan.tranches, start=1):
            accepted = tranche_plan.accepted_on is not None
            deliverable = Deliverable(tenant_id=tenant.id, title=tranche_plan.deliverable, due_on=tranche_plan.due_on,
                                      status=DeliverableStatus.ACCEPTED if accepted else DeliverableStatus.PLANNED,
                                      accepted_on=tranche_plan.accepted_on)
            engagement.deliverables.append(deliverable)
            amount = services.cents(Decimal(call.value) * tranche_plan.percent / 100)
            tranche = Tranche(tenant_id=tenant.id, position=position, amount=amount, deliverable=deliverable,
                              label=f"Tranche {position} ({tranche_plan.percent} %)")
            engagement.tranches.append(tranche)
            db.session.flush()
            if tranche_plan.invoice:
                _invoice(engagement, tranche, tranche_plan.invoice, tranche_plan.accepted_on)
        for number, index in enumerate(call.team):
            consultant = pool[index]
            rate = consultant.day_rate
            if consultant.rate_currency is not call.currency:       # agreed in the contract's currency
                rate = services.cents(rate * engagement.khr_per_usd if call.currency is Currency.KHR
                                      else rate / Decimal(RATES[min(RATES)]))
            assignment = Assignment(tenant_id=tenant.id, consultant_id=consultant.id, day_rate=rate,
                                    role="team leader" if number == 0 else "consultant",
                                    planned_days=Decimal(plan.days[number]))
            engagement.assignments.append(assignment)
            db.session.flush()
            # The actual days in monthly timesheet lines from the start (five at most).
            remaining, month = Decimal(plan.worked[number]), 0
            while remaining > 0:
                days = min(remaining, Decimal(15)) if month < 4 else remaining
                expense = services.cents(Decimal(plan.expenses) / len(call.team)) if month == 0 else Decimal(0)
                engagement.timesheet.append(TimesheetLine(
                    tenant_id=tenant.id, assignment_id=assignment.id, days=days, expense_amount=expense,
                    worked_on=min(plan.starts_on + timedelta(days=30 * month + 7), plan.ends_on, REFERENCE_DAY),
                    note="Field work and reporting"))
                remaining -= days
                month += 1
            if number < len(plan.ratings):
                db.session.add(Rating(tenant_id=tenant.id, consultant_id=consultant.id, engagement_id=engagement.id,
                                      score=plan.ratings[number], comment="Delivered on time; clear reports."))
        engagement.status = plan.status          # invoiced while open, then delivered or closed
        db.session.flush()


def load_demo_data(tenant) -> None:
    """The consulting demo of `demo-consulting` (inside its tenant scope; the caller commits). Any other
    tenant, or one that already has opportunities, is left alone."""
    if tenant.slug != TENANT_SLUG:
        return
    if db.session.scalar(select(func.count()).select_from(Opportunity).where(Opportunity.tenant_id == tenant.id)):
        return
    services.ensure_default_stages(tenant.id)
    stages = {stage.code: stage for stage in services.stages(tenant.id)}
    for rate_day, rate in RATES.items():
        db.session.add(ExchangeRate(tenant_id=tenant.id, rate_on=rate_day, khr_per_usd=Decimal(rate), source=NBC))
    clients = _clients(tenant)
    pool = _pool(tenant, _rng(tenant))
    opportunities = _opportunities(tenant, clients, pool, stages)
    _engagements(tenant, opportunities, pool)
    db.session.flush()
