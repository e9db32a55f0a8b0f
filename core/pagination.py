"""Totals for paginated lists, pages and API alike.

Counting 200,000 rows costs the database 20-30 ms on every page view, more than everything else a
list page does. Small totals are always counted exactly; a total of LARGE_COUNT rows or more is
kept for COUNT_TTL_SECONDS in the worker that counted it, since a page count that lags a few new
rows behind for a minute misleads nobody. The key holds the database, the tenant and the SQL with
its parameters, so no total is ever shown to another tenant or for another filter."""
from __future__ import annotations

import time

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select

from core.extensions import db
from core.tenancy import current_tenant_id

LARGE_COUNT = 10_000
COUNT_TTL_SECONDS = 60.0
MAX_CACHED_TOTALS = 1_000

_totals: dict[tuple, tuple[float, int]] = {}


def count_query(query: Select) -> Select:
    """COUNT(*) over the rows of `query`: the same FROM and WHERE without the selected columns, so
    the database can count from an index alone (a subquery is kept where DISTINCT or GROUP BY
    need it)."""
    if query._distinct or query._group_by_clauses:
        return select(func.count()).select_from(query.order_by(None).subquery())
    return query.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)


def total_count(query: Select) -> int:
    statement = count_query(query)
    compiled = statement.compile(db.engine)
    key = (str(db.engine.url), current_tenant_id(), str(compiled),
           tuple(sorted((name, repr(value)) for name, value in compiled.params.items())))
    now = time.monotonic()
    cached = _totals.get(key)
    if cached is not None and now - cached[0] < COUNT_TTL_SECONDS:
        return cached[1]
    total = db.session.execute(statement).scalar_one()
    if total >= LARGE_COUNT:
        if len(_totals) >= MAX_CACHED_TOTALS:
            _totals.clear()
        _totals[key] = (now, total)
    else:
        _totals.pop(key, None)
    return total


def paginate(query: Select, per_page: int, page: int | None = None) -> Pagination:
    """`db.paginate` (page from the `page` query argument, no 404 past the end) with total_count."""
    pagination = db.paginate(query, page=page, per_page=per_page, max_per_page=per_page, error_out=False,
                             count=False)
    pagination.total = total_count(query)
    return pagination
