"""Forms of the client pages: a new client (an organisation of the contacts, or a new one by name),
a client's profile, and the list filters. Country choices are set by the views (in the page's language)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from core.enums import enum_choices
from core.registers.fields import OrganisationField
from plugins.consulting_crm.clients import DEFAULT_COUNTRY
from plugins.consulting_crm.models import ClientType


def _client_type():
    return SelectField(_l("Type of client"), choices=enum_choices(ClientType),
                       default=ClientType.DEVELOPMENT_PARTNER.value)


def _sector():
    return StringField(_l("Sector"), validators=[Optional(), Length(max=200)],
                       description=_l("For example: governance, education, health."))


def _country():
    return SelectField(_l("Country"), choices=[], default=DEFAULT_COUNTRY)


def _tax_number():
    return StringField(_l("Tax number (VATTIN)"), validators=[Optional(), Length(max=64)],
                       description=_l("Kept on the organisation's contact; printed on invoices."))


def _notes():
    return TextAreaField(_l("Notes"), validators=[Optional(), Length(max=20000)])


class NewClientForm(FlaskForm):
    contact_id = OrganisationField(_l("Organisation from your contacts"), validators=[Optional()])
    name = StringField(_l("Or the name of a new organisation"), validators=[Optional(), Length(max=200)],
                       description=_l("Leave empty when you chose an organisation above."))
    client_type = _client_type()
    sector = _sector()
    country = _country()
    tax_number = _tax_number()
    notes = _notes()


class ClientProfileForm(FlaskForm):
    client_type = _client_type()
    sector = _sector()
    country = _country()
    tax_number = _tax_number()
    notes = _notes()


class ClientFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    client_type = SelectField(_l("Type of client"), choices=enum_choices(ClientType, _l("Any type")), default="")
    country = SelectField(_l("Country"), choices=[], default="")
