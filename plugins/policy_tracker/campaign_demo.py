"""Demo campaigns of the policy tracker: an A2I law adoption campaign for the lead NGO and a
data-protection awareness campaign for the community network, linked to the seeded laws (demo.py
runs just before), with recommendations (one joint, counted once), activities with disaggregated
counts, stakeholders from the tenant's demo contacts, and a few records shared with the A2IWG so
that its page shows a coalition picture. Missing laws, contacts or group are skipped quietly."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select

from core import sharing
from core.errors import DomainError
from core.extensions import db
from core.models import Membership, Role, Tenant, User, WorkingGroup
from core.registers.models import Contact, ContactKind, Institution, Project
from plugins.policy_tracker.models import (Activity, ActivityAttendee, ActivityKind, Campaign, CampaignLaw,
                                           CampaignMember, CampaignStakeholder, CampaignStatus, CampaignTarget,
                                           CoSubmitter, GroupLaw, Law, Outcome, Recommendation, StatusNote)
from plugins.policy_tracker.sharing import CAMPAIGN, RECOMMENDATION, STATUS_NOTE

GROUP_SLUG = "a2iwg"
LEAD, CSO = "demo-lead", "demo-cso"
A2I_LAW = ("A2I", "Access to Information")
PDP_LAW = ("PDP", "Personal Data Protection")
MINISTRY_OF_INFORMATION = "Ministry of Information"
MINISTRY_OF_POST = "Ministry of Post and Telecommunications"


@dataclass
class DemoActivity:
    kind: ActivityKind
    title: str
    occurred_on: date
    total: int
    women: int
    youth: int
    disability: int
    public: bool = False
    summary: str = ""


@dataclass
class DemoRecommendation:
    law: tuple
    article: str
    text_en: str
    text_km: str
    submitted_on: date
    outcome: Outcome = Outcome.PENDING
    outcome_on: date | None = None
    evidence: str = ""
    joint_with: str = ""          # the slug of a co-submitting demo tenant
    share: bool = False


@dataclass
class DemoCampaign:
    title: str
    goal: str
    laws: tuple
    status: CampaignStatus
    starts_on: date
    ends_on: date
    strategy_notes: str
    budget: Decimal
    targets: tuple
    activities: list[DemoActivity]
    recommendations: list[DemoRecommendation] = field(default_factory=list)
    share: bool = False


CAMPAIGNS = {
    LEAD: DemoCampaign(
        title="Adopt the Access to Information law with CSO input",
        goal="The A2I law is adopted by the National Assembly with the coalition's key recommendations "
             "(short reply deadlines, narrow exceptions, an independent oversight body) by 2028.",
        laws=(A2I_LAW,), status=CampaignStatus.ACTIVE, starts_on=date(2025, 1, 6), ends_on=date(2028, 12, 31),
        strategy_notes="Work through the Ministry of Information's drafting team first; keep the joint letter "
                       "with the DRWG until after the consultation workshop.",
        budget=Decimal("48000.00"), targets=(MINISTRY_OF_INFORMATION,),
        activities=[
            DemoActivity(ActivityKind.MEETING, "Consultation with the Ministry of Information drafting team",
                         date(2025, 2, 18), 14, 6, 2, 0, public=True),
            DemoActivity(ActivityKind.SUBMISSION, "Joint submission on draft 3 of the A2I law", date(2025, 3, 20),
                         0, 0, 0, 0, public=True),
            DemoActivity(ActivityKind.EVENT, "A2I Day forum in Phnom Penh", date(2025, 9, 28), 120, 64, 45, 5,
                         public=True),
            DemoActivity(ActivityKind.MEETING, "Strategy meeting with DRWG members", date(2026, 1, 15), 9, 5, 3, 0),
        ],
        recommendations=[
            DemoRecommendation(A2I_LAW, "Article 14",
                               "Public bodies reply in writing within 5 working days and provide the information "
                               "within 15 working days.",
                               "ស្ថាប័នសាធារណៈឆ្លើយតបជាលាយលក្ខណ៍អក្សរក្នុងរយៈពេល ៥ ថ្ងៃធ្វើការ និងផ្តល់ព័ត៌មានក្នុងរយៈពេល ១៥ ថ្ងៃធ្វើការ។",
                               date(2025, 3, 20), Outcome.PARTLY_ADOPTED, date(2025, 11, 10),
                               "Draft 4 of the law, article 14 (reply within 7 working days)", joint_with=CSO,
                               share=True),
            DemoRecommendation(A2I_LAW, "Article 21",
                               "Exceptions are limited to the list in the law and subject to a public-interest test.",
                               "ករណីលើកលែងត្រូវកំណត់ត្រឹមបញ្ជីក្នុងច្បាប់ ហើយត្រូវឆ្លងកាត់ការធ្វើតេស្តផលប្រយោជន៍សាធារណៈ។",
                               date(2025, 3, 20)),
        ],
        share=True),
    CSO: DemoCampaign(
        title="Know your data rights: personal data protection awareness",
        goal="Community members in Kampong Speu know their rights under the Personal Data Protection law and "
             "the network's comments on consent reach the drafting ministry.",
        laws=(PDP_LAW,), status=CampaignStatus.ACTIVE, starts_on=date(2026, 2, 1), ends_on=date(2026, 11, 30),
        strategy_notes="Start with youth groups in Odongk; approach the provincial department after the forum.",
        budget=Decimal("6500.00"), targets=(MINISTRY_OF_POST,),
        activities=[
            DemoActivity(ActivityKind.EVENT, "Community forum on data rights in Odongk", date(2026, 3, 7), 46, 27, 19, 2,
                         public=True),
            DemoActivity(ActivityKind.MEDIA, "Radio talk show on personal data", date(2026, 4, 22), 0, 0, 0, 0,
                         public=True),
            DemoActivity(ActivityKind.MEETING, "Youth group training on privacy settings", date(2026, 5, 16), 22, 13, 22,
                         1),
        ],
        recommendations=[
            DemoRecommendation(PDP_LAW, "Article 8",
                               "Consent to process personal data is free, informed and may be withdrawn at any time.",
                               "ការយល់ព្រមលើការដំណើរការទិន្នន័យផ្ទាល់ខ្លួនត្រូវធ្វើឡើងដោយសេរី មានព័ត៌មានគ្រប់គ្រាន់ "
                               "ហើយអាចដកវិញបានគ្រប់ពេល។",
                               date(2026, 3, 30), Outcome.ADOPTED, date(2026, 7, 14),
                               "Draft 2 of the law published by the ministry, article 8", share=True),
        ]),
}

STATUS_NOTES = {
    CSO: [(A2I_LAW, date(2025, 12, 2),
           ("The Ministry of Information told the network that the revised draft goes to the Council of "
            "Ministers early next year."), "Meeting with the ministry's legal department")],
}


def _law(keys: tuple) -> Law | None:
    short_name, title = keys
    return db.session.execute(select(Law).where(
        Law.owner_tenant_id.is_(None),
        or_(Law.short_name.ilike(f"%{short_name}%"), Law.title_en.ilike(f"%{title}%"))).order_by(Law.id)).scalars().first()


def _institution(name_en: str) -> Institution | None:
    return db.session.execute(select(Institution).where(Institution.name_en == name_en)).scalars().first()


def _tenant(slug: str) -> Tenant | None:
    return db.session.execute(select(Tenant).where(Tenant.slug == slug)).scalar_one_or_none()


def _team(tenant: Tenant) -> list[User]:
    return list(db.session.execute(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.tenant_id == tenant.id, Membership.role.in_([Role.ADMIN, Role.STAFF]))
        .order_by(User.id)).scalars())


def _contacts(kind: ContactKind, limit: int) -> list[Contact]:
    return list(db.session.execute(select(Contact).where(
        Contact.kind == kind, Contact.protected.is_(False), Contact.erased_at.is_(None))
        .order_by(Contact.id).limit(limit)).scalars())


def load_demo_data(tenant: Tenant) -> None:
    """Called inside the tenant's scope; does nothing the second time."""
    plan = CAMPAIGNS.get(tenant.slug)
    if plan is None or db.session.execute(select(Campaign.id).where(Campaign.title == plan.title)).first():
        return
    author = next(iter(_team(tenant)), None)
    campaign = _campaign(plan, tenant)
    recommendations = [(item, _recommendation(item, campaign, author)) for item in plan.recommendations]
    to_share = [rec for item, rec in recommendations if rec is not None and item.share]
    notes = [note for note in (_status_note(item, author) for item in STATUS_NOTES.get(tenant.slug, [])) if note]
    db.session.flush()
    _share_with_group(tenant, plan, campaign, to_share, notes)


