"""JSON API plumbing: flask-smorest Api (OpenAPI document), tenant-mounted API blueprints."""
from __future__ import annotations

import http
from collections.abc import Mapping
from typing import NoReturn

import marshmallow as ma
from flask_smorest import Api
from flask_smorest import abort as api_abort
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest.spec import prepare_response
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

API_PREFIX = "/api/v1"


def storable_text(value):
    """Strings of a parsed body without what no database column can hold: NUL characters
    (PostgreSQL refuses them) and lone surrogates (not UTF-8), in nested lists and objects too."""
    if isinstance(value, str):
        return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, list):
        return [storable_text(item) for item in value]
    if isinstance(value, dict):
        return {storable_text(key): storable_text(item) for key, item in value.items()}
    return value


class StrictParser(FlaskParser):
    """Query strings follow their schema's `unknown` (RAISE for lists): a mistyped filter must be
    reported, not silently ignored and answered with unfiltered data. Every text that reaches a
    schema is storable (storable_text), so odd input is validated, never a database error."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None, "querystring": None}

    def load_json(self, req, schema):
        # Query strings and forms are cleaned by core.web.StorableRequest; JSON bodies here.
        return storable_text(super().load_json(req, schema))

    def load_files(self, req, schema):
        # A multipart body is documented as one schema (location="files", see core/api/files.py): its
        # file parts and its plain fields are read together.
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)


class ApiBlueprint(SmorestBlueprint):
    """An API blueprint. With `tenant=True` (the default) it is mounted at
    /api/v1/t/<tenant_slug>/<path>, so the tenant is resolved and checked before any view runs."""

    ARGUMENTS_PARSER = StrictParser()

    def __init__(self, name: str, import_name: str, *, path: str = "", tenant: bool = True, **kwargs):
        super().__init__(name, import_name, **kwargs)
        base = f"{API_PREFIX}/t/<tenant_slug>" if tenant else API_PREFIX
        self.mount_prefix = f"{base}/{path.strip('/')}" if path else base


# The problem type of a request the document calls valid but a rule of the records refuses (a
# referenced record that is not one of the organisation's, a code already taken, an end before its
# start…): 422, with the message on the field at fault. Schema validation errors stay about:blank.
# Not meant to be dereferenced (the .invalid domain never resolves), only compared.
BUSINESS_RULE_TYPE = "https://samaki.invalid/problems/business-rule"
PROBLEM_TYPES = ("about:blank", BUSINESS_RULE_TYPE)


def refuse(error, default_field: str = "", renamed: Mapping[str, str] | None = None) -> NoReturn:
    """Answer a refusal by a rule as a 422 problem of type BUSINESS_RULE_TYPE, nothing written
    (rolled back). `error` is a core.errors.DomainError from a service (its message goes on the field
    it names, by its API name through `renamed`, else on `default_field`) or the view's own messages
    per field, `{field: [message]}` (`{field: {index: {field: [message]}}}` for an item of a list)."""
    from core.extensions import db
    db.session.rollback()
    if isinstance(error, Mapping):
        messages = dict(error)
    else:
        messages = {(renamed or {}).get(error.field, error.field) or default_field: [str(error.message)]}
    api_abort(422, messages=messages, problem_type=BUSINESS_RULE_TYPE)


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details: every API error has this shape (see core.web.problem)."""

    type = ma.fields.String(required=True, validate=ma.validate.OneOf(PROBLEM_TYPES), metadata={
        "description": f"about:blank for an error its status says all about (a field the document "
                       f"refuses, a missing record, a stale ETag…); {BUSINESS_RULE_TYPE} for a "
                       f"request the document calls valid but a rule of the records refuses (422, the "
                       f"message on the field at fault in `errors`)."})
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String()
    errors = ma.fields.Dict(metadata={"description": "Messages per field (per location for query strings)."})


PROBLEM_CONTENT_TYPE = "application/problem+json"


def _years_pattern(first: int, last: int) -> str:
    """A regular expression matching the four-digit years first..last (whole centuries as \\d\\d)."""
    parts, year = [], first
    while year <= last:
        century_end = year - year % 100 + 99
        if year % 100 == 0 and century_end <= last:
            parts.append(f"{year // 100}\\d\\d")
            year = century_end + 1
        else:
            parts.append(str(year))
            year += 1
    return "|".join(parts)


def date_range_pattern(self, field, **kwargs) -> dict:
    """A date field bounded by a Range of dates says so in the document: a `pattern` admitting only
    the years the server accepts (JSON Schema has no date bounds), and the exact bounds as `x-date-range`."""
    import datetime

    if not isinstance(field, ma.fields.Date):
        return {}
    for validator in field.validators:
        if isinstance(validator, ma.validate.Range) and isinstance(validator.min, datetime.date) \
                and isinstance(validator.max, datetime.date):
            years = _years_pattern(validator.min.year, validator.max.year)
            return {"pattern": f"^(?:{years})-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\\d|3[01])$",
                    "x-date-range": [validator.min.isoformat(), validator.max.isoformat()]}
    return {}


class SamakiApi(Api):
    """flask-smorest's Api, documenting errors as problem+json instead of its own error shape."""

    ERROR_SCHEMA = ProblemSchema

    def init_app(self, app, *, spec_kwargs=None):
        super().init_app(app, spec_kwargs=spec_kwargs)
        converter = self.ma_plugin.converter
        if date_range_pattern not in converter.attribute_functions:
            converter.add_attribute_function(date_range_pattern)
        from core.webhooks import openapi_webhooks
        with app.app_context():   # the event types come from the plugins' hooks
            self.spec.options["webhooks"] = openapi_webhooks()

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


api = SamakiApi()


def api_config_defaults() -> dict:
    return {
        "API_TITLE": "Samaki API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": API_PREFIX,
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/static/vendor/swagger-ui/",
        "API_SPEC_OPTIONS": {
            "info": {"description": "Samaki's JSON API. Authenticate with a personal access token "
                                    "(Authorization: Bearer smk_…); tenant resources live under /api/v1/t/<tenant-slug>/. "
                                    "Lists take page, per_page (max 100) and sort (-field for descending); errors are "
                                    "application/problem+json; updates need If-Match with the ETag you read."},
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearerAuth": []}],
        },
    }
