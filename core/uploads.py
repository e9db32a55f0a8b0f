"""Files people upload, kept outside the web root under UPLOAD_FOLDER/<tenant_id>/<area>/ with random
names, and written or removed in step with the database transaction: a change that is rolled back
leaves no new file behind, and a replaced or erased file goes only once the change is committed."""
from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

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


def store(folder: Path, data: bytes, extension: str) -> str:
    """Write `data` under a new random name in `folder`; the file is removed again if the current
    transaction is rolled back. Returns the storage name."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{extension}"
    path = folder / name
    path.write_bytes(data)
    _pending()["on_rollback"].append(path)
    return name


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
