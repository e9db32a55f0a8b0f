"""Files people upload: checked (type by name and first bytes, size), kept outside the web root under
UPLOAD_FOLDER/<tenant_id>/<area>/ with random names, written or removed in step with the database
transaction (a change that is rolled back leaves no new file behind, and a replaced or erased file
goes only once the change is committed), and sent back as private downloads."""
from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, send_file
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session

from core.errors import DomainError
from core.extensions import db

_PENDING = "samaki_pending_files"
_COMMITTED = "samaki_files_committed"


def tenant_folder(tenant_id: int, area: str) -> Path:
    """Where a tenant's files of one kind live (e.g. area="contacts")."""
    return Path(current_app.config["UPLOAD_FOLDER"]) / str(int(tenant_id)) / area


def megabytes(size: int) -> str:
    """A byte limit as the MB figure people read (whole MB, or two decimals below one MB)."""
    value = size / (1024 * 1024)
    return f"{value:.0f}" if value >= 1 else f"{value:.2f}"


@dataclass
class Upload:
    """An uploaded file as the services see it: the name it came with and its bytes."""

    filename: str
    data: bytes


def received(file) -> list[Upload]:
    """What a form's file field received (werkzeug's FileStorage), read: a list of one Upload, or
    none when no file was chosen."""
    return [Upload(file.filename, file.read())] if file and file.filename else []


def display_name(filename: str) -> str:
    """The uploaded name made harmless but still readable (Khmer kept): no folders, no control
    characters, at most 200 characters; "file" when nothing readable is left."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if not unicodedata.category(ch).startswith("C"))
    return name.strip().strip(".")[:200] or "file"


def check_upload(upload: Upload, *, allowed: dict[str, tuple[str, tuple[bytes, ...]]], max_bytes: int,
                 wrong_type_message, field: str = "file") -> tuple[str, str, str]:
    """(display name, extension, content type) of an acceptable upload; DomainError on `field` otherwise.
    `allowed` maps each accepted extension to its content type and the first bytes a file of that
    type starts with (an empty tuple: the content is not checked); `wrong_type_message` says which
    types are accepted."""
    name = display_name(upload.filename)
    stem, dot, extension = name.rpartition(".")
    extension = extension.lower() if dot and stem else ""
    if extension not in allowed:
        raise DomainError(wrong_type_message, field=field)
    content_type, signatures = allowed[extension]
    if not upload.data:
        raise DomainError(_l("The file is empty."), field=field)
    if len(upload.data) > max_bytes:
        raise DomainError(_l("The file is larger than %(mb)s MB.", mb=megabytes(max_bytes)), field=field)
    if signatures and not upload.data.startswith(signatures):
        raise DomainError(_l("The file's content does not match its name (.%(ext)s).", ext=extension), field=field)
    return name, extension, content_type


def store(folder: Path, data: bytes, extension: str) -> str:
    """Write `data` under a new random name in `folder`; the file is removed again if the current
    transaction is rolled back. Returns the storage name."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{extension}"
    path = folder / name
    path.write_bytes(data)
    _pending()["on_rollback"].append(path)
    return name


def send_download(path: Path, *, content_type: str, download_name: str):
    """A stored file as a download (needs a request): never kept by the browser or a proxy, never
    taken by the browser for another type than the one it was checked as."""
    response = send_file(path, mimetype=content_type, as_attachment=True, download_name=download_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def remove_after_commit(path: Path) -> None:
    """Remove `path` once the current transaction commits (kept if it is rolled back)."""
    _pending()["on_commit"].append(path)


def _pending() -> dict[str, list[Path]]:
    return db.session.info.setdefault(_PENDING, {"on_commit": [], "on_rollback": []})


def _unlink(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            current_app.logger.warning("Could not remove the uploaded file %s", path.name)


@event.listens_for(Session, "after_commit")
def _mark_committed(session: Session) -> None:
    if not session.in_nested_transaction():      # a savepoint's commit is not the outer one
        session.info[_COMMITTED] = True


@event.listens_for(Session, "after_transaction_end")
def _settle_files(session: Session, transaction) -> None:
    if transaction.parent is not None:     # a savepoint: wait for the outer transaction
        return
    committed = session.info.pop(_COMMITTED, False)
    pending = session.info.pop(_PENDING, None)
    if pending:
        _unlink(pending["on_commit"] if committed else pending["on_rollback"])
