"""Files people upload: checked (type by name and first bytes, size), kept outside the web root with
random names, written or removed in step with the database transaction (a change that is rolled back
leaves no new file behind, and a replaced or erased file goes only once the change is committed), and
sent back as private downloads.

Every module stores and reads its files through the functions here (store, is_stored, read,
delete, remove_after_commit, send_download, send_inline, list_files; write for the backups and the
instance's own objects), never by opening paths itself,
so the files can live in one of two places chosen by settings (SAMAKI_STORAGE):

- "local" (the default): the folder UPLOAD_FOLDER on this host, as UPLOAD_FOLDER/<tenant_id>/<area>/<name>;
- "s3": a bucket of any S3-compatible object store (MinIO, Garage, Ceph, a cloud), shared by every
  app host; an object's key is the file's path below UPLOAD_FOLDER ("<tenant_id>/<area>/<name>"),
  so a folder copied into a bucket (`aws s3 sync uploads/ s3://bucket/`) is found unchanged.

A file's address is always the `Path` that `tenant_folder(...) / name` gives; only the backend
decides what is behind it. A store that cannot be reached raises StorageUnavailable (a DomainError:
forms show it as a translated error, other pages as a 503 page, the API as problem+json), logged."""
from __future__ import annotations

import secrets
import threading
import unicodedata
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path, PurePosixPath

from flask import Flask, current_app, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from core.errors import DomainError
from core.extensions import db

_PENDING = "samaki_pending_files"
_COMMITTED = "samaki_files_committed"
_EXTENSION_KEY = "samaki_storage"
BACKENDS = ("local", "s3")


class StorageUnavailable(DomainError):
    """The file store could not be reached or refused the request: the action stops with this clear
    message (nothing half saved: the view rolls back), and the cause is in the log."""

    def __init__(self, field: str | None = None):
        super().__init__(_l("The stored files cannot be reached right now, so nothing was saved or sent. "
                            "Please try again in a few minutes; if it keeps happening, tell your administrator."),
                         field)


class StorageMisconfigured(RuntimeError):
    """Raised at start-up when the storage settings cannot work (unknown backend, no bucket)."""


# --- the two backends ---------------------------------------------------------------------------

class LocalStorage:
    """Files in a folder of this host (one app host only, or a folder every host mounts)."""

    name = "local"

    def __init__(self, root: Path):
        self.root = Path(root)

    def put(self, path: Path, data: bytes) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        except OSError as error:
            _log_failure("write", path, error)
            raise StorageUnavailable() from error

    def exists(self, path: Path) -> bool:
        return path.is_file()

    def read(self, path: Path) -> bytes:
        return path.read_bytes()

    def delete(self, path: Path) -> None:
        path.unlink(missing_ok=True)

    def list(self, folder: Path) -> list[Path]:
        return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []

    def send(self, path: Path, *, content_type: str, download_name: str | None):
        if not path.is_file():
            raise NotFound()
        return send_file(path, mimetype=content_type, as_attachment=download_name is not None,
                         download_name=download_name, max_age=0)


