"""Per-request plumbing: request id, the pending-migration guard, tenant resolution with its
membership and plugin checks, template context, and error pages (HTML or problem+json)."""
from __future__ import annotations

import re

from flask import (Flask, Request, abort, current_app, g, has_request_context, jsonify, redirect, render_template,
                   request, url_for)
from flask_babel import refresh
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import inspect, select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BuildError
from werkzeug.utils import cached_property
from werkzeug.routing import IntegerConverter

from core.audit import request_id
from core.extensions import db
from core.i18n import available_locales, current_locale
from core.tenancy import set_request_tenant

PUBLIC_ATTRIBUTE = "samaki_public"


def public(view):
    """Mark a tenant view as reachable without logging in (published pages)."""
    setattr(view, PUBLIC_ATTRIBUTE, True)
    return view


def page_url(endpoint: str, tenant, **values) -> str:
    """The path of one of `tenant`'s pages, inside a request or outside one (a job, a snapshot frozen
    by a command); "" when the page is not mounted in this app (tests with fewer plugins)."""
    values = {"tenant_slug": tenant.slug, **values}
    try:
        if has_request_context():
            return url_for(endpoint, **values)
        return current_app.url_map.bind("localhost").build(endpoint, values)
    except BuildError:
        return ""


def is_api_request() -> bool:
    return request.path.startswith("/api/")


class StorableRequest(Request):
    """Query strings and form posts without what no database column can hold (NUL characters,
    lone surrogates: core.api.storable_text), for every page and API at once, so odd input is
    validated like any other text and never reaches the database as an error."""

    @cached_property
    def args(self) -> ImmutableMultiDict:
        return ImmutableMultiDict(_storable_items(super().args))

    def _load_form_data(self) -> None:
        super()._load_form_data()
        self.__dict__["form"] = ImmutableMultiDict(_storable_items(self.__dict__["form"]))


# A value that is only a number or a date (digits and their punctuation) may be typed with Khmer
# digits: it reaches the forms' number and date fields in ASCII digits. Text with letters is kept
# as typed (an address may well say ផ្ទះលេខ ១២).
_NUMBER_OR_DATE = re.compile(r"[\d.,:/ +\-]+")   # \d is any script's digit, Khmer's too


def _storable_items(values) -> list[tuple[str, str]]:
    from core.api import storable_text
    from core.i18n import ASCII_DIGITS
    items = []
    for key, value in values.items(multi=True):
        value = storable_text(value)
        if _NUMBER_OR_DATE.fullmatch(value) and any("០" <= c <= "៩" for c in value):
            value = value.translate(ASCII_DIGITS)
        items.append((storable_text(key), value))
    return items


def register_request_handlers(app: Flask) -> None:
    app.request_class = StorableRequest
    app.before_request(_assign_request_id)
    app.before_request(refuse_with_pending_migrations)
    app.url_value_preprocessor(_take_tenant_slug)
    app.url_defaults(_add_tenant_slug)
    app.before_request(resolve_tenant)
    from core.auth.two_factor_views import require_two_factor_enrolment
    app.before_request(require_two_factor_enrolment)   # a tenant's rule: set up a second factor first
    app.context_processor(_template_context)
    app.after_request(_security_headers)
    from core.outbox import deliver_after_request
    from core.registers.protection import keep_identity_views
    app.after_request(keep_identity_views)      # every module's pages log views of protected identities
    app.after_request(deliver_after_request)
    app.teardown_request(_forget_request_state)
    from core.permissions import can, role_label
    from core.widgets import render_field
    app.jinja_env.globals.update(role_label=role_label, can=can, render_widget=render_field,
                                 filters_in_use=filters_in_use)
    from core.sharing_views import register_template_helpers
    register_template_helpers(app)


REQUEST_STATE = ("_login_user", "tenant", "tenant_slug", "membership", "user_memberships", "samaki_scope", "api_token",
                 "audit_actor", "request_id", "outbox_mails")


def _assign_request_id() -> None:
    request_id()


def _forget_request_state(error=None) -> None:
    # An app context can outlive one request (tests, CLI calling views): never let a user,
    # tenant or scope carry over to the next request.
    for name in REQUEST_STATE:
        g.pop(name, None)
    refresh()   # flask-babel caches the locale on the app context


