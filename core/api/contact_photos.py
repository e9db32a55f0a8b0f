"""A person's photo in the JSON API, under /api/v1/t/<tenant>/contacts/<id>/photo: upload (multipart,
JPEG or PNG recognised by content, the page's size limit), download and remove, with the contact
pages' rules (core.registers.contact_photos): the photo is an identity field, so a protected person's
photo is not found for a user who may not see them, and each view of it is logged."""
from __future__ import annotations

from flask import abort, current_app
from flask.views import MethodView

from core.api import ApiBlueprint
from core.api.files import FileUploadSchema, download, download_doc, save_or_422
from core.extensions import db
from core.permissions import require
from core.registers import contact_photos, contacts
from core.registers.models import Contact
from core.registers.protection import log_identity_view, may_see_identity

contact_photos_api = ApiBlueprint("contact_photos_api", __name__, path="contacts",
                                  description="Photos of people in the contacts register.")


def photo_contact(contact_id: int) -> Contact:
    """A person whose photo the token's user may see (anyone else: 404, which reveals nothing)."""
    contact = contacts.get_contact(contact_id)
    if contact is None or contact.is_erased or not contact.is_person or not may_see_identity(contact):
        abort(404)
    return contact


@contact_photos_api.route("/<int:contact_id>/photo")
class ContactPhoto(MethodView):
    @require("core.contacts.view")
    @download_doc(contact_photos_api, contact_photos.CONTENT_TYPES.values(), "The person's photo.")
    def get(self, contact_id):
        """The person's photo (404 without one, or for a protected person you may not see); a view of a
        protected person's photo is logged."""
        contact = photo_contact(contact_id)
        path = contact_photos.photo_path(contact)
        response = download(path, content_type=contact_photos.content_type(contact) if path else "", inline=True)
        log_identity_view(contact)
        db.session.commit()
        return response

    @require("core.contacts.edit")
    @contact_photos_api.arguments(FileUploadSchema, location="files")
    @contact_photos_api.response(204)
    def put(self, files, contact_id):
        """Set or replace the person's photo: a JPEG or PNG image (recognised by its content) of at most
        2 MB (CONTACT_PHOTO_MAX_BYTES). The previous photo goes once the new one is saved."""
        contact = photo_contact(contact_id)
        save_or_422(lambda: contact_photos.save_photo(contact, files["file"],
                                                      limit=contact_photos.max_bytes(current_app.config)),
                    aliases=("photo",))
        db.session.commit()

    @require("core.contacts.edit")
    @contact_photos_api.response(204)
    def delete(self, contact_id):
        """Remove the person's photo (nothing happens when there is none)."""
        contact_photos.remove_photo(photo_contact(contact_id))
        db.session.commit()
