"""The working-group roll-up, without Flask: the shared indicators a group's convening organisation
defines, the figure each member approves for a period (nothing of a member is stored or shown
before that), and the network total per period, added up by the indicator's rule.

How a member's figure is found (first that exists), always in the member's own scope:
1. its framework indicator with the shared indicator's code;
2. its framework indicator computed from the shared indicator's module figure (source_code);
3. that module figure itself (samaki_indicators), for a member without a framework.
A framework indicator must count in the same unit, by the same rules, or nothing is approved.

How members add up (GroupIndicator.aggregation):

| rule     | network value                                  | network breakdown                       |
|----------|------------------------------------------------|-----------------------------------------|
| SUM      | sum of the members' values                     | cell-by-cell sum of their breakdowns    |
| DISTINCT | the things counted by any member, each once    | from the attributes of those things     |
|          | (a district disclosed to two members is one)   | (core.disaggregation.breakdown_of_keys) |
| LATEST   | sum of each member's latest value              | cell-by-cell sum                        |

A percentage never adds up across members (share the counts behind it instead). Outside a tenant,
breakdown cells of fewer than five people are hidden (counts_people)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from core.columns import utcnow
from core.disaggregation import add_breakdowns, breakdown_of_keys
from core.errors import DomainError
from core.extensions import db
from core.models import Tenant, WorkingGroup, WorkingGroupMember
from core.periods import Period, parse_period
from core.tenancy import tenant_scope
from plugins.results_framework import services
from plugins.results_framework.models import (Accumulation, Aggregation, GroupContribution, GroupIndicator,
                                              ResultIndicator, Unit)

PERIODS_SHOWN = 4           # periods with approvals shown per shared indicator on the group page
INDICATORS_SHOWN = 20       # shared indicators on the group page's panel
APPROVALS_SHOWN = 40        # a member's most recent approvals on its own page


# --- groups ---------------------------------------------------------------------------------------

def group_for_member(tenant: Tenant, group_id: int) -> WorkingGroup | None:
    """The group, only if `tenant` is one of its members (anyone else gets None, a 404)."""
    return db.session.execute(select(WorkingGroup).join(WorkingGroupMember).where(
        WorkingGroup.id == group_id, WorkingGroupMember.tenant_id == tenant.id)).unique().scalar_one_or_none()


def is_member(group: WorkingGroup, tenant: Tenant) -> bool:
    return any(member.tenant_id == tenant.id for member in group.members)


def convenes(group: WorkingGroup, tenant: Tenant) -> bool:
    return group.convening_tenant_id == tenant.id


def indicator_counts(group_ids: list[int]) -> dict[int, int]:
    """How many shared indicators each group has (one query)."""
    if not group_ids:
        return {}
    rows = db.session.execute(select(GroupIndicator.group_id, func.count(GroupIndicator.id)).where(
        GroupIndicator.group_id.in_(group_ids)).group_by(GroupIndicator.group_id))
    return {group_id: count for group_id, count in rows}


def shared_indicators(group: WorkingGroup, limit: int | None = None) -> list[GroupIndicator]:
    stmt = select(GroupIndicator).where(GroupIndicator.group_id == group.id).order_by(GroupIndicator.code)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.execute(stmt).scalars())


def shared_indicator(group: WorkingGroup, indicator_id: int) -> GroupIndicator | None:
    return db.session.execute(select(GroupIndicator).where(
        GroupIndicator.id == indicator_id, GroupIndicator.group_id == group.id)).scalar_one_or_none()


# --- defining shared indicators (the convening organisation) ---------------------------------------

def counts_people(group_indicator: GroupIndicator) -> bool:
    """Whether the indicator's breakdown counts people, whose cells under core.disaggregation.SMALL_CELL
    are hidden outside the tenant (a district counted per province names nobody)."""
    return group_indicator.unit == Unit.PEOPLE


def check_rule(unit: Unit, aggregation: Aggregation) -> None:
    """A shared indicator's unit and rule must add up across members."""
    if unit == Unit.PERCENT:
        raise DomainError(_l("A percentage cannot be added up across members: share the counts behind it (for "
                             "example women trained and people trained) as two indicators."), "unit")
    if aggregation == Aggregation.DISTINCT and unit in (Unit.USD, Unit.MILESTONE):
        raise DomainError(_l("A distinct count counts places, institutions or people, not amounts or "
                             "milestones."), "aggregation")


