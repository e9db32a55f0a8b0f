"""Consulting CRM models: client profiles on contact organisations, the tenant's stage list,
exchange rates, opportunities (with consortium partners and their stage history), proposals (versions
with files, budget lines, proposed team), the consultant pool (profiles on contacts with
availability, CVs and ratings), engagements (deliverables, payment tranches, assignments, timesheet
lines) and invoices with their lines and payments.

Money is stored as Numeric in the record's own currency (USD or KHR) next to the KHR-per-USD rate
used, its date and source, so totals in one currency are reproducible."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audited
from core.columns import UTCDateTime, utcnow
from core.enums import LabelledEnum, enum_column, register_labels
from core.extensions import db
from core.models import User
from core.registers.models import Contact, Project, name_in_language
from core.tenancy import TenantScoped

MONEY = Numeric(14, 2)
RATE = Numeric(12, 4)          # KHR per USD, e.g. 4,100.0000


class Currency(LabelledEnum):
    USD = "USD"
    KHR = "KHR"


class ClientType(LabelledEnum):
    DEVELOPMENT_PARTNER = "development_partner"
    NGO = "ngo"
    INSTITUTION = "institution"
    COMPANY = "company"
    OTHER = "other"


class StageOutcome(LabelledEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class OpportunitySource(LabelledEnum):
    CALL_FOR_PROPOSALS = "call_for_proposals"
    DIRECT_REQUEST = "direct_request"
    REFERRAL = "referral"
    OTHER = "other"


class ProposalResult(LabelledEnum):
    PENDING = "pending"
    WON = "won"
    LOST = "lost"
    WITHDRAWN = "withdrawn"


class EngagementStatus(LabelledEnum):
    ACTIVE = "active"
    DELIVERED = "delivered"     # every deliverable accepted; invoicing may go on
    CLOSED = "closed"           # nothing more is invoiced
    CANCELLED = "cancelled"


class DeliverableStatus(LabelledEnum):
    PLANNED = "planned"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class InvoiceStatus(LabelledEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    PAID = "paid"
    CANCELLED = "cancelled"
    # "Overdue" is not stored: an issued invoice past its due date with a balance left.


# --- settings, stages, rates ---------------------------------------------------------------------------

class ConsultingSettings(TenantScoped, Audited, db.Model):
    """The tenant's invoicing and reminder settings."""

    __tablename__ = "consulting_settings"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_name: Mapped[str] = mapped_column(String(300), default="")
    seller_tax_number: Mapped[str] = mapped_column(String(64), default="")
    seller_address: Mapped[str] = mapped_column(Text, default="")
    vat_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("10"))
    withholding_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("15"))
    invoice_prefix: Mapped[str] = mapped_column(String(20), default="INV-")
    next_invoice_number: Mapped[int] = mapped_column(Integer, default=1)
    payment_days: Mapped[int] = mapped_column(Integer, default=30)
    reminder_days: Mapped[str] = mapped_column(String(50), default="7,2")   # working days before submission