def _take_tenant_slug(endpoint, values) -> None:
    # Views never take the slug as an argument: the tenant is on g, resolved once.
    g.tenant_slug = values.pop("tenant_slug", None) if values else None


def _add_tenant_slug(endpoint, values) -> None:
    tenant = g.get("tenant")
    if tenant is not None and "tenant_slug" not in values and current_app.url_map.is_endpoint_expecting(
            endpoint, "tenant_slug"):
        values["tenant_slug"] = tenant.slug


def user_memberships() -> list:
    """The logged-in user's active memberships with their tenants, loaded once per request: the
    tenant check and the organisation switcher share them."""
    from core.models import Membership, Tenant

    if not current_user.is_authenticated:
        return []
    memberships = g.get("user_memberships")
    if memberships is None or any(inspect(m).expired for m in memberships):   # reload after a commit
        memberships = g.user_memberships = db.session.execute(select(Membership).where(
            Membership.user_id == current_user.id, Membership.is_active).options(
            joinedload(Membership.tenant).joinedload(Tenant.plugin_switches))).unique().scalars().all()
    return memberships


def resolve_tenant():
    """Load the URL's tenant and the user's membership in it; 404 for anyone who is not a member
    (so tenant names do not leak), and 404 for a plugin the tenant has switched off."""
    from core.models import Tenant

    g.tenant, g.membership = None, None
    set_request_tenant(None)
    slug = g.get("tenant_slug")
    if slug is None:
        return None
    membership = next((m for m in user_memberships() if m.tenant.slug == slug and m.tenant.is_active), None)
    tenant = membership.tenant if membership is not None else db.session.execute(
        select(Tenant).where(Tenant.slug == slug, Tenant.is_active)).scalar_one_or_none()
    if tenant is None:
        abort(404)
    plugin = current_app.extensions["samaki"].blueprint_plugin.get(request.blueprint or "", "core")
    if plugin != "core" and not tenant.plugin_enabled(plugin):
        abort(404)
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, PUBLIC_ATTRIBUTE, False):
        g.tenant = tenant
        set_request_tenant(tenant.id)
        return None
    if not current_user.is_authenticated:
        if is_api_request():
            abort(401)
        return redirect(url_for("auth.login", next=request.full_path))
    token = g.get("api_token")
    if token is not None and token.tenant_id != tenant.id:
        abort(404)
    if membership is None:
        abort(404)
    g.tenant, g.membership = tenant, membership
    set_request_tenant(tenant.id)
    return None


def refuse_with_pending_migrations():
    """Serving a database that is behind the code corrupts data: say what to run instead."""
    state = current_app.extensions["samaki"]
    if not current_app.config.get("CHECK_PENDING_MIGRATIONS") or getattr(state, "schema_ok", False):
        return None
    from core.migrations import pending_heads

    pending = pending_heads()
    if not pending:
        state.schema_ok = True
        return None
    current_app.logger.error("Pending database migrations %s: run `flask --app wsgi init`", pending)
    message = _("The database needs upgrading. An operator must run: flask --app wsgi init")
    if is_api_request():
        return problem(503, _("Service Unavailable"), message)
    return render_template("errors/error.html", code=503, title=_("Service Unavailable"),
                           description=message), 503


# Query arguments that order or page a list without narrowing it.
NOT_FILTERS = frozenset({"page", "sort", "per_page", "order"})


def filters_in_use() -> bool:
    """Whether the request narrows its list (the filter panel then opens to show how)."""
    return any(value.strip() for key, values in request.args.lists() if key not in NOT_FILTERS for value in values)