def _has_contributions(group_indicator: GroupIndicator) -> bool:
    return db.session.scalar(select(GroupContribution.id).where(
        GroupContribution.group_indicator_id == group_indicator.id).limit(1)) is not None


def save_indicator(group: WorkingGroup, tenant: Tenant, *, code: str, name_en: str, name_km: str = "",
                   unit: Unit | str = Unit.NUMBER, aggregation: Aggregation | str = Aggregation.SUM,
                   accumulation: Accumulation | str = Accumulation.PER_PERIOD, source_code: str = "",
                   target=None, indicator: GroupIndicator | None = None) -> GroupIndicator:
    """Create (or change, when `indicator` is given) a shared indicator of `group`. Only the group's
    convening organisation does this; once members approved figures, the unit and rules stay."""
    if not convenes(group, tenant):
        raise DomainError(_l("Only the organisation convening %(group)s defines its shared indicators.",
                             group=group.name))
    unit, aggregation, accumulation = Unit(unit), Aggregation(aggregation), Accumulation(accumulation)
    code, name_en, source_code = (code or "").strip(), (name_en or "").strip(), (source_code or "").strip()
    if not code:
        raise DomainError(_l("Give the indicator a code."), "code")
    if not name_en:
        raise DomainError(_l("Give the indicator an English name."), "name_en")
    check_rule(unit, aggregation)
    number = None if target in (None, "") else services.as_number(target, "target")
    clash = db.session.scalar(select(GroupIndicator.id).where(
        GroupIndicator.group_id == group.id, GroupIndicator.code == code,
        GroupIndicator.id != (indicator.id if indicator is not None else -1)))
    if clash is not None:
        raise DomainError(_l("%(group)s already shares an indicator with the code “%(code)s”.", group=group.name,
                             code=code), "code")
    if indicator is None:
        indicator = GroupIndicator(group=group)
        db.session.add(indicator)
    elif (indicator.unit, indicator.aggregation, indicator.accumulation, indicator.source_code) != \
            (unit, aggregation, accumulation, source_code) and _has_contributions(indicator):
        raise DomainError(_l("Members have approved figures for this indicator: its unit, rules and source can no "
                             "longer change. Define a new shared indicator instead."), "unit")
    indicator.code, indicator.name_en, indicator.name_km = code, name_en, (name_km or "").strip()
    indicator.unit, indicator.aggregation, indicator.accumulation = unit, aggregation, accumulation
    indicator.source_code, indicator.target = source_code, number
    db.session.flush()
    return indicator


def remove_indicator(group_indicator: GroupIndicator, tenant: Tenant) -> None:
    """Remove a shared indicator with every approved figure (each removal audited)."""
    if not convenes(group_indicator.group, tenant):
        raise DomainError(_l("Only the organisation convening %(group)s defines its shared indicators.",
                             group=group_indicator.group.name))
    for contribution in db.session.execute(select(GroupContribution).where(
            GroupContribution.group_indicator_id == group_indicator.id)).scalars():
        db.session.delete(contribution)
    db.session.flush()
    db.session.delete(group_indicator)
    db.session.flush()


# --- a member's figure ----------------------------------------------------------------------------

@dataclass
class MemberFigure:
    """What a member would share for one shared indicator and period (its own data: shown to the
    member in full before it approves)."""

    value: Decimal
    breakdown: dict = field(default_factory=dict)
    keys: dict | None = None
    indicator: ResultIndicator | None = None    # the member's framework indicator, if it has one
    source_code: str = ""                       # else the module figure it comes from


