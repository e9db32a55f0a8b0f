"""The results framework: objectives -> outcomes -> indicators with baselines, targets and their
rules for adding up; hand-entered values with evidence; frozen period snapshots; donor reports;
and working groups' shared indicators with the figures each member approved."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audited
from core.columns import UTCDateTime, utcnow
from core.enums import LabelledEnum, enum_column, register_labels
from core.extensions import db
from core.models import User
from core.models.sharing import WorkingGroup
from core.models.tenant import Tenant
from core.registers.models import Project, name_in_language
from core.tenancy import TenantScoped

VALUE = Numeric(18, 4)


class Direction(LabelledEnum):
    HIGHER = "higher"
    LOWER = "lower"


class Aggregation(LabelledEnum):
    """How values add up over periods, projects and members."""

    SUM = "sum"
    DISTINCT = "distinct"       # a district counted once, however often it answered
    LATEST = "latest"           # the most recent value (a share, a milestone reached)


class Accumulation(LabelledEnum):
    PER_PERIOD = "per_period"
    CUMULATIVE = "cumulative"   # everything since the baseline date


class Source(LabelledEnum):
    COMPUTED = "computed"       # from a module's indicator code (samaki_indicators)
    MANUAL = "manual"           # entered by hand per period, with evidence


class Unit(LabelledEnum):
    NUMBER = "number"
    PEOPLE = "people"
    ORGANISATIONS = "organisations"
    PERCENT = "percent"
    USD = "usd"
    MILESTONE = "milestone"     # 0 = not reached, 1 = reached


register_labels([
    (Direction.HIGHER, _l("Higher is better")), (Direction.LOWER, _l("Lower is better")),
    (Aggregation.SUM, _l("Sum")), (Aggregation.DISTINCT, _l("Distinct count")),
    (Aggregation.LATEST, _l("Latest value")),
    (Accumulation.PER_PERIOD, _l("Per period")), (Accumulation.CUMULATIVE, _l("Cumulative since the baseline")),
    (Source.COMPUTED, _l("Computed by Samaki")), (Source.MANUAL, _l("Entered by hand")),
    (Unit.NUMBER, _l("Number")), (Unit.PEOPLE, _l("People")), (Unit.ORGANISATIONS, _l("Organisations")),
    (Unit.PERCENT, _l("Percent")), (Unit.USD, _l("US dollars")), (Unit.MILESTONE, _l("Milestone (reached or not)")),
])


class FrameworkSettings(TenantScoped, Audited, db.Model):
    """The plan the framework belongs to: its title and years, and the donor fiscal year's first month."""

    __tablename__ = "rf_settings"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_title_en: Mapped[str] = mapped_column(String(300), default="Strategic Plan")
    plan_title_km: Mapped[str] = mapped_column(String(300), default="")
    first_year: Mapped[int] = mapped_column(Integer)
    last_year: Mapped[int] = mapped_column(Integer)
    fiscal_start_month: Mapped[int] = mapped_column(Integer, default=7)

    def title_in(self, locale: str) -> str:
        return name_in_language(self.plan_title_en, self.plan_title_km, locale)