class S3Storage:
    """Files as objects in one bucket of an S3-compatible store, shared by every app host. The client
    is made on first use (after gunicorn forks), with short timeouts and few retries so an unreachable
    store gives a clear error in seconds instead of a hung page."""

    name = "s3"
    CONNECT_TIMEOUT = 3      # seconds
    READ_TIMEOUT = 30
    ATTEMPTS = 2

    def __init__(self, root: Path, *, bucket: str, endpoint_url: str = "", region: str = ""):
        self.root = Path(root)
        self.bucket = bucket
        self.endpoint_url = endpoint_url or None
        self.region = region or None
        self._client = None
        self._lock = threading.Lock()

    def client(self):
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._make_client()
        return self._client

    def _make_client(self):
        import boto3                       # the optional [s3] extra: only needed with SAMAKI_STORAGE=s3
        from botocore.config import Config

        config = Config(
            connect_timeout=self.CONNECT_TIMEOUT, read_timeout=self.READ_TIMEOUT,
            retries={"max_attempts": self.ATTEMPTS, "mode": "standard"},
            # Self-hosted stores (MinIO, Garage, Ceph) are addressed as endpoint/bucket/key, not by a
            # bucket subdomain; and some of them refuse the newer default checksums.
            s3={"addressing_style": "path" if self.endpoint_url else "auto"},
            request_checksum_calculation="when_required", response_checksum_validation="when_required")
        # Credentials: boto3's usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, an instance role…).
        return boto3.session.Session().client("s3", endpoint_url=self.endpoint_url, region_name=self.region,
                                              config=config)

    def key(self, path: Path) -> str:
        """The object key of a file: its path below UPLOAD_FOLDER, with "/" whatever the host."""
        relative = PurePosixPath(*Path(path).relative_to(self.root).parts)
        if not relative.parts or ".." in relative.parts:
            raise ValueError(f"not a stored file: {path}")
        return str(relative)

    def _call(self, operation: str, path: Path, **params):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client(), operation)(Bucket=self.bucket, **params)
        except ClientError as error:
            if _missing(error) and operation in {"head_object", "get_object"}:
                raise FileNotFoundError(str(path)) from None
            _log_failure(operation, path, error, self.bucket)
            raise StorageUnavailable() from error
        except BotoCoreError as error:          # no connection, timeout, no credentials…
            _log_failure(operation, path, error, self.bucket)
            raise StorageUnavailable() from error

    def put(self, path: Path, data: bytes) -> None:
        self._call("put_object", path, Key=self.key(path), Body=data)

    def exists(self, path: Path) -> bool:
        try:
            self._call("head_object", path, Key=self.key(path))
        except FileNotFoundError:
            return False
        return True

    def _get(self, path: Path) -> dict:
        answer = self._call("get_object", path, Key=self.key(path))
        try:
            answer["data"] = answer["Body"].read()
        except Exception as error:              # the connection dropped halfway
            _log_failure("get_object", path, error, self.bucket)
            raise StorageUnavailable() from error
        return answer

    def read(self, path: Path) -> bytes:
        return self._get(path)["data"]

    def delete(self, path: Path) -> None:
        self._call("delete_object", path, Key=self.key(path))      # a missing key is no error in S3

    def list(self, folder: Path) -> list[Path]:
        prefix = "" if Path(folder) == self.root else self.key(folder) + "/"     # the root: the whole bucket
        found = []
        token = {}
        while True:
            page = self._call("list_objects_v2", folder, Prefix=prefix, **token)
            found += [self.root / PurePosixPath(item["Key"]) for item in page.get("Contents", [])]
            if not page.get("IsTruncated"):
                return sorted(found)
            token = {"ContinuationToken": page["NextContinuationToken"]}

    def send(self, path: Path, *, content_type: str, download_name: str | None):
        try:
            answer = self._get(path)
        except FileNotFoundError:
            raise NotFound() from None
        # Files are at most SAMAKI_MAX_UPLOAD_MB: held in memory, so sizes, ranges and ETags work as
        # for a local file.
        return send_file(BytesIO(answer["data"]), mimetype=content_type, as_attachment=download_name is not None,
                         download_name=download_name, max_age=0, etag=answer.get("ETag", "").strip('"') or False,
                         last_modified=answer.get("LastModified"))


def _missing(error) -> bool:
    return error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}


def _log_failure(operation: str, path: Path, error: Exception, bucket: str = "") -> None:
    where = f"bucket {bucket!r}" if bucket else "the upload folder"
    current_app.logger.error("File storage failed: %s of %s in %s: %s", operation, Path(path).name, where, error)


# --- settings -----------------------------------------------------------------------------------

def make_backend(config) -> LocalStorage | S3Storage:
    """The backend the settings ask for; StorageMisconfigured when they cannot work."""
    kind = (config.get("STORAGE") or "local").strip().lower()
    root = Path(config["UPLOAD_FOLDER"])
    if kind == "local":
        return LocalStorage(root)
    if kind == "s3":
        if not config.get("S3_BUCKET"):
            raise StorageMisconfigured("SAMAKI_STORAGE=s3 needs SAMAKI_S3_BUCKET (the bucket's name).")
        return S3Storage(root, bucket=config["S3_BUCKET"], endpoint_url=config.get("S3_ENDPOINT_URL") or "",
                         region=config.get("S3_REGION") or "")
    raise StorageMisconfigured(f"SAMAKI_STORAGE must be one of {', '.join(BACKENDS)}, not {kind!r}.")


