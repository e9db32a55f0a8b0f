"""Forms of the administration pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from core.i18n import locale_choices
from core.permissions import ROLE_LABELS


def role_choices():
    return [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


class AddMemberForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)],
                       description=_l("Only needed when the person has no Samaki account yet."))
    role = SelectField(_l("Role"), choices=role_choices, default="member")


class ChangeRoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=role_choices)


class NewTenantForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(_l("Web address"), validators=[DataRequired(), Length(max=64)],
                       description=_l("Lower-case letters, digits and dashes, e.g. khmer-youth-network."))
    default_locale = SelectField(_l("Default language"), choices=locale_choices, default="km")


class AuditFilterForm(FlaskForm):
    """The audit browser's filters (read from the query string, so no CSRF)."""

    class Meta:
        csrf = False

    action = StringField(_l("Action"), validators=[Optional(), Length(max=64)])
    model = StringField(_l("Record type"), validators=[Optional(), Length(max=64)])
    record_id = StringField(_l("Record number"), validators=[Optional(), Length(max=64)])
    actor = StringField(_l("Who"), validators=[Optional(), Length(max=254)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])


class TenantExportForm(FlaskForm):
    """What an owner downloads (core.tenant_export). Identities need a passphrase and a fresh sign-in."""

    include_identities = BooleanField(_l("Include protected identities"),
                                      description=_l("The file is then encrypted with the passphrase below."))
    passphrase = PasswordField(_l("Passphrase for the file"), validators=[Optional(), Length(max=500)],
                               description=_l("At least 12 characters. Keep it apart from the file: "
                                              "without it nobody can open the file."))
    passphrase_again = PasswordField(_l("Passphrase again"), validators=[Optional(), Length(max=500)])
    password = PasswordField(_l("Your password"), validators=[Optional(), Length(max=500)],
                             description=_l("Needed to include protected identities when you do not use two-factor sign-in."))
    code = StringField(_l("Code from your authenticator app, or a recovery code"),
                       validators=[Optional(), Length(max=40)],
                       description=_l("Needed to include protected identities when you use two-factor sign-in."))
