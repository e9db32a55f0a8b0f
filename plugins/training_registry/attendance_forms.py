"""Forms of the attendance screen: one tap (a person present or not), a walk-in, and the scan or
photo of the signed paper sheet. The walk-in form also reads each walk-in of a JSON batch (built
from the item's values, without its own CSRF token: the batch carries it in a header)."""
from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional, Regexp

from core.enums import enum_choices
from core.registers.fields import PlaceField
from core.registers.models import AgeGroup, Sex
from plugins.training_registry.attendance import CLIENT_KEY


class TapForm(FlaskForm):
    """One tap on a person: present ("1") or not ("0")."""

    enrolment_id = IntegerField(validators=[DataRequired(), NumberRange(min=1, max=2**31 - 1)])
    present = HiddenField(validators=[AnyOf(["0", "1"])])


def new_client_key() -> str:
    return str(uuid.uuid4())


class WalkInForm(FlaskForm):
    """Someone who came without being enrolled. `contact_id` (this is a person already in the
    register) and `confirm_new` (a new person, whatever the matches) come from the buttons shown
    with the possible matches."""

    name_km = StringField(_l("Name in Khmer"), validators=[Optional(), Length(max=200)])
    name_latin = StringField(_l("Name in Latin script"), validators=[Optional(), Length(max=200)])
    sex = SelectField(_l("Sex"), choices=enum_choices(Sex), default=Sex.NOT_RECORDED.value)
    age_group = SelectField(_l("Age group"), choices=enum_choices(AgeGroup), default=AgeGroup.NOT_RECORDED.value)
    commune = PlaceField(_l("Commune"), validators=[Optional()], kind="commune",
                         description=_l("Type the commune's name or code."))
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=50)])
    client_key = HiddenField(default=new_client_key, validators=[DataRequired(), Regexp(CLIENT_KEY.pattern)])
    contact_id = IntegerField(validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    confirm_new = HiddenField(default="")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        named = (self.name_km.data or "").strip() or (self.name_latin.data or "").strip()
        if not named and not self.contact_id.data:
            self.name_latin.errors = list(self.name_latin.errors) + [str(_l("Give a name in Khmer or in Latin script."))]
            return False
        return valid

    def contact_fields(self) -> dict:
        """The new contact's fields, as core.registers.contacts.create_contact takes them."""
        return {"name_km": self.name_km.data or "", "name_latin": self.name_latin.data or "",
                "sex": self.sex.data, "age_group": self.age_group.data, "place_id": self.commune.data,
                "phone": self.phone.data or ""}


class SheetForm(FlaskForm):
    sheet = FileField(_l("Scan or photo of the signed sheet"),
                      description=_l("A PDF, JPEG or PNG file of at most 10 MB."))
