"""Forms of the contact pages: list filters, a contact (person or organisation), an affiliation,
withdrawal of consent, erasure and merge confirmations, a photo."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, HiddenField, IntegerField, RadioField, SelectField, StringField,
                     TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.enums import enum_choices
from core.registers.fields import OrganisationField
from core.registers.models import AgeGroup, ConsentMethod, ContactKind, OrganisationType, Sex

PAGE_SIZE = 25


def _yes_no(blank) -> list[SelectChoice]:
    return [SelectChoice("", blank), SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]


def place_field():
    """The place picker of the places register when it is there, else a plain place number."""
    try:
        from core.registers.fields import PlaceField
    except ImportError:
        return IntegerField(_l("Place of residence (commune)"), validators=[Optional(), NumberRange(min=1)],
                            description=_l("The place's number in the gazetteer."))
    return PlaceField(_l("Place of residence (commune)"), validators=[Optional()])


class ContactFilterForm(FlaskForm):
    """The list's filters, read from the query string (so no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name, phone or e-mail"), validators=[Optional(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=enum_choices(ContactKind, _l("People and organisations")), default="")
    tag = StringField(_l("Tag"), validators=[Optional(), Length(max=100)])
    protected = SelectField(_l("Protected"), choices=_yes_no(_l("Protected or not")), default="")


class ContactForm(FlaskForm):
    """A person's or an organisation's facts; the view removes the identity fields a user may not
    see (a protected person) and the fields of the other kind."""

    kind = SelectField(_l("Kind"), choices=enum_choices(ContactKind), default=ContactKind.PERSON.value)
    name_km = StringField(_l("Name in Khmer"), validators=[Optional(), Length(max=200)])
    name_latin = StringField(_l("Name in Latin script"), validators=[Optional(), Length(max=200)])
    sex = SelectField(_l("Sex"), choices=enum_choices(Sex), default=Sex.NOT_RECORDED.value)
    birth_year = IntegerField(_l("Birth year"), validators=[Optional()],
                              description=_l("Leave empty when unknown and choose an age group instead."))
    age_group = SelectField(_l("Age group"), choices=enum_choices(AgeGroup), default=AgeGroup.NOT_RECORDED.value)
    disability = SelectField(_l("Person with a disability"), choices=_yes_no(_l("Not recorded")), default="")
    idpoor = SelectField(_l("IDPoor card holder"), choices=_yes_no(_l("Not recorded")), default="")
    indigenous = SelectField(_l("Member of an indigenous community"), choices=_yes_no(_l("Not recorded")), default="")
    place_id = place_field()
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=50)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    address = StringField(_l("Address (village, street, house)"), validators=[Optional(), Length(max=300)])
    id_number = StringField(_l("ID card number"), validators=[Optional(), Length(max=64)])
    organisation_type = SelectField(_l("Type of organisation"),
                                    choices=enum_choices(OrganisationType, _l("Not recorded")),
                                    default="")
    website = StringField(_l("Website"), validators=[Optional(), Length(max=255)])
    tax_number = StringField(_l("Tax number"), validators=[Optional(), Length(max=64)])
    languages = StringField(_l("Languages"), validators=[Optional(), Length(max=100)],
                            description=_l("Language codes separated by commas, e.g. km, en."))
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=500)],
                       description=_l("Separate tags with commas, e.g. youth, land."))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])
    protected = BooleanField(_l("Protected person: hide the identity from those not allowed to see it"))
    consent_scope = StringField(_l("What the consent covers"), validators=[Optional(), Length(max=300)])
    consent_on = DateField(_l("Consent given on"), validators=[Optional()])
    consent_method = SelectField(_l("How consent was recorded"),
                                 choices=enum_choices(ConsentMethod, _l("Not recorded")),
                                 default="")
    guardian_consent = BooleanField(_l("A parent or guardian consented (for a person under 18)"))
    confirm_new = HiddenField(default="")


PERSON_FIELDS = ("sex", "birth_year", "age_group", "disability", "idpoor", "indigenous", "address", "id_number",
                 "protected", "consent_scope", "consent_on", "consent_method", "guardian_consent")
ORGANISATION_FIELDS = ("organisation_type", "website", "tax_number")
IDENTITY_FORM_FIELDS = ("name_km", "name_latin", "phone", "email", "address", "id_number", "notes")


class AffiliationForm(FlaskForm):
    organisation_id = OrganisationField(_l("Organisation"), validators=[DataRequired()])
    role = StringField(_l("Role"), validators=[Optional(), Length(max=200)],
                       description=_l("For example: staff, member, focal point."))


class WithdrawConsentForm(FlaskForm):
    withdrawn_on = DateField(_l("Consent withdrawn on"), validators=[DataRequired()])


class EraseForm(FlaskForm):
    confirm = BooleanField(_l("I reviewed the linked records and want to forget this person"),
                           validators=[DataRequired(_l("Tick the box to confirm."))])


class MergeForm(FlaskForm):
    first = HiddenField(validators=[DataRequired()])
    second = HiddenField(validators=[DataRequired()])
    keep = RadioField(_l("Contact to keep"), choices=[], validators=[DataRequired(_l("Choose the contact to keep."))])


class PhotoForm(FlaskForm):
    """A person's photo; the content and size are checked by core.registers.contact_photos (the
    view writes the size limit into the hint)."""

    photo = FileField(_l("Photo"), render_kw={"accept": "image/jpeg,image/png"})
