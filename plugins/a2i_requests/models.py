"""Access-to-information models: the public bodies register, requests with their workflow events,
correspondence and attachments, and each tenant's deadline rules, closure days and exemption grounds."""
from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (DDL, JSON, Boolean, Date, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event,
                        inspect, text)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.audit import Audited
from core.columns import UTCDateTime, utcnow
from core.extensions import db
from core.models import User
from core.tenancy import TenantScoped, TenantViolation, current_tenant_id


def enum_column(enum_class: type[enum.Enum], **kwargs):
    """An enum stored as its value in a VARCHAR (portable across SQLite and PostgreSQL)."""
    return mapped_column(Enum(enum_class, native_enum=False, length=32,
                              values_callable=lambda members: [m.value for m in members]), **kwargs)


def name_in_language(name_en: str, name_km: str | None, locale: str) -> str:
    """The Khmer name on Khmer pages when there is one, else the English name."""
    return name_km if locale == "km" and name_km else name_en


class LabelledEnum(str, enum.Enum):
    """An enum whose members carry a translatable label (LABELS is filled after the class)."""

    @property
    def label(self):
        return LABELS.get((type(self), self.value), self.value)


class BodyKind(LabelledEnum):
    MINISTRY = "ministry"
    NATIONAL_INSTITUTION = "national_institution"
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"
    ONE_WINDOW_OFFICE = "one_window_office"
    OTHER = "other"


class Channel(LabelledEnum):
    LETTER = "letter"
    EMAIL = "email"
    IN_PERSON = "in_person"
    ONLINE = "online"
    PHONE = "phone"


