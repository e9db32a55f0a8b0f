"""Rules of the results framework, without Flask: the plan's years, targets, hand-entered values,
each indicator's value for a period by its rule (computed from the modules' samaki_indicators
figures, or added up from hand-entered values), the status against target, and frozen snapshots
that never change afterwards.

How an indicator adds up (ResultIndicator.aggregation x accumulation):

| source   | per period                                | cumulative since the baseline             |
|----------|-------------------------------------------|-------------------------------------------|
| computed | the module's figure for the period        | the module's figure from the baseline day |
|          |                                           | to the period's end                       |
| manual   | the value entered for the period; else    | the same over the periods from the        |
|          | sum (SUM) or last (LATEST) of the values  | baseline day to the period's end          |
|          | entered for the quarters within it        |                                           |

DISTINCT needs the things counted (districts, ministries…), which only modules know: a manual
indicator is a SUM or a LATEST value."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.orm import Session, selectinload

from core.disaggregation import DIMENSIONS, add_breakdowns
from core.errors import DomainError
from core.extensions import db
from core.periods import Period, PeriodKind, parse_period, period_containing, quarter, year
from core.tenancy import tenant_scope
from plugins.results_framework.models import (Accumulation, Aggregation, Direction, FrameworkSettings, ManualValue,
                                              Objective, Outcome, ResultIndicator, Snapshot, SnapshotValue, Source,
                                              Target, Unit)

PLAN_YEARS = 5


class FrozenError(DomainError):
    """A change to a frozen snapshot."""


class Status(str, enum.Enum):
    MET = "met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_TARGET = "no_target"
    NO_DATA = "no_data"

    @property
    def label(self):
        return STATUS_LABELS[self]


STATUS_LABELS = {Status.MET: _l("Target met"), Status.ON_TRACK: _l("On track"), Status.AT_RISK: _l("At risk"),
                 Status.OFF_TRACK: _l("Off track"), Status.NO_TARGET: _l("No target"),
                 Status.NO_DATA: _l("No value yet")}
AT_RISK_SHARE = Decimal("0.75")     # below three quarters of the expected value an indicator is off track


# --- the plan --------------------------------------------------------------------------------------

def settings_for(tenant_id: int, today: date | None = None) -> FrameworkSettings:
    """The tenant's plan settings, created with a five-year plan from this year when missing."""
    found = db.session.execute(select(FrameworkSettings).where(FrameworkSettings.tenant_id == tenant_id)
                               ).scalar_one_or_none()
    if found is None:
        first = (today or date.today()).year
        found = FrameworkSettings(tenant_id=tenant_id, first_year=first, last_year=first + PLAN_YEARS - 1)
        db.session.add(found)
        db.session.flush()
    return found


def check_plan_years(first_year: int, last_year: int, fiscal_start_month: int) -> None:
    if not 1900 <= first_year <= last_year <= first_year + 30:
        raise DomainError(_l("The plan's last year must be the same as its first year or later, within 30 years."),
                          "last_year")
    if not 1 <= fiscal_start_month <= 12:
        raise DomainError(_l("Choose a month from January to December."), "fiscal_start_month")


def plan_period(settings: FrameworkSettings, key: str, field: str = "period") -> Period:
    """The period a key names, refused when it is not a period or lies outside the plan's years."""
    period = parse_period(key, field)
    if period.start.year < settings.first_year or period.end.year > settings.last_year + 1 or \
            (period.kind != PeriodKind.FISCAL_YEAR and period.end.year > settings.last_year):
        raise DomainError(_l("%(period)s is outside the plan's years %(first)s–%(last)s.", period=period.label,
                             first=settings.first_year, last=settings.last_year), field)
    return period


