"""Login, password reset and account forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from core.auth.passwords import password_problems
from core.i18n import locale_choices


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=500)])
    remember = BooleanField(_l("Keep me logged in on this device"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])


class NewPasswordForm(FlaskForm):
    """Sets a password; the strength check knows whose password it is."""

    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=500)])
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))])

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_password(self, field) -> None:
        problems = password_problems(field.data or "", email=getattr(self.user, "email", ""),
                                     name=getattr(self.user, "name", ""))
        if problems:
            raise ValidationError(" ".join(str(p) for p in problems))


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])

    def validate_current(self, field) -> None:
        if self.user is None or not self.user.check_password(field.data or ""):
            raise ValidationError(_l("That is not your current password."))


class AccountForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    locale = SelectField(_l("Language"), choices=locale_choices)
    email_mode = SelectField(_l("E-mail me about notifications"), choices=lambda: [
        SelectChoice("immediate", _l("At once")), SelectChoice("daily", _l("Once a day (digest)")),
        SelectChoice("weekly", _l("Once a week (digest on Mondays)")),
        SelectChoice("off", _l("Never (only in Samaki)"))], default="immediate")
    khmer_digits = BooleanField(_l("Write numbers and dates with Khmer digits (០១២៣…)"),
                                description=_l("On pages and in PDFs. Files for spreadsheets (CSV) and the API keep "
                                               "0123… so that other programs can read them."))


class SecondFactorForm(FlaskForm):
    """A six-digit code from the authenticator app, or one of the recovery codes."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)],
                       description=_l("The six digits your authenticator app shows now, or one of your recovery codes."),
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"})


class EnrolTwoFactorForm(FlaskForm):
    code = StringField(_l("Code from the app"), validators=[DataRequired(), Length(max=40)],
                       description=_l("After adding Samaki to the app, type the six digits it shows."),
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