class RequesterSex(LabelledEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    NOT_RECORDED = "not_recorded"


class AgeGroup(LabelledEnum):
    UNDER_18 = "under_18"
    YOUTH = "18_30"           # Cambodia's national youth policy counts 15-30 as youth
    ADULT = "31_59"
    OLDER = "60_plus"
    NOT_RECORDED = "not_recorded"


class RequestStatus(LabelledEnum):
    """The steps of the draft A2I law's procedure (see services.ALLOWED for the moves between them)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    AWAITING_CLARIFICATION = "awaiting_clarification"
    INITIAL_REPLY = "initial_reply"
    FEE_ACCEPTED = "fee_accepted"
    EXTENDED = "extended"
    ANSWERED_FULL = "answered_full"
    ANSWERED_PART = "answered_part"
    REFUSED = "refused"
    NOT_HELD = "not_held"
    TRANSFERRED = "transferred"
    NO_RESPONSE = "no_response"
    RE_REQUESTED = "re_requested"
    COMPLAINED = "complained"
    COMPLAINT_DECIDED = "complaint_decided"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class InitialReply(LabelledEnum):
    HELD = "held"
    NOT_HELD = "not_held"
    CONFIDENTIAL = "confidential"
    FEE_STATED = "fee_stated"


class ComplaintOutcome(LabelledEnum):
    UPHELD = "upheld"
    PARTLY_UPHELD = "partly_upheld"
    DISMISSED = "dismissed"
    NO_DECISION = "no_decision"


class DueRule(LabelledEnum):
    INITIAL_REPLY = "initial_reply"
    INFORMATION = "information"
    EXTENSION = "extension"


class CorrespondenceKind(LabelledEnum):
    LETTER = "letter"
    EMAIL = "email"
    CALL = "call"
    MEETING = "meeting"
    OTHER = "other"


class Direction(LabelledEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


# Keyed by (enum class, value): str-enums of different classes with the same value compare equal.
LABELS = {(type(member), member.value): label for member, label in [
    (BodyKind.MINISTRY, _l("Ministry")),
    (BodyKind.NATIONAL_INSTITUTION, _l("National institution")),
    (BodyKind.PROVINCE, _l("Province or capital")),
    (BodyKind.DISTRICT, _l("District, khan or municipality")),
    (BodyKind.COMMUNE, _l("Commune or sangkat")),
    (BodyKind.ONE_WINDOW_OFFICE, _l("One-window service office")),
    (BodyKind.OTHER, _l("Other body")),
    (Channel.LETTER, _l("Letter")),
    (Channel.EMAIL, _l("E-mail")),
    (Channel.IN_PERSON, _l("In person")),
    (Channel.ONLINE, _l("Online platform")),
    (Channel.PHONE, _l("Phone")),
    (RequesterSex.FEMALE, _l("Female")),
    (RequesterSex.MALE, _l("Male")),
    (RequesterSex.OTHER, _l("Other")),
    (RequesterSex.NOT_RECORDED, _l("Not recorded")),
    (AgeGroup.UNDER_18, _l("Under 18")),
    (AgeGroup.YOUTH, _l("18 to 30 (youth)")),
    (AgeGroup.ADULT, _l("31 to 59")),
    (AgeGroup.OLDER, _l("60 or older")),
    (AgeGroup.NOT_RECORDED, _l("Not recorded")),
    (RequestStatus.DRAFT, _l("Draft")),
    (RequestStatus.SUBMITTED, _l("Submitted")),
    (RequestStatus.AWAITING_CLARIFICATION, _l("Awaiting clarification")),
    (RequestStatus.INITIAL_REPLY, _l("Initial reply received")),
    (RequestStatus.FEE_ACCEPTED, _l("Fee accepted or waived")),
    (RequestStatus.EXTENDED, _l("Extended")),
    (RequestStatus.ANSWERED_FULL, _l("Answered in full")),
    (RequestStatus.ANSWERED_PART, _l("Answered in part")),
    (RequestStatus.REFUSED, _l("Refused")),
    (RequestStatus.NOT_HELD, _l("Information not held")),
    (RequestStatus.TRANSFERRED, _l("Transferred to another body")),
    (RequestStatus.NO_RESPONSE, _l("No response")),
    (RequestStatus.RE_REQUESTED, _l("Re-requested")),
    (RequestStatus.COMPLAINED, _l("Complaint filed")),
    (RequestStatus.COMPLAINT_DECIDED, _l("Complaint decided")),
    (RequestStatus.CLOSED, _l("Closed")),
    (RequestStatus.WITHDRAWN, _l("Withdrawn")),
    (InitialReply.HELD, _l("Information is held")),
    (InitialReply.NOT_HELD, _l("Information is not held")),
    (InitialReply.CONFIDENTIAL, _l("Information is confidential")),
    (InitialReply.FEE_STATED, _l("Information is held; a fee is asked")),
    (ComplaintOutcome.UPHELD, _l("Upheld")),
    (ComplaintOutcome.PARTLY_UPHELD, _l("Partly upheld")),
    (ComplaintOutcome.DISMISSED, _l("Dismissed")),
    (ComplaintOutcome.NO_DECISION, _l("No decision")),
    (DueRule.INITIAL_REPLY, _l("Initial reply period")),
    (DueRule.INFORMATION, _l("Information period after fee acceptance")),
    (DueRule.EXTENSION, _l("Extension (capped from receipt)")),
    (CorrespondenceKind.LETTER, _l("Letter")),
    (CorrespondenceKind.EMAIL, _l("E-mail")),
    (CorrespondenceKind.CALL, _l("Phone call")),
    (CorrespondenceKind.MEETING, _l("Meeting")),
    (CorrespondenceKind.OTHER, _l("Other")),
    (Direction.INCOMING, _l("Incoming")),
    (Direction.OUTGOING, _l("Outgoing")),
]}


class PublicBody(Audited, db.Model):
    """A ministry, province, district, commune, office… that requests are sent to.

    Deliberately NOT TenantScoped: the register is shared reference data (owner_tenant_id NULL,
    seeded for the whole instance and visible to every tenant) plus private additions of one
    tenant (owner_tenant_id set). The core's TenantScoped filter is strict equality and its
    column non-null, so it cannot express "shared OR mine". Instead, every read goes through
    bodies.visible_bodies() and every write is checked by _check_body_owner below.
    """

    __tablename__ = "a2i_public_body"
    __table_args__ = (Index("ix_a2i_public_body_kind_name", "kind", "name_en"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("core_tenant.id", ondelete="CASCADE"),
                                                        index=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[BodyKind] = enum_column(BodyKind)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("a2i_public_body.id", ondelete="SET NULL"),
                                                  index=True)
    # The province a district, commune or office lies in (denormalised so lists filter by province
    # with one indexed comparison instead of walking the hierarchy).
    province_id: Mapped[int | None] = mapped_column(ForeignKey("a2i_public_body.id", ondelete="SET NULL"),
                                                    index=True)
    name_en: Mapped[str] = mapped_column(String(255))
    name_km: Mapped[str] = mapped_column(String(255), default="")
    ncdd_member: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    address_en: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped["PublicBody | None"] = relationship(remote_side=[id], foreign_keys=[parent_id])
    province: Mapped["PublicBody | None"] = relationship(remote_side=[id], foreign_keys=[province_id])

    @property
    def tenant_id(self) -> int | None:
        # Read by the audit log only: a private body's changes belong in its owner's audit chain,
        # shared rows in the instance chain.
        return self.owner_tenant_id

    @property
    def is_shared(self) -> bool:
        return self.owner_tenant_id is None

    def name_in(self, locale: str) -> str:
        return name_in_language(self.name_en, self.name_km, locale)

    def __repr__(self) -> str:
        return f"<PublicBody {self.code}>"


def _check_body_owner(session: Session, flush_context, instances) -> None:
    """Inside a tenant, only that tenant's private bodies may be written; shared rows are written
    only outside any tenant (the seed command, or code that explicitly runs unscoped)."""
    tenant_id = current_tenant_id()
    if tenant_id is None:
        return
    for obj in session.new:
        if isinstance(obj, PublicBody):
            if obj.owner_tenant_id is None:
                obj.owner_tenant_id = tenant_id
            elif obj.owner_tenant_id != tenant_id:
                raise TenantViolation("PublicBody belongs to another tenant")
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, PublicBody):
            history = inspect(obj).attrs["owner_tenant_id"].history
            original = history.deleted[0] if history.deleted else obj.owner_tenant_id
            if original != tenant_id or obj.owner_tenant_id != tenant_id:
                raise TenantViolation("Shared or other tenants' public bodies cannot be changed here")


def install_body_guard() -> None:
    if not event.contains(Session, "before_flush", _check_body_owner):
        event.listen(Session, "before_flush", _check_body_owner)


class RequestCounter(TenantScoped, db.Model):
    """The last reference number given per tenant and year, incremented in the request's own
    transaction (not audited: it is bookkeeping, the request insert is audited)."""

    __tablename__ = "a2i_request_counter"
    __table_args__ = (UniqueConstraint("tenant_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


def _search_indexes(*columns: str) -> list[Index]:
    """PostgreSQL trigram indexes on core.search.normalised_column(column): search finds a word
    anywhere in the text, which no b-tree serves (migration a2i_requests_0003)."""
    return [Index(f"ix_a2i_request_search_{column}", text(f"lower(replace({column}, '\u200b', '')) gin_trgm_ops"),
                  postgresql_using="gin").ddl_if(dialect="postgresql") for column in columns]


class InfoRequest(TenantScoped, Audited, db.Model):
    __tablename__ = "a2i_request"
    __table_args__ = (
        UniqueConstraint("tenant_id", "reference"),
        # Lists sort by due date with the newest id first among equal dates (and deep pages pick
        # their ids from these indexes alone).
        Index("ix_a2i_request_tenant_status_due", "tenant_id", "status", "due_on", text("id DESC")),
        Index("ix_a2i_request_tenant_due", "tenant_id", "due_on", text("id DESC")),
        # SQLite cannot name NULLS LAST in an index (nor needs it: its NULLs sort first anyway).
        Index("ix_a2i_request_tenant_newest", "tenant_id", text("submitted_on DESC NULLS LAST"),
              text("id DESC")).ddl_if(dialect="postgresql"),
        Index("ix_a2i_request_tenant_body", "tenant_id", "body_id"),
        Index("ix_a2i_request_tenant_assignee", "tenant_id", "assignee_id"),
        Index("ix_a2i_request_tenant_submitted", "tenant_id", "submitted_on"),
        Index("ix_a2i_request_tenant_published", "tenant_id", "published_at"),
        *_search_indexes("reference", "subject", "question"),
    )
    # Identity of the requester: shown only to the assignee and tenant owners/admins when
    # protected_requester is set; never exported, shared or published (Do No Harm).
    __sensitive__ = {"requester_name", "requester_contact", "requester_user_id"}

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text)
    body_id: Mapped[int] = mapped_column(ForeignKey("a2i_public_body.id"))
    channel: Mapped[Channel] = enum_column(Channel, default=Channel.LETTER)
    status: Mapped[RequestStatus] = enum_column(RequestStatus, default=RequestStatus.DRAFT)
    tags: Mapped[str] = mapped_column(String(500), default="")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))

    requester_user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    requester_name: Mapped[str] = mapped_column(String(200), default="")
    requester_contact: Mapped[str] = mapped_column(String(200), default="")
    consent_recorded: Mapped[bool] = mapped_column(Boolean, default=False)
    requester_sex: Mapped[RequesterSex] = enum_column(RequesterSex, default=RequesterSex.NOT_RECORDED)
    requester_age_group: Mapped[AgeGroup] = enum_column(AgeGroup, default=AgeGroup.NOT_RECORDED)
    protected_requester: Mapped[bool] = mapped_column(Boolean, default=False)

    # Workflow facts, kept as columns so statistics are plain aggregates over this table.
    receipt_number: Mapped[str] = mapped_column(String(64), default="")
    submitted_on: Mapped[date | None] = mapped_column(Date)
    clock_start_on: Mapped[date | None] = mapped_column(Date)      # receipt of the current round (re-request)
    initial_reply: Mapped[InitialReply | None] = enum_column(InitialReply, nullable=True)
    initial_reply_on: Mapped[date | None] = mapped_column(Date)
    fee_amount: Mapped[str] = mapped_column(String(64), default="")
    fee_accepted_on: Mapped[date | None] = mapped_column(Date)
    fee_waived: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    extended_to: Mapped[date | None] = mapped_column(Date)
    paused_from: Mapped[RequestStatus | None] = enum_column(RequestStatus, nullable=True)
    clock_paused_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    due_rule: Mapped[DueRule | None] = enum_column(DueRule, nullable=True)
    outcome: Mapped[RequestStatus | None] = enum_column(RequestStatus, nullable=True)
    answered_on: Mapped[date | None] = mapped_column(Date)
    working_days_to_answer: Mapped[int | None] = mapped_column(Integer)
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    was_extended: Mapped[bool] = mapped_column(Boolean, default=False)
    was_transferred: Mapped[bool] = mapped_column(Boolean, default=False)
    transferred_to_id: Mapped[int | None] = mapped_column(ForeignKey("a2i_public_body.id"))
    exemption_ground_code: Mapped[str] = mapped_column(String(64), default="")
    complained: Mapped[bool] = mapped_column(Boolean, default=False)
    complaint_outcome: Mapped[ComplaintOutcome | None] = enum_column(ComplaintOutcome, nullable=True)
    disclosed_summary: Mapped[str] = mapped_column(Text, default="")
    closed_on: Mapped[date | None] = mapped_column(Date)

    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    body: Mapped[PublicBody] = relationship(foreign_keys=[body_id])
    transferred_to: Mapped[PublicBody | None] = relationship(foreign_keys=[transferred_to_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    requester_user: Mapped[User | None] = relationship(foreign_keys=[requester_user_id])
    events: Mapped[list["RequestEvent"]] = relationship(
        back_populates="request", cascade="all, delete-orphan",
        order_by=lambda: (RequestEvent.occurred_on, RequestEvent.id))
    correspondence: Mapped[list["Correspondence"]] = relationship(
        back_populates="request", cascade="all, delete-orphan",
        order_by=lambda: (Correspondence.occurred_on, Correspondence.id))
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="Attachment.id")

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in (t.strip() for t in self.tags.split(",")) if tag]

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def body_names(self) -> str:
        """Both names of the body, for places read in either language (working-group shares)."""
        return " / ".join(name for name in (self.body.name_en, self.body.name_km) if name)

    def __repr__(self) -> str:
        return f"<InfoRequest {self.reference}>"


class RequestEvent(TenantScoped, Audited, db.Model):
    """One step of a request's workflow: who moved it from which status to which, on what date."""

    __tablename__ = "a2i_request_event"
    __table_args__ = (Index("ix_a2i_request_event_tenant_request", "tenant_id", "request_id", "occurred_on"),
                      Index("ix_a2i_request_event_tenant_to_status", "tenant_id", "to_status", "occurred_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("a2i_request.id", ondelete="CASCADE"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    from_status: Mapped[RequestStatus | None] = enum_column(RequestStatus, nullable=True)
    to_status: Mapped[RequestStatus] = enum_column(RequestStatus)
    note: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[InfoRequest] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class Correspondence(TenantScoped, Audited, db.Model):
    """A letter, e-mail, call or meeting with the body (or the requester) about one request."""

    __tablename__ = "a2i_correspondence"
    __table_args__ = (Index("ix_a2i_correspondence_tenant_request", "tenant_id", "request_id", "occurred_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("a2i_request.id", ondelete="CASCADE"), index=True)
    kind: Mapped[CorrespondenceKind] = enum_column(CorrespondenceKind)
    direction: Mapped[Direction] = enum_column(Direction)
    occurred_on: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[InfoRequest] = relationship(back_populates="correspondence")
    attachments: Mapped[list["Attachment"]] = relationship(back_populates="correspondence",
                                                           order_by="Attachment.id")


class Attachment(TenantScoped, Audited, db.Model):
    """A file kept outside the web root under UPLOAD_FOLDER/<tenant_id>/<storage_name>."""

    __tablename__ = "a2i_attachment"
    __table_args__ = (Index("ix_a2i_attachment_tenant_request", "tenant_id", "request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("a2i_request.id", ondelete="CASCADE"), index=True)
    correspondence_id: Mapped[int | None] = mapped_column(ForeignKey("a2i_correspondence.id", ondelete="CASCADE"),
                                                          index=True)
    display_name: Mapped[str] = mapped_column(String(255))     # as uploaded (may be Khmer); always escaped
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[InfoRequest] = relationship(back_populates="attachments")
    correspondence: Mapped[Correspondence | None] = relationship(back_populates="attachments")


class DeadlineRules(TenantScoped, Audited, db.Model):
    """A tenant's periods; the defaults are the draft A2I law's (5 / 15 / 40 working days)."""

    __tablename__ = "a2i_deadline_rules"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initial_reply_days: Mapped[int] = mapped_column(Integer, default=5)
    initial_reply_working: Mapped[bool] = mapped_column(Boolean, default=True)
    information_days: Mapped[int] = mapped_column(Integer, default=15)
    information_working: Mapped[bool] = mapped_column(Boolean, default=True)
    extension_cap_days: Mapped[int] = mapped_column(Integer, default=40)
    extension_cap_working: Mapped[bool] = mapped_column(Boolean, default=True)


class ClosureDay(TenantScoped, Audited, db.Model):
    """A day the tenant counts as non-working (a local holiday, an office closure)."""

    __tablename__ = "a2i_closure_day"
    __table_args__ = (UniqueConstraint("tenant_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(200), default="")


class ExemptionGround(TenantScoped, Audited, db.Model):
    """A reason a body may give for refusing; each tenant keeps its own list (defaults in services)."""

    __tablename__ = "a2i_exemption_ground"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    label_en: Mapped[str] = mapped_column(String(200))
    label_km: Mapped[str] = mapped_column(String(200), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    def label_in(self, locale: str) -> str:
        return self.label_km if locale == "km" and self.label_km else self.label_en


class ReminderSent(TenantScoped, db.Model):
    """That the assignee was told a request is due soon or overdue for this due date, so the daily
    job tells them once per deadline (a new due date gets new reminders). Bookkeeping: not audited."""

    __tablename__ = "a2i_reminder_sent"
    __table_args__ = (UniqueConstraint("tenant_id", "request_id", "kind", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("a2i_request.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))        # due_soon, overdue
    due_on: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StatisticsSnapshot(TenantScoped, Audited, db.Model):
    """Per-body statistics as they stood when a tenant shared them with a working group (only
    aggregate figures: no request, and so no requester, is in it)."""

    __tablename__ = "a2i_statistics_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    period: Mapped[str] = mapped_column(String(100), default="")
    table: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The search indexes need the pg_trgm extension (trusted: a database owner may create it).
event.listen(InfoRequest.__table__, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))