def plan_periods(settings: FrameworkSettings, kind: PeriodKind | str) -> list[Period]:
    """Every period of `kind` in the plan, oldest first."""
    kind = PeriodKind(kind)
    if kind == PeriodKind.YEAR:
        return [year(number) for number in range(settings.first_year, settings.last_year + 1)]
    if kind == PeriodKind.QUARTER:
        return [quarter(number, q) for number in range(settings.first_year, settings.last_year + 1)
                for q in range(1, 5)]
    found, day = [], date(settings.first_year, 1, 1)
    while day.year <= settings.last_year:
        period = period_containing(day, kind, settings.fiscal_start_month)
        if period.start.year >= settings.first_year:
            found.append(period)
        day = date(period.end.year + (period.end.month == 12), period.end.month % 12 + 1, 1)
    return found


def framework(tenant_id: int) -> list[Objective]:
    """Objectives with their outcomes, indicators and targets, in order: three queries in all."""
    return list(db.session.execute(
        select(Objective).where(Objective.tenant_id == tenant_id)
        .options(selectinload(Objective.outcomes).selectinload(Outcome.indicators).selectinload(ResultIndicator.targets),
                 selectinload(Objective.outcomes).selectinload(Outcome.indicators)
                 .selectinload(ResultIndicator.projects))
        .order_by(Objective.position, Objective.code)).scalars())


def all_indicators(tenant_id: int) -> list[ResultIndicator]:
    return [indicator for objective in framework(tenant_id) for outcome in objective.outcomes
            for indicator in outcome.indicators]


