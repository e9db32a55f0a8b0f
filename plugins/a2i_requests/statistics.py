"""Disclosure statistics and overdue lists: SQL aggregates over InfoRequest grouped by body, body kind
or province, the overdue queries the reports and the dashboard widget use, the published-requests query,
and the results-framework count of bodies actively disclosing information.
Every query here relies on the central tenant filter (and adds the tenant condition when one is set).
The one exception is statistics_table(tenant_ids=…, published_only=True), which the public working-group
scoreboard calls: it reads the listed tenants' published requests, explicitly and only those."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, literal_column, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload

from core.cache import cached_if_large
from core.extensions import db
from core.tenancy import current_tenant_id
from core.registers.models import Institution, InstitutionKind, Place, name_in_language
from plugins.a2i_requests.models import InfoRequest, RequestStatus
from plugins.a2i_requests.services import OPEN_STATUSES

S = RequestStatus
GROUPINGS = ("body", "kind", "province")
DATED_BY = ("submitted", "answered")      # which date the period filter reads
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
    # Percent of requests the body never answered (see _no_response); the counts behind every percentage.
    no_response: float = 0.0
    counts: dict = field(default_factory=dict)


def _flag(condition):
    return func.sum(case((condition, 1), else_=0))


def _no_response(today: date):
    """A request the body never answered: recorded as no response, or still open (no outcome yet)
    after its due date. A re-request keeps its earlier round's outcome, so it counts once."""
    return or_(InfoRequest.outcome == S.NO_RESPONSE,
               and_(InfoRequest.outcome.is_(None), InfoRequest.status.in_(OPEN_STATUSES),
                    InfoRequest.due_on < today))


def _counts(today: date) -> list:
    return [
        func.count(InfoRequest.id).label("requests"),
        _flag(InfoRequest.outcome == S.ANSWERED_FULL).label("answered_full"),
        _flag(InfoRequest.outcome == S.ANSWERED_PART).label("answered_part"),
        _flag(InfoRequest.outcome == S.REFUSED).label("refused"),
        _flag(InfoRequest.was_extended.is_(True)).label("extended"),
        _flag(InfoRequest.was_transferred.is_(True)).label("transferred"),
        _flag(InfoRequest.on_time.is_(True)).label("on_time"),
        _flag(InfoRequest.complained.is_(True)).label("complaints"),
        _flag(_no_response(today)).label("no_response"),
    ]


def _province_key():
    """A body's province: itself for a province, its province_id otherwise (NULL for national bodies)."""
    # A literal, not a bound parameter: PostgreSQL only matches the SELECT and GROUP BY expressions when
    # they are textually equal, and two bound parameters never are.
    is_province = Institution.kind == literal_column(f"'{InstitutionKind.PROVINCE.value}'")
    return case((is_province, Institution.id), else_=Institution.province_id)


def _filtered(stmt: Select, date_from: date | None, date_to: date | None, kind: InstitutionKind | str | None,
              province_id: int | None, *, dated_by: str = "submitted", tenant_ids: Sequence[int] | None = None,
              published_only: bool = False) -> Select:
    """Submitted requests (drafts have no submitted_on) of the period (by submission or answer date),
    body kind and province; of the current tenant, or of exactly `tenant_ids` when given (the caller
    then runs the statement unscoped, knowingly), and only the published ones when asked."""
    stmt = stmt.join(Institution, InfoRequest.body_id == Institution.id).where(InfoRequest.submitted_on.is_not(None))
    if tenant_ids is not None:
        stmt = stmt.where(InfoRequest.tenant_id.in_(list(tenant_ids)))
    else:
        tenant_id = current_tenant_id()
        if tenant_id is not None:
            stmt = stmt.where(InfoRequest.tenant_id == tenant_id)
    if published_only:
        stmt = stmt.where(InfoRequest.published_at.is_not(None))
    dated = InfoRequest.answered_on if dated_by == "answered" else InfoRequest.submitted_on
    if date_from is not None:
        stmt = stmt.where(dated >= date_from)
    if date_to is not None:
        stmt = stmt.where(dated <= date_to)
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
           "complaints", "no_response")
PERCENTAGES = ("answered_full", "answered_part", "refused", "extended", "transferred", "on_time", "no_response")


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
                       **{name: _percent(counts[name], total) for name in PERCENTAGES},
                       complaints=counts["complaints"], mean_days=round(mean, 1) if mean is not None else None,
                       median_days=_median(self.days), counts=dict(counts))


