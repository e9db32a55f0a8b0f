"""Forms of the administration pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, SelectField, StringField
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