def _rules_text(unit: Unit, aggregation: Aggregation, accumulation: Accumulation) -> str:
    return " · ".join(str(member.label) for member in (unit, aggregation, accumulation))


def _matching_indicator(group_indicator: GroupIndicator, member: Tenant) -> ResultIndicator | None:
    found = db.session.execute(select(ResultIndicator).where(
        ResultIndicator.tenant_id == member.id, ResultIndicator.code == group_indicator.code)).scalar_one_or_none()
    if found is None and group_indicator.source_code:
        found = db.session.execute(select(ResultIndicator).where(
            ResultIndicator.tenant_id == member.id, ResultIndicator.source_code == group_indicator.source_code)
            .order_by(ResultIndicator.code).limit(1)).scalar_one_or_none()
    return found


def check_same_rules(group_indicator: GroupIndicator, indicator: ResultIndicator) -> None:
    ours = (group_indicator.unit, group_indicator.aggregation, group_indicator.accumulation)
    theirs = (indicator.unit, indicator.aggregation, indicator.accumulation)
    if ours != theirs:
        raise DomainError(_l("Your indicator “%(code)s” counts as %(yours)s, the shared indicator as %(shared)s: a "
                             "roll-up of indicators with different units or rules would add up different things. "
                             "Change your indicator, or ask the convening organisation.", code=indicator.code,
                             yours=_rules_text(*theirs), shared=_rules_text(*ours)), "period_key")


def _as_period(period: Period | str) -> Period:
    return period if isinstance(period, Period) else parse_period(period, "period_key")


def member_figure(group_indicator: GroupIndicator, member: Tenant, period: Period | str,
                  today: date | None = None) -> MemberFigure:
    """The figure `member` would share for `period` (see the module docstring for where it comes
    from); a translated DomainError when it has none or it counts differently."""
    period = _as_period(period)
    if period.start > (today or date.today()):
        raise DomainError(_l("%(period)s has not started yet.", period=period.label), "period_key")
    with tenant_scope(member.id):
        indicator = _matching_indicator(group_indicator, member)
        if indicator is not None:
            check_same_rules(group_indicator, indicator)
            found = services.values_for(member, [indicator], period, today)[indicator.id]
            if found.value is None:
                raise DomainError(_l("Your indicator “%(code)s” has no value for %(period)s yet.",
                                     code=indicator.code, period=period.label), "period_key")
            figure = MemberFigure(found.value, dict(found.breakdown or {}), found.keys, indicator=indicator)
        else:
            figure = _module_figure(group_indicator, member, period)
    if group_indicator.aggregation == Aggregation.DISTINCT and figure.keys is None:
        raise DomainError(_l("This figure does not list the places or institutions it counts, so the network "
                             "cannot count each of them once."), "period_key")
    return figure


def _module_figure(group_indicator: GroupIndicator, member: Tenant, period: Period) -> MemberFigure:
    if not group_indicator.source_code:
        raise DomainError(_l("Your framework has no indicator with the code “%(code)s”: add one that adds up the "
                             "same way to share its figure.", code=group_indicator.code), "period_key")
    if group_indicator.accumulation == Accumulation.CUMULATIVE:
        # A module figure has no baseline date to count from: the member's framework gives it.
        raise DomainError(_l("A cumulative figure counts from a baseline date: add an indicator with the code "
                             "“%(code)s” and its baseline to your framework first.", code=group_indicator.code),
                          "period_key")
    figure = services.module_figures(member, period.start, period.end).get(group_indicator.source_code)
    if figure is None:
        raise DomainError(_l("None of your organisation's modules computes “%(source)s”, and your framework has no "
                             "indicator with the code “%(code)s”.", source=group_indicator.source_code,
                             code=group_indicator.code), "period_key")
    return MemberFigure(Decimal(str(figure.value)), dict(figure.breakdown or {}), figure.keys,
                        source_code=group_indicator.source_code)


