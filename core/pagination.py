"""Pages of long lists, for HTML pages and the API alike: the rows of one page and the total.

Counting 200,000 rows costs the database 20-30 ms on every page view, more than everything else a
list page does: large totals are kept for a minute (core.cache). A deep page (OFFSET 50,000) first
picks its ids from an index and only then loads those rows with their joins ("deferred join"),
instead of joining 50,000 rows to throw them away."""
from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import Select, func, inspect, select
from sqlalchemy.orm import lazyload

from core.cache import cached_if_large
from core.extensions import db

DEFERRED_JOIN_OFFSET = 1_000


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
    key = ("count", str(compiled), tuple(sorted((name, repr(value)) for name, value in compiled.params.items())))
    return cached_if_large(key, lambda: db.session.execute(statement).scalar_one(), size=lambda total: total)


def page_items(query: Select, limit: int, offset: int) -> list:
    """The entities of one page of `query` (ordered, one mapped entity selected)."""
    entity = query.column_descriptions[0].get("entity")
    if offset >= DEFERRED_JOIN_OFFSET and entity is not None and len(query.column_descriptions) == 1 \
            and not query._distinct and not query._group_by_clauses:
        key = inspect(entity).primary_key
        if len(key) == 1:
            ids = query.options(lazyload("*")).with_only_columns(key[0], maintain_column_froms=True)
            query = query.where(key[0].in_(ids.limit(limit).offset(offset).scalar_subquery()))
            return db.session.execute(query).unique().scalars().all()
    return db.session.execute(query.limit(limit).offset(offset)).unique().scalars().all()


class _Pagination(SelectPagination):
    def _query_items(self) -> list:
        return page_items(self._query_args["select"], self.per_page, self._query_offset)

    def _query_count(self) -> int:
        return total_count(self._query_args["select"])


def paginate(query: Select, per_page: int, page: int | None = None) -> Pagination:
    """Like `db.paginate` (page from the `page` query argument, no 404 past the end), with
    page_items and total_count."""
    return _Pagination(select=query, session=db.session(), page=page, per_page=per_page, max_per_page=per_page,
                       error_out=False, count=True)
