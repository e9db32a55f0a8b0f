"""Users, their memberships in tenants (with a role), and personal API tokens."""
from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from core.audit import Audited
from core.data_key import SealedString
from core.extensions import db
from core.models.tenant import Tenant
from core.columns import UTCDateTime, utcnow



def password_hasher() -> PasswordHasher:
    """argon2id with the library's recommended parameters; tests may ask for a cheaper profile
    (verification reads the parameters from the stored hash, so both kinds verify)."""
    from flask import current_app, has_app_context
    if has_app_context() and current_app.config.get("PASSWORD_HASH_CHEAP"):
        from argon2.profiles import CHEAPEST
        return PasswordHasher.from_parameters(CHEAPEST)
    return PasswordHasher()


class Role(str, enum.Enum):
    """Membership roles, most powerful first."""

    OWNER = "owner"
    ADMIN = "admin"
    STAFF = "staff"
    MEMBER = "member"
    VIEWER = "viewer"


class User(UserMixin, Audited, db.Model):
    __tablename__ = "core_user"
    __audit_redact__ = {"password_hash", "totp_secret"}
    # Every sign-in moves totp_last_step and every log-out ended_sessions; the login and logout events say enough.
    __audit_ignore__ = {"totp_last_step", "ended_sessions"}

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)   # stored lower-cased: unique ignoring case
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    locale: Mapped[str | None] = mapped_column(String(10))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_superadmin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Raised to end every session of the user on every app host (password change, "sign out everywhere").
    session_version: Mapped[int] = mapped_column(Integer, default=0)
    # Sessions logged out of, [session id, when] (core.auth.sessions): a copy of the cookie taken
    # before the log-out is refused on every app host. Entries older than a session can live are dropped.
    ended_sessions: Mapped[list] = mapped_column(JSON, default=list)
    # Numbers and dates on pages and PDFs written with Khmer digits (០១២…) (core.i18n).
    khmer_digits: Mapped[bool] = mapped_column(Boolean, default=False)
    # Two-factor sign-in (TOTP): the secret (stored encrypted under the data key, core.data_key),
    # when it was switched on, and the last time step used (a code is accepted once).
    totp_secret: Mapped[str] = mapped_column(SealedString(32, always=True), default="")
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @validates("email")
    def _normalise_email(self, key, value: str) -> str:
        return value.strip().lower()

    def set_password(self, password: str) -> None:
        self.password_hash = password_hasher().hash(password)

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            return False
        try:
            return password_hasher().verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Membership(Audited, db.Model):
    """A user's place in one tenant. Not TenantScoped: a user sees all of their own memberships."""

    __tablename__ = "core_membership"
    __table_args__ = (UniqueConstraint("user_id", "tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("core_tenant.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16,
                                            values_callable=lambda roles: [r.value for r in roles]))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships", lazy="joined")
    tenant: Mapped[Tenant] = relationship(lazy="joined")


class ApiToken(Audited, db.Model):
    """A personal access token for one membership. Only a SHA-256 digest of the secret is kept."""

    __tablename__ = "core_api_token"
    __audit_redact__ = {"token_hash"}
    __audit_ignore__ = {"last_used_at"}

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("core_membership.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("core_tenant.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    membership: Mapped[Membership] = relationship(lazy="joined")

    @staticmethod
    def digest(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def issue(cls, membership: Membership, name: str, expires_at: datetime | None) -> tuple["ApiToken", str]:
        """A new token and its secret; the secret is shown once and never stored."""
        secret = "smk_" + secrets.token_urlsafe(32)
        token = cls(membership=membership, tenant_id=membership.tenant_id, name=name,
                    token_hash=cls.digest(secret), prefix=secret[:10], expires_at=expires_at)
        return token, secret

    def is_usable(self, now: datetime) -> bool:
        return (self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
                and self.membership.is_active and self.membership.user.is_active)


class RecoveryCode(db.Model):
    """A single-use recovery code for two-factor sign-in, stored hashed."""

    __tablename__ = "core_recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