class Objective(TenantScoped, Audited, db.Model):
    __tablename__ = "rf_objective"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),
                      Index("ix_rf_objective_tenant_position", "tenant_id", "position"))

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    title_en: Mapped[str] = mapped_column(String(500))
    title_km: Mapped[str] = mapped_column(String(500), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    outcomes: Mapped[list["Outcome"]] = relationship(back_populates="objective", cascade="all, delete-orphan",
                                                     order_by="Outcome.position, Outcome.code")

    def title_in(self, locale: str) -> str:
        return name_in_language(self.title_en, self.title_km, locale)


class Outcome(TenantScoped, Audited, db.Model):
    __tablename__ = "rf_outcome"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(ForeignKey("rf_objective.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    title_en: Mapped[str] = mapped_column(String(500))
    title_km: Mapped[str] = mapped_column(String(500), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    objective: Mapped[Objective] = relationship(back_populates="outcomes")
    indicators: Mapped[list["ResultIndicator"]] = relationship(
        back_populates="outcome", cascade="all, delete-orphan", order_by="ResultIndicator.position, ResultIndicator.code")

    def title_in(self, locale: str) -> str:
        return name_in_language(self.title_en, self.title_km, locale)


indicator_project = db.Table(
    "rf_indicator_project", db.Model.metadata,
    db.Column("indicator_id", ForeignKey("rf_indicator.id", ondelete="CASCADE"), primary_key=True),
    db.Column("project_id", ForeignKey("core_project.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class ResultIndicator(TenantScoped, Audited, db.Model):
    """An indicator of the framework (named so beside core.plugins.Indicator, the module figure it may
    be computed from)."""

    __tablename__ = "rf_indicator"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("rf_outcome.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name_en: Mapped[str] = mapped_column(String(500))
    name_km: Mapped[str] = mapped_column(String(500), default="")
    definition: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[Unit] = enum_column(Unit, default=Unit.NUMBER)
    direction: Mapped[Direction] = enum_column(Direction, default=Direction.HIGHER)
    aggregation: Mapped[Aggregation] = enum_column(Aggregation, default=Aggregation.SUM)
    accumulation: Mapped[Accumulation] = enum_column(Accumulation, default=Accumulation.PER_PERIOD)
    source: Mapped[Source] = enum_column(Source, default=Source.MANUAL)
    source_code: Mapped[str] = mapped_column(String(64), default="")     # the module's Indicator.code
    baseline_value: Mapped[Decimal | None] = mapped_column(VALUE)
    baseline_on: Mapped[date | None] = mapped_column(Date)
    disaggregations: Mapped[list] = mapped_column(JSON, default=list)    # dimensions shown: ["sex", "province"]
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    outcome: Mapped[Outcome] = relationship(back_populates="indicators")
    responsible: Mapped[User | None] = relationship()
    targets: Mapped[list["Target"]] = relationship(back_populates="indicator", cascade="all, delete-orphan",
                                                   order_by="Target.period_key")
    projects: Mapped[list[Project]] = relationship(secondary=indicator_project)

    def name_in(self, locale: str) -> str:
        return name_in_language(self.name_en, self.name_km, locale)


class Target(TenantScoped, Audited, db.Model):
    __tablename__ = "rf_target"
    __table_args__ = (UniqueConstraint("indicator_id", "period_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("rf_indicator.id", ondelete="CASCADE"), index=True)
    period_key: Mapped[str] = mapped_column(String(16))
    value: Mapped[Decimal] = mapped_column(VALUE)

    indicator: Mapped[ResultIndicator] = relationship(back_populates="targets")


class ManualValue(TenantScoped, Audited, db.Model):
    """A value entered by hand for one period, with its evidence (a file, a link or both)."""

    __tablename__ = "rf_manual_value"
    __table_args__ = (UniqueConstraint("indicator_id", "period_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("rf_indicator.id", ondelete="CASCADE"), index=True)
    period_key: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(VALUE)
    breakdown: Mapped[dict] = mapped_column(JSON, default=dict)
    comment: Mapped[str] = mapped_column(Text, default="")
    evidence_url: Mapped[str] = mapped_column(String(1000), default="")
    evidence_file: Mapped[str] = mapped_column(String(64), default="")   # storage name (core.uploads)
    evidence_name: Mapped[str] = mapped_column(String(255), default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    indicator: Mapped[ResultIndicator] = relationship()
    entered_by: Mapped[User | None] = relationship()


class Snapshot(TenantScoped, Audited, db.Model):
    """A period frozen: each indicator's value as it stood, never changed afterwards. A correction is
    a new snapshot of the same period pointing at the one it corrects."""

    __tablename__ = "rf_snapshot"
    __table_args__ = (Index("ix_rf_snapshot_tenant_period", "tenant_id", "period_key", "frozen_at"),)
    __frozen__ = True       # core of the immutability rule: see services.refuse_changes_to_frozen

    id: Mapped[int] = mapped_column(primary_key=True)
    period_key: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    comment: Mapped[str] = mapped_column(Text, default="")
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("rf_snapshot.id"), index=True)
    frozen_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    corrects: Mapped["Snapshot | None"] = relationship(remote_side=[id])
    frozen_by: Mapped[User | None] = relationship()
    values: Mapped[list["SnapshotValue"]] = relationship(back_populates="snapshot", order_by="SnapshotValue.position")


class SnapshotValue(TenantScoped, Audited, db.Model):
    __tablename__ = "rf_snapshot_value"
    __table_args__ = (UniqueConstraint("snapshot_id", "indicator_id"),)
    __frozen__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("rf_snapshot.id"), index=True)
    indicator_id: Mapped[int | None] = mapped_column(ForeignKey("rf_indicator.id", ondelete="SET NULL"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # What the indicator was when frozen, so the snapshot reads the same if the framework changes.
    code: Mapped[str] = mapped_column(String(32))
    name_en: Mapped[str] = mapped_column(String(500))
    name_km: Mapped[str] = mapped_column(String(500), default="")
    unit: Mapped[Unit] = enum_column(Unit, default=Unit.NUMBER)
    value: Mapped[Decimal | None] = mapped_column(VALUE)
    target: Mapped[Decimal | None] = mapped_column(VALUE)
    breakdown: Mapped[dict] = mapped_column(JSON, default=dict)
    keys: Mapped[dict | None] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text, default="")

    snapshot: Mapped[Snapshot] = relationship(back_populates="values")
    indicator: Mapped[ResultIndicator | None] = relationship()

    def name_in(self, locale: str) -> str:
        return name_in_language(self.name_en, self.name_km, locale)


class DonorReport(TenantScoped, Audited, db.Model):
    """A report to a donor for a period or for one project/grant, with a narrative per report and per
    indicator; exported as XLSX or PDF in English or Khmer."""

    __tablename__ = "rf_donor_report"
    __table_args__ = (Index("ix_rf_donor_report_tenant_created", "tenant_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    period_key: Mapped[str] = mapped_column(String(16), default="")
    project_id: Mapped[int | None] = mapped_column(ForeignKey("core_project.id", ondelete="SET NULL"), index=True)
    narrative: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    project: Mapped[Project | None] = relationship()
    narratives: Mapped[list["IndicatorNarrative"]] = relationship(back_populates="report",
                                                                  cascade="all, delete-orphan")


class IndicatorNarrative(TenantScoped, Audited, db.Model):
    __tablename__ = "rf_indicator_narrative"
    __table_args__ = (UniqueConstraint("report_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("rf_donor_report.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("rf_indicator.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")

    report: Mapped[DonorReport] = relationship(back_populates="narratives")


# --- working groups ---------------------------------------------------------------------------------
# Read across tenants by design (like core.models.sharing), so not TenantScoped: every query goes
# through plugins.results_framework.rollup, which checks group membership.

class GroupIndicator(Audited, db.Model):
    """An indicator a working group adds up over its members; each member contributes the figure
    of its own framework indicator with the same code, unit and rule."""

    __tablename__ = "rf_group_indicator"
    __table_args__ = (UniqueConstraint("group_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("core_working_group.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name_en: Mapped[str] = mapped_column(String(500))
    name_km: Mapped[str] = mapped_column(String(500), default="")
    unit: Mapped[Unit] = enum_column(Unit, default=Unit.NUMBER)
    aggregation: Mapped[Aggregation] = enum_column(Aggregation, default=Aggregation.SUM)
    accumulation: Mapped[Accumulation] = enum_column(Accumulation, default=Accumulation.PER_PERIOD)
    # A member without a framework indicator of the same code contributes this module figure directly.
    source_code: Mapped[str] = mapped_column(String(64), default="")
    target: Mapped[Decimal | None] = mapped_column(VALUE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[WorkingGroup] = relationship()

    @property
    def tenant_id(self) -> int:
        # The audit log files group changes under the convening tenant's chain.
        return self.group.convening_tenant_id

    def name_in(self, locale: str) -> str:
        return name_in_language(self.name_en, self.name_km, locale)


class GroupContribution(Audited, db.Model):
    """A member's figure for a shared indicator and a period, stored when the member approves it:
    nothing of a member appears on the group page before that."""

    __tablename__ = "rf_group_contribution"
    __table_args__ = (UniqueConstraint("group_indicator_id", "tenant_id", "period_key"),
                      Index("ix_rf_group_contribution_period", "group_indicator_id", "period_key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    group_indicator_id: Mapped[int] = mapped_column(ForeignKey("rf_group_indicator.id", ondelete="CASCADE"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("core_tenant.id", ondelete="CASCADE"), index=True)
    period_key: Mapped[str] = mapped_column(String(16))
    value: Mapped[Decimal] = mapped_column(VALUE)
    breakdown: Mapped[dict] = mapped_column(JSON, default=dict)
    keys: Mapped[dict | None] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text, default="")
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)

    group_indicator: Mapped[GroupIndicator] = relationship()
    tenant: Mapped[Tenant] = relationship(lazy="joined")
