"""Engagements of won opportunities, without Flask: the contract (value, currency and rate, period,
withholding), deliverables and their acceptance, payment tranches, assigned consultants, timesheet
lines, the engagement's status and its planned and actual margin. Views, the API, the invoices and
the figures call these; every check runs before the first row changes, so nothing is half-saved.

Status (a closed or cancelled engagement takes no new deliverables, tranches, team or timesheet lines):

    from        to           when
    active      delivered    it has deliverables and every one is accepted
    active      cancelled    always
    delivered   closed       always (nothing more is invoiced)
    delivered   active       to add deliverables again
    closed      —
    cancelled   —
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, extract, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from core.errors import DomainError
from core.extensions import db
from plugins.consulting_crm.models import (Assignment, Consultant, Currency, Deliverable, DeliverableStatus,
                                           Engagement, EngagementStatus, Opportunity, Stage, StageOutcome,
                                           TimesheetLine, Tranche)
from plugins.consulting_crm.services import cents, check_rate

ZERO = Decimal(0)
MAX_MONEY = Decimal("999999999999.99")       # Numeric(14, 2)
MAX_PLANNED_DAYS = Decimal("999999.99")      # Numeric(8, 2)
MAX_TIMESHEET_DAYS = Decimal("9999.99")      # Numeric(6, 2)
MAX_RATE = Decimal("99999999.9999")          # Numeric(12, 4)

ALLOWED = {
    EngagementStatus.ACTIVE: {EngagementStatus.DELIVERED, EngagementStatus.CANCELLED},
    EngagementStatus.DELIVERED: {EngagementStatus.CLOSED, EngagementStatus.ACTIVE},
    EngagementStatus.CLOSED: set(),
    EngagementStatus.CANCELLED: set(),
}

# A deliverable goes planned → submitted → accepted or rejected (a client may also accept one that was
# never formally submitted); a rejected one is submitted again. An accepted deliverable stays accepted:
# its tranche may already be invoiced.
DELIVERABLE_ALLOWED = {
    DeliverableStatus.PLANNED: {DeliverableStatus.SUBMITTED, DeliverableStatus.ACCEPTED},
    DeliverableStatus.SUBMITTED: {DeliverableStatus.ACCEPTED, DeliverableStatus.REJECTED, DeliverableStatus.PLANNED},
    DeliverableStatus.REJECTED: {DeliverableStatus.SUBMITTED},
    DeliverableStatus.ACCEPTED: set(),
}


# --- small input helpers ------------------------------------------------------------------------------

def _text(value, field: str, max_length: int, *, required: bool = False, multiline: bool = False) -> str:
    text = str(value or "").replace("\x00", "")
    text = text.strip() if multiline else " ".join(text.split())
    if required and not text:
        raise DomainError(_l("This field is required."), field)
    if len(text) > max_length:
        raise DomainError(_l("Use at most %(n)s characters.", n=max_length), field)
    return text


def parse_number(value, field: str, *, maximum: Decimal, places: int = 2, required: bool = True) -> Decimal | None:
    """A non-negative number from a form or the API ("25,000.50", 25000.5 and Decimal alike), with at
    most `places` decimals; None when empty and not required."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise DomainError(_l("This field is required."), field)
        return None
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        number = Decimal(value.replace(",", "").replace(" ", "") if isinstance(value, str) else str(value))
        if not number.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise DomainError(_l("Give a number, for example 2500 or 2500.50."), field) from None
    if number < 0:
        raise DomainError(_l("An amount cannot be negative."), field)
    if number > maximum:
        raise DomainError(_l("The number is too large."), field)
    step = Decimal(1).scaleb(-places)
    if number != number.quantize(step):
        raise DomainError(_l("Give the number with at most %(n)s decimals.", n=places), field)
    return number.quantize(step)


def _status(value, enum_class, field: str):
    try:
        return enum_class(value)
    except ValueError:
        raise DomainError(_l("Choose a status from the list."), field) from None