def _campaign(plan: DemoCampaign, tenant: Tenant) -> Campaign:
    project = db.session.execute(select(Project).order_by(Project.id)).scalars().first()
    campaign = Campaign(title=plan.title, goal=plan.goal, status=plan.status, starts_on=plan.starts_on,
                        ends_on=plan.ends_on, strategy_notes=plan.strategy_notes, budget=plan.budget,
                        project_id=project.id if project else None)
    db.session.add(campaign)
    for law in filter(None, (_law(keys) for keys in plan.laws)):
        campaign.laws.append(CampaignLaw(law_id=law.id))
    for institution in filter(None, (_institution(name) for name in plan.targets)):
        campaign.targets.append(CampaignTarget(institution_id=institution.id))
    for user in _team(tenant):
        campaign.team.append(CampaignMember(user_id=user.id))
    organisations, people = _contacts(ContactKind.ORGANISATION, 2), _contacts(ContactKind.PERSON, 6)
    for contact, role in [*((o, "Coalition partner") for o in organisations), *((p, "Community focal point")
                                                                                 for p in people[:2])]:
        campaign.stakeholders.append(CampaignStakeholder(contact_id=contact.id, role=role))
    for index, item in enumerate(plan.activities):
        activity = Activity(kind=item.kind, title=item.title, occurred_on=item.occurred_on, is_public=item.public,
                            summary=item.summary, participants_total=item.total, participants_women=item.women,
                            participants_youth=item.youth, participants_disability=item.disability)
        campaign.activities.append(activity)
        if item.total:
            for person in people[index % 2::2][:3]:
                activity.attendees.append(ActivityAttendee(contact_id=person.id))
    return campaign


