"""Login throttling per account and per address: after a few free failures each further one
doubles the wait, up to a cap. Kept in the database so every worker process agrees."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.columns import UTCDateTime, utcnow


class LoginThrottle(db.Model):
    __tablename__ = "core_login_throttle"

    # "account:<email>", "two_factor:<user id>" (codes of the second sign-in step) or "ip:<address>"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


def throttle_keys(email: str, address: str) -> list[str]:
    return [f"account:{email.strip().lower()}"[:300], f"ip:{address}"]


def seconds_to_wait(keys: list[str]) -> int:
    now = utcnow()
    rows = db.session.execute(select(LoginThrottle).where(LoginThrottle.key.in_(keys))).scalars()
    waits = [(row.blocked_until - now).total_seconds() for row in rows if row.blocked_until and row.blocked_until > now]
    return int(max(waits, default=0)) + (1 if waits else 0)


def record_failure(keys: list[str]) -> None:
    free = current_app.config["LOGIN_THROTTLE_FREE_ATTEMPTS"]
    cap = current_app.config["LOGIN_THROTTLE_MAX_DELAY"]
    for key in keys:
        row = db.session.get(LoginThrottle, key) or LoginThrottle(key=key, failures=0)
        db.session.add(row)
        row.failures += 1
        # The address limit is looser: several staff of one office share an address.
        allowed = free if key.startswith(("account:", "two_factor:")) else free * 5
        if row.failures > allowed:
            row.blocked_until = utcnow() + timedelta(seconds=min(cap, 2 ** (row.failures - allowed)))


def clear(keys: list[str]) -> None:
    for key in keys[:1]:   # a success clears the account, not the shared address
        row = db.session.get(LoginThrottle, key)
        if row is not None:
            db.session.delete(row)
