"""Donor reports without Flask's request: creating one (for a period of the plan, or for one
project/grant over its dates), saving its narratives, and building what a report shows — the
framework (objectives → outcomes → indicators) with each indicator's value, target and status for
the report's period (services.values_by_period: frozen where the period is frozen, live otherwise),
its narrative, and the trend points its chart draws. The page, the XLSX and the PDF all print this
content; the exports build it inside flask_babel.force_locale so period labels and statuses are in
the export's language."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from babel.numbers import format_decimal
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core.errors import DomainError
from core.extensions import db
from core.periods import Period, PeriodKind, parse_period, period_containing, recent
from core.registers.models import Project
from plugins.results_framework import services
from plugins.results_framework.charts import Point
from plugins.results_framework.models import (DonorReport, FrameworkSettings, IndicatorNarrative, Objective, Outcome,
                                              ResultIndicator, Unit)
from plugins.results_framework.services import IndicatorValue

TITLE_MAX = 300
NARRATIVE_MAX = 20000
# How many periods a chart shows, ending with the report's period.
TREND_LENGTH = {PeriodKind.QUARTER: 6, PeriodKind.YEAR: 5, PeriodKind.FISCAL_YEAR: 4}
PROJECT_TREND_QUARTERS = 8


class ProjectPeriod(Period):
    """A project's own dates as a reporting period: not a period of the plan, so it has no key a
    target or a snapshot is stored under; an indicator's target is then the one of the year the
    project ends in (services.target_for)."""

    @property
    def label(self) -> str:
        return _("%(start)s to %(end)s", start=format_date(self.start, "medium"), end=format_date(self.end, "medium"))


def project_period(project: Project) -> ProjectPeriod | None:
    if project.starts_on is None or project.ends_on is None or project.ends_on < project.starts_on:
        return None
    return ProjectPeriod(project.starts_on, project.ends_on, PeriodKind.YEAR,
                         f"{project.starts_on.isoformat()}/{project.ends_on.isoformat()}")


def short_label(period: Period) -> str:
    """A period as a chart's axis names it (a fiscal year's months left out)."""
    if isinstance(period, ProjectPeriod) or period.kind != PeriodKind.FISCAL_YEAR:
        return period.label
    return _("FY %(first)s–%(last)s", first=period.start.year, last=period.end.year)


# --- creating and editing -------------------------------------------------------------------------

def _title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise DomainError(_l("Give the report a title."), "title")
    if len(title) > TITLE_MAX:
        raise DomainError(_l("The title is too long: %(max)s characters at most.", max=TITLE_MAX), "title")
    return title


def _narrative(text: str, field_name: str) -> str:
    text = (text or "").strip()
    if len(text) > NARRATIVE_MAX:
        raise DomainError(_l("The narrative is too long: %(max)s characters at most.", max=NARRATIVE_MAX), field_name)
    return text


def create_report(tenant_id: int, settings: FrameworkSettings, *, title: str, period_key: str = "",
                  project_id: int | None = None, narrative: str = "", actor_id: int | None = None) -> DonorReport:
    """A new report for a period of the plan, or for a project over its dates (or over a period,
    when one is given too — and it must be, when the project has no dates)."""
    title = _title(title)
    narrative = _narrative(narrative, "narrative")
    key = (period_key or "").strip()
    project = None
    if project_id is not None:
        project = db.session.get(Project, project_id)
        if project is None or project.tenant_id != tenant_id:
            raise DomainError(_l("Choose one of this organisation's projects."), "project_id")
    if key:
        key = services.plan_period(settings, key, "period_key").key
    elif project is None:
        raise DomainError(_l("Choose the period the report covers, or a project."), "period_key")
    elif project_period(project) is None:
        raise DomainError(_l("The project “%(code)s” has no start and end dates: give the period the report covers.",
                             code=project.code), "period_key")
    report = DonorReport(tenant_id=tenant_id, title=title, period_key=key, project_id=project.id if project else None,
                         narrative=narrative, created_by_id=actor_id)
    db.session.add(report)
    db.session.flush()
    return report


def save_narratives(report: DonorReport, *, title: str, narrative: str, texts: dict[int, str],
                    indicator_ids: set[int]) -> DonorReport:
    """The report's title and narrative and one narrative per indicator it covers (ids outside the
    report are ignored; an emptied narrative is removed)."""
    report.title = _title(title)
    report.narrative = _narrative(narrative, "narrative")
    cleaned = {indicator_id: _narrative(text, f"n_{indicator_id}") for indicator_id, text in texts.items()
               if indicator_id in indicator_ids}
    existing = {row.indicator_id: row for row in report.narratives}
    for indicator_id, text in cleaned.items():
        row = existing.get(indicator_id)
        if row is None and text:
            report.narratives.append(IndicatorNarrative(tenant_id=report.tenant_id, indicator_id=indicator_id,
                                                        text=text))
        elif row is not None and not text:
            report.narratives.remove(row)
        elif row is not None and row.text != text:
            row.text = text
    db.session.flush()
    return report


def load_report(report_id: int) -> DonorReport | None:
    """One report of the current tenant (tenant scoping hides the others), with its project."""
    return db.session.scalar(select(DonorReport).options(joinedload(DonorReport.project))
                             .where(DonorReport.id == report_id))


def reports_query():
    """Every report of the current tenant, newest first, with its project in the same statement."""
    return (select(DonorReport).options(joinedload(DonorReport.project))
            .order_by(DonorReport.created_at.desc(), DonorReport.id.desc()))


# --- the content --------------------------------------------------------------------------------

@dataclass
class IndicatorRow:
    indicator: ResultIndicator
    name: str                       # in the report's language
    current: IndicatorValue | None  # None when the report has no period to count
    narrative: str
    trend: list[Point]
    trend_labels: list[tuple[str, IndicatorValue]]   # each chart period with its value, for tables


@dataclass
class OutcomeBlock:
    outcome: Outcome
    title: str
    rows: list[IndicatorRow]


@dataclass
class ObjectiveBlock:
    objective: Objective
    title: str
    outcomes: list[OutcomeBlock]


@dataclass
class ReportContent:
    report: DonorReport
    locale: str
    plan_title: str
    project: Project | None
    project_title: str
    period: Period | None           # None: a project report whose project lost its dates
    period_label: str
    objectives: list[ObjectiveBlock] = field(default_factory=list)

    @property
    def rows(self) -> list[IndicatorRow]:
        return [row for objective in self.objectives for outcome in objective.outcomes for row in outcome.rows]


def report_period(report: DonorReport) -> Period | None:
    """The period a report counts: its period key, else its project's dates."""
    if report.period_key:
        return parse_period(report.period_key)
    if report.project is not None:
        return project_period(report.project)
    return None


