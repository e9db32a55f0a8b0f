"""API rate limits (flask-limiter): per API token first, per client address for calls without a valid
token, counted in Redis when SAMAKI_REDIS_URL is set so every process and host shares the counts.
HTML pages are not limited here; sign-in has its own throttle (core.auth.throttle)."""
from __future__ import annotations

import time

from flask import Flask, current_app, g, request
from flask_babel import gettext as _
from flask_limiter import ApplicationLimit, Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user
from limits import parse_many

from core.extensions import db
from core.web import is_api_request, problem

EXTENSION_NAME = "samaki_rate_limiter"


def init_rate_limits(app: Flask) -> Limiter:
    """Limit every /api/ request of `app`. One Limiter per app: tests build apps with different storages."""
    config = app.config
    for name in ("API_RATE_LIMIT", "API_ADDRESS_RATE_LIMIT"):
        try:
            parse_many(config[name])
        except ValueError:
            # Found at start-up, not at the first API call (where it would switch the limits off).
            raise ValueError(f"SAMAKI_{name} must look like 300/minute, not {config[name]!r}.") from None
    storage_uri = config.get("REDIS_URL") or "memory://"
    if storage_uri == "memory://" and config.get("ENV") == "production" and config.get("API_RATE_LIMITS_ENABLED"):
        app.logger.warning("API rate limits are counted in each process's memory: set SAMAKI_REDIS_URL so that "
                           "every worker and host shares them.")
    limiter = Limiter(
        key_func=_address_key,
        application_limits=[
            ApplicationLimit(lambda: current_app.config["API_RATE_LIMIT"], key_function=_token_key,
                             scope="api-token", exempt_when=lambda: _request_token() is None),
            ApplicationLimit(lambda: current_app.config["API_ADDRESS_RATE_LIMIT"], key_function=_address_key,
                             scope="api-address", exempt_when=lambda: _request_token() is not None),
        ],
        storage_uri=storage_uri,
        strategy="fixed-window",
        storage_options={"socket_connect_timeout": 1, "socket_timeout": 1} if storage_uri != "memory://" else {},
        key_prefix=config.get("API_RATE_LIMIT_KEY_PREFIX") or "samaki-api",
        # An unreachable Redis must not take the API down: each process counts in its memory until
        # Redis answers again (re-checked with a growing pause), and errors are logged, not raised.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        enabled=bool(config.get("API_RATE_LIMITS_ENABLED", True)),
    )
    limiter.request_filter(lambda: not is_api_request())
    limiter.init_app(app)
    app.extensions[EXTENSION_NAME] = limiter
    app.register_error_handler(RateLimitExceeded, _too_many_requests)
    _describe_in_openapi(app)
    return limiter


def _request_token():
    """The request's valid API token, or None. Loading the user checks the token (known, not expired,
    not revoked), so a made-up token is counted against its address and cannot escape the limits."""
    if not request.headers.get("Authorization", "").startswith("Bearer "):
        return None
    return g.get("api_token") if current_user.is_authenticated else None


def _token_key() -> str:
    token = _request_token()
    return f"token:{token.id}" if token is not None else ""


def _address_key() -> str:
    return f"address:{request.remote_addr or 'unknown'}"


def _too_many_requests(error: RateLimitExceeded):
    db.session.rollback()
    limiter = current_app.extensions[EXTENSION_NAME]
    breached = limiter.current_limit
    seconds = max(1, int(breached.reset_at - time.time())) if breached is not None else 60
    response = problem(429, _("Too many requests"),
                       _("Too many requests were sent with this token or from this address. "
                         "Try again in %(seconds)d seconds.", seconds=seconds))
    response.headers["Retry-After"] = str(seconds)
    return response


def _describe_in_openapi(app: Flask) -> None:
    """Say in the OpenAPI document's description what the limits are and how a 429 looks."""
    options = dict(app.config.get("API_SPEC_OPTIONS") or {})
    info = dict(options.get("info") or {})
    note = (f"Requests are rate limited: {app.config['API_RATE_LIMIT']} per token, and "
            f"{app.config['API_ADDRESS_RATE_LIMIT']} per client address for calls without a valid token; "
            "over the limit the answer is 429 Too Many Requests (application/problem+json) with a "
            "Retry-After header giving the seconds to wait.")
    if not app.config.get("API_RATE_LIMITS_ENABLED", True):
        note = "Rate limits (429 Too Many Requests with Retry-After) are switched off on this server."
    info["description"] = f"{info.get('description', '')} {note}".strip()
    options["info"] = info
    app.config["API_SPEC_OPTIONS"] = options
