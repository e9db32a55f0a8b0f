"""A person's photo (an identity field, Do No Harm): checked by its content (JPEG or PNG, at most
2 MB), stored unchanged outside the web root under UPLOAD_FOLDER/<tenant_id>/contacts/<random>.<ext>,
replaced or removed with the old file going once the change is committed. Who may see it is decided
by core.registers.protection, like every other identity field."""
from __future__ import annotations

import re
from pathlib import Path
from typing import BinaryIO, Protocol

from flask_babel import lazy_gettext as _l

from core import uploads
from core.errors import DomainError
from core.extensions import db
from core.registers.models import Contact

AREA = "contacts"
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
# Recognised by their first bytes, never by the uploaded name.
SIGNATURES = {"jpg": b"\xff\xd8\xff", "png": b"\x89PNG\r\n\x1a\n"}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png"}
STORAGE_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png)$")


class Upload(Protocol):
    """What is read of an upload (werkzeug's FileStorage has it)."""

    filename: str | None
    stream: BinaryIO


def max_bytes(config: dict) -> int:
    """The photo size limit: CONTACT_PHOTO_MAX_BYTES (2 MB), never above the app's upload limit."""
    limit = int(config.get("CONTACT_PHOTO_MAX_BYTES") or DEFAULT_MAX_BYTES)
    request_limit = config.get("MAX_CONTENT_LENGTH")
    return min(limit, int(request_limit)) if request_limit else limit


def image_extension(data: bytes) -> str | None:
    """"jpg" or "png" when the bytes start like one, else None."""
    for extension, signature in SIGNATURES.items():
        if data.startswith(signature):
            return extension
    return None


def photo_path(contact: Contact) -> Path | None:
    """The stored file of the contact's photo (None without one, or for a name that is not ours)."""
    if not contact.photo_name or not STORAGE_NAME.match(contact.photo_name):
        return None
    return uploads.tenant_folder(contact.tenant_id, AREA) / contact.photo_name


def content_type(contact: Contact) -> str:
    return CONTENT_TYPES[contact.photo_name.rsplit(".", 1)[-1]]


def has_photo(contact: Contact) -> bool:
    return bool(contact.photo_name) and not contact.is_erased


def _check_contact(contact: Contact) -> None:
    if contact.is_erased:
        raise DomainError(_l("An erased person has no photo."), "photo")
    if not contact.is_person:
        raise DomainError(_l("Only a person can have a photo."), "photo")


def read_photo(upload: Upload | None, limit: int) -> tuple[str, bytes]:
    """(extension, bytes) of an acceptable photo; DomainError on the `photo` field otherwise."""
    if upload is None or not getattr(upload, "filename", None):
        raise DomainError(_l("Choose a photo to upload."), "photo")
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise DomainError(_l("The photo is larger than %(mb)s MB.", mb=uploads.megabytes(limit)), "photo")
    extension = image_extension(data)
    if extension is None:
        raise DomainError(_l("This file is not a photo: upload a JPEG or PNG image."), "photo")
    return extension, data


def save_photo(contact: Contact, upload: Upload | None, *, limit: int = DEFAULT_MAX_BYTES) -> str:
    """Store the upload as the person's photo, unchanged (flushes; the caller commits). A previous
    photo's file is removed once the change is committed; on a DomainError nothing was stored."""
    _check_contact(contact)
    extension, data = read_photo(upload, limit)
    old_path = photo_path(contact)
    contact.photo_name = uploads.store(uploads.tenant_folder(contact.tenant_id, AREA), data, extension)
    db.session.flush()
    if old_path is not None:
        uploads.remove_after_commit(old_path)
    return contact.photo_name


def remove_photo(contact: Contact) -> None:
    """Remove the person's photo (flushes; the caller commits; the file goes with the commit)."""
    path = photo_path(contact)
    contact.photo_name = ""
    db.session.flush()
    if path is not None:
        uploads.remove_after_commit(path)


def forget_photo_file(contact: Contact) -> None:
    """The file of the contact's photo goes with the next commit (erasure blanks photo_name itself)."""
    path = photo_path(contact)
    if path is not None:
        uploads.remove_after_commit(path)
