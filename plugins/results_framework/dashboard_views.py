"""The results dashboard (each indicator's actual against its target for a chosen period, with its
status and a small trend chart), an indicator's own page (definition, rule, targets, values per
period, breakdown, drill-down to the records behind a computed figure), the indicators in the
global search and the "My work" items of the module (values to enter, periods to freeze).

Query budget: the framework is read in a fixed number of statements (services.framework) and the
values of every period shown come from services.values_by_period: per period one statement for the
hand-entered values and one samaki_indicators call per distinct counting range, however many
indicators the plan has."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask import Blueprint, abort, current_app, g, render_template, request, url_for
from flask_babel import format_currency
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.routing import BuildError

from core.disaggregation import dimension_label, labelled, province_names
from core.errors import DomainError
from core.extensions import db
from core.i18n import current_locale, number_filter, percent_filter
from core.periods import Period, PeriodKind, parse_period, period_containing, previous, recent
from core.permissions import can, registry, require
from core.plugins import SearchHit, WorkItem
from core.search import any_contains
from plugins.results_framework import services
from plugins.results_framework.charts import Point, trend_svg
from plugins.results_framework.dashboard_forms import PeriodForm, chosen_period
from plugins.results_framework.models import (FrameworkSettings, ManualValue, Outcome, ResultIndicator, Snapshot,
                                              Source, Unit)
from plugins.results_framework.services import IndicatorValue, Status

dashboard_bp = Blueprint("results_dashboard", __name__, url_prefix="/t/<tenant_slug>/results",
                         template_folder="templates")

# How many periods of the chosen kind the dashboard's small charts show (fewer at the plan's start).
TREND_LENGTH = {PeriodKind.QUARTER: 8, PeriodKind.YEAR: 5, PeriodKind.FISCAL_YEAR: 5}
VALUES_DUE_DAYS = 15         # a quarter's hand-entered values are due 15 days after it ends
FREEZE_DUE_DAYS = 30         # and the quarter is frozen once they are in
SEARCH_SIZE = 20
WORK_SIZE = 10
# Status -> the badge class of the core stylesheet; the badge always carries the status in words.
STATUS_BADGE = {Status.MET: "ok", Status.ON_TRACK: "ok", Status.AT_RISK: "warn", Status.OFF_TRACK: "late",
                Status.NO_TARGET: "", Status.NO_DATA: ""}
STATUS_COLOUR = {Status.MET: "#127a3a", Status.ON_TRACK: "#127a3a", Status.AT_RISK: "#a15c00",
                 Status.OFF_TRACK: "#b42318", Status.NO_TARGET: "#0b5cad", Status.NO_DATA: "#5b6575"}


def tenant_today(tenant) -> date:
    return tenant.today()


def plan_settings(tenant_id: int, today: date) -> FrameworkSettings:
    """The tenant's plan settings; an unsaved five-year plan from this year when there are none yet
    (a page never writes)."""
    found = db.session.execute(select(FrameworkSettings).where(FrameworkSettings.tenant_id == tenant_id)
                               ).scalar_one_or_none()
    return found or FrameworkSettings(tenant_id=tenant_id, first_year=today.year,
                                      last_year=today.year + services.PLAN_YEARS - 1, fiscal_start_month=7)


# --- showing figures ------------------------------------------------------------------------------

def figure_text(value: Decimal | None, unit: Unit) -> str:
    """A value in the reader's language with its unit."""
    if value is None:
        return "—"
    if unit == Unit.PERCENT:
        return percent_filter(value)
    if unit == Unit.USD:
        return format_currency(value, "USD")
    if unit == Unit.MILESTONE:
        return _("Reached") if value >= 1 else _("Not reached")
    return number_filter(value)


def may_follow(value: IndicatorValue) -> bool:
    """Whether the reader may follow a computed figure's drill-down link: the module's page needs
    `value.permission`, and a link without a known permission is never shown."""
    return bool(value.url and value.permission and value.permission in registry().permissions
                and can(value.permission))


def values_page_url(tenant, indicator: ResultIndicator, period_key: str = "") -> str:
    """The page where a manual indicator's values are entered (results_framework.values), or ""
    while that page is not mounted."""
    arguments = {"period": period_key} if period_key else {}
    try:
        return url_for("results_framework.values", tenant_slug=tenant.slug, indicator_id=indicator.id,
                       **arguments)
    except BuildError:
        return ""


def freeze_page_url(tenant, period: Period) -> str:
    """The page that freezes a period, or the snapshots list, or "" while neither is mounted."""
    for endpoint in ("results_snapshots.freeze", "results_snapshots.new", "results_snapshots.index"):
        if endpoint in current_app.view_functions:
            try:
                return url_for(endpoint, tenant_slug=tenant.slug, kind=period.kind.value, period=period.key)
            except BuildError:
                continue
    return ""


