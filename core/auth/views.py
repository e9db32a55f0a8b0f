"""Login, logout, password reset by e-mailed single-use link, and the user's own account page."""
from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import force_locale
from flask_login import current_user, login_required, logout_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.wrappers import Response

from core.audit import record_event
from core.auth import throttle, two_factor
from core.auth.sessions import end_other_sessions, end_this_session, start_session
from core.auth.forms import AccountForm, ChangePasswordForm, ForgotPasswordForm, LoginForm, NewPasswordForm
from core.extensions import db
from core.notifications import email_mode
from core.auth.security_mail import PASSWORD_CHANGED, PASSWORD_RESET, tell_of_security_change
from core.outbox import send_mail
from core.models import EmailMode, NotificationPreference, User
from core.columns import utcnow
from core.views import safe_next

auth = Blueprint("auth", __name__)


def find_user_by_email(email: str) -> User | None:
    return db.session.execute(select(User).where(User.email == email.strip().lower())).scalar_one_or_none()


@auth.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    form = LoginForm()
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), url_for("core.index")))
    if form.validate_on_submit():
        keys = throttle.throttle_keys(form.email.data, request.remote_addr or "")
        wait = throttle.seconds_to_wait(keys)
        if wait:
            flash(_("Too many failed attempts. Please wait %(seconds)s seconds and try again.", seconds=wait), "error")
            return render_template("auth/login.html", form=form), 429
        user = find_user_by_email(form.email.data)
        if user is None or not user.is_active or not user.check_password(form.password.data):
            throttle.record_failure(keys)
            record_event("login_failed", tenant_id=None, model="User", record_id=str(user.id) if user else "",
                         changes={"email": form.email.data.strip().lower()[:254]})
            db.session.commit()
            # One message for every failure: never reveal whether the account exists.
            flash(_("Wrong e-mail or password."), "error")
            return render_template("auth/login.html", form=form), 200
        throttle.clear(keys)
        if two_factor.is_enabled(user):   # not logged in yet: the code comes first
            from core.auth.two_factor_views import start_second_step
            return start_second_step(user, remember=form.remember.data, next_url=request.args.get("next"))
        user.last_login_at = utcnow()
        start_session(user, remember=form.remember.data)   # a fresh session: nothing from before survives
        record_event("login", tenant_id=None, model="User", record_id=str(user.id))
        db.session.commit()
        return redirect(safe_next(request.args.get("next"), url_for("core.index")))
    return render_template("auth/login.html", form=form)


@auth.post("/logout")
def logout() -> Response:
    if current_user.is_authenticated:
        end_this_session(current_user)
        record_event("logout", tenant_id=None, model="User", record_id=str(current_user.id))
        db.session.commit()
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="samaki-password-reset")


def _password_fingerprint(user: User) -> str:
    # Part of the token: once the password changes, every earlier link stops working (single use).
    return hashlib.sha256(f"{user.id}:{user.password_hash}".encode()).hexdigest()[:20]


def password_reset_token(user: User) -> str:
    return _reset_serializer().dumps({"user": user.id, "fingerprint": _password_fingerprint(user)})


def user_for_reset_token(token: str) -> User | None:
    try:
        payload = _reset_serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, payload.get("user")) if isinstance(payload, dict) else None
    if user is None or not user.is_active or payload.get("fingerprint") != _password_fingerprint(user):
        return None
    return user


def send_password_reset(user: User) -> None:
    link = current_app.config["BASE_URL"].rstrip("/") + url_for("auth.reset_password", token=password_reset_token(user))
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    send_mail(user.email, _("Set your Samaki password"),
              _("Hello %(name)s,\n\nOpen this link to set a new password (valid for %(minutes)s minutes, once):\n"
                "%(link)s\n\nIf you did not ask for this, ignore this e-mail.", name=user.name, minutes=minutes,
                link=link))


def send_invitation(user: User, tenant, *, new_account: bool) -> None:
    """Tell someone they were added to a tenant; a new account gets a link to set its password."""
    base = current_app.config["BASE_URL"].rstrip("/")
    with force_locale(user.locale or tenant.default_locale):
        _send_invitation(user, tenant, base, new_account)


def _send_invitation(user: User, tenant, base: str, new_account: bool) -> None:
    if new_account:
        link = base + url_for("auth.reset_password", token=password_reset_token(user))
        body = _("Hello %(name)s,\n\nYou have been added to %(tenant)s on Samaki. Open this link to set your "
                 "password:\n%(link)s\n", name=user.name, tenant=tenant.name, link=link)
    else:
        link = base + url_for("core.dashboard", tenant_slug=tenant.slug)
        body = _("Hello %(name)s,\n\nYou have been added to %(tenant)s on Samaki:\n%(link)s\n",
                 name=user.name, tenant=tenant.name, link=link)
    send_mail(user.email, _("You have been added to %(tenant)s", tenant=tenant.name), body)


@auth.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> Response | str:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = find_user_by_email(form.email.data)
        if user is not None and user.is_active:
            send_password_reset(user)
            record_event("password_reset_requested", tenant_id=None, model="User", record_id=str(user.id))
            db.session.commit()
        # The same answer whether or not the address is known.
        flash(_("If that address belongs to an account, we have sent it a link to set a new password."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@auth.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Response | str:
    user = user_for_reset_token(token)
    if user is None:
        flash(_("This link has expired or has already been used. Ask for a new one."), "error")
        return redirect(url_for("auth.forgot_password"))
    form = NewPasswordForm(user=user)
    if form.validate_on_submit():
        user.set_password(form.password.data)
        end_other_sessions(user, keep_this_one=False)   # whoever knew the old password is signed out
        record_event("password_reset", tenant_id=None, model="User", record_id=str(user.id))
        tell_of_security_change(user, PASSWORD_RESET)
        db.session.commit()
        flash(_("Your password has been set. You can log in now."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@auth.route("/account", methods=["GET", "POST"])
@login_required
def account() -> Response | str:
    details = AccountForm(obj=current_user, prefix="details")
    if request.method == "GET":
        details.email_mode.data = email_mode(current_user).value
    password = ChangePasswordForm(user=current_user, prefix="password")
    if request.method == "POST" and "details-name" in request.form and details.validate_on_submit():
        current_user.name, current_user.locale = details.name.data, details.locale.data
        current_user.khmer_digits = details.khmer_digits.data
        preference = db.session.get(NotificationPreference, current_user.id) or NotificationPreference(
            user_id=current_user.id)
        preference.email_mode = EmailMode(details.email_mode.data)
        db.session.add(preference)
        db.session.commit()
        flash(_("Your details have been saved."), "success")
        return redirect(url_for("auth.account"))
    if request.method == "POST" and "password-current" in request.form and password.validate_on_submit():
        current_user.set_password(password.password.data)
        end_other_sessions(current_user, keep_this_one=True)
        tell_of_security_change(current_user, PASSWORD_CHANGED)
        db.session.commit()
        flash(_("Your password has been changed."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", details=details, password=password)


@auth.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere() -> Response:
    """End every session of the user, on every device and app host, this one included."""
    end_other_sessions(current_user, keep_this_one=False)
    record_event("sign_out_everywhere", tenant_id=None, model="User", record_id=str(current_user.id))
    db.session.commit()
    logout_user()
    flash(_("You have been signed out on every device."), "info")
    return redirect(url_for("auth.login"))
