"""Personal access tokens for the API: each belongs to one membership, is shown once, expires and
can be revoked. Only a digest is stored."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from core.columns import utcnow
from core.extensions import db
from core.models import ApiToken, Membership
from core.permissions import require

tokens = Blueprint("tokens", __name__, url_prefix="/t/<tenant_slug>/tokens")

LIFETIMES = {"30": 30, "90": 90, "365": 365}


def lifetime_choices():
    return [SelectChoice("30", _l("30 days")), SelectChoice("90", _l("90 days")), SelectChoice("365", _l("One year"))]


class NewTokenForm(FlaskForm):
    name = StringField(_l("What is it for?"), validators=[DataRequired(), Length(max=100)],
                       description=_l("For example: monthly statistics script."))
    lifetime = SelectField(_l("Valid for"), choices=lifetime_choices, default="90")


class NewTokenWithCodeForm(NewTokenForm):
    """For a user with two-factor sign-in: a token is a key to their data, so a fresh code is asked."""

    code = StringField(_l("Code from your authenticator app"), validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code"})


def issue_token(membership: Membership, name: str, days: int | None) -> tuple[ApiToken, str]:
    """Create a token (the caller commits); returns it with its secret, which is never stored."""
    token, secret = ApiToken.issue(membership, name.strip(), utcnow() + timedelta(days=days) if days else None)
    db.session.add(token)
    return token, secret


def my_tokens() -> list[ApiToken]:
    return list(db.session.execute(select(ApiToken).where(ApiToken.membership_id == g.membership.id)
                                   .order_by(ApiToken.created_at.desc())).scalars())


@tokens.route("/", methods=["GET", "POST"])
@require("core.tenant.view")
def index() -> Response | str:
    from core.auth import two_factor
    from core.auth.two_factor_views import checked_with_throttle
    form_class = NewTokenWithCodeForm if two_factor.is_enabled(current_user) else NewTokenForm
    form = form_class()
    secret, status = None, 200
    if form.validate_on_submit():
        status = checked_with_throttle(current_user, form) if form_class is NewTokenWithCodeForm else None
        if not status:
            _token, secret = issue_token(g.membership, form.name.data, LIFETIMES[form.lifetime.data])
            db.session.commit()
            form = form_class(formdata=None)
    elif form.errors:
        status = 422
    return render_template("auth/tokens.html", form=form, tokens=my_tokens(), secret=secret,
                           now=utcnow()), status or 200


@tokens.post("/<int:token_id>/revoke")
@require("core.tenant.view")
def revoke(token_id: int) -> Response:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.membership_id != g.membership.id:
        abort(404)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    flash(_("The token “%(name)s” no longer works.", name=token.name), "success")
    return redirect(url_for("tokens.index"))
