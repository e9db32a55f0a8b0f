"""The life of a login session: a fresh session at login, the user's session version (raised to end
every session of the user on every app host), and the idle and absolute lifetimes.

Sessions are Flask's signed cookies, so nothing is kept on one host: what makes a session end
everywhere is `User.session_version` in the database, copied into the cookie at login and compared
on every request (core.auth.loaders.load_user)."""
from __future__ import annotations

import secrets
import time

from flask import current_app, session
from flask_login import login_user

from core.models import User

VERSION_KEY = "samaki_session_version"
SESSION_ID_KEY = "samaki_session_id"
LOGGED_IN_AT_KEY = "samaki_logged_in_at"
LAST_SEEN_AT_KEY = "samaki_last_seen_at"
# Writing the last-seen time on every request would re-send the cookie each time for nothing.
LAST_SEEN_PRECISION_SECONDS = 60


def now_seconds() -> int:
    return int(time.time())


def start_session(user: User, *, remember: bool = False) -> None:
    """Log `user` in on a fresh session: nothing from before the login survives (no CSRF token, no
    flashed message, nothing an attacker could have planted), so a cookie captured before logging
    in is worth nothing afterwards. "Remember me" keeps the cookie across browser restarts, within
    the same idle and absolute lifetimes as any session."""
    session.clear()
    session.permanent = remember
    login_user(user)
    stamp = now_seconds()
    session[VERSION_KEY] = user.session_version or 0
    session[SESSION_ID_KEY] = secrets.token_hex(8)
    session[LOGGED_IN_AT_KEY] = stamp
    session[LAST_SEEN_AT_KEY] = stamp


def end_other_sessions(user: User, *, keep_this_one: bool) -> None:
    """Raise the user's session version: every session started before stops working on its next
    request, on every app host. With `keep_this_one` the current session takes the new version and
    stays signed in (the user who just changed their password)."""
    user.session_version = (user.session_version or 0) + 1
    if keep_this_one:
        session[VERSION_KEY] = user.session_version


def end_this_session(user: User) -> None:
    """At log-out: remember this session's id on the user, so that a copy of its cookie taken
    before (a shared computer, a stolen cookie) is refused on every app host, not only forgotten by
    this browser. Ids older than a session can live are dropped, so the list stays short."""
    session_id = session.get(SESSION_ID_KEY)
    if not session_id:
        return
    now = now_seconds()
    oldest = now - current_app.config["SESSION_MAX_HOURS"] * 3600
    user.ended_sessions = [[sid, at] for sid, at in (user.ended_sessions or []) if at >= oldest] + [[session_id, now]]


def session_is_current(user: User) -> bool:
    """Whether the session cookie of this request may still speak for `user`: started at a login
    of the user's current session version, used recently enough, and not older than the absolute
    lifetime. Refreshes the last-seen time when it is."""
    version, logged_in_at, last_seen_at = (session.get(VERSION_KEY), session.get(LOGGED_IN_AT_KEY),
                                           session.get(LAST_SEEN_AT_KEY))
    if not all(isinstance(value, int) for value in (version, logged_in_at, last_seen_at)):
        return False   # a session from before these checks existed, or one not made by start_session
    if version != (user.session_version or 0):
        return False
    if user.ended_sessions and session.get(SESSION_ID_KEY) in {sid for sid, _at in user.ended_sessions}:
        return False   # logged out of: this is a copy of the cookie
    now = now_seconds()
    config = current_app.config
    if now - last_seen_at > config["SESSION_IDLE_MINUTES"] * 60:
        return False
    if now - logged_in_at > config["SESSION_MAX_HOURS"] * 3600:
        return False
    if now - last_seen_at >= LAST_SEEN_PRECISION_SECONDS:
        session[LAST_SEEN_AT_KEY] = now
    return True


def forget_session() -> None:
    """Empty a session that may no longer speak for its user (the request goes on as anonymous)."""
    session.clear()
