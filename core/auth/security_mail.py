"""An e-mail to the user whenever the keys to their account change (password, second factor), so
that someone who took over an activist's account cannot do it unnoticed. Queued in the caller's
transaction (core.outbox): sent only if the change is saved. Written in the user's language."""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from core.models import User
from core.outbox import send_mail

PASSWORD_CHANGED = "password_changed"
PASSWORD_RESET = "password_reset"
TWO_FACTOR_ON = "two_factor_on"
TWO_FACTOR_OFF = "two_factor_off"
TWO_FACTOR_RESET = "two_factor_reset"


def _what(change: str) -> str:
    return {
        PASSWORD_CHANGED: _("Your password was changed from your account page."),
        PASSWORD_RESET: _("A new password was set with a link sent to this address."),
        TWO_FACTOR_ON: _("Two-factor sign-in was switched on."),
        TWO_FACTOR_OFF: _("Two-factor sign-in was switched off."),
        TWO_FACTOR_RESET: _("Your second factor was reset by an administrator of your organisation or by the "
                            "operator of this Samaki."),
    }[change]


def tell_of_security_change(user: User, change: str) -> None:
    """Queue the notice of `change` to `user` (the caller commits)."""
    forgot = current_app.config["BASE_URL"].rstrip("/") + "/password/forgot"
    with force_locale(user.locale or current_app.config.get("BABEL_DEFAULT_LOCALE") or "en"):
        send_mail(user.email, _("Your Samaki account: a security change"),
                  _("Hello %(name)s,\n\n%(what)s\n\nIf this was you, there is nothing to do. If it was not, set a "
                    "new password now at %(link)s and tell an administrator of your organisation: someone may "
                    "be using your account.", name=user.name, what=_what(change), link=forgot))