def statistics_table(group_by: str, date_from: date | None = None, date_to: date | None = None,
                     kind: InstitutionKind | str | None = None, province_id: int | None = None, *,
                     locale: str = "en", dated_by: str = "submitted", today: date | None = None,
                     tenant_ids: Sequence[int] | None = None,
                     published_only: bool = False) -> tuple[list[StatRow], StatRow]:
    """One row per body, body kind or province with counts, outcome percentages and answer times,
    and the same figures over all of them. One scan of the requests, grouped by row and by working
    days to answer (a few dozen values), from which Python sums the totals and reads the medians.
    Over a large tenant the table is kept for a minute (core.cache).

    By default the current tenant's requests; with `tenant_ids` exactly those tenants' requests, read
    across tenants on purpose (a working group's public scoreboard, with `published_only`). `today`
    decides which open requests are past due (no response); `dated_by` which date the period reads."""
    if group_by not in GROUPINGS:
        raise ValueError(f"unknown grouping {group_by!r}")
    if dated_by not in DATED_BY:
        raise ValueError(f"unknown date {dated_by!r}")
    today = today or date.today()
    members = tuple(sorted(tenant_ids)) if tenant_ids is not None else None
    key = (group_by, date_from, date_to, str(kind or ""), province_id, locale, dated_by, today, members,
           published_only)
    return cached_if_large(key, lambda: _statistics_table(group_by, date_from, date_to, kind, province_id, locale,
                                                          dated_by, today, members, published_only),
                           size=lambda table: table[1].requests)


def _statistics_table(group_by, date_from, date_to, kind, province_id, locale, dated_by, today, tenant_ids,
                      published_only) -> tuple[list[StatRow], StatRow]:
    province = aliased(Institution)
    if group_by == "body":
        key, label_columns = Institution.id, [Institution.name_en, Institution.name_km]
    elif group_by == "kind":
        key, label_columns = Institution.kind, []
    else:
        key, label_columns = _province_key(), [province.name_en, province.name_km]
    days = InfoRequest.working_days_to_answer
    stmt = _filtered(select(key.label("key"), *label_columns, days.label("days"), *_counts(today))
                     .select_from(InfoRequest), date_from, date_to, kind, province_id, dated_by=dated_by,
                     tenant_ids=tenant_ids, published_only=published_only)
    if group_by == "province":
        stmt = stmt.outerjoin(province, province.id == key)
    stmt = stmt.group_by(key, *label_columns, days)
    if tenant_ids is not None:
        # Across tenants on purpose: the WHERE clause above names exactly the tenants read.
        stmt = stmt.execution_options(samaki_unscoped=True)

    tallies: dict = {}
    total = _Tally(str(_l("All requests")))
    for found in db.session.execute(stmt):
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

def _active_conditions(period_start: date, period_end: date, kind: InstitutionKind) -> list:
    """Requests that make their body an active discloser: answered in full or in part, on time, with the
    answer dated within the period; ministries only when they are NCDD members."""
    conditions = [Institution.kind == kind, InfoRequest.on_time.is_(True),
                  InfoRequest.outcome.in_(DISCLOSING_OUTCOMES),
                  InfoRequest.answered_on >= period_start, InfoRequest.answered_on <= period_end]
    if kind == InstitutionKind.MINISTRY:
        conditions.append(Institution.ncdd_member.is_(True))
    tenant_id = current_tenant_id()
    if tenant_id is not None:
        conditions.append(InfoRequest.tenant_id == tenant_id)
    return conditions


def active_disclosers(period_start: date, period_end: date, kind: InstitutionKind | str) -> int:
    """Distinct bodies of `kind` that answered at least one request in full or in part, on time, with the
    answer dated within the period. Ministries count only when they are NCDD members."""
    kind = InstitutionKind(kind)
    stmt = (select(func.count(func.distinct(InfoRequest.body_id))).select_from(InfoRequest)
            .join(Institution, InfoRequest.body_id == Institution.id)
            .where(and_(*_active_conditions(period_start, period_end, kind))))
    return int(db.session.execute(stmt).scalar_one() or 0)


def institution_key(code: str, owner_tenant_id: int | None) -> str:
    """The instance-wide key of a public body in results-framework figures. A body of the shared
    register is named by its code; a tenant's private addition (whose code only that tenant's register
    keeps unique) also by its owner, so two tenants' private bodies never merge in a roll-up."""
    return f"institution:{code}" if owner_tenant_id is None else f"institution:tenant-{owner_tenant_id}:{code}"


def active_discloser_keys(period_start: date, period_end: date, kind: InstitutionKind | str) -> dict[str, dict]:
    """The bodies active_disclosers() counts, as {institution key: {"province": province code}}: one query.

    The province cell is the gazetteer code of the body's province (the Place its provincial
    administration governs, e.g. "08") when the register links that administration to the gazetteer,
    as it does once the gazetteer is loaded (core.registers.institutions.sync_administrations), and
    the provincial administration's own register code otherwise. National bodies (ministries) have no
    province: their attributes are empty, so they add no province cell."""
    kind = InstitutionKind(kind)
    province, province_place = aliased(Institution), aliased(Place)
    stmt = (select(Institution.code, Institution.owner_tenant_id,
                   func.coalesce(province_place.code, province.code).label("province_code"))
            .select_from(InfoRequest).join(Institution, InfoRequest.body_id == Institution.id)
            .outerjoin(province, province.id == Institution.province_id)
            .outerjoin(province_place, province_place.id == province.place_id)
            .where(and_(*_active_conditions(period_start, period_end, kind))).distinct())
    keys: dict[str, dict] = {}
    for found in db.session.execute(stmt):
        keys[institution_key(found.code, found.owner_tenant_id)] = (
            {"province": found.province_code} if found.province_code else {})
    return keys
