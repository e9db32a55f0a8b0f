"""Two-factor sign-in with TOTP, written once without Flask: enrolment, checking a code (each time
step accepted once), single-use recovery codes, switching off, a reset by another owner, and which
memberships a tenant's rule obliges to have a second factor.

A user's two-factor state: `totp_secret` empty = none; a secret without `totp_enabled_at` = an
enrolment waiting for its first code (nothing is asked at sign-in yet); both = switched on.
Recovery codes carry 80 random bits, so a plain SHA-256 digest is enough to store them (argon2 is
for guessable passwords) and lets a code be found by its digest in one query."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from core.audit import record_event
from core.auth.security_mail import TWO_FACTOR_OFF, TWO_FACTOR_ON, TWO_FACTOR_RESET, tell_of_security_change
from core.columns import utcnow
from core.errors import DomainError
from core.extensions import db
from core.models.user import RecoveryCode, Role, User

ISSUER = "Samaki"
RECOVERY_CODE_COUNT = 10
VALID_WINDOW = 1            # the step before and the step after are accepted too (clock drift)
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"   # no 0/o, 1/l/i: read from paper


def is_enabled(user: User) -> bool:
    return bool(user.totp_secret) and user.totp_enabled_at is not None


def start_enrolment(user: User) -> str:
    """The secret to show for enrolment: a waiting one is kept (a reload must not change the QR
    code being scanned), else a new one. The caller commits."""
    if is_enabled(user):
        raise DomainError(_l("Two-factor sign-in is already on."))
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_svg(uri: str, title: str) -> str:
    """The otpauth:// address as an inline SVG QR code (made here: no outside service sees the secret)."""
    return segno.make(uri, error="m").svg_inline(scale=4, title=title, svgclass="qr-code", lineclass=None,
                                                   light="#fff")   # scanners need contrast


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _normalise_totp(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isdigit())


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def check_totp(user: User, code: str, now: datetime | None = None) -> None:
    """Accept a current code once: raises DomainError for a wrong code or one already used (a
    replay), else remembers its time step. The caller commits."""
    code = _normalise_totp(code)
    if not user.totp_secret or len(code) != 6:
        raise DomainError(_l("That code is not right. Check the time on your phone and try again."), "code")
    step = _matching_step(user.totp_secret, code, now or utcnow())
    if step is None:
        raise DomainError(_l("That code is not right. Check the time on your phone and try again."), "code")
    if user.totp_last_step is not None and step <= user.totp_last_step:
        raise DomainError(_l("That code has already been used. Wait for the next one."), "code")
    user.totp_last_step = step


def _recovery_digest(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").replace(" ", "").strip().lower().encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))   # 16 × log2(31) ≈ 79 bits
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with ten new ones; only their digests are kept."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_recovery_digest(code)) for code in codes)
    return codes


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def looks_like_recovery_code(code: str) -> bool:
    return len((code or "").replace("-", "").replace(" ", "").strip()) == 16


def use_recovery_code(user: User, code: str, now: datetime | None = None) -> None:
    """Spend one recovery code (audited); a used or unknown code is refused."""
    row = db.session.execute(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _recovery_digest(code))).scalar_one_or_none()
    if row is None:
        raise DomainError(_l("That code is not right. Check the time on your phone and try again."), "code")
    if row.used_at is not None:
        raise DomainError(_l("That recovery code has already been used. Each one works once."), "code")
    row.used_at = now or utcnow()
    record_event("two_factor_recovery_code_used", tenant_id=None, model="User", record_id=str(user.id),
                 changes={"codes_left": recovery_codes_left(user)})


def check_second_factor(user: User, code: str, now: datetime | None = None) -> str:
    """A six-digit code from the app, or a recovery code: "totp" or "recovery". A refusal raises
    DomainError; the front door counts it for the throttle and audits it (two_factor_failed)."""
    if looks_like_recovery_code(code):
        use_recovery_code(user, code, now)
        return "recovery"
    check_totp(user, code, now)
    return "totp"


def confirm_enrolment(user: User, code: str, now: datetime | None = None) -> list[str]:
    """Switch two-factor sign-in on once the first code from the app is right; returns the recovery
    codes to show once."""
    if is_enabled(user):
        raise DomainError(_l("Two-factor sign-in is already on."))
    if not user.totp_secret:
        raise DomainError(_l("Start the set-up again: there is no secret waiting."))
    check_totp(user, code, now)
    user.totp_enabled_at = now or utcnow()
    codes = new_recovery_codes(user)
    record_event("two_factor_enabled", tenant_id=None, model="User", record_id=str(user.id))
    tell_of_security_change(user, TWO_FACTOR_ON)
    return codes


def _switch_off(user: User) -> None:
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = "", None, None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def disable(user: User, code: str, now: datetime | None = None) -> None:
    """The user switches two-factor sign-in off with a current code (or a recovery code)."""
    if not is_enabled(user):
        raise DomainError(_l("Two-factor sign-in is not on."))
    check_second_factor(user, code, now)
    _switch_off(user)
    record_event("two_factor_disabled", tenant_id=None, model="User", record_id=str(user.id))
    tell_of_security_change(user, TWO_FACTOR_OFF)


def reset(user: User, *, by: User | None, tenant_id: int | None) -> None:
    """A lost phone: another owner of one of the user's tenants (or an operator) clears the second
    factor; the user sets it up again at their next sign-in. Audited in that tenant's log."""
    if by is not None and by.id == user.id:
        raise DomainError(_l("You cannot reset your own second factor: ask another owner."))
    if not user.totp_secret:
        raise DomainError(_l("%(name)s has no second factor to reset.", name=user.name))
    _switch_off(user)
    record_event("two_factor_reset", tenant_id=tenant_id, model="User", record_id=str(user.id),
                 changes={"reset_by": by.email if by is not None else "operator"})
    tell_of_security_change(user, TWO_FACTOR_RESET)


def role_needs_two_factor(role: Role, may_see_protected: bool) -> bool:
    """Owners, admins and every role that may see protected identities."""
    return Role(role) in (Role.OWNER, Role.ADMIN) or may_see_protected
