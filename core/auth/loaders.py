"""How Flask-Login finds the user: the session cookie for pages, a bearer token for the API."""
from __future__ import annotations

from datetime import timedelta

from flask import g, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.audit import set_actor
from core.extensions import db
from core.columns import utcnow

LAST_USED_PRECISION = timedelta(minutes=1)


def install_user_loaders(login_manager) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)
    login_manager.request_loader(load_user_from_bearer_token)


def load_user(user_id: str):
    from core.models import User
    # The API authenticates with tokens only: a session cookie there would make every API call
    # forgeable from another site (no CSRF token on JSON requests).
    if request.path.startswith("/api/") or not user_id.isdigit():
        return None
    from core.auth.sessions import forget_session, session_is_current
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active:
        return None
    if not session_is_current(user):
        # Signed out elsewhere, password changed, idle or too old: the request goes on as anonymous
        # (a page redirects to the login form).
        forget_session()
        return None
    return user


def load_user_from_bearer_token(req):
    """API requests authenticate with `Authorization: Bearer smk_…`; the token names one membership."""
    from core.models import ApiToken

    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not request.path.startswith("/api/"):
        return None
    secret = header[len("Bearer "):].strip()
    token = db.session.execute(select(ApiToken).where(ApiToken.token_hash == ApiToken.digest(secret))).scalar_one_or_none()
    now = utcnow()
    if token is None or not token.is_usable(now):
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        # Committed at once (a GET never commits, and the user has not acted yet: nothing else is
        # pending); at most once a minute, so reads stay reads.
        token.last_used_at = now
        db.session.commit()
    g.api_token = token
    user = token.membership.user
    set_actor(user.id, f"{user.email} (token {token.prefix})")
    return user
