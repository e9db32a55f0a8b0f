"""Two-factor pages: the second sign-in step, set-up and switching off from the account, the tenant
rule (owners require it; members who must have it are sent to set it up), and an owner's reset of a
member's lost second factor. The rules are in core/auth/two_factor.py."""
from __future__ import annotations

import time

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from core.admin.queries import members_of
from core.audit import record_event
from core.auth import throttle, two_factor
from core.auth.forms import EnrolTwoFactorForm, SecondFactorForm
from core.auth.sessions import start_session
from core.columns import utcnow
from core.errors import DomainError
from core.extensions import db
from core.models import Membership, User
from core.permissions import registry, require
from core.views import safe_next

two_factor_bp = Blueprint("two_factor", __name__)
two_factor_admin = Blueprint("two_factor_admin", __name__, url_prefix="/t/<tenant_slug>/admin/security")

PENDING_KEY = "two_factor_pending"
PENDING_SECONDS = 600        # the password step counts for ten minutes


# --- The second sign-in step ------------------------------------------------------------------

def start_second_step(user: User, *, remember: bool, next_url: str | None) -> Response:
    """After a correct password: remember who is half signed in (not logged in) and ask for a code."""
    session[PENDING_KEY] = {"user": user.id, "remember": bool(remember), "next": next_url or "",
                            "since": int(time.time()), "version": user.session_version or 0}
    return redirect(url_for("two_factor.second_step"))


def _pending_user() -> tuple[User | None, dict]:
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("since", 0) > PENDING_SECONDS:
        return None, {}
    user = db.session.get(User, pending.get("user"))
    # A password change or "sign out everywhere" meanwhile ends the half sign-in too.
    if (user is None or not user.is_active or not two_factor.is_enabled(user)
            or pending.get("version") != (user.session_version or 0)):
        return None, {}
    return user, pending


def code_throttle_keys(user: User) -> list[str]:
    # Its own account key (so a correct password does not clear it), the address key shared with passwords.
    return [f"two_factor:{user.id}", f"ip:{request.remote_addr or ''}"]


def checked_with_throttle(user: User, form, check=two_factor.check_second_factor) -> int | None:
    """Run `check(user, code)` on the form's code, throttled like passwords: None when it passed
    (the caller commits), else the status to answer with (429 blocked, 422 refused; the refusal is
    on the form and already committed with its audit event and throttle count)."""
    keys = code_throttle_keys(user)
    wait = throttle.seconds_to_wait(keys)
    if wait:
        form.code.errors.append(_("Too many failed attempts. Please wait %(seconds)s seconds and try again.",
                                  seconds=wait))
        return 429
    try:
        check(user, form.code.data)
    except DomainError as error:
        db.session.rollback()    # nothing half done by the check; the refusal alone is recorded
        throttle.record_failure(keys)
        record_event("two_factor_failed", tenant_id=None, model="User", record_id=str(user.id))
        db.session.commit()
        form.code.errors.append(str(error.message))
        return 422
    throttle.clear(keys)
    return None


