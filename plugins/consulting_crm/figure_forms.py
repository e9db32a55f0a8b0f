"""The pipeline figures' filter form, read from the query string (a GET form, so no CSRF): a year
or a period, the opportunity's owner and the client's type, each a short select."""
from __future__ import annotations

from datetime import date

from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from core.enums import enum_choices
from core.extensions import db
from core.models import Membership, User
from plugins.consulting_crm.figures import FigureFilters
from plugins.consulting_crm.models import ClientType

YEARS_BACK = 8
YEARS_AHEAD = 2


def year_choices() -> list[SelectChoice]:
    this_year = date.today().year
    return [SelectChoice("", _("All years"))] + [
        SelectChoice(str(year), str(year)) for year in range(this_year + YEARS_AHEAD, this_year - YEARS_BACK, -1)]


def owner_choices() -> list[SelectChoice]:
    """The tenant's active members (Membership is not TenantScoped, so the tenant is explicit)."""
    users = db.session.execute(select(User.id, User.name, User.email).join(
        Membership, Membership.user_id == User.id).where(
        Membership.tenant_id == g.tenant.id, Membership.is_active).order_by(User.name, User.id)).all()
    return [SelectChoice("", _("All owners"))] + [SelectChoice(str(user.id), user.name or user.email)
                                                  for user in users]


class FigureFilterForm(FlaskForm):
    class Meta:
        csrf = False

    year = SelectField(_l("Year"), validators=[Optional()])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("Until"), validators=[Optional()])
    owner = SelectField(_l("Owner"), validators=[Optional()])
    client_type = SelectField(_l("Client type"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.year.choices = year_choices()
        self.owner.choices = owner_choices()
        self.client_type.choices = enum_choices(ClientType, blank=_("All client types"))

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_("The end of the period must not be before its start."))

    def validate_year(self, field):
        if field.data and (self.date_from.data or self.date_to.data):
            raise ValidationError(_("Choose a year or a period, not both."))

    def filters(self) -> FigureFilters:
        return FigureFilters(year=int(self.year.data) if self.year.data else None, date_from=self.date_from.data,
                             date_to=self.date_to.data, owner_id=int(self.owner.data) if self.owner.data else None,
                             client_type=ClientType(self.client_type.data) if self.client_type.data else None)

    def active(self) -> list[str]:
        """The chosen filters as short texts ("Year: 2026"), for the folded form's summary."""
        chosen = []
        if self.date_from.data or self.date_to.data:
            chosen.append(_("Period: %(start)s – %(end)s",
                            start=self.date_from.data.isoformat() if self.date_from.data else "…",
                            end=self.date_to.data.isoformat() if self.date_to.data else "…"))
        for select_field in (self.year, self.owner, self.client_type):
            if select_field.data:
                label = next((str(choice.label) for choice in select_field.choices
                              if choice.value == select_field.data), select_field.data)
                chosen.append(_("%(filter)s: %(value)s", filter=select_field.label.text, value=label))
        return chosen
