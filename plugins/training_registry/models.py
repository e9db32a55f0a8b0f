"""Training registry models: versioned curricula with their files; the trainers among a tenant's
contacts; courses (named, or historical ones known only as totals) with sessions, trainers and a
completion rule; enrolments of contacts with their pre/post test scores; attendance per session;
certificates with a public verification code; and the tenant's youth band.

Participants and trainers are core contacts (core.registers), so identity, protection and
disaggregation (sex, birth year or age group, disability, IDPoor, commune) are recorded once."""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audited
from core.columns import UTCDateTime, utcnow
from core.enums import LabelledEnum, enum_column, register_labels
from core.extensions import db
from core.models import User
from core.registers.models import Contact, Place, Project, name_in_language
from core.tenancy import TenantScoped


class VersionStatus(LabelledEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    RETIRED = "retired"


class CourseKind(LabelledEnum):
    NAMED = "named"              # participants enrolled by name, attendance taken
    HISTORICAL = "historical"    # an older course known only as totals (HistoricalTotals)


class SessionMode(LabelledEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"


class EnrolmentStatus(LabelledEnum):
    INVITED = "invited"
    REGISTERED = "registered"
    ATTENDED = "attended"
    COMPLETED = "completed"
    DROPPED = "dropped"


class EnrolmentSource(LabelledEnum):
    FORM = "form"          # enrolled on the course page or through the API
    WALK_IN = "walk_in"    # added on the attendance screen
    IMPORT = "import"      # from a participants file


# --- curricula and manuals ------------------------------------------------------------------------

class Curriculum(TenantScoped, Audited, db.Model):
    """A curriculum or training manual; its content changes through versions."""

    __tablename__ = "training_curriculum"

    id: Mapped[int] = mapped_column(primary_key=True)
    title_en: Mapped[str] = mapped_column(String(300))
    title_km: Mapped[str] = mapped_column(String(300), default="")
    topic: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(20), default="km")       # codes: "km", "en", "km,en"
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    versions: Mapped[list["CurriculumVersion"]] = relationship(
        back_populates="curriculum", cascade="all, delete-orphan",
        order_by=lambda: (CurriculumVersion.released_on, CurriculumVersion.id))

    def title_in(self, locale: str) -> str:
        return name_in_language(self.title_en, self.title_km, locale)


class CurriculumVersion(TenantScoped, Audited, db.Model):
    """One edition of a curriculum ("2nd edition 2025") with its change note and files."""

    __tablename__ = "training_curriculum_version"
    __table_args__ = (UniqueConstraint("curriculum_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    curriculum_id: Mapped[int] = mapped_column(ForeignKey("training_curriculum.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    released_on: Mapped[date | None] = mapped_column(Date)
    change_note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[VersionStatus] = enum_column(VersionStatus, default=VersionStatus.DRAFT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    curriculum: Mapped[Curriculum] = relationship(back_populates="versions")
    files: Mapped[list["CurriculumFile"]] = relationship(back_populates="version", cascade="all, delete-orphan",
                                                         order_by="CurriculumFile.id")


class CurriculumFile(TenantScoped, Audited, db.Model):
    """A file of a curriculum version (manual, slides, handouts), stored through core.uploads."""

    __tablename__ = "training_curriculum_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("training_curriculum_version.id", ondelete="CASCADE"),
                                            index=True)
    display_name: Mapped[str] = mapped_column(String(255))
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[CurriculumVersion] = relationship(back_populates="files")


# --- trainers -----------------------------------------------------------------------------------------

class Trainer(TenantScoped, Audited, db.Model):
    """A contact of the tenant marked as a trainer (staff or from the pool)."""

    __tablename__ = "training_trainer"
    __table_args__ = (UniqueConstraint("tenant_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("core_contact.id", ondelete="CASCADE"), index=True)
    topics: Mapped[str] = mapped_column(String(500), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contact: Mapped[Contact] = relationship()


# --- courses ------------------------------------------------------------------------------------------

class Course(TenantScoped, Audited, db.Model):
    """A course run for a target group, from one curriculum version, in one or more sessions.
    Completion rule: attended at least `completion_percent` % of the sessions and every mandatory one."""

    __tablename__ = "training_course"
    __table_args__ = (Index("ix_training_course_tenant_starts", "tenant_id", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CourseKind] = enum_column(CourseKind, default=CourseKind.NAMED)
    title_en: Mapped[str] = mapped_column(String(300))
    title_km: Mapped[str] = mapped_column(String(300), default="")
    curriculum_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("training_curriculum_version.id", ondelete="SET NULL"), index=True)
    objectives: Mapped[str] = mapped_column(Text, default="")
    # The organising organisation (a contact); empty: the tenant itself.
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("core_contact.id", ondelete="SET NULL"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("core_project.id", ondelete="SET NULL"), index=True)
    target_group: Mapped[str] = mapped_column(String(300), default="")
    # Where the course is held, at any level (province, district or commune): reports by province
    # use it, and it is the default place of new sessions.
    place_id: Mapped[int | None] = mapped_column(ForeignKey("core_place.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    completion_percent: Mapped[int] = mapped_column(Integer, default=80)
    # Pre and post tests use the same scale: a score is between 0 and this maximum.
    test_max_score: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    # Printed on certificates.
    signatory_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_title: Mapped[str] = mapped_column(String(200), default="")
    signature_image: Mapped[str] = mapped_column(String(64), default="")   # storage name (core.uploads)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    curriculum_version: Mapped[CurriculumVersion | None] = relationship()
    organiser: Mapped[Contact | None] = relationship(foreign_keys=[organiser_id])
    project: Mapped[Project | None] = relationship()
    place: Mapped[Place | None] = relationship()
    sessions: Mapped[list["TrainingSession"]] = relationship(
        back_populates="course", cascade="all, delete-orphan",
        order_by=lambda: (TrainingSession.starts_on, TrainingSession.start_time, TrainingSession.id))
    trainers: Mapped[list["CourseTrainer"]] = relationship(back_populates="course", cascade="all, delete-orphan")
    enrolments: Mapped[list["Enrolment"]] = relationship(back_populates="course", cascade="all, delete-orphan")
    totals: Mapped["HistoricalTotals | None"] = relationship(back_populates="course", cascade="all, delete-orphan",
                                                             uselist=False)

    def title_in(self, locale: str) -> str:
        return name_in_language(self.title_en, self.title_km, locale)

    @property
    def is_historical(self) -> bool:
        return self.kind is CourseKind.HISTORICAL


class CourseTrainer(TenantScoped, Audited, db.Model):
    __tablename__ = "training_course_trainer"
    __table_args__ = (UniqueConstraint("course_id", "trainer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_course.id", ondelete="CASCADE"), index=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("training_trainer.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(100), default="")            # "lead trainer", "co-trainer"

    course: Mapped[Course] = relationship(back_populates="trainers")
    trainer: Mapped[Trainer] = relationship()


class HistoricalTotals(TenantScoped, Audited, db.Model):
    """What is known of a historical course: head counts only. Reports add them to the figures
    counted from named records (they cannot be de-duplicated against them)."""

    __tablename__ = "training_historical_totals"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_course.id", ondelete="CASCADE"), unique=True)
    sessions: Mapped[int] = mapped_column(Integer, default=0)
    participants: Mapped[int] = mapped_column(Integer, default=0)
    women: Mapped[int] = mapped_column(Integer, default=0)
    youth: Mapped[int] = mapped_column(Integer, default=0)
    idpoor: Mapped[int] = mapped_column(Integer, default=0)
    disability: Mapped[int] = mapped_column(Integer, default=0)
    organisations: Mapped[int] = mapped_column(Integer, default=0)        # CBOs/CSOs trained
    completed: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(500), default="")           # "2019 annual report, p. 12"

    course: Mapped[Course] = relationship(back_populates="totals")


class TrainingSession(TenantScoped, Audited, db.Model):
    """One session of a course: a day (and times), where, how, for how many; with an optional scan
    or photo of the signed attendance sheet."""

    __tablename__ = "training_session"
    __table_args__ = (Index("ix_training_session_tenant_starts", "tenant_id", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_course.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    starts_on: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("core_place.id"), index=True)
    venue: Mapped[str] = mapped_column(String(300), default="")
    mode: Mapped[SessionMode] = enum_column(SessionMode, default=SessionMode.IN_PERSON)
    capacity: Mapped[int | None] = mapped_column(Integer)
    is_mandatory: Mapped[bool] = mapped_column(Boolean, default=False)
    # The signed paper sheet (core.uploads, area "training").
    sheet_name: Mapped[str] = mapped_column(String(64), default="")
    sheet_display_name: Mapped[str] = mapped_column(String(255), default="")
    sheet_content_type: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship(back_populates="sessions")
    place: Mapped[Place | None] = relationship()
    attendance: Mapped[list["Attendance"]] = relationship(back_populates="session", cascade="all, delete-orphan")


class Enrolment(TenantScoped, Audited, db.Model):
    """A contact enrolled in a course, with their status and pre/post test scores."""

    __tablename__ = "training_enrolment"
    __table_args__ = (UniqueConstraint("course_id", "contact_id"),
                      UniqueConstraint("tenant_id", "client_key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_course.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("core_contact.id", ondelete="CASCADE"), index=True)
    status: Mapped[EnrolmentStatus] = enum_column(EnrolmentStatus, default=EnrolmentStatus.REGISTERED)
    source: Mapped[EnrolmentSource] = enum_column(EnrolmentSource, default=EnrolmentSource.FORM)
    pre_score: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    post_score: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    # The key an offline walk-in submission carries: the same submission sent twice enrols once.
    client_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    course: Mapped[Course] = relationship(back_populates="enrolments")
    contact: Mapped[Contact] = relationship()
    attendance: Mapped[list["Attendance"]] = relationship(back_populates="enrolment", cascade="all, delete-orphan")
    certificates: Mapped[list["Certificate"]] = relationship(back_populates="enrolment", cascade="all, delete-orphan",
                                                             order_by="Certificate.id")


class Attendance(TenantScoped, Audited, db.Model):
    """Whether an enrolled person was at a session. One row per (session, enrolment): a tap sent
    twice updates the same row, so nothing is counted twice."""

    __tablename__ = "training_attendance"
    __table_args__ = (UniqueConstraint("session_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("training_enrolment.id", ondelete="CASCADE"), index=True)
    present: Mapped[bool] = mapped_column(Boolean, default=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))

    session: Mapped[TrainingSession] = relationship(back_populates="attendance")
    enrolment: Mapped[Enrolment] = relationship(back_populates="attendance")
    recorded_by: Mapped[User | None] = relationship()


class Certificate(TenantScoped, Audited, db.Model):
    """A certificate for an enrolment that met the completion rule. Its code is checked on the public
    page /verify/<code>; a re-issue revokes the old one and points it at its replacement."""

    __tablename__ = "training_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("training_enrolment.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    issued_on: Mapped[date] = mapped_column(Date)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str] = mapped_column(String(500), default="")
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("training_certificate.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrolment: Mapped[Enrolment] = relationship(back_populates="certificates")
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None


class TrainingSettings(TenantScoped, Audited, db.Model):
    """The tenant's youth band (ages counted as youth at the session date; 15–30 by default)."""

    __tablename__ = "training_settings"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    youth_min_age: Mapped[int] = mapped_column(Integer, default=15)
    youth_max_age: Mapped[int] = mapped_column(Integer, default=30)


register_labels([
    (VersionStatus.DRAFT, _l("Draft")),
    (VersionStatus.APPROVED, _l("Approved")),
    (VersionStatus.RETIRED, _l("Retired")),
    (CourseKind.NAMED, _l("Named participants")),
    (CourseKind.HISTORICAL, _l("Historical (totals only)")),
    (SessionMode.IN_PERSON, _l("In person")),
    (SessionMode.ONLINE, _l("Online")),
    (EnrolmentStatus.INVITED, _l("Invited")),
    (EnrolmentStatus.REGISTERED, _l("Registered")),
    (EnrolmentStatus.ATTENDED, _l("Attended")),
    (EnrolmentStatus.COMPLETED, _l("Completed")),
    (EnrolmentStatus.DROPPED, _l("Dropped out")),
    (EnrolmentSource.FORM, _l("Enrolled by staff")),
    (EnrolmentSource.WALK_IN, _l("Walk-in")),
    (EnrolmentSource.IMPORT, _l("Imported")),
])
