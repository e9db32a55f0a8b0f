"""Conventions every list endpoint follows: `page`, `per_page` (max 100), `sort` (a field name,
`-field` for descending, from a whitelist), named filters; unknown parameters are refused with a
400 naming them; responses carry the items, the total count and links to other pages."""
from __future__ import annotations

from urllib.parse import urlencode

import marshmallow as ma
from flask import request
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from core.pagination import page_items, total_count

MAX_PER_PAGE = 100
MAX_PAGE = 1_000_000


class _ListArgsMeta(type(ma.Schema)):
    """Documents each list's `sort` with the values its SORTABLE allows (and drops the parameter
    where nothing is sortable), so the OpenAPI document says exactly what the server accepts."""

    def __new__(mcs, name, bases, attrs):
        klass = super().__new__(mcs, name, bases, attrs)
        sortable = tuple(getattr(klass, "SORTABLE", ()))
        if "sort" in klass._declared_fields:
            if sortable:
                field = klass._declared_fields["sort"] = fields.String(
                    metadata={"description": "A sortable field; prefix with - for descending.",
                              "enum": [*sortable, *(f"-{key}" for key in sortable)]})
                field.name = "sort"
            elif name != "ListArgs":
                del klass._declared_fields["sort"]
        return klass


class ListArgs(ma.Schema, metaclass=_ListArgsMeta):
    """Base query-string schema of a list endpoint; subclasses add their filters."""

    class Meta:
        unknown = ma.RAISE

    SORTABLE: tuple[str, ...] = ()

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE),
                          metadata={"description": "Page number, from 1."})
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=MAX_PER_PAGE),
                              metadata={"description": "Items per page, 1 to 100."})
    sort = fields.String(load_default=None, metadata={"description": "A sortable field; prefix with - for descending."})

    @ma.validates_schema
    def _known_sort(self, data, **kwargs) -> None:
        value = data.get("sort")
        if value is not None and value.lstrip("-") not in self.SORTABLE:
            raise ma.ValidationError(_l("Sort by one of: %(fields)s.", fields=", ".join(self.SORTABLE) or "-"),
                                     field_name="sort")


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The envelope schema of a list response (named for the OpenAPI document)."""
    links = type(f"{name}Links", (ma.Schema,), {key: fields.String(allow_none=True) for key in
                                                 ("self", "first", "prev", "next", "last")})
    return type(name, (ma.Schema,), {
        "items": fields.List(fields.Nested(item_schema), required=True),
        "total": fields.Integer(required=True),
        "page": fields.Integer(required=True),
        "per_page": fields.Integer(required=True),
        "links": fields.Nested(links, required=True),
    })


def _link(page: int | None, args: dict) -> str | None:
    if page is None:
        return None
    # Every value of a repeated parameter (?period=2025&period=2026) stays in the link.
    query = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
    query.append(("page", page))
    return f"{request.base_url}?{urlencode(query)}"


def paginate(query, args: dict, sort_columns: dict, default_order) -> dict:
    """One page of `query` (a select) as the list envelope: a COUNT and a LIMIT/OFFSET query,
    whatever the number of rows."""
    sort = args.get("sort")
    if sort:
        column = sort_columns[sort.lstrip("-")]
        order = [column.desc() if sort.startswith("-") else column.asc(), *default_order[1:]]
    else:
        order = list(default_order)
    page, per_page = args["page"], args["per_page"]
    total = total_count(query)
    items = page_items(query.order_by(*order), per_page, (page - 1) * per_page)
    last = max(1, -(-total // per_page))
    return {"items": items, "total": total, "page": page, "per_page": per_page,
            "links": {"self": _link(page, args), "first": _link(1, args), "last": _link(last, args),
                      "prev": _link(page - 1 if page > 1 else None, args),
                      "next": _link(page + 1 if page < last else None, args)}}