def chart_for(indicator: ResultIndicator, values: list[IndicatorValue], ident: str, status: Status) -> Markup:
    locale = current_locale()
    parts = [_("%(period)s: %(value)s, target %(target)s", period=value.period.label,
               value=figure_text(value.value, indicator.unit), target=figure_text(value.target, indicator.unit))
             for value in values]
    return trend_svg([Point(value.period.label, value.value, value.target) for value in values],
                     title=_("%(code)s %(name)s by period", code=indicator.code, name=indicator.name_in(locale)),
                     description="; ".join(parts), ident=ident, colour=STATUS_COLOUR[status])


# --- the dashboard --------------------------------------------------------------------------------

@dataclass
class IndicatorRow:
    """One indicator on the dashboard: its value for the chosen period and the trend before it."""

    indicator: ResultIndicator
    current: IndicatorValue
    trend: list[IndicatorValue]
    chart: Markup


@dataclass
class OutcomeRows:
    outcome: Outcome
    rows: list[IndicatorRow] = field(default_factory=list)


def trend_periods(period: Period, settings: FrameworkSettings) -> list[Period]:
    """The last few periods of the chosen kind that lie in the plan, ending with the chosen one."""
    return [found for found in recent(period, TREND_LENGTH[period.kind]) if found.start.year >= settings.first_year]


def dashboard_rows(tenant, period: Period, settings: FrameworkSettings, today: date) -> list[tuple]:
    """(objective, [OutcomeRows]) in the plan's order, every figure read at once."""
    objectives = services.framework(tenant.id)
    indicators = [indicator for objective in objectives for outcome in objective.outcomes
                  for indicator in outcome.indicators]
    periods = trend_periods(period, settings)
    by_period = services.values_by_period(tenant, indicators, periods, today) if indicators else {}
    found = []
    for objective in objectives:
        outcomes = []
        for outcome in objective.outcomes:
            rows = OutcomeRows(outcome)
            for indicator in outcome.indicators:
                trend = [by_period[item.key][indicator.id] for item in periods]
                current = trend[-1]
                rows.rows.append(IndicatorRow(indicator, current, trend,
                                              chart_for(indicator, trend, f"trend-{indicator.id}", current.status)))
            outcomes.append(rows)
        found.append((objective, outcomes))
    return found


def status_badge(status: Status) -> Markup:
    """A status in words, coloured by the core's badge classes (never colour alone)."""
    css = f"badge {STATUS_BADGE[status]}".strip()
    return Markup('<span class="{}">{}</span>').format(css, status.label)


def _helpers() -> dict:
    return {"figure_text": figure_text, "status_badge": status_badge, "may_follow": may_follow,
            "period_label": period_label, "dimension_label": dimension_label}


def period_label(key: str) -> str:
    try:
        return parse_period(key).label
    except DomainError:
        return key


def _page_period(settings: FrameworkSettings, today: date) -> tuple[PeriodForm, Period | None]:
    form = PeriodForm(request.args)
    period = chosen_period(form, settings, today)
    form.fill_choices(settings, period)
    return form, period


@dashboard_bp.get("/")
@require("results.view")
def index() -> tuple[str, int] | str:
    today = tenant_today(g.tenant)
    settings = plan_settings(g.tenant.id, today)
    form, period = _page_period(settings, today)
    if period is None:
        return render_template("results_framework/dashboard/index.html", form=form, period=None, objectives=[],
                               settings=settings, **_helpers()), 422
    return render_template("results_framework/dashboard/index.html", form=form, period=period, settings=settings,
                           objectives=dashboard_rows(g.tenant, period, settings, today), **_helpers())


# --- one indicator --------------------------------------------------------------------------------

def get_indicator(indicator_id: int) -> ResultIndicator:
    """The tenant's indicator (404 for any other), with its outcome, objective and targets."""
    found = db.session.execute(
        select(ResultIndicator).where(ResultIndicator.id == indicator_id, ResultIndicator.tenant_id == g.tenant.id)
        .options(joinedload(ResultIndicator.outcome).joinedload(Outcome.objective),
                 selectinload(ResultIndicator.targets), joinedload(ResultIndicator.responsible))
    ).unique().scalar_one_or_none()
    if found is None:
        abort(404)
    return found




@dashboard_bp.get("/indicators/<int:indicator_id>")
@require("results.view")
def indicator(indicator_id: int) -> tuple[str, int] | str:
    found = get_indicator(indicator_id)
    today = tenant_today(g.tenant)
    settings = plan_settings(g.tenant.id, today)
    form, period = _page_period(settings, today)
    context = {"indicator": found, "form": form, "period": period, "settings": settings,
               "values_url": values_page_url(g.tenant, found, period.key if period else "")
               if found.source == Source.MANUAL else "", "may_edit": can("results.edit"), **_helpers()}
    if period is None:
        return render_template("results_framework/dashboard/indicator.html", rows=[], current=None, chart="",
                               breakdown=[], **context), 422
    # Every period of the plan of the chosen kind; those not started yet show their target only.
    periods = services.plan_periods(settings, period.kind)
    if period not in periods:
        periods = sorted(periods + [period])
    started = [item for item in periods if item.start <= today or item == period]
    values = services.values_by_period(g.tenant, [found], started, today)
    rows = [values[item.key][found.id] if item.key in values else
            IndicatorValue(found, item, None, services.target_for(found, item)) for item in periods]
    current = values[period.key][found.id]
    chart = chart_for(found, rows, "trend-detail", current.status)
    breakdown = labelled(current.breakdown, province_names([current.breakdown], current_locale()))
    return render_template("results_framework/dashboard/indicator.html", rows=rows, current=current, chart=chart,
                           breakdown=breakdown, **context)