# --- approving --------------------------------------------------------------------------------------

def _plain(cells):
    """JSON-storable numbers (a Decimal becomes an int or a float)."""
    if isinstance(cells, dict):
        return {str(key): _plain(value) for key, value in cells.items()}
    if isinstance(cells, Decimal):
        return int(cells) if cells == cells.to_integral_value() else float(cells)
    return cells


def store_contribution(group_indicator: GroupIndicator, member: Tenant, period: Period | str, figure, *,
                       actor_id: int | None = None, comment: str = "") -> GroupContribution:
    """Store `figure` (anything with value, breakdown and keys: a MemberFigure or a module's
    core.plugins.Indicator) as `member`'s approved contribution for `period`; an earlier approval of
    the same period is replaced. Checks only what the totals need: use approve() from the pages."""
    period = _as_period(period)
    if not is_member(group_indicator.group, member):
        raise DomainError(_l("Your organisation is not a member of this working group."))
    check_rule(group_indicator.unit, group_indicator.aggregation)
    keys = getattr(figure, "keys", None)
    if group_indicator.aggregation == Aggregation.DISTINCT and keys is None:
        raise DomainError(_l("This figure does not list the places or institutions it counts, so the network "
                             "cannot count each of them once."), "period_key")
    breakdown = dict(getattr(figure, "breakdown", None) or {})
    if not breakdown and keys:
        breakdown = breakdown_of_keys(keys)
    found = db.session.execute(select(GroupContribution).where(
        GroupContribution.group_indicator_id == group_indicator.id, GroupContribution.tenant_id == member.id,
        GroupContribution.period_key == period.key)).scalar_one_or_none()
    if found is None:
        found = GroupContribution(group_indicator_id=group_indicator.id, tenant_id=member.id, period_key=period.key)
        db.session.add(found)
    found.value = services.as_number(Decimal(str(figure.value)))
    found.breakdown, found.keys = _plain(breakdown), _plain(keys) if keys is not None else None
    found.comment, found.approved_by_id, found.approved_at, found.withdrawn = (comment or "").strip(), actor_id, \
        utcnow(), False
    db.session.flush()
    return found


def approve(group_indicator: GroupIndicator, member: Tenant, period: Period | str, actor_id: int | None = None, *,
            comment: str = "", today: date | None = None) -> GroupContribution:
    """`member` approves its figure for `period`: computed now from its own records, then stored as
    what the group sees. Nothing is saved when the figure cannot be computed or counts differently."""
    if not is_member(group_indicator.group, member):
        raise DomainError(_l("Your organisation is not a member of this working group."))
    figure = member_figure(group_indicator, member, period, today)
    return store_contribution(group_indicator, member, period, figure, actor_id=actor_id, comment=comment)


def withdraw(group_indicator: GroupIndicator, member: Tenant, period_key: str) -> GroupContribution:
    """Take back an approved figure: it leaves the network totals at once (the audit log keeps it)."""
    found = db.session.execute(select(GroupContribution).where(
        GroupContribution.group_indicator_id == group_indicator.id, GroupContribution.tenant_id == member.id,
        GroupContribution.period_key == period_key, GroupContribution.withdrawn.is_(False))).scalar_one_or_none()
    if found is None:
        raise DomainError(_l("Your organisation has no approved figure for this period."), "period_key")
    found.withdrawn = True
    db.session.flush()
    return found


def approvals_of(group: WorkingGroup, member: Tenant, limit: int = APPROVALS_SHOWN) -> list[GroupContribution]:
    """A member's approved figures in the group, most recent first (one query)."""
    return list(db.session.execute(
        select(GroupContribution).join(GroupIndicator, GroupIndicator.id == GroupContribution.group_indicator_id)
        .where(GroupIndicator.group_id == group.id, GroupContribution.tenant_id == member.id,
               GroupContribution.withdrawn.is_(False))
        .options(joinedload(GroupContribution.group_indicator))
        .order_by(GroupContribution.approved_at.desc(), GroupContribution.id.desc()).limit(limit)).scalars())