def trend_periods(period: Period, settings: FrameworkSettings, today: date) -> list[Period]:
    """The periods a chart shows, oldest first: a period report's own kind ending with it (from the
    plan's first year); a project report's quarters over its dates up to today."""
    if isinstance(period, ProjectPeriod):
        last = min(period.end, today)
        found, current = [], period_containing(period.start, PeriodKind.QUARTER)
        while current.start <= last:
            found.append(current)
            current = period_containing(current.end + timedelta(days=1), PeriodKind.QUARTER)
        return found[-PROJECT_TREND_QUARTERS:] or [period]
    periods = recent(period, TREND_LENGTH.get(period.kind, 4))
    return [p for p in periods if p.end.year >= settings.first_year and (p.start <= today or p == period)]


def covered_indicators(report: DonorReport, objectives: list[Objective]) -> list[ResultIndicator]:
    """The indicators a report covers: all of them, or those linked to the report's project."""
    found = [indicator for objective in objectives for outcome in objective.outcomes for indicator in outcome.indicators]
    if report.project_id is not None:
        found = [indicator for indicator in found if any(p.id == report.project_id for p in indicator.projects)]
    return found


def build_content(report: DonorReport, tenant, locale: str, today: date | None = None) -> ReportContent:
    """What the report shows in `locale` (names and titles; labels follow the active Babel locale).
    A constant number of queries whatever the number of indicators."""
    today = today or date.today()
    settings = services.settings_for(tenant.id)
    objectives = services.framework(tenant.id)
    indicators = covered_indicators(report, objectives)
    period = report_period(report)
    project = report.project
    content = ReportContent(report=report, locale=locale, plan_title=settings.title_in(locale), project=project,
                            project_title=f"{project.code} · {project.title_in(locale)}" if project else "",
                            period=period, period_label=period.label if period else "")
    values: dict[str, dict[int, IndicatorValue]] = {}
    chart_periods: list[Period] = []
    if period is not None and indicators:
        chart_periods = trend_periods(period, settings, today)
        asked = chart_periods if period in chart_periods else [period] + chart_periods
        values = services.values_by_period(tenant, indicators, asked, today)
    narratives = {row.indicator_id: row.text for row in report.narratives}
    covered = {indicator.id for indicator in indicators}
    for objective in objectives:
        outcome_blocks = []
        for outcome in objective.outcomes:
            rows = []
            for indicator in outcome.indicators:
                if indicator.id not in covered:
                    continue
                trend = [(short_label(p), values[p.key][indicator.id]) for p in chart_periods]
                rows.append(IndicatorRow(
                    indicator=indicator, name=indicator.name_in(locale),
                    current=values[period.key][indicator.id] if values else None,
                    narrative=narratives.get(indicator.id, ""),
                    trend=[Point(label, found.value, found.target) for label, found in trend], trend_labels=trend))
            if rows:
                outcome_blocks.append(OutcomeBlock(outcome, outcome.title_in(locale), rows))
        if outcome_blocks:
            content.objectives.append(ObjectiveBlock(objective, objective.title_in(locale), outcome_blocks))
    return content


def value_text(value, unit: Unit, locale: str) -> str:
    """A figure as a report prints it in `locale`: Babel's format, "%" for a share, "Reached" or
    "Not reached" for a milestone, a dash for no value."""
    if value is None:
        return "—"
    if unit == Unit.MILESTONE:
        return _("Reached") if value >= 1 else _("Not reached")
    text = format_decimal(value, locale=locale)
    return _("%(value)s%%", value=text) if unit == Unit.PERCENT else text
