"""Policy tracker models: the law and policy register (instance-wide official entries plus each
tenant's private ones) with versions, stage history, member status notes and dated events; which
working groups follow which laws; subscriptions and calendar-feed tokens; and each tenant's
campaigns, recommendations (joint submissions counted once) and activities."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Iterator

from flask import g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import (Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, event,
                        inspect)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.audit import Audited
from core.columns import UTCDateTime, utcnow
from core.enums import LabelledEnum, enum_column, register_labels
from core.extensions import db
from core.models import User
from core.registers.models import Contact, Institution, Place, Project, name_in_language
from core.tenancy import TenantScoped, TenantViolation, current_tenant_id


class InstrumentType(LabelledEnum):
    LAW = "law"
    ROYAL_DECREE = "royal_decree"
    SUB_DECREE = "sub_decree"
    PRAKAS = "prakas"
    DECISION = "decision"
    POLICY = "policy"
    STRATEGY = "strategy"


class StageKind(LabelledEnum):
    STEP = "step"          # a step of the procedure (drafting, Council of Ministers…)
    ENDING = "ending"      # the history ends here early: returned, withdrawn, superseded


class EventKind(LabelledEnum):
    CONSULTATION_DEADLINE = "consultation_deadline"
    HEARING = "hearing"
    WORKSHOP = "workshop"
    COMMEMORATION = "commemoration"     # A2I Day, 28 September
    OTHER = "other"


class CampaignStatus(LabelledEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    PAUSED = "paused"
    CLOSED = "closed"


class Outcome(LabelledEnum):
    PENDING = "pending"
    ADOPTED = "adopted"
    PARTLY_ADOPTED = "partly_adopted"
    REJECTED = "rejected"


class ActivityKind(LabelledEnum):
    MEETING = "meeting"
    SUBMISSION = "submission"
    MEDIA = "media"
    EVENT = "event"
    OTHER = "other"


# --- the register: official (owner_tenant_id NULL) and private entries -------------------------------

class OfficialOrPrivate:
    """Rows of the instance-wide register: official ones (owner_tenant_id NULL) are written only by
    instance operators and by conveners of a working group that follows the law, inside
    `official_edit()` after the service checked that right; a tenant writes only its private ones
    (guard below). Reads go through services.visible_laws()."""

    @property
    def tenant_id(self) -> int | None:
        # Read by the audit log: official changes go to the instance chain, private ones to the owner's.
        return self.owner_tenant_id

    @property
    def is_official(self) -> bool:
        return self.owner_tenant_id is None


class PolicyStage(Audited, db.Model):
    """One stage of an instrument type's procedure, in order (editable per instance); endings
    (returned, withdrawn, superseded) may close any history."""

    __tablename__ = "policy_stage"
    __table_args__ = (UniqueConstraint("instrument_type", "code"),
                      Index("ix_policy_stage_type_position", "instrument_type", "position"))

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_type: Mapped[InstrumentType] = enum_column(InstrumentType)
    code: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(200))
    name_km: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[StageKind] = enum_column(StageKind, default=StageKind.STEP)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    def name_in(self, locale: str) -> str:
        return name_in_language(self.name_en, self.name_km, locale)


class Law(OfficialOrPrivate, Audited, db.Model):
    """A law, decree, prakas, policy or strategy followed through its stages."""

    __tablename__ = "policy_law"
    __table_args__ = (Index("ix_policy_law_owner_type", "owner_tenant_id", "instrument_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("core_tenant.id", ondelete="CASCADE"),
                                                        index=True)
    title_en: Mapped[str] = mapped_column(String(300))
    title_km: Mapped[str] = mapped_column(String(300), default="")
    short_name: Mapped[str] = mapped_column(String(64), default="")        # "A2I law"
    instrument_type: Mapped[InstrumentType] = enum_column(InstrumentType)
    summary_en: Mapped[str] = mapped_column(Text, default="")
    summary_km: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[str] = mapped_column(String(500), default="")
    links: Mapped[str] = mapped_column(Text, default="")                    # one URL per line
    # Seeded demo content: shown with a "demo data" mark, never as public fact.
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # The latest stage change, kept in step by services.record_stage_change (lists need no join).
    current_stage_id: Mapped[int | None] = mapped_column(ForeignKey("policy_stage.id"))
    current_stage_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    current_stage: Mapped[PolicyStage | None] = relationship(foreign_keys=[current_stage_id])
    lead_institutions: Mapped[list["LawInstitution"]] = relationship(back_populates="law",
                                                                      cascade="all, delete-orphan")
    versions: Mapped[list["LawVersion"]] = relationship(
        back_populates="law", cascade="all, delete-orphan",
        order_by=lambda: (LawVersion.dated_on, LawVersion.id))
    stage_changes: Mapped[list["StageChange"]] = relationship(
        back_populates="law", cascade="all, delete-orphan",
        order_by=lambda: (StageChange.occurred_on, StageChange.id))

    def title_in(self, locale: str) -> str:
        return name_in_language(self.title_en, self.title_km, locale)

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in (t.strip() for t in self.tags.split(",")) if tag]


class LawInstitution(Audited, db.Model):
    """A lead institution of a law (the Ministry of Information for the A2I law)."""

    __tablename__ = "policy_law_institution"
    __table_args__ = (UniqueConstraint("law_id", "institution_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    law_id: Mapped[int] = mapped_column(ForeignKey("policy_law.id", ondelete="CASCADE"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("core_institution.id"), index=True)

    law: Mapped[Law] = relationship(back_populates="lead_institutions")
    institution: Mapped[Institution] = relationship()

    @property
    def tenant_id(self) -> int | None:
        return self.law.owner_tenant_id if self.law else None


class LawVersion(Audited, db.Model):
    """A text of the law as it stood: draft 1, draft 2, the promulgated text… with its files."""

    __tablename__ = "policy_law_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    law_id: Mapped[int] = mapped_column(ForeignKey("policy_law.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    dated_on: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    law: Mapped[Law] = relationship(back_populates="versions")
    files: Mapped[list["LawVersionFile"]] = relationship(back_populates="version", cascade="all, delete-orphan",
                                                         order_by="LawVersionFile.id")

    @property
    def tenant_id(self) -> int | None:
        return self.law.owner_tenant_id if self.law else None


class LawVersionFile(Audited, db.Model):
    """A file of a version, stored under UPLOAD_FOLDER (core.uploads), outside the web root."""

    __tablename__ = "policy_law_version_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("policy_law_version.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str] = mapped_column(String(255))
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[LawVersion] = relationship(back_populates="files")

    @property
    def tenant_id(self) -> int | None:
        return self.version.law.owner_tenant_id if self.version and self.version.law else None


class StageChange(Audited, db.Model):
    """One entry of a law's (official or private) stage history: a date, a source and a note.
    Dates never go backwards along a history (services.record_stage_change)."""

    __tablename__ = "policy_stage_change"
    __table_args__ = (Index("ix_policy_stage_change_law_date", "law_id", "occurred_on", "id"),
                      Index("ix_policy_stage_change_recent", "occurred_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    law_id: Mapped[int] = mapped_column(ForeignKey("policy_law.id", ondelete="CASCADE"))
    stage_id: Mapped[int] = mapped_column(ForeignKey("policy_stage.id"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    law: Mapped[Law] = relationship(back_populates="stage_changes")
    stage: Mapped[PolicyStage] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    @property
    def tenant_id(self) -> int | None:
        return self.law.owner_tenant_id if self.law else None


class LawEvent(OfficialOrPrivate, Audited, db.Model):
    """A dated event: a consultation deadline, a hearing, a workshop, A2I Day. Official events
    (owner NULL) are everyone's; a tenant's events are its own, and private ones stay out of feeds."""

    __tablename__ = "policy_law_event"
    __table_args__ = (Index("ix_policy_law_event_owner_date", "owner_tenant_id", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("core_tenant.id", ondelete="CASCADE"),
                                                        index=True)
    law_id: Mapped[int | None] = mapped_column(ForeignKey("policy_law.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EventKind] = enum_column(EventKind, default=EventKind.OTHER)
    title_en: Mapped[str] = mapped_column(String(300))
    title_km: Mapped[str] = mapped_column(String(300), default="")
    starts_on: Mapped[date] = mapped_column(Date)
    place_text: Mapped[str] = mapped_column(String(300), default="")
    is_private: Mapped[bool] = mapped_column(Boolean, default=False)
    remind_days_before: Mapped[int] = mapped_column(Integer, default=3)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    law: Mapped[Law | None] = relationship()

    def title_in(self, locale: str) -> str:
        return name_in_language(self.title_en, self.title_km, locale)


class GroupLaw(Audited, db.Model):
    """A working group follows a law: its conveners may edit the official entry and history, and the
    group page shows the law's merged timeline."""

    __tablename__ = "policy_group_law"
    __table_args__ = (UniqueConstraint("group_id", "law_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("core_working_group.id", ondelete="CASCADE"), index=True)
    law_id: Mapped[int] = mapped_column(ForeignKey("policy_law.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    law: Mapped[Law] = relationship()

    @property
    def tenant_id(self) -> None:
        return None


# --- a tenant's own rows ------------------------------------------------------------------------------

class StatusNote(TenantScoped, Audited, db.Model):
    """A member's note on where a law stands, with its source; shown apart from the official history."""

    __tablename__ = "policy_status_note"
    __table_args__ = (Index("ix_policy_status_note_tenant_law", "tenant_id", "law_id", "noted_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    law_id: Mapped[int] = mapped_column(ForeignKey("policy_law.id", ondelete="CASCADE"), index=True)
    noted_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(500), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    law: Mapped[Law] = relationship()
    author: Mapped[User | None] = relationship()

    # --- published when shared with a working group (plugins/policy_tracker/sharing.py) ---
    @property
    def shared_law_id(self) -> int:
        return self.law_id

    @property
    def shared_law(self) -> str:
        from plugins.policy_tracker.sharing import law_text
        return law_text(self.law)


class Subscription(TenantScoped, db.Model):
    """A user follows a law, or everything a working group follows (bookkeeping, not audited)."""

    __tablename__ = "policy_subscription"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", "law_id", "group_id"),
                      Index("ix_policy_subscription_law", "law_id"),
                      Index("ix_policy_subscription_group", "group_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), index=True)
    law_id: Mapped[int | None] = mapped_column(ForeignKey("policy_law.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("core_working_group.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalendarToken(TenantScoped, Audited, db.Model):
    """A user's revocable secret for their iCalendar feed of upcoming events (only its hash kept)."""

    __tablename__ = "policy_calendar_token"
    __audit_redact__ = {"token_hash"}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Campaign(TenantScoped, Audited, db.Model):
    """An advocacy campaign: goal, laws, target institutions, project, period, status, team and
    stakeholders. Strategy notes, budget, team and stakeholders are never shared."""

    __tablename__ = "policy_campaign"
    __sensitive__ = {"strategy_notes", "budget", "team", "stakeholders"}     # ShareableType refuses them
    __table_args__ = (Index("ix_policy_campaign_tenant_status", "tenant_id", "status", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    goal: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[CampaignStatus] = enum_column(CampaignStatus, default=CampaignStatus.PLANNED)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("core_project.id", ondelete="SET NULL"), index=True)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    strategy_notes: Mapped[str] = mapped_column(Text, default="")
    budget: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    project: Mapped[Project | None] = relationship()
    laws: Mapped[list["CampaignLaw"]] = relationship(cascade="all, delete-orphan")
    targets: Mapped[list["CampaignTarget"]] = relationship(cascade="all, delete-orphan")
    team: Mapped[list["CampaignMember"]] = relationship(cascade="all, delete-orphan")
    stakeholders: Mapped[list["CampaignStakeholder"]] = relationship(cascade="all, delete-orphan")
    activities: Mapped[list["Activity"]] = relationship(back_populates="campaign",
                                                        order_by=lambda: (Activity.occurred_on, Activity.id))

    # --- published when shared with a working group (plugins/policy_tracker/sharing.py) ---
    @property
    def shared_laws(self) -> str:
        from plugins.policy_tracker.sharing import campaign_laws_text
        return campaign_laws_text(self)

    @property
    def shared_period(self) -> str:
        from plugins.policy_tracker.sharing import period_text
        return period_text(self.starts_on, self.ends_on)

    @property
    def shared_activities(self) -> str:
        from plugins.policy_tracker.sharing import public_activities_text
        return public_activities_text(self)


class CampaignLaw(TenantScoped, Audited, db.Model):
    __tablename__ = "policy_campaign_law"
    __table_args__ = (UniqueConstraint("campaign_id", "law_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("policy_campaign.id", ondelete="CASCADE"), index=True)
    law_id: Mapped[int] = mapped_column(ForeignKey("policy_law.id", ondelete="CASCADE"), index=True)

    law: Mapped[Law] = relationship()


class CampaignTarget(TenantScoped, Audited, db.Model):
    """An institution the campaign wants to move."""

    __tablename__ = "policy_campaign_target"
    __table_args__ = (UniqueConstraint("campaign_id", "institution_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("policy_campaign.id", ondelete="CASCADE"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("core_institution.id"), index=True)

    institution: Mapped[Institution] = relationship()


class CampaignMember(TenantScoped, Audited, db.Model):
    """A user on the campaign's team."""

    __tablename__ = "policy_campaign_member"
    __table_args__ = (UniqueConstraint("campaign_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("policy_campaign.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), index=True)

    user: Mapped[User] = relationship()


class CampaignStakeholder(TenantScoped, Audited, db.Model):
    """A contact (person or organisation) the campaign works with or on; a core contact link."""

    __tablename__ = "policy_campaign_stakeholder"
    __table_args__ = (UniqueConstraint("campaign_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("policy_campaign.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("core_contact.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(200), default="")

    contact: Mapped[Contact] = relationship()


class Recommendation(TenantScoped, Audited, db.Model):
    """A recommendation submitted on a law. A joint submission is ONE recommendation (owned by the
    tenant that records it) with co-submitters, so it is counted once; the outcome is decided by
    the submitter with a date and evidence."""

    __tablename__ = "policy_recommendation"
    __table_args__ = (Index("ix_policy_recommendation_tenant_law", "tenant_id", "law_id", "submitted_on"),
                      Index("ix_policy_recommendation_outcome", "law_id", "outcome", "outcome_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    law_id: Mapped[int] = mapped_column(ForeignKey("policy_law.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("policy_law_version.id", ondelete="SET NULL"))
    article: Mapped[str] = mapped_column(String(100), default="")
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("policy_campaign.id", ondelete="SET NULL"),
                                                    index=True)
    text_en: Mapped[str] = mapped_column(Text, default="")
    text_km: Mapped[str] = mapped_column(Text, default="")
    submitted_to_id: Mapped[int | None] = mapped_column(ForeignKey("core_institution.id"))
    submitted_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[Outcome] = enum_column(Outcome, default=Outcome.PENDING)
    outcome_on: Mapped[date | None] = mapped_column(Date)
    outcome_evidence: Mapped[str] = mapped_column(Text, default="")       # a link or a reference
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    law: Mapped[Law] = relationship()
    version: Mapped[LawVersion | None] = relationship()
    campaign: Mapped[Campaign | None] = relationship()
    submitted_to: Mapped[Institution | None] = relationship()
    co_submitters: Mapped[list["CoSubmitter"]] = relationship(cascade="all, delete-orphan")

    def text_in(self, locale: str) -> str:
        return name_in_language(self.text_en, self.text_km, locale)

    # --- published when shared with a working group (plugins/policy_tracker/sharing.py) ---
    @property
    def shared_law_id(self) -> int:
        return self.law_id

    @property
    def shared_law(self) -> str:
        from plugins.policy_tracker.sharing import law_text
        return law_text(self.law)

    @property
    def shared_submitted_to(self) -> str:
        from plugins.policy_tracker.sharing import institution_text
        return institution_text(self.submitted_to)

    @property
    def shared_co_submitters(self) -> str:
        from plugins.policy_tracker.sharing import co_submitters_text
        return co_submitters_text(self)


class CoSubmitter(TenantScoped, Audited, db.Model):
    """Another organisation that submitted the recommendation jointly: a tenant of the instance
    (it then sees the recommendation through services, read-only) or an organisation contact."""

    __tablename__ = "policy_co_submitter"
    __table_args__ = (Index("ix_policy_co_submitter_partner", "partner_tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("policy_recommendation.id", ondelete="CASCADE"),
                                                   index=True)
    partner_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("core_tenant.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("core_contact.id", ondelete="CASCADE"),
                                                        index=True)


class Activity(TenantScoped, Audited, db.Model):
    """A meeting, submission, media piece or event of a campaign, with attendees (contacts) and the
    disaggregated counts donors ask for (which may exceed the named attendees)."""

    __tablename__ = "policy_activity"
    __table_args__ = (Index("ix_policy_activity_tenant_date", "tenant_id", "occurred_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("policy_campaign.id", ondelete="SET NULL"),
                                                    index=True)
    kind: Mapped[ActivityKind] = enum_column(ActivityKind, default=ActivityKind.MEETING)
    title: Mapped[str] = mapped_column(String(300))
    occurred_on: Mapped[date] = mapped_column(Date)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("core_place.id"))
    summary: Mapped[str] = mapped_column(Text, default="")
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)       # listed when the campaign is shared
    participants_total: Mapped[int] = mapped_column(Integer, default=0)
    participants_women: Mapped[int] = mapped_column(Integer, default=0)
    participants_youth: Mapped[int] = mapped_column(Integer, default=0)
    participants_disability: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    campaign: Mapped[Campaign | None] = relationship(back_populates="activities")
    place: Mapped[Place | None] = relationship()
    attendees: Mapped[list["ActivityAttendee"]] = relationship(cascade="all, delete-orphan")


class ActivityAttendee(TenantScoped, Audited, db.Model):
    __tablename__ = "policy_activity_attendee"
    __table_args__ = (UniqueConstraint("activity_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("policy_activity.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("core_contact.id", ondelete="CASCADE"), index=True)

    contact: Mapped[Contact] = relationship()


# --- the write guard for official rows -------------------------------------------------------------------

@contextmanager
def official_edit() -> Iterator[None]:
    """Let the current block write official register rows (laws, their versions, stage history and
    events). Only services call it, after checking the user is an operator or a convener of a
    working group that follows the law."""
    previous = g.get("policy_official_edit", False)
    g.policy_official_edit = True
    try:
        yield
    finally:
        g.policy_official_edit = previous


_OWNED_BY_LAW = (LawInstitution, LawVersion, LawVersionFile, StageChange)


def _owner_of(obj) -> int | None:
    if isinstance(obj, (Law, LawEvent)):
        history = inspect(obj).attrs["owner_tenant_id"].history
        return history.deleted[0] if history.deleted else obj.owner_tenant_id
    return obj.tenant_id


def _check_register_writes(session: Session, flush_context, instances) -> None:
    """Inside a tenant, official rows are written only within official_edit(); private rows only by
    their owner. Outside any tenant (operators' commands, seeds) everything may be written."""
    tenant_id = current_tenant_id()
    if tenant_id is None:
        return
    official_allowed = has_app_context() and g.get("policy_official_edit", False)
    for obj in session.new:
        if isinstance(obj, (Law, LawEvent)) and obj.owner_tenant_id is None and not official_allowed:
            obj.owner_tenant_id = tenant_id          # a tenant's new entry is its private one
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if not isinstance(obj, (Law, LawEvent, *_OWNED_BY_LAW)):
            continue
        if obj in session.dirty and not session.is_modified(obj):
            continue
        owner = _owner_of(obj)
        if owner is None and not official_allowed:
            raise TenantViolation(f"{type(obj).__name__}: official entries are edited by operators and conveners")
        if owner is not None and owner != tenant_id:
            raise TenantViolation(f"{type(obj).__name__} belongs to another tenant")


def install_policy_guard() -> None:
    if not event.contains(Session, "before_flush", _check_register_writes):
        event.listen(Session, "before_flush", _check_register_writes)


register_labels([
    (InstrumentType.LAW, _l("Law")),
    (InstrumentType.ROYAL_DECREE, _l("Royal decree (Preah Reach Kret)")),
    (InstrumentType.SUB_DECREE, _l("Sub-decree (Anukret)")),
    (InstrumentType.PRAKAS, _l("Prakas (ministerial regulation)")),
    (InstrumentType.DECISION, _l("Decision (Sechkdei Samrech)")),
    (InstrumentType.POLICY, _l("Policy")),
    (InstrumentType.STRATEGY, _l("Strategy")),
    (StageKind.STEP, _l("Step")),
    (StageKind.ENDING, _l("Ending")),
    (EventKind.CONSULTATION_DEADLINE, _l("Consultation deadline")),
    (EventKind.HEARING, _l("Hearing")),
    (EventKind.WORKSHOP, _l("Workshop")),
    (EventKind.COMMEMORATION, _l("Commemoration day")),
    (EventKind.OTHER, _l("Other event")),
    (CampaignStatus.PLANNED, _l("Planned")),
    (CampaignStatus.ACTIVE, _l("Active")),
    (CampaignStatus.PAUSED, _l("Paused")),
    (CampaignStatus.CLOSED, _l("Closed")),
    (Outcome.PENDING, _l("Pending")),
    (Outcome.ADOPTED, _l("Adopted")),
    (Outcome.PARTLY_ADOPTED, _l("Partly adopted")),
    (Outcome.REJECTED, _l("Rejected")),
    (ActivityKind.MEETING, _l("Meeting")),
    (ActivityKind.SUBMISSION, _l("Submission")),
    (ActivityKind.MEDIA, _l("Media")),
    (ActivityKind.EVENT, _l("Event")),
    (ActivityKind.OTHER, _l("Other activity")),
])


class EventReminderSent(db.Model):
    """Bookkeeping of the reminder job (reminders.py): an event's reminder went out for this date, so
    each is sent once; a moved event is reminded again. Not tenant-scoped: official events remind
    subscribers of every tenant."""

    __tablename__ = "policy_event_reminder_sent"
    __table_args__ = (UniqueConstraint("event_id", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("policy_law_event.id", ondelete="CASCADE"))
    starts_on: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
