"""Forms of the institutions pages: list filters, one institution, a correction proposal, CSV import."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, URL

from core.registers.models import InstitutionKind


# How the fields of a correction proposal are named on the pages.
FIELD_LABELS = {
    "name_en": _l("Name in English"), "name_km": _l("Name in Khmer"), "phone": _l("Phone"), "email": _l("E-mail"),
    "website": _l("Website"), "address_en": _l("Address"),
    "ncdd_member": _l("Member of the NCDD (sub-national democratic development)"),
}


def kind_choices(blank_label=None) -> list[SelectChoice]:
    choices = [SelectChoice(kind.value, kind.label) for kind in InstitutionKind]
    return [SelectChoice("", blank_label)] + choices if blank_label is not None else choices


class InstitutionFilterForm(FlaskForm):
    """The list's filters (read from the query string, so no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)],
                    description=_l("Name in Khmer or English, or code."))
    kind = SelectField(_l("Kind"), validators=[Optional()])
    province = SelectField(_l("Province"), validators=[Optional()])
    include_former = BooleanField(_l("Include former institutions (renamed, merged or abolished)"))


WEBSITE_MESSAGE = _l("Give a full web address, e.g. https://moi.gov.kh.")


def _code_field(label, description=None) -> StringField:
    return StringField(label, validators=[Optional(), Length(max=64)], description=description)


class InstitutionForm(FlaskForm):
    """One institution: a tenant's private one, or (for operators) a shared one."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=64)],
                       description=_l("A short unique code, e.g. KH-7-KAMPOT-PHSAR."))
    kind = SelectField(_l("Kind"), choices=kind_choices, validators=[DataRequired()])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=255)])
    name_km = StringField(_l("Name in Khmer"), validators=[Optional(), Length(max=255)])
    parent_code = _code_field(_l("Part of (code)"), _l("The code of the institution above it, e.g. KH-7."))
    place_code = StringField(_l("Place it governs (gazetteer code)"), validators=[Optional(), Length(max=16)],
                             description=_l("The official code of the province, district or commune, e.g. 0707."))
    ncdd_member = BooleanField(_l("Member of the NCDD (sub-national democratic development)"))
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=100)])
    email = StringField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=255), URL(message=WEBSITE_MESSAGE)])
    address_en = StringField(_l("Address"), validators=[Optional(), Length(max=500)])
    valid_from = DateField(_l("In existence since"), validators=[Optional()],
                           description=_l("Leave empty when not known."))
    valid_to = DateField(_l("Ended on"), validators=[Optional()],
                         description=_l("The day it was renamed, merged or abolished; empty while it exists."))
    successor_code = _code_field(_l("Replaced by (code)"), _l("The code of the institution that took over."))

    def fill_from(self, institution) -> None:
        self.kind.data = institution.kind.value
        self.parent_code.data = institution.parent.code if institution.parent else ""
        self.place_code.data = institution.place.code if institution.place else ""
        self.successor_code.data = institution.successor.code if institution.successor else ""

    def values(self) -> dict:
        """The keyword arguments of institutions.save_institution()."""
        return {"code": self.code.data, "kind": self.kind.data, "parent_code": self.parent_code.data or "",
                "place_code": self.place_code.data or "", "successor_code": self.successor_code.data or "",
                "valid_from": self.valid_from.data, "valid_to": self.valid_to.data,
                "name_en": self.name_en.data, "name_km": self.name_km.data or "",
                "ncdd_member": bool(self.ncdd_member.data), "phone": self.phone.data or "",
                "email": self.email.data or "", "website": self.website.data or "",
                "address_en": self.address_en.data or ""}


class CorrectionForm(FlaskForm):
    """A proposal to correct a shared institution: the values as they should be, and why."""

    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=255)])
    name_km = StringField(_l("Name in Khmer"), validators=[Optional(), Length(max=255)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=100)])
    email = StringField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=255), URL(message=WEBSITE_MESSAGE)])
    address_en = StringField(_l("Address"), validators=[Optional(), Length(max=500)])
    ncdd_member = BooleanField(_l("Member of the NCDD (sub-national democratic development)"))
    note = TextAreaField(_l("Why, and how you know"), validators=[DataRequired(), Length(max=2000)],
                         description=_l("For example: the new phone number is on the ministry's website."))

    def proposed(self) -> dict:
        return {name: getattr(self, name).data for name in
                ("name_en", "name_km", "phone", "email", "website", "address_en", "ncdd_member")}


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(message=_l("Choose a CSV file to upload."))],
                     description=_l("UTF-8 CSV with the columns code, kind, parent_code, name_en, name_km, "
                                    "ncdd_member, phone, email, address_en, and optionally place_code, website, "
                                    "valid_from, valid_to, successor_code; at most 2 MB."))
