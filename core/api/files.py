"""Files in the JSON API, the same way for every record type that has them: an upload is a
multipart/form-data body with one part named `file`, checked by the record type's own service (the
very function its page calls: same types, same size limit, same messages) and stored through
core.uploads; a download streams the stored file (whichever backend holds it) with the page's
permission, as a private, no-sniff download. See core/api/README.md.

A module's API uses it like this:

    @blp.route("/things/<int:thing_id>/files/")
    class ThingFiles(MethodView):
        @require("mod.thing.edit")
        @blp.arguments(FileUploadSchema, location="files")
        @blp.response(201, StoredFileSchema)
        def post(self, files, thing_id):
            thing = get_thing(thing_id)                            # 404 outside the tenant
            stored = save_or_422(lambda: services.add_file(thing, as_upload(files["file"])))
            db.session.commit()
            return file_view(stored)

    @blp.route("/things/<int:thing_id>/files/<int:file_id>")
    class ThingFile(MethodView):
        @require("mod.thing.view")
        @download_doc(blp, services.CONTENT_TYPES.values())
        def get(self, thing_id, file_id):
            stored = get_file(thing_id, file_id)                   # 404 outside the tenant
            return download(services.file_path(stored), content_type=stored.content_type,
                            download_name=stored.display_name)
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import marshmallow as ma
from flask import abort, current_app
from flask_smorest.fields import Upload as UploadField
from marshmallow import fields
from werkzeug.datastructures import FileStorage

from core import uploads
from core.api import refuse
from core.api.lists import ListArgs
from core.errors import DomainError
from core.extensions import db

T = TypeVar("T")
BINARY = {"type": "string", "format": "binary"}


class FileUploadSchema(ma.Schema):
    """The multipart body of every file upload: one part named `file` (its name is kept as the
    file's display name). Which types and sizes are accepted is said by each operation."""

    file = UploadField(required=True, metadata={"description": "The file, with its name (the name's extension "
                                                               "and the file's first bytes must match)."})


class StoredFileSchema(ma.Schema):
    """A stored file as listed: download it from `download_url` with the same token."""

    id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    content_type = fields.String(required=True)
    size_bytes = fields.Integer(allow_none=True, required=True)
    download_url = fields.String(required=True)


class FileListArgs(ListArgs):
    """The query string of a record's file list (sort=created_at or -created_at)."""

    SORTABLE = ("created_at",)


def as_upload(file: FileStorage | None, limit: int | None = None) -> uploads.Upload | None:
    """The multipart part as core.uploads.Upload (what the services' `add_file`-style functions
    take); None when no file came. Reads at most `limit` + 1 bytes (the app's upload limit by
    default), so an oversized file is refused by the service's own size check."""
    if file is None or not file.filename:
        return None
    limit = limit or current_app.config.get("MAX_CONTENT_LENGTH")
    data = file.stream.read(limit + 1) if limit else file.stream.read()
    return uploads.Upload(file.filename, data)


def save_or_422(save: Callable[[], T], *, field: str = "file", aliases: Iterable[str] = ()) -> T:
    """Run a service's save (not committed) and flush it; a DomainError (wrong type, too large, empty,
    a record that takes no file…) becomes a 422 problem naming the field, with nothing written and
    no file left behind (core.uploads removes the stored file with the rollback). The service's own
    name for the file's form field (`aliases`, e.g. "photo") is reported as `field`."""
    try:
        result = save()
        db.session.flush()
    except DomainError as error:
        refuse(error, field, {alias: field for alias in aliases})
    return result


def download(path: Path | None, *, content_type: str, download_name: str | None = None, inline: bool = False):
    """The stored file at `path` as the response (404 when there is none or it is not stored). A
    download by default; `inline` for what pages show in place (photos, signatures)."""
    if path is None or not uploads.is_stored(path):
        abort(404)
    if inline:
        response = uploads.send_inline(path, content_type=content_type)
        response.headers["Cache-Control"] = "private, no-store"
        return response
    return uploads.send_download(path, content_type=content_type, download_name=download_name or path.name)


def download_doc(blueprint, content_types: Iterable[str], description: str = "The file."):
    """Document a download operation: 200 with the file's bytes in each of `content_types` (the types
    the upload accepts), 404 when the record or its file is not there."""
    content = {content_type: {"schema": dict(BINARY)} for content_type in sorted(set(content_types))}
    not_found = blueprint.alt_response(404, response="NOT_FOUND")
    documented = blueprint.doc(responses={"200": {"description": description, "content": content}})

    def decorator(view):
        return documented(not_found(view))
    return decorator


def file_view(stored: Any, download_url: str, **extra) -> dict[str, Any]:
    """A stored-file row (display_name, content_type, size_bytes) as StoredFileSchema."""
    return {"id": stored.id, "display_name": stored.display_name, "content_type": stored.content_type,
            "size_bytes": getattr(stored, "size_bytes", None), "download_url": download_url, **extra}
