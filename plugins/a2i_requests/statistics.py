"""Disclosure statistics and overdue lists: SQL aggregates over InfoRequest grouped by body, body kind
or province, the overdue queries the reports and the dashboard widget use, the published-requests query,
and the results-framework count of bodies actively disclosing information.
Every query here relies on the central tenant filter (and adds the tenant condition when one is set)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, literal_column, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload

from core.cache import cached_if_large
from core.extensions import db
from core.tenancy import current_tenant_id
from core.registers.models import Institution, InstitutionKind, name_in_language
from plugins.a2i_requests.models import InfoRequest, RequestStatus
from plugins.a2i_requests.services import OPEN_STATUSES

S = RequestStatus
GROUPINGS = ("body", "kind", "province")
DISCLOSING_OUTCOMES = (S.ANSWERED_FULL, S.ANSWERED_PART)


@dataclass
class StatRow:
    """One line of the statistics table; the percentages are of `requests` (0–100, one decimal)."""

    key: object
    label: str
    requests: int
    answered_full: float
    answered_part: float
    refused: float
    extended: float
    transferred: float
    on_time: float
    complaints: int
    mean_days: float | None
    median_days: float | None


def _flag(condition):
    return func.sum(case((condition, 1), else_=0))


def _counts() -> list:
    return [
        func.count(InfoRequest.id).label("requests"),
        _flag(InfoRequest.outcome == S.ANSWERED_FULL).label("answered_full"),
        _flag(InfoRequest.outcome == S.ANSWERED_PART).label("answered_part"),
        _flag(InfoRequest.outcome == S.REFUSED).label("refused"),
        _flag(InfoRequest.was_extended.is_(True)).label("extended"),
        _flag(InfoRequest.was_transferred.is_(True)).label("transferred"),
        _flag(InfoRequest.on_time.is_(True)).label("on_time"),
        _flag(InfoRequest.complained.is_(True)).label("complaints"),
    ]


def _province_key():
    """A body's province: itself for a province, its province_id otherwise (NULL for national bodies)."""
    # A literal, not a bound parameter: PostgreSQL only matches the SELECT and GROUP BY expressions when
    # they are textually equal, and two bound parameters never are.
    is_province = Institution.kind == literal_column(f"'{InstitutionKind.PROVINCE.value}'")
    return case((is_province, Institution.id), else_=Institution.province_id)


def _filtered(stmt: Select, date_from: date | None, date_to: date | None, kind: InstitutionKind | str | None,
              province_id: int | None) -> Select:
    """Submitted requests (drafts have no submitted_on) of the period, body kind and province."""
    stmt = stmt.join(Institution, InfoRequest.body_id == Institution.id).where(InfoRequest.submitted_on.is_not(None))
    tenant_id = current_tenant_id()
    if tenant_id is not None:
        stmt = stmt.where(InfoRequest.tenant_id == tenant_id)
    if date_from is not None:
        stmt = stmt.where(InfoRequest.submitted_on >= date_from)
    if date_to is not None:
        stmt = stmt.where(InfoRequest.submitted_on <= date_to)
    if kind:
        stmt = stmt.where(Institution.kind == InstitutionKind(kind))
    if province_id:
        stmt = stmt.where(or_(Institution.province_id == province_id, Institution.id == province_id))
    return stmt


def _percent(part, whole: int) -> float:
    return round(100.0 * (part or 0) / whole, 1) if whole else 0.0