class Stage(TenantScoped, Audited, db.Model):
    """One stage of the tenant's pipeline, in order; won and lost stages end an opportunity."""

    __tablename__ = "consulting_stage"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(200))
    name_km: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[StageOutcome] = enum_column(StageOutcome, default=StageOutcome.OPEN)
    default_probability: Mapped[int] = mapped_column(Integer, default=10)     # percent
    # Data an opportunity must have before it may enter this stage, comma-separated field names
    # ("value,submission_due_on"); checked by services on every stage move.
    requires: Mapped[str] = mapped_column(String(300), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    def name_in(self, locale: str) -> str:
        return name_in_language(self.name_en, self.name_km, locale)


class ExchangeRate(TenantScoped, Audited, db.Model):
    """Riel per US dollar on a day, with its source (the National Bank of Cambodia's official rate)."""

    __tablename__ = "consulting_exchange_rate"
    __table_args__ = (UniqueConstraint("tenant_id", "rate_on", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rate_on: Mapped[date] = mapped_column(Date)
    khr_per_usd: Mapped[Decimal] = mapped_column(RATE)
    source: Mapped[str] = mapped_column(String(200), default="National Bank of Cambodia")


# --- clients and opportunities ---------------------------------------------------------------------------

class ClientProfile(TenantScoped, Audited, db.Model):
    """What the firm keeps about a client or partner organisation (a core contact): its type,
    sector, country and notes (the tax number is the contact's)."""

    __tablename__ = "consulting_client"
    __table_args__ = (UniqueConstraint("tenant_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("core_contact.id", ondelete="CASCADE"), index=True)
    client_type: Mapped[ClientType] = enum_column(ClientType, default=ClientType.OTHER)
    sector: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str] = mapped_column(String(2), default="KH")       # ISO 3166-1 alpha-2
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contact: Mapped[Contact] = relationship()


class Opportunity(TenantScoped, Audited, db.Model):
    """A call for proposals or a direct request, followed through the stages."""

    __tablename__ = "consulting_opportunity"
    __table_args__ = (Index("ix_consulting_opportunity_tenant_stage", "tenant_id", "stage_id"),
                      Index("ix_consulting_opportunity_tenant_due", "tenant_id", "submission_due_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("core_contact.id", ondelete="SET NULL"), index=True)
    source: Mapped[OpportunitySource] = enum_column(OpportunitySource, default=OpportunitySource.CALL_FOR_PROPOSALS)
    call_reference: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    questions_due_on: Mapped[date | None] = mapped_column(Date)
    submission_due_on: Mapped[date | None] = mapped_column(Date)
    expected_start_on: Mapped[date | None] = mapped_column(Date)     # the month the pipeline counts it in
    currency: Mapped[Currency] = enum_column(Currency, default=Currency.USD)
    estimated_value: Mapped[Decimal | None] = mapped_column(MONEY)
    # KHR per USD used to compare values (required for a KHR value), with its date and source.
    khr_per_usd: Mapped[Decimal | None] = mapped_column(RATE)
    rate_on: Mapped[date | None] = mapped_column(Date)
    rate_source: Mapped[str] = mapped_column(String(200), default="")
    probability: Mapped[int] = mapped_column(Integer, default=10)      # percent
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("core_project.id", ondelete="SET NULL"))
    stage_id: Mapped[int] = mapped_column(ForeignKey("consulting_stage.id"))
    stage_entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lost_reason: Mapped[str] = mapped_column(Text, default="")
    closed_on: Mapped[date | None] = mapped_column(Date)              # won or lost
    # Deadline reminders already sent to the owner ("7,2": working days before) and the deadline they
    # were for: a moved deadline starts the reminders again (plugins/consulting_crm/reminders.py).
    reminded_due_on: Mapped[date | None] = mapped_column(Date)
    reminders_sent: Mapped[str] = mapped_column(String(50), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    client: Mapped[Contact | None] = relationship(foreign_keys=[client_id])
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    project: Mapped[Project | None] = relationship()
    stage: Mapped[Stage] = relationship()
    partners: Mapped[list["ConsortiumPartner"]] = relationship(back_populates="opportunity",
                                                               cascade="all, delete-orphan")
    moves: Mapped[list["StageMove"]] = relationship(back_populates="opportunity", cascade="all, delete-orphan",
                                                    order_by="StageMove.id")
    proposals: Mapped[list["Proposal"]] = relationship(back_populates="opportunity", cascade="all, delete-orphan",
                                                       order_by="Proposal.id")


class ConsortiumPartner(TenantScoped, Audited, db.Model):
    """An organisation bidding with the firm, and its share of the work (percent)."""

    __tablename__ = "consulting_consortium_partner"
    __table_args__ = (UniqueConstraint("opportunity_id", "partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("consulting_opportunity.id", ondelete="CASCADE"),
                                                index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("core_contact.id", ondelete="CASCADE"), index=True)
    share_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0"))
    role: Mapped[str] = mapped_column(String(200), default="")         # "lead", "sub-contractor"

    opportunity: Mapped[Opportunity] = relationship(back_populates="partners")
    partner: Mapped[Contact] = relationship()


class StageMove(TenantScoped, Audited, db.Model):
    """One move of an opportunity between stages (the figures' days per stage come from these)."""

    __tablename__ = "consulting_stage_move"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("consulting_opportunity.id", ondelete="CASCADE"),
                                                index=True)
    from_stage_id: Mapped[int | None] = mapped_column(ForeignKey("consulting_stage.id"))
    to_stage_id: Mapped[int] = mapped_column(ForeignKey("consulting_stage.id"))
    moved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    moved_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))

    opportunity: Mapped[Opportunity] = relationship(back_populates="moves")
    from_stage: Mapped[Stage | None] = relationship(foreign_keys=[from_stage_id])
    to_stage: Mapped[Stage] = relationship(foreign_keys=[to_stage_id])


# --- proposals -----------------------------------------------------------------------------------------

class Proposal(TenantScoped, Audited, db.Model):
    """The firm's answer to an opportunity: versions with files, budget lines, the proposed team,
    when it was submitted, the result and the donor's feedback."""

    __tablename__ = "consulting_proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("consulting_opportunity.id", ondelete="CASCADE"),
                                                index=True)
    title: Mapped[str] = mapped_column(String(300))
    currency: Mapped[Currency] = enum_column(Currency, default=Currency.USD)
    submitted_on: Mapped[date | None] = mapped_column(Date)
    result: Mapped[ProposalResult] = enum_column(ProposalResult, default=ProposalResult.PENDING)
    feedback: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    opportunity: Mapped[Opportunity] = relationship(back_populates="proposals")
    versions: Mapped[list["ProposalVersion"]] = relationship(back_populates="proposal", cascade="all, delete-orphan",
                                                             order_by="ProposalVersion.id")
    budget_lines: Mapped[list["BudgetLine"]] = relationship(back_populates="proposal", cascade="all, delete-orphan",
                                                            order_by="BudgetLine.position")
    team: Mapped[list["ProposedMember"]] = relationship(back_populates="proposal", cascade="all, delete-orphan")


class ProposalVersion(TenantScoped, Audited, db.Model):
    __tablename__ = "consulting_proposal_version"
    __table_args__ = (UniqueConstraint("proposal_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("consulting_proposal.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="versions")
    files: Mapped[list["ProposalFile"]] = relationship(back_populates="version", cascade="all, delete-orphan",
                                                       order_by="ProposalFile.id")


class ProposalFile(TenantScoped, Audited, db.Model):
    __tablename__ = "consulting_proposal_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("consulting_proposal_version.id", ondelete="CASCADE"),
                                            index=True)
    display_name: Mapped[str] = mapped_column(String(255))
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[ProposalVersion] = relationship(back_populates="files")


class BudgetLine(TenantScoped, Audited, db.Model):
    """A line of the proposal's budget in the proposal's currency: quantity × unit cost."""

    __tablename__ = "consulting_budget_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("consulting_proposal.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(50), default="")          # "day", "workshop", "lump sum"
    quantity: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("1"))
    unit_cost: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))

    proposal: Mapped[Proposal] = relationship(back_populates="budget_lines")

    @property
    def amount(self) -> Decimal:
        return (self.quantity or Decimal("0")) * (self.unit_cost or Decimal("0"))


