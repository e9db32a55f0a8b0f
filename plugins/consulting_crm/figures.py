"""Pipeline figures of the consulting enterprise: the weighted pipeline by expected month and by
stage, the win rate, the average days an opportunity spends in each stage, revenue and margin by
client type and year; the results-framework indicators, the dashboard card and the search hits.

Every amount is in US dollars at the rate recorded on its own row (services.in_usd), so totals are
reproducible. `compute(filters, tenant_id)` reads everything in a fixed number of SQL statements
(one per table; the engagements' costs from engagements.margins, summed in SQL) whatever the number
of rows; the figures are then
added up in Python with Decimal. Nobody is named: the figures hold titles and amounts only.

Conventions (also shown on the page):
- Pipeline: open opportunities (stage outcome "open"), value × probability, counted in the month of
  their expected start, else of their submission deadline; with a period chosen, those whose month
  lies outside it are left out, those with neither date are always shown (under "No date").
- Win rate: won ÷ (won + lost) among opportunities closed (won or lost) in the period, by count and
  by estimated value.
- Days per stage: from the stage moves. A stay starts when the opportunity enters a stage (its
  creation for the first stage) and ends with the next move; the current stage of an open
  opportunity counts up to now, the final won or lost stage is not a stay. A stay counts in the
  period in which it started.
- Revenue: invoices issued or paid, amounts excluding VAT (the subtotal), by year of issue.
  Contract value and margin: engagements (not cancelled) by the year they start (else were
  created); margin = contract value − actual cost, actual cost = timesheet days × the assignment's
  day rate + expenses; planned cost = planned days × day rate."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from flask import url_for
from flask_babel import format_currency
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, true

from core.web import page_url
from core.periods import period_bounds
from core.extensions import db
from core.i18n import current_locale
from core.plugins import Indicator, SearchHit, Widget
from core.registers.models import Contact
from core.search import any_contains
from core.tenancy import current_tenant_id, tenant_scope
from plugins.consulting_crm import engagements, services
from plugins.consulting_crm.models import (ClientProfile, ClientType, Currency, Deliverable,
                                           DeliverableStatus, Engagement, EngagementStatus, Invoice, InvoiceStatus,
                                           Opportunity, Payment, Stage, StageMove, StageOutcome)

ZERO = Decimal("0")
DEADLINE_DAYS = 14
WIDGET_SIZE = 5
SEARCH_SIZE = 20
REVENUE_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PAID)
SECONDS_PER_DAY = 86400


# --- what the figures cover ------------------------------------------------------------------------

@dataclass(frozen=True)
class FigureFilters:
    """A year, or a period between two dates (both included; either may be open); the opportunity's
    owner (for engagements and invoices: their opportunity's owner); the client's type."""

    year: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    owner_id: int | None = None
    client_type: ClientType | None = None

    @property
    def bounds(self) -> tuple[date | None, date | None]:
        if self.year:
            return date(self.year, 1, 1), date(self.year, 12, 31)
        return self.date_from, self.date_to

    def covers(self, day: date | None) -> bool:
        start, end = self.bounds
        return day is not None and (start is None or day >= start) and (end is None or day <= end)


def _in_bounds(column, bounds: tuple[date | None, date | None]):
    start, end = bounds
    conditions = []
    if start is not None:
        conditions.append(column >= start)
    if end is not None:
        conditions.append(column <= end)
    return and_(true(), *conditions)


# --- the figures -------------------------------------------------------------------------------------

def percent(part: Decimal | int, whole: Decimal | int) -> float | None:
    return round(100.0 * float(part) / float(whole), 1) if whole else None


def usd_cents(value: Decimal) -> Decimal:
    return services.cents(value)


@dataclass
class PipelineRow:
    """Open opportunities of one expected month (`key` "2026-03", "" for no date) or one stage
    (`key` its code): how many, their value and their weighted value in USD."""

    key: str
    label: str
    opportunities: int = 0
    value_usd: Decimal = ZERO
    weighted_usd: Decimal = ZERO
    month: date | None = None              # the first day of the month (month rows)

    def add(self, value_usd: Decimal, weighted_usd: Decimal) -> None:
        self.opportunities += 1
        self.value_usd += value_usd
        self.weighted_usd += weighted_usd

    def rounded(self) -> PipelineRow:
        return PipelineRow(self.key, self.label, self.opportunities, usd_cents(self.value_usd),
                           usd_cents(self.weighted_usd), self.month)


@dataclass
class WinRate:
    """Opportunities closed in the period: how many were won and lost, and their estimated values."""

    won: int = 0
    lost: int = 0
    won_usd: Decimal = ZERO
    lost_usd: Decimal = ZERO
    without_value: int = 0                 # closed ones whose value cannot be told in USD

    @property
    def closed(self) -> int:
        return self.won + self.lost

    @property
    def by_count(self) -> float | None:
        return percent(self.won, self.closed)

    @property
    def by_value(self) -> float | None:
        return percent(self.won_usd, self.won_usd + self.lost_usd)


@dataclass
class StageDays:
    """The stays in one stage that started in the period and their average length in days."""

    code: str
    label: str
    stays: int = 0
    still_open: int = 0                    # stays not over yet (counted up to now)
    total_days: float = 0.0

    @property
    def average_days(self) -> float | None:
        return round(self.total_days / self.stays, 1) if self.stays else None


@dataclass
class EngagementMargin:
    """One engagement's contract value and costs in USD at its recorded rate."""

    id: int
    title: str
    client_type: str                       # ClientType value, "" when the client has no profile
    year: int
    status: EngagementStatus
    contract_usd: Decimal
    planned_cost_usd: Decimal
    actual_cost_usd: Decimal

    @property
    def planned_margin_usd(self) -> Decimal:
        return self.contract_usd - self.planned_cost_usd

    @property
    def margin_usd(self) -> Decimal:
        return self.contract_usd - self.actual_cost_usd

    @property
    def margin_percent(self) -> float | None:
        return percent(self.margin_usd, self.contract_usd)


@dataclass
class RevenueRow:
    """One year and client type: invoiced (excluding VAT) and the engagements' contract value,
    costs and margin (those starting that year)."""

    year: int
    client_type: str
    label: str
    invoiced_usd: Decimal = ZERO
    invoices: int = 0
    engagements: int = 0
    contract_usd: Decimal = ZERO
    planned_cost_usd: Decimal = ZERO
    actual_cost_usd: Decimal = ZERO

    @property
    def planned_margin_usd(self) -> Decimal:
        return self.contract_usd - self.planned_cost_usd

    @property
    def margin_usd(self) -> Decimal:
        return self.contract_usd - self.actual_cost_usd

    @property
    def margin_percent(self) -> float | None:
        return percent(self.margin_usd, self.contract_usd)


@dataclass
class PipelineFigures:
    filters: FigureFilters
    by_month: list[PipelineRow]
    by_stage: list[PipelineRow]
    pipeline: PipelineRow                  # the total of the open opportunities shown
    not_in_usd: int                        # open ones left out: no value, or riel without a rate
    win_rate: WinRate
    stage_days: list[StageDays]
    revenue: list[RevenueRow]
    engagements: list[EngagementMargin]
    invoiced_usd: Decimal = ZERO
    contract_usd: Decimal = ZERO
    actual_cost_usd: Decimal = ZERO
    planned_cost_usd: Decimal = ZERO
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def margin_usd(self) -> Decimal:
        return self.contract_usd - self.actual_cost_usd

    @property
    def planned_margin_usd(self) -> Decimal:
        return self.contract_usd - self.planned_cost_usd

    @property
    def margin_percent(self) -> float | None:
        return percent(self.margin_usd, self.contract_usd)

    @property
    def is_empty(self) -> bool:
        return not (self.pipeline.opportunities or self.not_in_usd or self.win_rate.closed or self.revenue
                    or any(row.stays for row in self.stage_days))


# --- the queries ------------------------------------------------------------------------------------

def _client_type_of(contact_id_column):
    """SQL: the client type of the client contact (NULL without a profile)."""
    return (select(ClientProfile.client_type).where(ClientProfile.contact_id == contact_id_column)
            .limit(1).scalar_subquery())


def _opportunity_filters(filters: FigureFilters, tenant_id: int) -> list:
    conditions = [Opportunity.tenant_id == tenant_id]
    if filters.owner_id:
        conditions.append(Opportunity.owner_id == filters.owner_id)
    if filters.client_type:
        conditions.append(_client_type_of(Opportunity.client_id) == filters.client_type)
    return conditions


def _engagement_filters(filters: FigureFilters, tenant_id: int) -> list:
    conditions = [Engagement.tenant_id == tenant_id]
    if filters.owner_id:
        conditions.append(Engagement.opportunity_id.in_(
            select(Opportunity.id).where(Opportunity.owner_id == filters.owner_id)))
    if filters.client_type:
        conditions.append(_client_type_of(Engagement.client_id) == filters.client_type)
    return conditions


def _stages(tenant_id: int) -> list[Stage]:
    return list(db.session.scalars(select(Stage).where(Stage.tenant_id == tenant_id)
                                   .order_by(Stage.position, Stage.id)))


def _opportunity_rows(filters: FigureFilters, tenant_id: int):
    """Every opportunity the owner and client-type filters select, with what the pipeline, the win
    rate and the days per stage need (the period is applied per figure)."""
    return db.session.execute(
        select(Opportunity.id, Opportunity.stage_id, Stage.outcome, Opportunity.currency,
               Opportunity.estimated_value, Opportunity.khr_per_usd, Opportunity.probability,
               Opportunity.expected_start_on, Opportunity.submission_due_on, Opportunity.closed_on,
               Opportunity.created_at, Opportunity.stage_entered_at)
        .join(Stage, Stage.id == Opportunity.stage_id)
        .where(*_opportunity_filters(filters, tenant_id)).order_by(Opportunity.id)).all()


def _move_rows(filters: FigureFilters, tenant_id: int):
    return db.session.execute(
        select(StageMove.opportunity_id, StageMove.from_stage_id, StageMove.to_stage_id, StageMove.moved_at)
        .join(Opportunity, Opportunity.id == StageMove.opportunity_id)
        .where(*_opportunity_filters(filters, tenant_id))
        .order_by(StageMove.opportunity_id, StageMove.moved_at, StageMove.id)).all()


def _invoice_rows(filters: FigureFilters, tenant_id: int):
    """Invoices counted as revenue: issued or paid, issued in the period."""
    return db.session.execute(
        select(Invoice.id, Invoice.issued_on, Invoice.currency, Invoice.khr_per_usd, Invoice.subtotal,
               _client_type_of(Engagement.client_id).label("client_type"))
        .join(Engagement, Engagement.id == Invoice.engagement_id)
        .where(Invoice.tenant_id == tenant_id, Invoice.status.in_(REVENUE_STATUSES), Invoice.issued_on.is_not(None),
               _in_bounds(Invoice.issued_on, filters.bounds), *_engagement_filters(filters, tenant_id))
        .order_by(Invoice.issued_on, Invoice.id)).all()


def _engagement_year():
    """SQL: the date an engagement counts in: its start, else the day it was recorded."""
    return func.coalesce(Engagement.starts_on, func.date(Engagement.created_at))


def _engagement_query(filters: FigureFilters, tenant_id: int):
    return (select(Engagement.id).where(Engagement.status != EngagementStatus.CANCELLED,
                                        _in_bounds(_engagement_year(), filters.bounds),
                                        *_engagement_filters(filters, tenant_id)))


def _engagement_rows(selected):
    return db.session.execute(
        select(Engagement.id, Engagement.title, Engagement.status, Engagement.currency, Engagement.khr_per_usd,
               Engagement.contract_value, Engagement.starts_on, Engagement.created_at,
               _client_type_of(Engagement.client_id).label("client_type"))
        .where(Engagement.id.in_(selected)).order_by(Engagement.starts_on, Engagement.id)).all()


# --- counting ----------------------------------------------------------------------------------------

def _usd(amount, currency: Currency, khr_per_usd) -> Decimal | None:
    return services.in_usd(None if amount is None else Decimal(str(amount)), currency,
                           None if khr_per_usd is None else Decimal(str(khr_per_usd)))


def _month_label(month: date | None) -> str:
    if month is None:
        return _("No date")
    from flask_babel import format_date
    return format_date(month, "MMMM y")


def _pipeline(rows, stages: dict[int, Stage], filters: FigureFilters, locale: str):
    months: dict[date | None, PipelineRow] = {}
    by_stage = {stage.id: PipelineRow(stage.code, stage.name_in(locale)) for stage in stages.values()
                if stage.outcome is StageOutcome.OPEN}
    total = PipelineRow("", _("Total"))
    not_in_usd = 0
    for row in rows:
        if row.outcome is not StageOutcome.OPEN:
            continue
        expected = row.expected_start_on or row.submission_due_on
        if expected is not None and not filters.covers(expected) and any(filters.bounds):
            continue
        value = _usd(row.estimated_value, row.currency, row.khr_per_usd)
        if value is None:
            not_in_usd += 1
            continue
        weighted = value * Decimal(row.probability) / Decimal(100)
        month = expected.replace(day=1) if expected else None
        if month not in months:
            months[month] = PipelineRow(month.strftime("%Y-%m") if month else "", _month_label(month), month=month)
        months[month].add(value, weighted)
        if row.stage_id not in by_stage:      # an open stage switched off since
            stage = stages[row.stage_id]
            by_stage[row.stage_id] = PipelineRow(stage.code, stage.name_in(locale))
        by_stage[row.stage_id].add(value, weighted)
        total.add(value, weighted)
    ordered_months = sorted(months.values(), key=lambda r: (r.month is None, r.month or date.min))
    return ([row.rounded() for row in ordered_months], [row.rounded() for row in by_stage.values()],
            total.rounded(), not_in_usd)


def _win_rate(rows, filters: FigureFilters) -> WinRate:
    result = WinRate()
    period_chosen = any(filters.bounds)
    for row in rows:
        if row.outcome is StageOutcome.OPEN or (period_chosen and not filters.covers(row.closed_on)):
            continue
        value = _usd(row.estimated_value, row.currency, row.khr_per_usd)
        if value is None:
            result.without_value += 1
        if row.outcome is StageOutcome.WON:
            result.won += 1
            result.won_usd += value or ZERO
        else:
            result.lost += 1
            result.lost_usd += value or ZERO
    result.won_usd, result.lost_usd = usd_cents(result.won_usd), usd_cents(result.lost_usd)
    return result


def stays(opportunity, moves, stage_outcomes: dict[int, StageOutcome], now: datetime):
    """(stage id, entered at, left at or None while still in it) of one opportunity; the final won
    or lost stage is not a stay."""
    found = []
    if moves:
        if moves[0].from_stage_id is not None:
            found.append((moves[0].from_stage_id, opportunity.created_at, moves[0].moved_at, False))
        for move, following in zip(moves, [*moves[1:], None]):
            if following is not None:
                found.append((move.to_stage_id, move.moved_at, following.moved_at, False))
            elif stage_outcomes.get(move.to_stage_id) is StageOutcome.OPEN:
                found.append((move.to_stage_id, move.moved_at, now, True))
    elif opportunity.outcome is StageOutcome.OPEN:
        found.append((opportunity.stage_id, opportunity.stage_entered_at, now, True))
    return found


def _stage_days(rows, moves, stages: dict[int, Stage], filters: FigureFilters, now: datetime,
                locale: str) -> list[StageDays]:
    by_opportunity: dict[int, list] = defaultdict(list)
    for move in moves:
        by_opportunity[move.opportunity_id].append(move)
    outcomes = {stage_id: stage.outcome for stage_id, stage in stages.items()}
    result = {stage.id: StageDays(stage.code, stage.name_in(locale)) for stage in stages.values()
              if stage.outcome is StageOutcome.OPEN}
    for row in rows:
        for stage_id, entered, left, still_open in stays(row, by_opportunity.get(row.id, []), outcomes, now):
            if any(filters.bounds) and not filters.covers(entered.date()):
                continue
            if stage_id not in result:
                stage = stages[stage_id]
                result[stage_id] = StageDays(stage.code, stage.name_in(locale))
            figures = result[stage_id]
            figures.stays += 1
            figures.still_open += still_open
            figures.total_days += max((left - entered).total_seconds(), 0) / SECONDS_PER_DAY
    return list(result.values())


def client_type_label(value: str | None) -> str:
    return str(ClientType(value).label) if value else _("Client type not recorded")


def _engagement_margins(rows, costs) -> list[EngagementMargin]:
    result = []
    for row in rows:
        planned, actual = costs.get(row.id, (ZERO, ZERO))
        rate = row.khr_per_usd
        contract = _usd(row.contract_value, row.currency, rate)
        counted_on = row.starts_on or row.created_at.date()
        if contract is None:                  # riel without a rate: cannot be told in dollars
            continue
        result.append(EngagementMargin(
            id=row.id, title=row.title, client_type=_type_value(row.client_type), year=counted_on.year,
            status=row.status, contract_usd=usd_cents(contract),
            planned_cost_usd=usd_cents(_usd(planned, row.currency, rate) or ZERO),
            actual_cost_usd=usd_cents(_usd(actual, row.currency, rate) or ZERO)))
    return result


def _type_value(value) -> str:
    if value is None:
        return ""
    return value.value if isinstance(value, ClientType) else ClientType(value).value


def _revenue(invoices, engagements: list[EngagementMargin]) -> list[RevenueRow]:
    rows: dict[tuple[int, str], RevenueRow] = {}

    def row_for(year: int, client_type: str) -> RevenueRow:
        if (year, client_type) not in rows:
            rows[(year, client_type)] = RevenueRow(year, client_type, client_type_label(client_type))
        return rows[(year, client_type)]

    for invoice in invoices:
        amount = _usd(invoice.subtotal, invoice.currency, invoice.khr_per_usd)
        if amount is None:
            continue
        row = row_for(invoice.issued_on.year, _type_value(invoice.client_type))
        row.invoiced_usd += amount
        row.invoices += 1
    for engagement in engagements:
        row = row_for(engagement.year, engagement.client_type)
        row.engagements += 1
        row.contract_usd += engagement.contract_usd
        row.planned_cost_usd += engagement.planned_cost_usd
        row.actual_cost_usd += engagement.actual_cost_usd
    for row in rows.values():
        row.invoiced_usd = usd_cents(row.invoiced_usd)
    return sorted(rows.values(), key=lambda r: (-r.year, r.client_type == "", r.label.casefold()))


def compute(filters: FigureFilters, tenant_id: int | None = None, *, now: datetime | None = None) -> PipelineFigures:
    """The pipeline figures of the current tenant (or `tenant_id`) for the filters; `now` (aware)
    ends the stays still going on (default: this moment)."""
    tenant_id = tenant_id if tenant_id is not None else current_tenant_id()
    if tenant_id is None:
        raise RuntimeError("compute() needs a tenant")
    with tenant_scope(tenant_id):
        return _compute(filters, tenant_id, now or datetime.now(UTC))


def _compute(filters: FigureFilters, tenant_id: int, now: datetime) -> PipelineFigures:
    locale = current_locale()
    stages = {stage.id: stage for stage in _stages(tenant_id)}
    opportunities = _opportunity_rows(filters, tenant_id)
    moves = _move_rows(filters, tenant_id)
    invoices = _invoice_rows(filters, tenant_id)
    selected = _engagement_query(filters, tenant_id)
    engagement_rows = _engagement_rows(selected)
    costs = {engagement_id: (margin.planned_cost, margin.actual_cost)
             for engagement_id, margin in engagements.margins([row.id for row in engagement_rows]).items()}
    by_month, by_stage, total, not_in_usd = _pipeline(opportunities, stages, filters, locale)
    margins = _engagement_margins(engagement_rows, costs)
    revenue = _revenue(invoices, margins)
    return PipelineFigures(
        filters=filters, by_month=by_month, by_stage=by_stage, pipeline=total, not_in_usd=not_in_usd,
        win_rate=_win_rate(opportunities, filters),
        stage_days=_stage_days(opportunities, moves, stages, filters, now, locale),
        revenue=revenue, engagements=margins,
        invoiced_usd=sum((row.invoiced_usd for row in revenue), ZERO),
        contract_usd=sum((row.contract_usd for row in margins), ZERO),
        actual_cost_usd=sum((row.actual_cost_usd for row in margins), ZERO),
        planned_cost_usd=sum((row.planned_cost_usd for row in margins), ZERO), generated_at=now)


# --- indicators -------------------------------------------------------------------------------------------



def delivered_engagements(tenant_id: int, start: date, end: date) -> int:
    """Engagements delivered or closed whose delivery date lies in the period: the day their last
    deliverable was accepted, else their end date (the model records no status-change date)."""
    accepted = (select(Deliverable.engagement_id.label("engagement_id"),
                       func.max(Deliverable.accepted_on).label("accepted_on"))
                .where(Deliverable.status == DeliverableStatus.ACCEPTED)
                .group_by(Deliverable.engagement_id).subquery())
    delivered_on = func.coalesce(accepted.c.accepted_on, Engagement.ends_on)
    return db.session.execute(
        select(func.count()).select_from(Engagement).outerjoin(accepted, accepted.c.engagement_id == Engagement.id)
        .where(Engagement.tenant_id == tenant_id,
               Engagement.status.in_((EngagementStatus.DELIVERED, EngagementStatus.CLOSED)),
               delivered_on >= start, delivered_on <= end)).scalar_one()


def indicators(tenant, period) -> list[Indicator]:
    """Engagements delivered, revenue invoiced (USD, excluding VAT) and the win rate (by count) in
    the period, counted as on the figures page, each linking to that page for the same period.
    Nobody is counted, so there is no disaggregation."""
    start, end = period_bounds(period)
    filters = FigureFilters(date_from=start, date_to=end)
    with tenant_scope(tenant.id):
        delivered = delivered_engagements(tenant.id, start, end)
        revenue = sum((_usd(row.subtotal, row.currency, row.khr_per_usd) or ZERO
                       for row in _invoice_rows(filters, tenant.id)), ZERO)
        win_rate = _win_rate(_opportunity_rows(filters, tenant.id), filters)
    link = {"url": page_url("consulting_figures.index", tenant, date_from=start.isoformat(),
                            date_to=end.isoformat()),
            "permission": "consulting.view"}
    return [
        Indicator("consulting.engagements_delivered", _l("Consulting engagements delivered"), delivered,
                  unit=_("engagements"), **link),
        Indicator("consulting.revenue", _l("Consulting revenue invoiced (excluding VAT)"),
                  float(usd_cents(revenue)), unit="USD", **link),
        Indicator("consulting.win_rate", _l("Win rate of the opportunities closed"), win_rate.by_count or 0.0,
                  unit="%", **link),
    ]




# --- dashboard ------------------------------------------------------------------------------------------

def tenant_today(tenant) -> date:
    return tenant.today()




def money_text(amount: Decimal, currency: Currency | str) -> str:
    """An amount in the reader's language with its currency sign (riel without decimals)."""
    code = Currency(currency).value
    if code == Currency.KHR.value:
        from babel import Locale
        from flask_babel import get_locale
        pattern = (get_locale() or Locale.parse("en")).currency_formats["standard"].pattern.replace(".00", "")
        return format_currency(amount, code, format=pattern, currency_digits=False)
    return format_currency(amount, code)


def upcoming_deadlines(today: date, days: int = DEADLINE_DAYS) -> list[dict]:
    """Question and submission deadlines of open opportunities from today to `days` ahead, soonest
    first (one statement)."""
    last = today + timedelta(days=days)
    rows = db.session.execute(
        select(Opportunity.id, Opportunity.title, Opportunity.call_reference, Opportunity.questions_due_on,
               Opportunity.submission_due_on)
        .join(Stage, Stage.id == Opportunity.stage_id)
        .where(Stage.outcome == StageOutcome.OPEN, or_(
            and_(Opportunity.questions_due_on >= today, Opportunity.questions_due_on <= last),
            and_(Opportunity.submission_due_on >= today, Opportunity.submission_due_on <= last)))).all()
    found = []
    for row in rows:
        for kind, due_on in (("questions", row.questions_due_on), ("submission", row.submission_due_on)):
            if due_on is not None and today <= due_on <= last:
                found.append({"on": due_on, "kind": kind, "id": row.id, "title": row.title,
                              "reference": row.call_reference, "days": (due_on - today).days})
    return sorted(found, key=lambda item: (item["on"], item["kind"] != "questions", item["id"]))


def overdue_invoices(today: date):
    """Issued invoices past their due date with a balance left, most overdue first (one statement)."""
    paid = (select(Payment.invoice_id.label("invoice_id"), func.sum(Payment.amount).label("paid"))
            .group_by(Payment.invoice_id).subquery())
    balance = (Invoice.amount_due - func.coalesce(paid.c.paid, 0)).label("balance")
    return db.session.execute(
        select(Invoice.id, Invoice.number, Invoice.due_on, Invoice.currency, Invoice.buyer_name, balance)
        .outerjoin(paid, paid.c.invoice_id == Invoice.id)
        .where(Invoice.status == InvoiceStatus.ISSUED, Invoice.due_on < today,
               Invoice.amount_due - func.coalesce(paid.c.paid, 0) > 0)
        .order_by(Invoice.due_on, Invoice.id)).all()


def dashboard_widgets(tenant, user) -> list[Widget]:
    """One light card: the deadlines of the next fortnight and the overdue invoices (two statements)."""
    from core.permissions import can
    if not can("consulting.view"):
        return []
    with tenant_scope(tenant.id):
        today = tenant_today(tenant)
        deadlines = upcoming_deadlines(today)
        overdue = overdue_invoices(today)
    kinds = {"questions": _("Questions due"), "submission": _("Submission due")}
    context = {
        "days": DEADLINE_DAYS,
        "deadlines": [{**item, "kind_label": kinds[item["kind"]],
                       "url": page_url("consulting_opportunities.detail", tenant, opportunity_id=item["id"])}
                      for item in deadlines[:WIDGET_SIZE]],
        "deadline_total": len(deadlines),
        "overdue": [{"number": row.number or "", "buyer": row.buyer_name, "due_on": row.due_on,
                     "days_late": (today - row.due_on).days,
                     "balance": money_text(Decimal(str(row.balance)), row.currency),
                     "url": page_url("consulting_invoices.detail", tenant, invoice_id=row.id)}
                    for row in overdue[:WIDGET_SIZE]],
        "overdue_total": len(overdue),
        "figures_url": page_url("consulting_figures.index", tenant),
        "invoices_url": page_url("consulting_invoices.index", tenant),
    }
    return [Widget(_l("Consulting"), "consulting_crm/widgets/consulting_card.html", context, order=36)]


# --- search ---------------------------------------------------------------------------------------------

def search_hits(query: str) -> list[SearchHit]:
    """Opportunities (title, call reference), clients (the contact's name) and engagements (title,
    contract reference) containing `query`. A protected client is found only by users who may see
    its identity, and is named as the protection rules say."""
    from core.permissions import can
    from core.registers.protection import PROTECTED_PERMISSION, shown_name
    text = (query or "").strip()
    if not text or not can("consulting.view"):
        return []
    locale = current_locale()
    opportunities = db.session.execute(
        select(Opportunity.id, Opportunity.title, Opportunity.call_reference, Stage.name_en, Stage.name_km)
        .join(Stage, Stage.id == Opportunity.stage_id)
        .where(any_contains([Opportunity.title, Opportunity.call_reference], text))
        .order_by(Opportunity.id.desc()).limit(SEARCH_SIZE)).all()
    hits = [SearchHit(title=f"{row.call_reference} · {row.title}" if row.call_reference else row.title,
                      url=url_for("consulting_opportunities.detail", opportunity_id=row.id), kind=_("Opportunity"),
                      snippet=row.name_km if locale == "km" and row.name_km else row.name_en)
            for row in opportunities]
    # The contacts whose names match first (MATERIALIZED: read through the trigram indexes, core_0008),
    # then the clients among them: joined directly, PostgreSQL walked every contact of the tenant.
    named = select(Contact.id).where(any_contains([Contact.name_latin, Contact.name_km], text)).cte(
        "named_contacts").prefix_with("MATERIALIZED", dialect="postgresql")
    clients = select(Contact, ClientProfile.client_type).join(ClientProfile, ClientProfile.contact_id == Contact.id) \
        .where(Contact.erased_at.is_(None), Contact.id.in_(select(named.c.id)))
    if not can(PROTECTED_PERMISSION):
        clients = clients.where(Contact.protected.is_(False))
    for contact, client_type in db.session.execute(clients.order_by(func.lower(Contact.name_latin), Contact.id)
                                                   .limit(SEARCH_SIZE)).all():
        hits.append(SearchHit(title=shown_name(contact, locale, reveal=False),
                              url=url_for("consulting_clients.detail", client_id=contact.id), kind=_("Client"),
                              snippet=str(client_type.label) if client_type else ""))
    engagements = db.session.execute(
        select(Engagement.id, Engagement.title, Engagement.contract_reference, Engagement.status)
        .where(any_contains([Engagement.title, Engagement.contract_reference], text))
        .order_by(Engagement.id.desc()).limit(SEARCH_SIZE)).all()
    hits += [SearchHit(title=row.title, url=url_for("consulting_engagements.detail", engagement_id=row.id),
                       kind=_("Engagement"), snippet=" · ".join(
                           part for part in (row.contract_reference, str(row.status.label)) if part))
             for row in engagements]
    return hits