def init_storage(app: Flask) -> None:
    """Check the storage settings at start-up and show an unreachable store as a clear page."""
    make_backend(app.config)
    app.register_error_handler(StorageUnavailable, _storage_unavailable_page)


def _storage_unavailable_page(error: StorageUnavailable):
    from flask import render_template

    from core.web import is_api_request, problem

    db.session.rollback()
    title = _("Files unavailable")
    if is_api_request():
        return problem(503, title, str(error.message))
    return render_template("errors/error.html", code=503, title=title, description=str(error.message)), 503


def backend() -> LocalStorage | S3Storage:
    """The current app's backend (one per app, so one boto3 client per process)."""
    state = current_app.extensions.get(_EXTENSION_KEY)
    if state is None or state[0] != _settings_of(current_app.config):
        state = (_settings_of(current_app.config), make_backend(current_app.config))
        current_app.extensions[_EXTENSION_KEY] = state
    return state[1]


def _settings_of(config) -> tuple:
    return tuple(config.get(name) for name in ("STORAGE", "UPLOAD_FOLDER", "S3_BUCKET", "S3_ENDPOINT_URL", "S3_REGION"))


# --- what the modules use -----------------------------------------------------------------------

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
    """Write `data` under a new random name in `folder` (with `extension`, none when empty); the file
    is removed again if the current transaction is rolled back. Returns the storage name.
    StorageUnavailable when the store cannot be reached (nothing was stored)."""
    name = secrets.token_hex(16) + (f".{extension}" if extension else "")
    path = folder / name
    storage = backend()
    storage.put(path, data)
    _pending()["on_rollback"].append((storage, path))
    return name


def is_stored(path: Path) -> bool:
    """Whether a stored file is there (StorageUnavailable when the store cannot be reached)."""
    return backend().exists(path)


def read(path: Path) -> bytes:
    """A stored file's bytes (FileNotFoundError when it is not there)."""
    return backend().read(path)


def delete(path: Path) -> None:
    """Remove a stored file now (nothing happens when it is not there). Prefer remove_after_commit."""
    backend().delete(path)


def list_files(folder: Path) -> list[Path]:
    """The stored files below `folder` (e.g. a tenant_folder, UPLOAD_FOLDER/<tenant_id>, or
    storage_root() for every file), sorted."""
    return backend().list(folder)


def storage_root() -> Path:
    """The address every stored file is below (UPLOAD_FOLDER, whichever backend holds the files)."""
    return Path(current_app.config["UPLOAD_FOLDER"])


def describe_store() -> str:
    """Where the files are, for operators' messages: the folder or the bucket."""
    storage = backend()
    return f"the bucket {storage.bucket}" if isinstance(storage, S3Storage) else f"the upload folder {storage.root}"


def write(path: Path, data: bytes, *, undo_on_rollback: bool = False) -> None:
    """Write `data` at `path` under that very name, replacing what is there (restoring a backup, an
    instance's own objects). With `undo_on_rollback` the file is removed again if the current
    transaction is rolled back. StorageUnavailable when the store cannot be reached."""
    storage = backend()
    storage.put(path, data)
    if undo_on_rollback:
        _pending()["on_rollback"].append((storage, path))


def send_download(path: Path, *, content_type: str, download_name: str):
    """A stored file as a download (needs a request): never kept by the browser or a proxy, never
    taken by the browser for another type than the one it was checked as. 404 when it is not there."""
    response = backend().send(path, content_type=content_type, download_name=download_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def send_inline(path: Path, *, content_type: str):
    """A stored file shown in the page (a photo, a signature): the caller sets how long the browser
    may keep it. 404 when it is not there."""
    response = backend().send(path, content_type=content_type, download_name=None)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def remove_after_commit(path: Path) -> None:
    """Remove `path` once the current transaction commits (kept if it is rolled back)."""
    _pending()["on_commit"].append((backend(), path))


def _pending() -> dict[str, list[tuple]]:
    return db.session.info.setdefault(_PENDING, {"on_commit": [], "on_rollback": []})


def _unlink(files: list[tuple]) -> None:
    # After the transaction has ended nothing can be refused any more: a file that cannot be removed
    # is logged and left behind (an orphan, never a row pointing at a missing file).
    for storage, path in files:
        try:
            storage.delete(path)
        except (OSError, StorageUnavailable):
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