class ProposedMember(TenantScoped, Audited, db.Model):
    """A consultant of the pool proposed for the team, with a role and days."""

    __tablename__ = "consulting_proposed_member"
    __table_args__ = (UniqueConstraint("proposal_id", "consultant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("consulting_proposal.id", ondelete="CASCADE"), index=True)
    consultant_id: Mapped[int] = mapped_column(ForeignKey("consulting_consultant.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(200), default="")          # "team leader", "trainer"
    days: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))

    proposal: Mapped[Proposal] = relationship(back_populates="team")
    consultant: Mapped["Consultant"] = relationship()


# --- the consultant pool ------------------------------------------------------------------------------

class Consultant(TenantScoped, Audited, db.Model):
    """A person of the pool (a core contact) with expertise, languages and a day rate. Rates,
    ratings and CVs are shown only to roles with "consulting.pool.rates"."""

    __tablename__ = "consulting_consultant"
    __table_args__ = (UniqueConstraint("tenant_id", "contact_id"),)
    __sensitive__ = ("day_rate", "rate_currency")

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("core_contact.id", ondelete="CASCADE"), index=True)
    expertise: Mapped[str] = mapped_column(String(500), default="")      # comma-separated tags
    languages: Mapped[str] = mapped_column(String(100), default="km")    # codes: "km,en,fr"
    day_rate: Mapped[Decimal | None] = mapped_column(MONEY)
    rate_currency: Mapped[Currency] = enum_column(Currency, default=Currency.USD)
    notes: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contact: Mapped[Contact] = relationship()
    availability: Mapped[list["Availability"]] = relationship(back_populates="consultant",
                                                               cascade="all, delete-orphan",
                                                               order_by="Availability.starts_on")
    cvs: Mapped[list["ConsultantCV"]] = relationship(back_populates="consultant", cascade="all, delete-orphan",
                                                     order_by="ConsultantCV.id")
    ratings: Mapped[list["Rating"]] = relationship(back_populates="consultant", cascade="all, delete-orphan",
                                                   order_by="Rating.id")

    @property
    def expertise_tags(self) -> list[str]:
        return [tag for tag in (t.strip() for t in self.expertise.split(",")) if tag]


class Availability(TenantScoped, Audited, db.Model):
    """A period in which the consultant is available for assignments."""

    __tablename__ = "consulting_availability"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultant_id: Mapped[int] = mapped_column(ForeignKey("consulting_consultant.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(300), default="")

    consultant: Mapped[Consultant] = relationship(back_populates="availability")


class ConsultantCV(TenantScoped, Audited, db.Model):
    __tablename__ = "consulting_consultant_cv"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultant_id: Mapped[int] = mapped_column(ForeignKey("consulting_consultant.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str] = mapped_column(String(255))
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    consultant: Mapped[Consultant] = relationship(back_populates="cvs")


class Rating(TenantScoped, Audited, db.Model):
    """A rating (1–5) of a consultant after an engagement."""

    __tablename__ = "consulting_rating"
    __table_args__ = (UniqueConstraint("consultant_id", "engagement_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultant_id: Mapped[int] = mapped_column(ForeignKey("consulting_consultant.id", ondelete="CASCADE"), index=True)
    engagement_id: Mapped[int | None] = mapped_column(ForeignKey("consulting_engagement.id", ondelete="SET NULL"),
                                                      index=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    consultant: Mapped[Consultant] = relationship(back_populates="ratings")


# --- engagements ----------------------------------------------------------------------------------------

class Engagement(TenantScoped, Audited, db.Model):
    """The contract of a won opportunity: value, deliverables, tranches, team and actuals."""

    __tablename__ = "consulting_engagement"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("consulting_opportunity.id", ondelete="SET NULL"),
                                                       unique=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("core_contact.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    contract_reference: Mapped[str] = mapped_column(String(200), default="")
    currency: Mapped[Currency] = enum_column(Currency, default=Currency.USD)
    contract_value: Mapped[Decimal] = mapped_column(MONEY)
    khr_per_usd: Mapped[Decimal | None] = mapped_column(RATE)
    rate_on: Mapped[date | None] = mapped_column(Date)
    rate_source: Mapped[str] = mapped_column(String(200), default="")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[EngagementStatus] = enum_column(EngagementStatus, default=EngagementStatus.ACTIVE)
    withholding_applies: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    opportunity: Mapped[Opportunity | None] = relationship()
    client: Mapped[Contact | None] = relationship(foreign_keys=[client_id])
    deliverables: Mapped[list["Deliverable"]] = relationship(back_populates="engagement",
                                                             cascade="all, delete-orphan",
                                                             order_by="Deliverable.due_on")
    tranches: Mapped[list["Tranche"]] = relationship(back_populates="engagement", cascade="all, delete-orphan",
                                                     order_by="Tranche.position")
    assignments: Mapped[list["Assignment"]] = relationship(back_populates="engagement",
                                                           cascade="all, delete-orphan")
    timesheet: Mapped[list["TimesheetLine"]] = relationship(back_populates="engagement",
                                                            cascade="all, delete-orphan",
                                                            order_by="TimesheetLine.worked_on")


class Deliverable(TenantScoped, Audited, db.Model):
    __tablename__ = "consulting_deliverable"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("consulting_engagement.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[DeliverableStatus] = enum_column(DeliverableStatus, default=DeliverableStatus.PLANNED)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")

    engagement: Mapped[Engagement] = relationship(back_populates="deliverables")


class Tranche(TenantScoped, Audited, db.Model):
    """A payment of the contract, due once its deliverable (if any) is accepted."""

    __tablename__ = "consulting_tranche"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("consulting_engagement.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(200))                       # "Second tranche (40 %)"
    amount: Mapped[Decimal] = mapped_column(MONEY)                        # in the engagement's currency
    deliverable_id: Mapped[int | None] = mapped_column(ForeignKey("consulting_deliverable.id", ondelete="SET NULL"))

    engagement: Mapped[Engagement] = relationship(back_populates="tranches")
    deliverable: Mapped[Deliverable | None] = relationship()


class Assignment(TenantScoped, Audited, db.Model):
    """A consultant assigned to an engagement with planned days and the agreed day rate."""

    __tablename__ = "consulting_assignment"
    __table_args__ = (UniqueConstraint("engagement_id", "consultant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("consulting_engagement.id", ondelete="CASCADE"), index=True)
    consultant_id: Mapped[int] = mapped_column(ForeignKey("consulting_consultant.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(200), default="")
    planned_days: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal("0"))
    day_rate: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))   # in the engagement's currency

    engagement: Mapped[Engagement] = relationship(back_populates="assignments")
    consultant: Mapped[Consultant] = relationship()


class TimesheetLine(TenantScoped, Audited, db.Model):
    """Actual days worked and expenses of one assignment on a day (the margin's actual side)."""

    __tablename__ = "consulting_timesheet_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("consulting_engagement.id", ondelete="CASCADE"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("consulting_assignment.id", ondelete="SET NULL"),
                                                      index=True)
    worked_on: Mapped[date] = mapped_column(Date)
    days: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("0"))
    expense_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))   # engagement's currency
    note: Mapped[str] = mapped_column(String(300), default="")

    engagement: Mapped[Engagement] = relationship(back_populates="timesheet")
    assignment: Mapped[Assignment | None] = relationship()


# --- invoices -----------------------------------------------------------------------------------------

class Invoice(TenantScoped, Audited, db.Model):
    """An invoice of an engagement. Its number comes from the tenant's sequence when issued; amounts
    are computed by services from the lines, VAT and withholding and stored as issued."""

    __tablename__ = "consulting_invoice"
    __table_args__ = (UniqueConstraint("tenant_id", "number"),
                      Index("ix_consulting_invoice_tenant_status_due", "tenant_id", "status", "due_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("consulting_engagement.id", ondelete="RESTRICT"),
                                               index=True)
    tranche_id: Mapped[int | None] = mapped_column(ForeignKey("consulting_tranche.id", ondelete="SET NULL"),
                                                   index=True)
    number: Mapped[str | None] = mapped_column(String(40))              # set when issued
    status: Mapped[InvoiceStatus] = enum_column(InvoiceStatus, default=InvoiceStatus.DRAFT)
    issued_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    seller_name: Mapped[str] = mapped_column(String(300), default="")
    seller_tax_number: Mapped[str] = mapped_column(String(64), default="")
    buyer_name: Mapped[str] = mapped_column(String(300), default="")
    buyer_tax_number: Mapped[str] = mapped_column(String(64), default="")
    currency: Mapped[Currency] = enum_column(Currency, default=Currency.USD)
    khr_per_usd: Mapped[Decimal | None] = mapped_column(RATE)
    rate_on: Mapped[date | None] = mapped_column(Date)
    rate_source: Mapped[str] = mapped_column(String(200), default="")
    vat_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("10"))
    withholding_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0"))
    subtotal: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    vat_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    withholding_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))          # subtotal + VAT
    amount_due: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))     # total − withholding
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    engagement: Mapped[Engagement] = relationship()
    tranche: Mapped[Tranche | None] = relationship()
    lines: Mapped[list["InvoiceLine"]] = relationship(back_populates="invoice", cascade="all, delete-orphan",
                                                      order_by="InvoiceLine.position")
    payments: Mapped[list["Payment"]] = relationship(back_populates="invoice", cascade="all, delete-orphan",
                                                     order_by="Payment.paid_on")


class InvoiceLine(TenantScoped, Audited, db.Model):
    __tablename__ = "consulting_invoice_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("consulting_invoice.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("1"))
    unit_price: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class Payment(TenantScoped, Audited, db.Model):
    """A (possibly partial) payment received against an invoice, in the invoice's currency."""

    __tablename__ = "consulting_payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("consulting_invoice.id", ondelete="CASCADE"), index=True)
    paid_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    reference: Mapped[str] = mapped_column(String(200), default="")      # bank transfer reference

    invoice: Mapped[Invoice] = relationship(back_populates="payments")


register_labels([
    (Currency.USD, _l("US dollars (USD)")),
    (Currency.KHR, _l("Riel (KHR)")),
    (ClientType.DEVELOPMENT_PARTNER, _l("Development partner")),
    (ClientType.NGO, _l("NGO")),
    (ClientType.INSTITUTION, _l("Public institution")),
    (ClientType.COMPANY, _l("Company")),
    (ClientType.OTHER, _l("Other")),
    (StageOutcome.OPEN, _l("Open")),
    (StageOutcome.WON, _l("Won")),
    (StageOutcome.LOST, _l("Lost")),
    (OpportunitySource.CALL_FOR_PROPOSALS, _l("Call for proposals")),
    (OpportunitySource.DIRECT_REQUEST, _l("Direct request")),
    (OpportunitySource.REFERRAL, _l("Referral")),
    (OpportunitySource.OTHER, _l("Other")),
    (ProposalResult.PENDING, _l("Pending")),
    (ProposalResult.WON, _l("Won")),
    (ProposalResult.LOST, _l("Lost")),
    (ProposalResult.WITHDRAWN, _l("Withdrawn")),
    (EngagementStatus.ACTIVE, _l("Active")),
    (EngagementStatus.DELIVERED, _l("Delivered")),
    (EngagementStatus.CLOSED, _l("Closed")),
    (EngagementStatus.CANCELLED, _l("Cancelled")),
    (DeliverableStatus.PLANNED, _l("Planned")),
    (DeliverableStatus.SUBMITTED, _l("Submitted")),
    (DeliverableStatus.ACCEPTED, _l("Accepted")),
    (DeliverableStatus.REJECTED, _l("Rejected")),
    (InvoiceStatus.DRAFT, _l("Draft")),
    (InvoiceStatus.ISSUED, _l("Issued")),
    (InvoiceStatus.PAID, _l("Paid")),
    (InvoiceStatus.CANCELLED, _l("Cancelled")),
])
