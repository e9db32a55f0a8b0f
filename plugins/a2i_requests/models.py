"""Access-to-information models: requests with their workflow events, correspondence and
attachments, and each tenant's deadline rules and exemption grounds. Public bodies, closure days
and requesters live in the core registers (Institution, ClosureDay, Contact); requests link to them by id."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audited
from core.columns import UTCDateTime, utcnow
from core.enums import LabelledEnum, enum_column, register_labels
from core.extensions import db
from core.models import User
from core.registers.models import AgeGroup, Contact, Institution, Sex
from core.search import needs_trigrams, trigram_indexes
from core.tenancy import TenantScoped


class Channel(LabelledEnum):
    LETTER = "letter"
    EMAIL = "email"
    IN_PERSON = "in_person"
    ONLINE = "online"
    PHONE = "phone"


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


register_labels([
    (Channel.LETTER, _l("Letter")),
    (Channel.EMAIL, _l("E-mail")),
    (Channel.IN_PERSON, _l("In person")),
    (Channel.ONLINE, _l("Online platform")),
    (Channel.PHONE, _l("Phone")),
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
])


class RequestCounter(TenantScoped, db.Model):
    """The last reference number given per tenant and year, incremented in the request's own
    transaction (not audited: it is bookkeeping, the request insert is audited)."""

    __tablename__ = "a2i_request_counter"
    __table_args__ = (UniqueConstraint("tenant_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


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
        *trigram_indexes("a2i_request", "reference", "subject", "question"),
    )
    # The requester is a contact of the tenant (core register): identity, sex, age group, consent and
    # protection live there, and Do No Harm is decided there (core.registers.protection).

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text)
    body_id: Mapped[int] = mapped_column(ForeignKey("core_institution.id"))
    channel: Mapped[Channel] = enum_column(Channel, default=Channel.LETTER)
    status: Mapped[RequestStatus] = enum_column(RequestStatus, default=RequestStatus.DRAFT)
    tags: Mapped[str] = mapped_column(String(500), default="")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    requester_contact_id: Mapped[int | None] = mapped_column(ForeignKey("core_contact.id", ondelete="SET NULL"),
                                                             index=True)

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
    transferred_to_id: Mapped[int | None] = mapped_column(ForeignKey("core_institution.id"))
    exemption_ground_code: Mapped[str] = mapped_column(String(64), default="")
    complained: Mapped[bool] = mapped_column(Boolean, default=False)
    complaint_outcome: Mapped[ComplaintOutcome | None] = enum_column(ComplaintOutcome, nullable=True)
    disclosed_summary: Mapped[str] = mapped_column(Text, default="")
    closed_on: Mapped[date | None] = mapped_column(Date)

    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    body: Mapped[Institution] = relationship(foreign_keys=[body_id])
    transferred_to: Mapped[Institution | None] = relationship(foreign_keys=[transferred_to_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    requester: Mapped[Contact | None] = relationship(foreign_keys=[requester_contact_id])
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

    # What statistics and exports need about the requester (never their identity: that is shown only
    # through core.registers.protection).
    @property
    def requester_sex(self) -> Sex:
        return self.requester.sex if self.requester is not None else Sex.NOT_RECORDED

    @property
    def requester_age_group(self) -> AgeGroup:
        return self.requester.age_group if self.requester is not None else AgeGroup.NOT_RECORDED

    @property
    def protected_requester(self) -> bool:
        return bool(self.requester is not None and (self.requester.protected or self.requester.is_erased))

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


needs_trigrams(InfoRequest.__table__)