def _median(histogram: dict[int, int]) -> float | None:
    """The median of working days given as {days: number of requests} (a few dozen distinct values
    where the requests are counted in hundreds of thousands)."""
    total = sum(histogram.values())
    if not total:
        return None
    wanted = [(total - 1) // 2, total // 2]   # the middle position(s), counted from 0
    found, seen = [], 0
    for days in sorted(histogram):
        seen += histogram[days]
        while wanted and wanted[0] < seen:
            found.append(days)
            wanted.pop(0)
    return (found[0] + found[1]) / 2


COUNTED = ("requests", "answered_full", "answered_part", "refused", "extended", "transferred", "on_time",
           "complaints")


@dataclass
class _Tally:
    """Counts summed over the (group, working days) rows of the statistics query."""

    label: str
    counts: dict = field(default_factory=lambda: dict.fromkeys(COUNTED, 0))
    days: dict = field(default_factory=dict)   # working days to answer -> answered requests

    def add(self, row) -> None:
        for name in COUNTED:
            self.counts[name] += int(getattr(row, name) or 0)
        if row.days is not None:
            self.days[row.days] = self.days.get(row.days, 0) + row.requests

    def row(self, key) -> StatRow:
        total, counts = self.counts["requests"], self.counts
        answered = sum(self.days.values())
        mean = sum(days * number for days, number in self.days.items()) / answered if answered else None
        return StatRow(key=key, label=self.label, requests=total,
                       **{name: _percent(counts[name], total) for name in COUNTED[1:-1]},
                       complaints=counts["complaints"], mean_days=round(mean, 1) if mean is not None else None,
                       median_days=_median(self.days))


def statistics_table(group_by: str, date_from: date | None = None, date_to: date | None = None,
                     kind: InstitutionKind | str | None = None, province_id: int | None = None, *,
                     locale: str = "en") -> tuple[list[StatRow], StatRow]:
    """One row per body, body kind or province with counts, outcome percentages and answer times,
    and the same figures over all of them. One scan of the requests, grouped by row and by working
    days to answer (a few dozen values), from which Python sums the totals and reads the medians.
    Over a large tenant the table is kept for a minute (core.cache)."""
    if group_by not in GROUPINGS:
        raise ValueError(f"unknown grouping {group_by!r}")
    key = (group_by, date_from, date_to, str(kind or ""), province_id, locale)
    return cached_if_large(key, lambda: _statistics_table(group_by, date_from, date_to, kind, province_id, locale),
                           size=lambda table: table[1].requests)


def _statistics_table(group_by, date_from, date_to, kind, province_id, locale) -> tuple[list[StatRow], StatRow]:
    province = aliased(Institution)
    if group_by == "body":
        key, label_columns = Institution.id, [Institution.name_en, Institution.name_km]
    elif group_by == "kind":
        key, label_columns = Institution.kind, []
    else:
        key, label_columns = _province_key(), [province.name_en, province.name_km]
    days = InfoRequest.working_days_to_answer
    stmt = _filtered(select(key.label("key"), *label_columns, days.label("days"), *_counts()).select_from(InfoRequest),
                     date_from, date_to, kind, province_id)
    if group_by == "province":
        stmt = stmt.outerjoin(province, province.id == key)

    tallies: dict = {}
    total = _Tally(str(_l("All requests")))
    for found in db.session.execute(stmt.group_by(key, *label_columns, days)):
        if found.key not in tallies:
            tallies[found.key] = _Tally(_label(group_by, found, locale))
        tallies[found.key].add(found)
        total.add(found)
    rows = [tally.row(row_key) for row_key, tally in tallies.items()]
    return sorted(rows, key=lambda r: (-r.requests, r.label)), total.row(None)


def _label(group_by: str, found, locale: str) -> str:
    if group_by == "kind":
        return str(InstitutionKind(found.key).label)
    if found.key is None:
        return str(_l("National (no province)"))
    return name_in_language(found.name_en, found.name_km, locale)


# --- overdue -----------------------------------------------------------------------------------

def overdue_query(today: date, kind: InstitutionKind | str | None = None, province_id: int | None = None) -> Select:
    """Open requests whose due date is before `today`, most overdue first, with body and assignee loaded."""
    stmt = (select(InfoRequest).join(InfoRequest.body)
            .options(contains_eager(InfoRequest.body), joinedload(InfoRequest.assignee))
            .where(InfoRequest.due_on.is_not(None), InfoRequest.due_on < today,
                   InfoRequest.status.in_(OPEN_STATUSES)))
    if kind:
        stmt = stmt.where(Institution.kind == InstitutionKind(kind))
    if province_id:
        stmt = stmt.where(or_(Institution.province_id == province_id, Institution.id == province_id))
    return stmt.order_by(InfoRequest.due_on, InfoRequest.id)


def recently_overdue(today: date, days: int = 7, kind: InstitutionKind | str | None = None,
                     province_id: int | None = None) -> Select:
    """Overdue requests that became overdue in the last `days` days (today included): due in
    [today - days, today - 1]."""
    return overdue_query(today, kind, province_id).where(InfoRequest.due_on >= today - timedelta(days=days))


# --- published requests ---------------------------------------------------------------------------

def published_query(search: str = "", status: RequestStatus | str | None = None) -> Select:
    """Published requests, newest publication first, searchable by body name (English or Khmer)."""
    stmt = (select(InfoRequest).join(InfoRequest.body).options(contains_eager(InfoRequest.body))
            .where(InfoRequest.published_at.is_not(None)))
    search = (search or "").strip()
    if search:
        stmt = stmt.where(or_(Institution.name_en.icontains(search, autoescape=True),
                              Institution.name_km.icontains(search, autoescape=True)))
    if status:
        stmt = stmt.where(InfoRequest.status == RequestStatus(status))
    return stmt.order_by(InfoRequest.published_at.desc(), InfoRequest.id.desc())


def published_request(request_id: int) -> InfoRequest | None:
    """A published request of the current tenant (a query, not session.get, so the tenant filter applies)."""
    return db.session.execute(published_query().where(InfoRequest.id == request_id)).unique().scalar_one_or_none()


# --- results framework ---------------------------------------------------------------------------

def active_disclosers(period_start: date, period_end: date, kind: InstitutionKind | str) -> int:
    """Distinct bodies of `kind` that answered at least one request in full or in part, on time, with the
    answer dated within the period. Ministries count only when they are NCDD members."""
    kind = InstitutionKind(kind)
    conditions = [Institution.kind == kind, InfoRequest.on_time.is_(True),
                  InfoRequest.outcome.in_(DISCLOSING_OUTCOMES),
                  InfoRequest.answered_on >= period_start, InfoRequest.answered_on <= period_end]
    if kind == InstitutionKind.MINISTRY:
        conditions.append(Institution.ncdd_member.is_(True))
    tenant_id = current_tenant_id()
    if tenant_id is not None:
        conditions.append(InfoRequest.tenant_id == tenant_id)
    stmt = (select(func.count(func.distinct(InfoRequest.body_id))).select_from(InfoRequest)
            .join(Institution, InfoRequest.body_id == Institution.id).where(and_(*conditions)))
    return int(db.session.execute(stmt).scalar_one() or 0)