# --- network totals ---------------------------------------------------------------------------------

@dataclass
class NetworkTotal:
    """A shared indicator's network figure for one period and who contributed what."""

    group_indicator: GroupIndicator
    period_key: str
    value: Decimal | None
    breakdown: dict
    contributions: list[GroupContribution]
    counted_once: int = 0       # DISTINCT: things reported by more than one member, counted once

    @property
    def period(self) -> Period:
        return parse_period(self.period_key)


def _approved(stmt):
    return stmt.where(GroupContribution.withdrawn.is_(False))


def add_up(group_indicator: GroupIndicator, period_key: str, contributions: list[GroupContribution]) -> NetworkTotal:
    """The network total of approved contributions by the indicator's rule (no query)."""
    approved = sorted((c for c in contributions if not c.withdrawn), key=lambda c: (c.tenant.name, c.tenant_id))
    if not approved:
        return NetworkTotal(group_indicator, period_key, None, {}, [])
    if group_indicator.aggregation == Aggregation.DISTINCT:
        things: dict = {}
        reported = 0
        for contribution in approved:
            reported += len(contribution.keys or {})
            things.update(contribution.keys or {})
        return NetworkTotal(group_indicator, period_key, Decimal(len(things)), breakdown_of_keys(things), approved,
                            counted_once=reported - len(things))
    # SUM adds the members' figures; LATEST adds each member's latest value (its figure for the period).
    return NetworkTotal(group_indicator, period_key, sum((c.value for c in approved), Decimal(0)),
                        add_breakdowns(c.breakdown for c in approved), approved)


def network_total(group_indicator: GroupIndicator, period_key: str) -> NetworkTotal:
    contributions = list(db.session.execute(_approved(select(GroupContribution).where(
        GroupContribution.group_indicator_id == group_indicator.id, GroupContribution.period_key == period_key))
    ).scalars())
    return add_up(group_indicator, period_key, contributions)


def _period_order(key: str):
    period = parse_period(key)
    return period.end, period.start


def recent_totals(indicators: list[GroupIndicator], periods: int = PERIODS_SHOWN) -> dict[int, list[NetworkTotal]]:
    """For each shared indicator, the network totals of its last `periods` periods with approvals,
    newest first: two queries whatever the number of indicators, members and periods."""
    if not indicators:
        return {}
    ids = [indicator.id for indicator in indicators]
    pairs = db.session.execute(_approved(select(GroupContribution.group_indicator_id, GroupContribution.period_key)
                                         .where(GroupContribution.group_indicator_id.in_(ids))).distinct()).all()
    chosen: dict[int, list[str]] = {}
    for indicator_id, key in pairs:
        chosen.setdefault(indicator_id, []).append(key)
    for indicator_id, keys in chosen.items():
        chosen[indicator_id] = sorted(keys, key=_period_order, reverse=True)[:periods]
    wanted_keys = {key for keys in chosen.values() for key in keys}
    found: dict[tuple[int, str], list[GroupContribution]] = {}
    if wanted_keys:
        for contribution in db.session.execute(_approved(select(GroupContribution).where(
                GroupContribution.group_indicator_id.in_(ids), GroupContribution.period_key.in_(wanted_keys)))
        ).scalars():
            found.setdefault((contribution.group_indicator_id, contribution.period_key), []).append(contribution)
    by_id = {indicator.id: indicator for indicator in indicators}
    return {indicator_id: [add_up(by_id[indicator_id], key, found.get((indicator_id, key), []))
                           for key in chosen.get(indicator_id, [])] for indicator_id in ids}