# --- search and my work ---------------------------------------------------------------------------

def search_hits(tenant, query: str) -> list[SearchHit]:
    """Indicators whose code or name (English or Khmer) contains `query`, for readers of the results."""
    text = (query or "").strip()
    if not text or not can("results.view"):
        return []
    locale = current_locale()
    rows = db.session.execute(
        select(ResultIndicator.id, ResultIndicator.code, ResultIndicator.name_en, ResultIndicator.name_km,
               Outcome.code.label("outcome_code"), Outcome.title_en, Outcome.title_km)
        .join(Outcome, Outcome.id == ResultIndicator.outcome_id)
        .where(ResultIndicator.tenant_id == tenant.id,
               any_contains([ResultIndicator.code, ResultIndicator.name_en, ResultIndicator.name_km], text))
        .order_by(ResultIndicator.code, ResultIndicator.id).limit(SEARCH_SIZE)).all()
    return [SearchHit(title=f"{row.code} · {row.name_km if locale == 'km' and row.name_km else row.name_en}",
                      url=url_for("results_dashboard.indicator", tenant_slug=tenant.slug, indicator_id=row.id),
                      kind=_("Indicator"),
                      snippet=f"{row.outcome_code} · {row.title_km if locale == 'km' and row.title_km else row.title_en}",
                      score=1.0 if row.code.lower() == text.lower() else 0.0)
            for row in rows]


def _user_may(tenant, user, name: str) -> bool:
    """Whether `user` may do `name` in `tenant` (the request's membership when it is theirs)."""
    from core.models import Membership
    membership = g.get("membership")
    if membership is None or membership.user_id != user.id or membership.tenant_id != tenant.id:
        membership = db.session.execute(select(Membership).where(
            Membership.user_id == user.id, Membership.tenant_id == tenant.id)).scalar_one_or_none()
    return bool(membership is not None and membership.is_active and registry().role_has(membership.role, name))


def last_ended_quarter(today: date) -> Period:
    return previous(period_containing(today, PeriodKind.QUARTER))


def my_work(tenant, user, today: date | None = None) -> list[WorkItem]:
    """For `user`: the manual indicators they are responsible for with no value for the last quarter
    that ended (due 15 days after it), and that quarter to freeze when they may freeze periods and
    it is not frozen yet. Three statements at most."""
    if user is None or not getattr(user, "id", None) or not _user_may(tenant, user, "results.view"):
        return []
    today = today or tenant_today(tenant)
    settings = db.session.execute(select(FrameworkSettings).where(FrameworkSettings.tenant_id == tenant.id)
                                  ).scalar_one_or_none()
    quarter = last_ended_quarter(today)
    if settings is None or not settings.first_year <= quarter.start.year <= settings.last_year:
        return []
    locale = current_locale()
    entered = exists().where(ManualValue.indicator_id == ResultIndicator.id, ManualValue.period_key == quarter.key)
    missing = db.session.execute(
        select(ResultIndicator).where(ResultIndicator.tenant_id == tenant.id, ResultIndicator.responsible_id == user.id,
                                      ResultIndicator.source == Source.MANUAL, ~entered)
        .order_by(ResultIndicator.code, ResultIndicator.id).limit(WORK_SIZE)).scalars().all()
    may_edit = _user_may(tenant, user, "results.edit")
    items = []
    for indicator in missing:
        url = (values_page_url(tenant, indicator, quarter.key) if may_edit else "") or \
            url_for("results_dashboard.indicator", tenant_slug=tenant.slug, indicator_id=indicator.id,
                    kind=PeriodKind.QUARTER.value, period=quarter.key)
        items.append(WorkItem(
            title=_("%(code)s %(name)s: value for %(period)s", code=indicator.code, name=indicator.name_in(locale),
                    period=quarter.label),
            url=url, kind=_("Indicator value"), due_on=quarter.end + timedelta(days=VALUES_DUE_DAYS),
            note=_("No value entered for %(period)s", period=quarter.label)))
    if _user_may(tenant, user, "results.freeze"):
        frozen = exists().where(Snapshot.tenant_id == tenant.id, Snapshot.period_key == quarter.key)
        has_indicators = exists().where(ResultIndicator.tenant_id == tenant.id)
        if db.session.execute(select(has_indicators & ~frozen)).scalar():
            items.append(WorkItem(
                title=_("Freeze %(period)s", period=quarter.label),
                url=freeze_page_url(tenant, quarter) or url_for("results_dashboard.index", tenant_slug=tenant.slug,
                                                        kind=PeriodKind.QUARTER.value, period=quarter.key),
                kind=_("Period to freeze"), due_on=quarter.end + timedelta(days=FREEZE_DUE_DAYS),
                note=_("Not frozen yet")))
    return items
