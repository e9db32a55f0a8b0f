"""File storage of request attachments: type and size checks, safe display names, files kept outside
the web root under UPLOAD_FOLDER/a2i/<tenant_id>/<random storage name> through core.uploads (a folder or
an S3 bucket)."""
from __future__ import annotations

import unicodedata
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from core.errors import DomainError
from core.extensions import db
from core import uploads
from core.uploads import megabytes
from plugins.a2i_requests.models import Attachment

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "txt": "text/plain",
}
_ZIP = (b"PK\x03\x04",)   # docx, xlsx and odt are ZIP containers
MAGIC: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": _ZIP,
    "xlsx": _ZIP,
    "odt": _ZIP,
}
MAX_NAME_LENGTH = 200


def max_bytes() -> int:
    return int(current_app.config.get("A2I_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_BYTES))


def display_name(filename: str) -> str:
    """The uploaded name made harmless but still readable (Khmer kept): no folders, no control
    characters; werkzeug's ASCII-only secure_filename only when nothing readable is left."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name)
                   if not unicodedata.category(ch).startswith("C"))
    name = name.strip().strip(".").strip()
    if not name:
        name = secure_filename(filename or "") or "attachment"
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:MAX_NAME_LENGTH - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:MAX_NAME_LENGTH]
    return name


def extension_of(filename: str) -> str:
    stem, dot, ext = (filename or "").rpartition(".")
    return ext.lower() if dot and stem else ""


def _read_limited(file: FileStorage, limit: int) -> bytes:
    data = file.stream.read(limit + 1)
    if len(data) > limit:
        raise DomainError(_l("The file is larger than %(mb)s MB.", mb=megabytes(limit)), field="file")
    return data


def check_upload(file: FileStorage | None) -> tuple[str, str, bytes]:
    """(display name, content type, bytes) of an acceptable upload; DomainError on the `file` field otherwise."""
    if file is None or not file.filename:
        raise DomainError(_l("Choose a file to upload."), field="file")
    name = display_name(file.filename)
    ext = extension_of(name)
    if ext not in CONTENT_TYPES:
        raise DomainError(_l("This type of file is not accepted. Upload a PDF, JPEG or PNG image, Word (.docx), "
                             "Excel (.xlsx), OpenDocument (.odt) or text (.txt) file."), field="file")
    data = _read_limited(file, max_bytes())
    if not data:
        raise DomainError(_l("The file is empty."), field="file")
    signatures = MAGIC.get(ext)
    if signatures and not data.startswith(signatures):
        raise DomainError(_l("The file's content does not match its .%(ext)s extension.", ext=ext), field="file")
    if ext == "txt" and b"\x00" in data:
        raise DomainError(_l("The file's content does not match its .%(ext)s extension.", ext=ext), field="file")
    return name, CONTENT_TYPES[ext], data


def tenant_folder(tenant_id: int) -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "a2i" / str(int(tenant_id))


def storage_path(attachment: Attachment) -> Path:
    return tenant_folder(attachment.tenant_id) / attachment.storage_name


def save_upload(file: FileStorage | None, *, tenant_id: int, request_id: int, uploaded_by_id: int | None,
                correspondence_id: int | None = None) -> Attachment:
    """Check the upload, write it under a random name and add its Attachment row (not committed; the
    file goes again if the transaction is rolled back)."""
    name, content_type, data = check_upload(file)
    storage_name = uploads.store(tenant_folder(tenant_id), data, "")     # no extension: names as before
    attachment = Attachment(tenant_id=tenant_id, request_id=request_id, correspondence_id=correspondence_id,
                            display_name=name, storage_name=storage_name, content_type=content_type,
                            size_bytes=len(data), uploaded_by_id=uploaded_by_id)
    db.session.add(attachment)
    return attachment


def discard_file(attachment: Attachment) -> None:
    """Remove a stored file whose row was rolled back (so failed saves leave nothing behind)."""
    try:
        uploads.delete(storage_path(attachment))
    except (OSError, uploads.StorageUnavailable):
        current_app.logger.warning("Could not remove attachment file %s", attachment.storage_name)
