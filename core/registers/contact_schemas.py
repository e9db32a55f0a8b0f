"""Marshmallow schemas of the contacts API. Enums travel as their string values, dates as ISO
dates; identity fields are null when the contact is protected and the token's user may not see it."""
from __future__ import annotations

from datetime import date

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from core.api.fields import enum, RECORD_ID
from core.api.lists import ListArgs, page_schema
from core.registers.models import AgeGroup, ConsentMethod, ContactKind, OrganisationType, Sex

DATE_RANGE = validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31),
                            error=_l("Give a date between 2000 and 2100."))


def _text(length: int, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(max=length), **kwargs)


class AffiliationSchema(ma.Schema):
    id = fields.Integer(required=True)
    organisation_id = fields.Integer(required=True)
    person_id = fields.Integer(required=True)
    role = fields.String(required=True)


class ContactSchema(ma.Schema):
    """A contact as listed."""

    id = fields.Integer(required=True)
    kind = enum(ContactKind, required=True)
    display_name = fields.String(required=True, metadata={
        "description": "The name to show: the real one when allowed, else 'Protected person #id' or 'Erased person'."})
    protected = fields.Boolean(required=True)
    erased = fields.Boolean(required=True)
    identity_hidden = fields.Boolean(required=True, metadata={
        "description": "True when the identity fields are null because the token's user may not see them."})
    name_km = fields.String(allow_none=True, required=True)
    name_latin = fields.String(allow_none=True, required=True)
    phone = fields.String(allow_none=True, required=True)
    email = fields.String(allow_none=True, required=True)
    has_photo = fields.Boolean(allow_none=True, required=True, metadata={
        "description": "Whether the person has a photo (shown on the contact's page); null when the identity is "
                       "hidden. Read-only."})
    sex = enum(Sex, required=True)
    birth_year = fields.Integer(allow_none=True, required=True)
    age_group = enum(AgeGroup, required=True)
    place_id = fields.Integer(allow_none=True, required=True)
    tags = fields.List(fields.String(), required=True)
    organisation_type = enum(OrganisationType, allow_none=True, required=True)


class ContactDetailSchema(ContactSchema):
    """One contact with everything the token's user may see."""

    address = fields.String(allow_none=True, required=True)
    id_number = fields.String(allow_none=True, required=True)
    notes = fields.String(allow_none=True, required=True)
    disability = fields.Boolean(allow_none=True, required=True)
    idpoor = fields.Boolean(allow_none=True, required=True)
    indigenous = fields.Boolean(allow_none=True, required=True)
    languages = fields.List(fields.String(), required=True)
    institution_id = fields.Integer(allow_none=True, required=True)
    website = fields.String(required=True)
    tax_number = fields.String(required=True)
    consent_scope = fields.String(required=True)
    consent_on = fields.Date(allow_none=True, required=True)
    consent_method = enum(ConsentMethod, allow_none=True, required=True)
    guardian_consent = fields.Boolean(required=True)
    consent_withdrawn_on = fields.Date(allow_none=True, required=True)
    affiliations = fields.List(fields.Nested(AffiliationSchema), required=True)


class ContactListArgs(ListArgs):
    SORTABLE = ("name_latin", "created_at")
    q = fields.String(validate=validate.Length(max=200), metadata={
        "description": "Text in the names or e-mail, or a phone number in any common form. Protected people are "
                       "matched only for users allowed to see them."})
    kind = enum(ContactKind)
    protected = fields.Boolean()
    tag = fields.String(validate=validate.Length(max=100))


ContactPage = page_schema(ContactSchema, "ContactPage")


class ContactWriteSchema(ma.Schema):
    """The fields a client may set (rules such as a guardian's consent for a minor are checked by
    the register: a 422 names the field at fault)."""

    class Meta:
        unknown = ma.RAISE

    kind = enum(ContactKind, load_default=ContactKind.PERSON)
    name_km = _text(200)
    name_latin = _text(200)
    phone = _text(50)
    email = _text(254)
    address = _text(300)
    id_number = _text(64)
    notes = _text(5000)
    sex = enum(Sex)
    birth_year = fields.Integer(allow_none=True, validate=validate.Range(min=1900, max=2100))
    age_group = enum(AgeGroup)
    disability = fields.Boolean(allow_none=True)
    idpoor = fields.Boolean(allow_none=True)
    indigenous = fields.Boolean(allow_none=True)
    place_id = fields.Integer(allow_none=True, validate=RECORD_ID)
    languages = fields.List(fields.String(validate=validate.Length(max=10)))
    tags = fields.List(fields.String(validate=validate.Length(max=100)))
    organisation_type = enum(OrganisationType, allow_none=True)
    institution_id = fields.Integer(allow_none=True, validate=RECORD_ID)
    website = _text(255)
    tax_number = _text(64)
    protected = fields.Boolean()
    consent_scope = _text(300)
    consent_on = fields.Date(allow_none=True, validate=DATE_RANGE)
    consent_method = enum(ConsentMethod, allow_none=True)
    guardian_consent = fields.Boolean()
    consent_withdrawn_on = fields.Date(allow_none=True, validate=DATE_RANGE)


class ContactPatchSchema(ContactWriteSchema):
    """Changes to a contact; the kind cannot change."""

    class Meta:
        unknown = ma.RAISE
        exclude = ("kind",)