def _template_context() -> dict:
    tenant = g.get("tenant")
    context = {"tenant": tenant, "membership": g.get("membership"), "current_locale": current_locale(),
               "available_locales": available_locales(), "nav_items": [], "my_tenants": []}
    if current_user.is_authenticated:
        context["my_tenants"] = sorted((m.tenant for m in user_memberships() if m.tenant.is_active),
                                       key=lambda t: t.name)
        if tenant is not None and g.get("membership") is not None:
            from core.navigation import nav_items
            from core.notifications import unread_count
            context["nav_items"] = nav_items(tenant, current_user, g.membership)
            context["unread_notifications"] = unread_count(current_user, tenant)
    return context


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not request.path.startswith(("/api/v1/docs",)):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        # Served over HTTPS (SAMAKI_SECURE_COOKIES): browsers must never try plain HTTP again.
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    endpoint = request.endpoint or ""
    if not (endpoint == "static" or endpoint.endswith(".static") or endpoint in CACHEABLE_ENDPOINTS) and (
            "no-store" not in response.headers.get("Cache-Control", "")):
        # Pages and API answers may show people's identities: no browser or proxy keeps a copy
        # (a shared or seized computer's cache, the back button after logging out).
        response.headers["Cache-Control"] = "private, no-store"
    return response


# Answers that show no one's identity and gain from the browser's cache on slow links: the
# gazetteer search behind the place pickers (instance-wide reference data).
CACHEABLE_ENDPOINTS = {"places.search"}


def problem(status: int, title: str, detail: str = "", errors: dict | None = None, **extra):
    """An RFC 9457 problem+json response."""
    body = {"type": "about:blank", "title": title, "status": status, **extra}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _error_texts(code: int) -> tuple[str, str]:
    texts = {
        400: (_("Bad request"), _("The request could not be understood. Please check what you sent.")),
        401: (_("Login required"), _("Please log in to continue.")),
        403: (_("Not allowed"), _("Your role in this organisation does not allow this.")),
        404: (_("Not found"), _("There is nothing here, or you do not have access to it.")),
        405: (_("Method not allowed"), _("This address does not accept that kind of request.")),
        409: (_("Conflict"), _("Someone else changed this record. Reload it and try again.")),
        412: (_("Precondition failed"), _("The record changed since you loaded it. Reload it and try again.")),
        428: (_("Precondition required"), _("Send the record's ETag in an If-Match header to change it.")),
        413: (_("Too large"), _("What you sent is larger than the limit allowed.")),
        422: (_("Invalid input"), _("Some fields need correcting.")),
        429: (_("Too many attempts"), _("Please wait a moment and try again.")),
        503: (_("Service Unavailable"), _("Samaki is not available right now. Please try again later.")),
    }
    return texts.get(code, (_("Something went wrong"), _("An unexpected error happened. It has been logged.")))


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        db.session.rollback()
        code = error.code or 500
        title, description = _error_texts(code)
        if is_api_request():
            errors = None
            data = getattr(error, "data", None) or {}
            if isinstance(data, dict) and data.get("messages"):
                errors = data["messages"]
                if code == 422 and set(errors) == {"query"}:
                    # A wrong query string (unknown parameter, page out of range) is a bad request.
                    code, (title, description) = 400, _error_texts(400)
            problem_type = data.get("problem_type") if isinstance(data, dict) else None
            if problem_type:   # core.api.refuse: a rule refused a request the document calls valid
                title, description = (_("Refused by a rule"),
                                      _("The request is well formed, but a rule refuses it: see the message on each field."))
                response = problem(code, title, description, errors, type=problem_type)
            else:
                response = problem(code, title, description, errors)
        else:
            response = app.make_response((render_template(
                "errors/error.html", code=code, title=title, description=description), code))
        if code == 405 and error.get_response().headers.get("Allow"):
            response.headers["Allow"] = error.get_response().headers["Allow"]
        if code == 401 and is_api_request():
            response.headers["WWW-Authenticate"] = 'Bearer realm="samaki"'
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        db.session.rollback()
        app.logger.exception("Unhandled error (request %s)", g.get("request_id", ""))
        if app.config.get("PROPAGATE_EXCEPTIONS"):
            raise error
        title, description = _error_texts(500)
        if is_api_request():
            return problem(500, title, description)
        return render_template("errors/error.html", code=500, title=title, description=description), 500


class RecordIdConverter(IntegerConverter):
    """`<int:…>` in every URL: ids beyond what the database's INTEGER columns hold are simply not
    found (404) instead of overflowing in PostgreSQL (500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_RECORD_ID)
        super().__init__(map, *args, **kwargs)


MAX_RECORD_ID = 2**31 - 1