@two_factor_bp.route("/login/two-factor", methods=["GET", "POST"])
def second_step() -> Response | str:
    user, pending = _pending_user()
    if user is None:
        session.pop(PENDING_KEY, None)
        flash(_("Please log in again."), "info")
        return redirect(url_for("auth.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        refused = checked_with_throttle(user, form)
        if refused:
            return render_template("auth/two_factor_login.html", form=form), refused
        else:
            user.last_login_at = utcnow()
            start_session(user, remember=pending.get("remember", False))   # also drops the pending state
            record_event("login", tenant_id=None, model="User", record_id=str(user.id),
                         changes={"second_factor": True})
            db.session.commit()
            return redirect(safe_next(pending.get("next") or None, url_for("core.index")))
    return render_template("auth/two_factor_login.html", form=form), 422 if form.errors else 200


# --- Set-up and switching off, from the account page ----------------------------------------------

@two_factor_bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def setup() -> Response | str:
    user: User = current_user._get_current_object()
    if two_factor.is_enabled(user):
        return render_template("auth/two_factor.html", enabled=True, form=SecondFactorForm(),
                               codes_left=two_factor.recovery_codes_left(user))
    form = EnrolTwoFactorForm()
    if not user.totp_secret:
        two_factor.start_enrolment(user)
        db.session.commit()
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm_enrolment(user, form.code.data)
        except DomainError as error:
            db.session.rollback()
            form.code.errors.append(str(error.message))
        else:
            db.session.commit()
            # Shown in this answer only: the codes are never stored in clear, nor put in the session.
            return render_template("auth/two_factor_codes.html", codes=codes,
                                   next_url=safe_next(request.args.get("next"), url_for("auth.account")))
    return _enrolment_page(user, form), 422 if form.errors else 200


def _enrolment_page(user: User, form) -> str:
    uri = two_factor.provisioning_uri(user)
    return render_template("auth/two_factor.html", enabled=False, form=form,
                           qr_code=two_factor.qr_code_svg(uri, _("QR code to scan with your authenticator app")),
                           secret=two_factor.grouped_secret(user.totp_secret))


@two_factor_bp.post("/account/two-factor/disable")
@login_required
def disable() -> Response | str:
    user: User = current_user._get_current_object()
    if not two_factor.is_enabled(user):
        return redirect(url_for("two_factor.setup"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        refused = checked_with_throttle(user, form, two_factor.disable)
        if not refused:
            db.session.commit()
            flash(_("Two-factor sign-in is off."), "success")
            return redirect(url_for("auth.account"))
    else:
        refused = 422
    return render_template("auth/two_factor.html", enabled=True, form=form,
                           codes_left=two_factor.recovery_codes_left(user)), refused


# --- The tenant rule ------------------------------------------------------------------------------

def membership_needs_two_factor(membership: Membership) -> bool:
    from core.registers.protection import PROTECTED_PERMISSION
    return two_factor.role_needs_two_factor(membership.role, registry().role_has(membership.role, PROTECTED_PERMISSION))


def require_two_factor_enrolment():
    """before_request, after the tenant is resolved: in a tenant that requires it, a member who must
    have a second factor and has none is sent to set it up first. API tokens are not affected."""
    tenant, membership = g.get("tenant"), g.get("membership")
    if tenant is None or membership is None or not tenant.require_two_factor or g.get("api_token") is not None:
        return None
    if request.path.startswith("/api/") or not current_user.is_authenticated or two_factor.is_enabled(current_user):
        return None
    if not membership_needs_two_factor(membership):
        return None
    flash(_("%(tenant)s asks you to sign in with a second factor. Please set it up now.", tenant=tenant.name),
          "info")
    return redirect(url_for("two_factor.setup", next=request.full_path if request.method == "GET" else None))


# --- The owner's settings: the rule and resetting a member's second factor --------------------------

@two_factor_admin.get("/")
@require("core.security.manage")
def settings() -> str:
    return render_template("admin/security.html", members=members_of(g.tenant),
                           needs_two_factor=membership_needs_two_factor, is_enabled=two_factor.is_enabled)


@two_factor_admin.post("/rule")
@require("core.security.manage")
def set_rule() -> Response:
    g.tenant.require_two_factor = request.form.get("require") == "1"
    db.session.commit()
    flash(_("Owners, administrators and everyone who may see protected identities must now sign in with a "
            "second factor.") if g.tenant.require_two_factor
          else _("A second factor is no longer required in this organisation."), "success")
    return redirect(url_for("two_factor_admin.settings"))


@two_factor_admin.post("/<int:membership_id>/reset")
@require("core.security.manage")
def reset(membership_id: int) -> Response:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.tenant_id != g.tenant.id:
        abort(404)
    try:
        two_factor.reset(membership.user, by=current_user._get_current_object(), tenant_id=g.tenant.id)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("two_factor_admin.settings"))
    db.session.commit()
    flash(_("The second factor of %(name)s has been reset: they can sign in with their password and set up a new one.",
            name=membership.user.name), "success")
    return redirect(url_for("two_factor_admin.settings"))
