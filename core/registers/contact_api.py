"""The contacts API under /api/v1/t/<tenant>/contacts/: list, read, create, change (If-Match) and
delete contacts with the pages' permissions and rules. A protected person's identity fields are
null for a token whose user may not see them; when they are shown, the view is logged."""
from __future__ import annotations

from typing import Any

from flask import abort
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import abort as api_abort

from core.api import ApiBlueprint, refuse
from core.api.lists import paginate
from core.errors import DomainError
from core.extensions import db
from core.i18n import current_locale
from core.permissions import can, require
from core.registers import contact_photos, contacts
from core.registers.contact_schemas import (ContactDetailSchema, ContactListArgs, ContactPage, ContactPatchSchema,
                                            ContactWriteSchema)
from core.registers.models import Contact
from core.registers.protection import PROTECTED_PERMISSION, log_identity_view, may_see_identity, shown_name

contacts_api = ApiBlueprint("contacts_api", __name__, path="contacts",
                            description="The contacts register: people and organisations, with Do No Harm protection.")

SORT = {"name_latin": contacts.SORT_NAME, "created_at": Contact.created_at}
LIST_IDENTITY = ("name_km", "name_latin", "phone", "email")
DETAIL_IDENTITY = LIST_IDENTITY + ("address", "id_number", "notes")
LIST_PLAIN = ("id", "kind", "protected", "sex", "birth_year", "age_group", "place_id", "organisation_type")
DETAIL_PLAIN = LIST_PLAIN + ("disability", "idpoor", "indigenous", "institution_id", "website", "tax_number",
                             "consent_scope", "consent_on", "consent_method", "guardian_consent",
                             "consent_withdrawn_on")




def contact_item(contact: Contact, *, detail: bool = False, reveal: bool | None = None) -> dict[str, Any]:
    """The contact as the token's user may see it. Lists never reveal a protected identity
    (reveal=False); a single contact does to those allowed, and the view is logged."""
    allowed = may_see_identity(contact) and (reveal is not False or not contact.protected)
    view: dict[str, Any] = {name: getattr(contact, name) for name in (DETAIL_PLAIN if detail else LIST_PLAIN)}
    for name in (DETAIL_IDENTITY if detail else LIST_IDENTITY):
        view[name] = getattr(contact, name) if allowed and not contact.is_erased else None
    hidden = not allowed or contact.is_erased
    view["has_photo"] = None if hidden else contact_photos.has_photo(contact)
    view.update(erased=contact.is_erased, identity_hidden=hidden,
                tags=contact.tag_list,
                display_name=shown_name(contact, current_locale(), reveal=bool(allowed)))
    if allowed and contact.protected:
        log_identity_view(contact)
    if detail:
        view["languages"] = [code for code in contact.languages.split(",") if code]
        view["affiliations"] = [{"id": a.id, "organisation_id": a.organisation_id, "person_id": a.person_id,
                                 "role": a.role} for a in contact.affiliations]
    return view


def get_contact(contact_id: int) -> Contact:
    contact = contacts.get_contact(contact_id)
    if contact is None:
        abort(404)
    return contact


def _fields(data: dict) -> dict:
    return dict(data)


@contacts_api.route("/")
class Contacts(MethodView):
    @require("core.contacts.view")
    @contacts_api.arguments(ContactListArgs, location="query")
    @contacts_api.response(200, ContactPage)
    def get(self, args):
        """List contacts (filters q, kind, protected, tag). A protected identity is never listed for a
        user who may not see it, and a protected person is never matched by name for them."""
        query = contacts.contact_list_query(q=args.get("q", ""), kind=args.get("kind"), tag=args.get("tag", ""),
                                            protected=args.get("protected"),
                                            may_see_protected=can(PROTECTED_PERMISSION))
        page = paginate(query, args, SORT, contacts.LIST_ORDER)
        page["items"] = [contact_item(contact, reveal=False) for contact in page["items"]]
        return page

    @require("core.contacts.edit")
    @contacts_api.arguments(ContactWriteSchema)
    @contacts_api.response(201, ContactDetailSchema)
    def post(self, data):
        """Add a person or an organisation. Rules are the pages': a name in one script, a birth year
        in range, a place from the gazetteer, a guardian's consent for a minor whose consent is recorded."""
        try:
            contact = contacts.create_contact(**_fields(data))
        except DomainError as error:
            refuse(error, "name_latin")
        db.session.commit()
        return contact_item(get_contact(contact.id), detail=True)


@contacts_api.route("/<int:contact_id>")
class ContactById(MethodView):
    @require("core.contacts.view")
    @contacts_api.etag
    @contacts_api.response(200, ContactDetailSchema)
    def get(self, contact_id):
        """One contact. Its identity fields are null when it is protected and the token's user may not
        see it; when they are shown, the view is logged in the audit log."""
        contact = get_contact(contact_id)
        item = contact_item(contact, detail=True)
        db.session.commit()      # the identity-view audit event
        return item

    @require("core.contacts.edit")
    @contacts_api.etag
    @contacts_api.arguments(ContactPatchSchema(partial=True))
    @contacts_api.response(200, ContactDetailSchema)
    def patch(self, data, contact_id):
        """Change a contact; send If-Match with the ETag you read. The identity of a protected person
        can be changed only by those who may see it; an erased person cannot be changed."""
        contact = get_contact(contact_id)
        contacts_api.check_etag(contact_item(contact, detail=True), ContactDetailSchema)
        if not may_see_identity(contact):
            hidden = sorted(set(data) & set(DETAIL_IDENTITY))
            if hidden:
                refuse({name: [_("Only those allowed to see a protected person may change their identity.")]
                          for name in hidden})
        try:
            contacts.update_contact(contact, **_fields(data))
        except DomainError as error:
            refuse(error, "id")
        db.session.commit()
        return contact_item(get_contact(contact_id), detail=True)

    @require("core.contacts.edit")
    @contacts_api.etag
    @contacts_api.response(204)
    def delete(self, contact_id):
        """Delete a contact that no record points to (merge or erase one that is linked); send If-Match
        with the ETag you read."""
        contact = get_contact(contact_id)
        contacts_api.check_etag(contact_item(contact, detail=True), ContactDetailSchema)
        try:
            contacts.delete_contact(contact)
        except DomainError as error:
            db.session.rollback()
            api_abort(409, messages={error.field or "id": [str(error.message)]})
        db.session.commit()