def as_number(value, field: str = "value") -> Decimal:
    """A value typed by a person: a number (Khmer digits accepted), else a translated error."""
    if isinstance(value, Decimal):
        number = value
    else:
        text = str(value if value is not None else "").strip().translate(KHMER_DIGITS).replace(",", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise DomainError(_l("Enter a number."), field) from None
    if not number.is_finite() or abs(number) >= Decimal("1e13"):
        raise DomainError(_l("Enter a number."), field)
    return number


KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


def check_indicator(indicator: ResultIndicator, module_codes: set[str] | None = None) -> None:
    """The rules an indicator's definition must keep (raised on the form field at fault)."""
    if indicator.source == Source.COMPUTED:
        if not indicator.source_code:
            raise DomainError(_l("Choose the module figure this indicator is computed from."), "source_code")
        if module_codes is not None and indicator.source_code not in module_codes:
            raise DomainError(_l("No module of this organisation computes “%(code)s”.", code=indicator.source_code),
                              "source_code")
    elif indicator.aggregation == Aggregation.DISTINCT:
        raise DomainError(_l("Only a computed indicator can count distinct places or institutions: a hand-entered "
                             "indicator adds up as a sum or keeps the latest value."), "aggregation")
    unknown = set(indicator.disaggregations or ()) - set(DIMENSIONS)
    if unknown:
        raise DomainError(_l("Unknown disaggregation: %(names)s.", names=", ".join(sorted(unknown))),
                          "disaggregations")
    if indicator.accumulation == Accumulation.CUMULATIVE and indicator.baseline_on is None:
        raise DomainError(_l("A cumulative indicator counts from its baseline date: give the baseline date."),
                          "baseline_on")


def set_target(indicator: ResultIndicator, period_key: str, value, settings: FrameworkSettings) -> Target:
    """Set (or change) the target of one period of the plan."""
    period = plan_period(settings, period_key, "period_key")
    number = as_number(value)
    found = next((target for target in indicator.targets if target.period_key == period.key), None)
    if found is None:
        found = Target(tenant_id=indicator.tenant_id, indicator=indicator, period_key=period.key, value=number)
        db.session.add(found)
    else:
        found.value = number
    return found


def enter_value(indicator: ResultIndicator, period_key: str, value, settings: FrameworkSettings, *,
                breakdown: dict | None = None, comment: str = "", evidence_url: str = "",
                evidence_file: str = "", evidence_name: str = "", actor_id: int | None = None) -> ManualValue:
    """Record (or correct) the hand-entered value of a period, with its evidence."""
    if indicator.source == Source.COMPUTED:
        raise DomainError(_l("“%(name)s” is computed from the module's records: its value cannot be typed in.",
                             name=indicator.name_en), "value")
    period = plan_period(settings, period_key, "period_key")
    number = as_number(value)
    existing = db.session.execute(select(ManualValue).where(
        ManualValue.indicator_id == indicator.id, ManualValue.period_key == period.key)).scalar_one_or_none()
    if not (evidence_url or evidence_file or (existing and (existing.evidence_url or existing.evidence_file))):
        raise DomainError(_l("Give the evidence for this value: a file or a link."), "evidence_url")
    if existing is None:
        existing = ManualValue(tenant_id=indicator.tenant_id, indicator_id=indicator.id, period_key=period.key)
        db.session.add(existing)
    existing.period_start, existing.period_end, existing.value = period.start, period.end, number
    existing.breakdown = breakdown or {}
    existing.comment = comment
    existing.entered_by_id = actor_id
    if evidence_url:
        existing.evidence_url = evidence_url
    if evidence_file:
        existing.evidence_file, existing.evidence_name = evidence_file, evidence_name
    return existing


# --- values ---------------------------------------------------------------------------------------

@dataclass
class IndicatorValue:
    """An indicator's figure for one period, live or as frozen."""

    indicator: ResultIndicator
    period: Period
    value: Decimal | None
    target: Decimal | None = None
    breakdown: dict = field(default_factory=dict)
    keys: dict | None = None
    url: str = ""
    permission: str = ""
    comment: str = ""
    status: Status = Status.NO_DATA
    frozen: bool = False


def counting_range(indicator: ResultIndicator, period: Period) -> tuple[date, date]:
    """The days an indicator counts for `period`: the period, or since the baseline when cumulative."""
    if indicator.accumulation == Accumulation.CUMULATIVE and indicator.baseline_on:
        return min(indicator.baseline_on, period.start), period.end
    return period.start, period.end


def module_figures(tenant, start: date, end: date) -> dict:
    """The modules' figures (code -> core.plugins.Indicator) for a date range, through the hook."""
    from flask import current_app
    state = current_app.extensions["samaki"]
    with tenant_scope(tenant.id):
        found = state.collect("samaki_indicators", tenant, period=(start, end))
    return {figure.code: figure for figure in found}


def module_codes(tenant) -> dict:
    """The codes and labels of the figures the tenant's modules compute (for choosing a source)."""
    today = date.today()
    return {code: figure.label for code, figure in module_figures(tenant, today, today).items()}


def target_for(indicator: ResultIndicator, period: Period) -> Decimal | None:
    """The period's own target; else, for a level (a cumulative count, a latest value), the level
    the year it ends in aims at. A quarter's sum is not measured against a whole year's."""
    targets = {target.period_key: target.value for target in indicator.targets}
    if period.key in targets:
        return targets[period.key]
    if indicator.accumulation == Accumulation.CUMULATIVE or indicator.aggregation == Aggregation.LATEST:
        return targets.get(str(period.end.year))
    return None


def _manual_value(indicator: ResultIndicator, entries: list[ManualValue], start: date, end: date):
    inside = [entry for entry in entries if start <= entry.period_start and entry.period_end <= end]
    exact = [entry for entry in inside if entry.period_start == start and entry.period_end == end]
    if exact:
        return exact[0].value, exact[0].breakdown or {}, exact[0].comment
    # Never add a year to the quarters within it: the finest periods entered are added up.
    quarters = [entry for entry in inside if parse_period(entry.period_key).kind == PeriodKind.QUARTER]
    chosen = sorted(quarters or inside, key=lambda entry: entry.period_end)
    if not chosen:
        return None, {}, ""
    if indicator.aggregation == Aggregation.LATEST:
        return chosen[-1].value, chosen[-1].breakdown or {}, chosen[-1].comment
    return (sum((entry.value for entry in chosen), Decimal(0)), add_breakdowns(entry.breakdown for entry in chosen),
            "")


def manual_entries(indicators: list[ResultIndicator]) -> dict[int, list[ManualValue]]:
    """The hand-entered values of the manual indicators, by indicator id (one query)."""
    manual_ids = [indicator.id for indicator in indicators if indicator.source == Source.MANUAL]
    entries: dict[int, list[ManualValue]] = {}
    if manual_ids:
        for entry in db.session.execute(select(ManualValue).where(ManualValue.indicator_id.in_(manual_ids))).scalars():
            entries.setdefault(entry.indicator_id, []).append(entry)
    return entries


def values_for(tenant, indicators: list[ResultIndicator], period: Period, today: date | None = None,
               entries: dict[int, list[ManualValue]] | None = None) -> dict[int, IndicatorValue]:
    """Each indicator's live value for `period`, its target and its status: one hook call per
    distinct counting range and one query for the hand-entered values (none when given `entries`)."""
    today = today or date.today()
    figures_by_range: dict = {}
    if entries is None:
        entries = manual_entries(indicators)
    found = {}
    for indicator in indicators:
        start, end = counting_range(indicator, period)
        result = IndicatorValue(indicator, period, None, target_for(indicator, period))
        if indicator.source == Source.COMPUTED:
            if (start, end) not in figures_by_range:
                figures_by_range[start, end] = module_figures(tenant, start, end)
            figure = figures_by_range[start, end].get(indicator.source_code)
            if figure is not None:
                result.value = Decimal(str(figure.value))
                result.breakdown, result.keys = dict(figure.breakdown or {}), figure.keys
                result.url, result.permission = figure.url, figure.permission
        else:
            result.value, result.breakdown, result.comment = _manual_value(
                indicator, entries.get(indicator.id, []), start, end)
        result.status = status_of(indicator, result.value, result.target, period, today)
        found[indicator.id] = result
    return found


def expected_share(indicator: ResultIndicator, period: Period, today: date) -> Decimal:
    """How much of the period's target a per-period sum should have reached by `today`."""
    if indicator.aggregation != Aggregation.SUM or indicator.accumulation != Accumulation.PER_PERIOD \
            or today >= period.end:
        return Decimal(1)
    if today < period.start:
        return Decimal(0)
    return Decimal((today - period.start).days + 1) / Decimal((period.end - period.start).days + 1)


def status_of(indicator: ResultIndicator, value: Decimal | None, target: Decimal | None, period: Period,
              today: date) -> Status:
    if value is None:
        return Status.NO_DATA
    if target is None:
        return Status.NO_TARGET
    if indicator.direction == Direction.LOWER:
        if value <= target:
            return Status.MET
        return Status.AT_RISK if value * AT_RISK_SHARE <= target else Status.OFF_TRACK
    if value >= target:
        return Status.MET
    expected = target * expected_share(indicator, period, today)      # a sum grows through its period
    if value >= expected:
        return Status.ON_TRACK
    return Status.AT_RISK if value >= expected * AT_RISK_SHARE else Status.OFF_TRACK


# --- snapshots ------------------------------------------------------------------------------------

def current_snapshots(tenant_id: int, period_keys: list[str] | None = None) -> dict[str, Snapshot]:
    """The snapshot in force per period (the latest correction), with its values: two queries."""
    stmt = (select(Snapshot).where(Snapshot.tenant_id == tenant_id).options(selectinload(Snapshot.values))
            .order_by(Snapshot.frozen_at, Snapshot.id))
    if period_keys is not None:
        stmt = stmt.where(Snapshot.period_key.in_(period_keys))
    in_force: dict[str, Snapshot] = {}
    for snapshot in db.session.execute(stmt).scalars():
        in_force[snapshot.period_key] = snapshot      # later ones correct earlier ones
    return in_force


def freeze(tenant, period: Period, *, actor_id: int | None, comments: dict[int, str] | None = None,
           comment: str = "", corrects: Snapshot | None = None, today: date | None = None) -> Snapshot:
    """Store every indicator's value for `period` as it stands now. A period is frozen once; after
    that a correction (a new snapshot linked to the one in force, with a reason) replaces it."""
    in_force = current_snapshots(tenant.id, [period.key]).get(period.key)
    if corrects is None and in_force is not None:
        raise DomainError(_l("%(period)s is already frozen. Record a correction instead.", period=period.label),
                          "period")
    if corrects is not None:
        if in_force is None or corrects.id != in_force.id:
            raise DomainError(_l("Only the snapshot in force for a period can be corrected."), "corrects")
        if not comment.strip():
            raise DomainError(_l("Say why the snapshot is corrected."), "comment")
    if period.start > (today or date.today()):
        raise DomainError(_l("%(period)s has not started yet.", period=period.label), "period")
    indicators = all_indicators(tenant.id)
    values = values_for(tenant, indicators, period, today)
    snapshot = Snapshot(tenant_id=tenant.id, period_key=period.key, period_start=period.start,
                        period_end=period.end, comment=comment.strip(), corrects_id=corrects.id if corrects else None,
                        frozen_by_id=actor_id)
    db.session.add(snapshot)
    comments = comments or {}
    for position, indicator in enumerate(indicators):
        found = values[indicator.id]
        snapshot.values.append(SnapshotValue(
            tenant_id=tenant.id, indicator_id=indicator.id, position=position, code=indicator.code,
            name_en=indicator.name_en, name_km=indicator.name_km, unit=indicator.unit, value=found.value,
            target=found.target, breakdown=found.breakdown, keys=found.keys,
            comment=(comments.get(indicator.id) or found.comment or "").strip()))
    db.session.flush()
    return snapshot


def snapshot_values(snapshot: Snapshot, indicators: dict[int, ResultIndicator], today: date | None = None
                    ) -> dict[int, IndicatorValue]:
    """A snapshot's values keyed by indicator id, as IndicatorValue (for pages that mix live and frozen)."""
    period = parse_period(snapshot.period_key)
    found = {}
    for stored in snapshot.values:
        indicator = indicators.get(stored.indicator_id)
        if indicator is None:
            continue
        found[indicator.id] = IndicatorValue(
            indicator, period, stored.value, stored.target, stored.breakdown or {}, stored.keys,
            comment=stored.comment, frozen=True,
            status=status_of(indicator, stored.value, stored.target, period, today or date.today()))
    return found


def values_by_period(tenant, indicators: list[ResultIndicator], periods: list[Period], today: date | None = None
                     ) -> dict[str, dict[int, IndicatorValue]]:
    """Values per period key: frozen where the period has a snapshot, live otherwise."""
    frozen = current_snapshots(tenant.id, [period.key for period in periods])
    by_id = {indicator.id: indicator for indicator in indicators}
    entries = manual_entries(indicators)
    found = {}
    for period in periods:
        if period.key in frozen:
            found[period.key] = snapshot_values(frozen[period.key], by_id, today)
            missing = [indicator for indicator in indicators if indicator.id not in found[period.key]]
            if missing:      # added to the framework after the freeze: live
                found[period.key].update(values_for(tenant, missing, period, today, entries))
        else:
            found[period.key] = values_for(tenant, indicators, period, today, entries)
    return found


def refuse_changes_to_frozen(session: Session, flush_context, instances) -> None:
    """The ORM wall of immutability: a stored snapshot or snapshot value is never updated or deleted,
    whatever front door asks."""
    for obj in list(session.dirty) + list(session.deleted):
        if getattr(type(obj), "__frozen__", False) and obj in session.deleted or \
                getattr(type(obj), "__frozen__", False) and session.is_modified(obj, include_collections=False):
            raise FrozenError(_l("A frozen snapshot cannot be changed. Record a correction instead."))


def install_snapshot_guard() -> None:
    if not event.contains(Session, "before_flush", refuse_changes_to_frozen):
        event.listen(Session, "before_flush", refuse_changes_to_frozen)


UNIT_SYMBOLS = {Unit.PERCENT: "%", Unit.USD: "USD"}