def _check_period(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise DomainError(_l("The engagement cannot end before it starts."), "ends_on")


# --- loading and lists ----------------------------------------------------------------------------------

def load_engagement(engagement_id: int) -> Engagement | None:
    """One engagement of the current tenant with everything its page shows, in a fixed number of
    queries whatever the number of deliverables, tranches, team members and timesheet lines."""
    return db.session.scalar(
        select(Engagement).where(Engagement.id == engagement_id).options(
            joinedload(Engagement.client), joinedload(Engagement.opportunity),
            selectinload(Engagement.deliverables),
            selectinload(Engagement.tranches).joinedload(Tranche.deliverable),
            selectinload(Engagement.assignments).joinedload(Assignment.consultant).joinedload(Consultant.contact),
            selectinload(Engagement.timesheet).joinedload(TimesheetLine.assignment)))


def engagement_list_query(*, status: str | None = None, client_id: int | None = None,
                          year: int | None = None) -> Select:
    """Engagements for the list, newest first. `year`: running at some time in that year (an
    engagement without dates counts in every year)."""
    query = select(Engagement).options(joinedload(Engagement.client))
    if status:
        query = query.where(Engagement.status == _status(status, EngagementStatus, "status"))
    if client_id:
        query = query.where(Engagement.client_id == client_id)
    if year:
        query = query.where(or_(Engagement.starts_on.is_(None), Engagement.starts_on <= date(year, 12, 31)),
                            or_(Engagement.ends_on.is_(None), Engagement.ends_on >= date(year, 1, 1)))
    return query.order_by(Engagement.starts_on.desc().nulls_last(), Engagement.id.desc())


def engagement_years() -> list[int]:
    """Years in which engagements start (for the list's filter), newest first."""
    rows = db.session.scalars(select(extract("year", Engagement.starts_on)).where(
        Engagement.starts_on.is_not(None)).distinct())
    return sorted({int(year) for year in rows}, reverse=True)


def won_opportunities_query() -> Select:
    """Won opportunities of the current tenant that have no engagement yet."""
    return (select(Opportunity).join(Stage, Stage.id == Opportunity.stage_id)
            .outerjoin(Engagement, Engagement.opportunity_id == Opportunity.id)
            .where(Stage.outcome == StageOutcome.WON, Engagement.id.is_(None))
            .order_by(Opportunity.closed_on.desc().nulls_last(), Opportunity.title, Opportunity.id))


# --- the engagement -----------------------------------------------------------------------------------

def engagement_is_closed(engagement: Engagement) -> bool:
    """True when nothing more may be added or invoiced: the engagement is closed or cancelled."""
    return engagement.status in (EngagementStatus.CLOSED, EngagementStatus.CANCELLED)


def _check_open(engagement: Engagement) -> None:
    if engagement_is_closed(engagement):
        raise DomainError(_l("This engagement is closed or cancelled: nothing can be added to it."), "engagement")


def prefill_from(opportunity: Opportunity) -> dict:
    """What a new engagement takes from its won opportunity: title, value, currency and rate, start."""
    return {"title": opportunity.title, "currency": opportunity.currency,
            "contract_value": opportunity.estimated_value, "khr_per_usd": opportunity.khr_per_usd,
            "rate_on": opportunity.rate_on, "rate_source": opportunity.rate_source,
            "starts_on": opportunity.expected_start_on}


def _clean_contract(fields: dict, engagement: Engagement | None = None) -> dict:
    values = {"title": _text(fields.get("title"), "title", 300, required=True),
              "contract_reference": _text(fields.get("contract_reference"), "contract_reference", 200)}
    try:
        currency = Currency(fields.get("currency") or Currency.USD)
    except ValueError:
        raise DomainError(_l("Choose US dollars or riel."), "currency") from None
    value = parse_number(fields.get("contract_value"), "contract_value", maximum=MAX_MONEY)
    if value <= 0:
        raise DomainError(_l("The contract value must be more than zero."), "contract_value")
    rate = parse_number(fields.get("khr_per_usd"), "khr_per_usd", maximum=MAX_RATE, places=4, required=False)
    check_rate(currency, rate)
    starts_on, ends_on = fields.get("starts_on") or None, fields.get("ends_on") or None
    _check_period(starts_on, ends_on)
    values.update(currency=currency, contract_value=value, khr_per_usd=rate, starts_on=starts_on, ends_on=ends_on,
                  rate_on=fields.get("rate_on") or None,
                  rate_source=_text(fields.get("rate_source"), "rate_source", 200),
                  withholding_applies=bool(fields.get("withholding_applies")))
    if engagement is not None:
        if currency is not engagement.currency and (engagement.tranches or engagement.assignments
                                                    or engagement.timesheet):
            raise DomainError(_l("The currency cannot change once tranches, team or timesheet lines are recorded."),
                              "currency")
        planned = sum((tranche.amount for tranche in engagement.tranches), ZERO)
        if planned > value:
            raise DomainError(_l("The tranches already add up to more than this contract value."), "contract_value")
        if any(not _within(line.worked_on, starts_on, ends_on) for line in engagement.timesheet):
            raise DomainError(_l("Some timesheet lines would fall outside this period."), "starts_on")
    return values


def create_engagement(opportunity: Opportunity | None, **fields) -> Engagement:
    """The engagement of a won opportunity (one per opportunity); its client is the opportunity's.
    Flushes; the caller commits."""
    if opportunity is None:
        raise DomainError(_l("Choose a won opportunity."), "opportunity_id")
    if opportunity.stage.outcome is not StageOutcome.WON:
        raise DomainError(_l("Only a won opportunity can become an engagement."), "opportunity_id")
    if db.session.scalar(select(Engagement.id).where(Engagement.opportunity_id == opportunity.id)) is not None:
        raise DomainError(_l("This opportunity already has an engagement."), "opportunity_id")
    values = _clean_contract(fields)
    engagement = Engagement(tenant_id=opportunity.tenant_id, opportunity_id=opportunity.id,
                            client_id=opportunity.client_id, status=EngagementStatus.ACTIVE, **values)
    db.session.add(engagement)
    db.session.flush()
    return engagement


def update_engagement(engagement: Engagement, **fields) -> Engagement:
    """Change the contract. The value may not drop below the tranches, nor the period leave out a
    timesheet line, nor the currency change once amounts are recorded in it."""
    if engagement_is_closed(engagement):
        raise DomainError(_l("A closed or cancelled engagement cannot be changed."), "engagement")
    for name, value in _clean_contract(fields, engagement).items():
        setattr(engagement, name, value)
    db.session.flush()
    return engagement


def change_status(engagement: Engagement, to) -> Engagement:
    """Move the engagement along the table of the module docstring."""
    target = _status(to, EngagementStatus, "status")
    if target is engagement.status:
        return engagement
    if target not in ALLOWED[engagement.status]:
        raise DomainError(_l("An engagement that is %(status)s cannot become %(to)s.",
                             status=engagement.status.label, to=target.label), "status")
    if target is EngagementStatus.DELIVERED:
        if not engagement.deliverables:
            raise DomainError(_l("Record the deliverables first: an engagement is delivered when all of them "
                                 "are accepted."), "status")
        if any(item.status is not DeliverableStatus.ACCEPTED for item in engagement.deliverables):
            raise DomainError(_l("Every deliverable must be accepted before the engagement is delivered."), "status")
    engagement.status = target
    db.session.flush()
    return engagement


# --- deliverables ----------------------------------------------------------------------------------------

def add_deliverable(engagement: Engagement, *, title, due_on: date | None, note="") -> Deliverable:
    _check_open(engagement)
    if engagement.status is EngagementStatus.DELIVERED:
        raise DomainError(_l("This engagement is delivered: make it active again to add deliverables."),
                          "engagement")
    if due_on is None:
        raise DomainError(_l("Give the due date."), "due_on")
    deliverable = Deliverable(tenant_id=engagement.tenant_id, engagement=engagement,
                              title=_text(title, "title", 300, required=True), due_on=due_on,
                              note=_text(note, "note", 20000, multiline=True), status=DeliverableStatus.PLANNED)
    db.session.add(deliverable)
    db.session.flush()
    return deliverable


def set_deliverable_status(deliverable: Deliverable, to, *, accepted_on: date | None = None,
                           today: date | None = None) -> Deliverable:
    """Submit, accept or reject a deliverable; accepting records the day (today unless given, never
    in the future)."""
    engagement = deliverable.engagement
    if engagement_is_closed(engagement):
        raise DomainError(_l("A closed or cancelled engagement cannot be changed."), "status")
    target = _status(to, DeliverableStatus, "status")
    today = today or date.today()
    if target is deliverable.status:
        return deliverable
    if target not in DELIVERABLE_ALLOWED[deliverable.status]:
        raise DomainError(_l("A deliverable that is %(status)s cannot become %(to)s.",
                             status=deliverable.status.label, to=target.label), "status")
    if target is DeliverableStatus.ACCEPTED:
        accepted_on = accepted_on or today
        if accepted_on > today:
            raise DomainError(_l("The acceptance date cannot be in the future."), "accepted_on")
        deliverable.accepted_on = accepted_on
    else:
        deliverable.accepted_on = None
    deliverable.status = target
    db.session.flush()
    return deliverable


# --- tranches ---------------------------------------------------------------------------------------------

def add_tranche(engagement: Engagement, *, label, amount, deliverable_id: int | None = None) -> Tranche:
    """A payment of the contract, optionally due on a deliverable's acceptance; all tranches together
    stay within the contract value."""
    _check_open(engagement)
    label = _text(label, "label", 200, required=True)
    amount = parse_number(amount, "amount", maximum=MAX_MONEY)
    if amount <= 0:
        raise DomainError(_l("The amount must be more than zero."), "amount")
    deliverable = None
    if deliverable_id not in (None, ""):
        deliverable = next((item for item in engagement.deliverables if item.id == int(deliverable_id)), None)
        if deliverable is None:
            raise DomainError(_l("Choose one of this engagement's deliverables."), "deliverable_id")
    already = sum((tranche.amount for tranche in engagement.tranches), ZERO)
    if already + amount > engagement.contract_value:
        raise DomainError(_l("The tranches would add up to more than the contract value (%(left)s left).",
                             left=f"{max(engagement.contract_value - already, ZERO):,.2f}"), "amount")
    position = max((tranche.position for tranche in engagement.tranches), default=0) + 1
    tranche = Tranche(tenant_id=engagement.tenant_id, engagement=engagement, position=position, label=label,
                      amount=amount, deliverable=deliverable)
    db.session.add(tranche)
    db.session.flush()
    return tranche


def tranche_invoiceable(tranche: Tranche) -> bool:
    """A tranche may be invoiced once its deliverable is accepted (at once when it has none)."""
    return tranche.deliverable is None or tranche.deliverable.status is DeliverableStatus.ACCEPTED


def check_invoiceable(tranche: Tranche) -> None:
    if not tranche_invoiceable(tranche):
        raise DomainError(_l("The deliverable of this tranche is not accepted yet."), "tranche_id")


# --- team --------------------------------------------------------------------------------------------------

def add_assignment(engagement: Engagement, *, consultant_id, role="", planned_days, day_rate=None) -> Assignment:
    """Assign a consultant of the pool. Without a day rate, the consultant's own rate is used when it
    is in the engagement's currency."""
    _check_open(engagement)
    consultant = (db.session.scalar(select(Consultant).where(Consultant.id == int(consultant_id)))
                  if consultant_id not in (None, "") else None)
    if consultant is None or not consultant.is_active:
        raise DomainError(_l("Choose a consultant of the pool."), "consultant_id")
    if any(row.consultant_id == consultant.id for row in engagement.assignments):
        raise DomainError(_l("This consultant is already assigned to the engagement."), "consultant_id")
    days = parse_number(planned_days, "planned_days", maximum=MAX_PLANNED_DAYS)
    rate = parse_number(day_rate, "day_rate", maximum=MAX_MONEY, required=False)
    if rate is None:
        if consultant.day_rate is None:
            rate = ZERO
        elif consultant.rate_currency is engagement.currency:
            rate = consultant.day_rate
        else:
            raise DomainError(_l("This consultant's day rate is in another currency: enter the day rate in "
                                 "%(currency)s (someone who sees rates can).",
                                 currency=engagement.currency.value), "day_rate")
    assignment = Assignment(tenant_id=engagement.tenant_id, engagement=engagement, consultant=consultant,
                            role=_text(role, "role", 200), planned_days=days, day_rate=rate)
    db.session.add(assignment)
    db.session.flush()
    return assignment


def update_assignment(assignment: Assignment, *, role="", planned_days, day_rate=None) -> Assignment:
    """Change the role, planned days and (when given) the day rate."""
    if engagement_is_closed(assignment.engagement):
        raise DomainError(_l("A closed or cancelled engagement cannot be changed."), "engagement")
    role = _text(role, "role", 200)
    days = parse_number(planned_days, "planned_days", maximum=MAX_PLANNED_DAYS)
    rate = parse_number(day_rate, "day_rate", maximum=MAX_MONEY, required=False)
    assignment.role, assignment.planned_days = role, days
    if rate is not None:
        assignment.day_rate = rate
    db.session.flush()
    return assignment


# --- timesheet ---------------------------------------------------------------------------------------------

def _within(day: date, starts_on: date | None, ends_on: date | None) -> bool:
    return (starts_on is None or day >= starts_on) and (ends_on is None or day <= ends_on)


def add_timesheet_line(engagement: Engagement, *, assignment_id, worked_on: date | None, days, expense_amount=None,
                       note="") -> TimesheetLine:
    """Actual days and expenses of one team member on a day of the engagement's period."""
    _check_open(engagement)
    assignment = None
    if assignment_id not in (None, ""):
        assignment = next((row for row in engagement.assignments if row.id == int(assignment_id)), None)
    if assignment is None:
        raise DomainError(_l("Choose a member of this engagement's team."), "assignment_id")
    if worked_on is None:
        raise DomainError(_l("Give the date."), "worked_on")
    if not _within(worked_on, engagement.starts_on, engagement.ends_on):
        raise DomainError(_l("The date must fall within the engagement's period."), "worked_on")
    days = parse_number(days, "days", maximum=MAX_TIMESHEET_DAYS, required=False) or ZERO
    expense = parse_number(expense_amount, "expense_amount", maximum=MAX_MONEY, required=False) or ZERO
    if days == 0 and expense == 0:
        raise DomainError(_l("Enter the days worked, an expense or both."), "days")
    line = TimesheetLine(tenant_id=engagement.tenant_id, engagement=engagement, assignment=assignment,
                         worked_on=worked_on, days=days, expense_amount=expense,
                         note=_text(note, "note", 300))
    db.session.add(line)
    db.session.flush()
    return line


# --- margin ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Margin:
    """Planned and actual cost and margin of an engagement, in its currency.

    planned cost = Σ planned days × day rate of the team;
    actual cost  = Σ actual days × the assignment's day rate + Σ expenses;
    margin = contract value − cost; percent = margin ÷ contract value × 100 (one decimal)."""

    currency: Currency
    contract_value: Decimal
    planned_days: Decimal
    planned_cost: Decimal
    actual_days: Decimal
    actual_days_cost: Decimal
    expenses: Decimal
    actual_cost: Decimal
    planned_margin: Decimal
    actual_margin: Decimal
    planned_percent: Decimal | None
    actual_percent: Decimal | None


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _margin(currency: Currency, contract_value: Decimal, planned: Iterable[tuple[Decimal, Decimal]],
            worked: Iterable[tuple[Decimal, Decimal, Decimal]]) -> Margin:
    """`planned`: (planned days, day rate) per assignment; `worked`: (days, day rate, expenses) per
    timesheet line or group of lines (rate 0 for a line whose assignment was removed)."""
    contract_value = Decimal(contract_value)
    planned = list(planned)
    planned_days = sum((Decimal(days) for days, _rate in planned), ZERO)
    planned_cost = cents(sum((Decimal(days) * Decimal(rate) for days, rate in planned), ZERO))
    actual_days, days_cost, expenses = ZERO, ZERO, ZERO
    for days, rate, expense in worked:
        actual_days += Decimal(days)
        days_cost += Decimal(days) * Decimal(rate)
        expenses += Decimal(expense)
    days_cost, expenses = cents(days_cost), cents(expenses)
    actual_cost = days_cost + expenses
    return Margin(currency=currency, contract_value=contract_value, planned_days=planned_days,
                  planned_cost=planned_cost,
                  actual_days=actual_days, actual_days_cost=days_cost, expenses=expenses, actual_cost=actual_cost,
                  planned_margin=contract_value - planned_cost, actual_margin=contract_value - actual_cost,
                  planned_percent=_percent(contract_value - planned_cost, contract_value),
                  actual_percent=_percent(contract_value - actual_cost, contract_value))


def margin(engagement: Engagement) -> Margin:
    """The engagement's margin from its loaded team and timesheet (see Margin)."""
    rates = {row.id: row.day_rate for row in engagement.assignments}
    return _margin(engagement.currency, engagement.contract_value,
                   [(row.planned_days, row.day_rate) for row in engagement.assignments],
                   [(line.days, rates.get(line.assignment_id, ZERO), line.expense_amount)
                    for line in engagement.timesheet])


def margins(engagement_ids: Iterable[int]) -> dict[int, Margin]:
    """Margins of many engagements of the current tenant in three queries, whatever their number and
    size: {engagement id: Margin}. Unknown ids are left out."""
    ids = sorted({int(engagement_id) for engagement_id in engagement_ids})
    if not ids:
        return {}
    contracts = db.session.execute(select(Engagement.id, Engagement.currency, Engagement.contract_value).where(
        Engagement.id.in_(ids))).all()
    planned: dict[int, list] = {}
    rates: dict[int, Decimal] = {}
    for row in db.session.execute(select(Assignment.id, Assignment.engagement_id, Assignment.planned_days,
                                         Assignment.day_rate).where(Assignment.engagement_id.in_(ids))):
        planned.setdefault(row.engagement_id, []).append((row.planned_days, row.day_rate))
        rates[row.id] = row.day_rate
    worked: dict[int, list] = {}
    # Summed per assignment in the database; each sum is then priced at its assignment's rate here.
    for row in db.session.execute(
            select(TimesheetLine.engagement_id, TimesheetLine.assignment_id,
                   func.coalesce(func.sum(TimesheetLine.days), 0).label("days"),
                   func.coalesce(func.sum(TimesheetLine.expense_amount), 0).label("expenses"))
            .where(TimesheetLine.engagement_id.in_(ids))
            .group_by(TimesheetLine.engagement_id, TimesheetLine.assignment_id)):
        worked.setdefault(row.engagement_id, []).append(
            (cents(Decimal(str(row.days))), rates.get(row.assignment_id, ZERO), cents(Decimal(str(row.expenses)))))
    return {row.id: _margin(row.currency, row.contract_value, planned.get(row.id, []), worked.get(row.id, []))
            for row in contracts}


def tranche_totals(engagement: Engagement) -> tuple[Decimal, Decimal]:
    """(sum of the tranches, what is left of the contract value to plan)."""
    total = sum((tranche.amount for tranche in engagement.tranches), ZERO)
    return total, engagement.contract_value - total