def _recommendation(item: DemoRecommendation, campaign: Campaign, author: User | None) -> Recommendation | None:
    law = _law(item.law)
    if law is None:
        return None
    institution = _institution(MINISTRY_OF_INFORMATION if item.law == A2I_LAW else MINISTRY_OF_POST)
    rec = Recommendation(law_id=law.id, campaign=campaign, article=item.article, text_en=item.text_en,
                         text_km=item.text_km, submitted_on=item.submitted_on,
                         submitted_to_id=institution.id if institution else None, outcome=item.outcome,
                         outcome_on=item.outcome_on, outcome_evidence=item.evidence,
                         created_by_id=author.id if author else None)
    partner = _tenant(item.joint_with) if item.joint_with else None
    if partner is not None:
        # One joint recommendation with a co-submitter: counted once, for both organisations.
        rec.co_submitters.append(CoSubmitter(partner_tenant_id=partner.id))
    db.session.add(rec)
    return rec


def _status_note(item: tuple, author: User | None) -> StatusNote | None:
    keys, noted_on, text, source = item
    law = _law(keys)
    if law is None:
        return None
    note = StatusNote(law_id=law.id, noted_on=noted_on, text=text, source=source,
                      author_id=author.id if author else None)
    db.session.add(note)
    return note


def _share_with_group(tenant: Tenant, plan: DemoCampaign, campaign: Campaign, recommendations: list[Recommendation],
                      notes: list[StatusNote]) -> None:
    """Share with the A2IWG (core/cli.py creates it before the modules' demo data) and let it follow
    the laws the shared records are about, so its page shows the merged timelines."""
    group = db.session.execute(select(WorkingGroup).where(WorkingGroup.slug == GROUP_SLUG)).scalar_one_or_none()
    if group is None or tenant.id not in {member.tenant_id for member in group.members}:
        return
    chosen = [(CAMPAIGN, campaign)] if plan.share else []
    chosen += [(RECOMMENDATION, rec) for rec in recommendations]
    chosen += [(STATUS_NOTE, note) for note in notes]
    followed = set(db.session.execute(select(GroupLaw.law_id).where(GroupLaw.group_id == group.id)).scalars())
    for law_id in {record.law_id for _kind, record in chosen if hasattr(record, "law_id")} - followed:
        db.session.add(GroupLaw(group_id=group.id, law_id=law_id))
    for record_type, record in chosen:
        try:
            sharing.share(record, record_type, group, tenant)
        except DomainError:
            continue          # already shared
    db.session.flush()
