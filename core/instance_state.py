"""What belongs to this instance rather than to its database: its id and the erasure journal. Both
live in the file store (core.uploads: the upload folder, or the bucket every app host shares) under
the reserved prefix `_instance/`, which backups neither carry nor restore over, so a restore cannot
bring an older copy of them back and every app host reads the same ones.

- `_instance/id` holds the instance id, a random UUID made the first time it is needed (the first
  backup or erasure; `flask init` needs none). Every backup records it; `restore` refuses a backup
  whose id differs from this instance's (or when this instance has none yet) unless the operator
  says `--from-another-instance`: the instance then takes the backup's id, since it now is that
  instance on a new host. The same id on every host comes from sharing the store, not a setting.
- `_instance/erasures/<instance id>/<tenant id>-<contact id>.json` is the erasure journal written by
  core.registers.erasure (ids and a time, never an identity). Keyed by instance id, so the journal
  of one instance is never applied to the data of another.

To empty an instance for a restore, empty its database and its uploaded files but keep `_instance/`."""
from __future__ import annotations

import uuid
from pathlib import Path

from core import uploads

AREA = "_instance"


def folder() -> Path:
    """Where the instance's own objects live in the file store."""
    return uploads.storage_root() / AREA


def is_instance_file(path: Path) -> bool:
    """Whether a stored file is one of the instance's own (not an upload)."""
    relative = Path(path).relative_to(uploads.storage_root())
    return bool(relative.parts) and relative.parts[0] == AREA


def instance_id() -> str | None:
    """This instance's id, or None when it has none yet."""
    try:
        value = uploads.read(folder() / "id").decode("utf-8").strip()
    except FileNotFoundError:
        return None
    return value or None


def ensure_instance_id() -> str:
    """This instance's id, made now if it has none yet."""
    value = instance_id()
    if value is None:
        adopt_instance_id(str(uuid.uuid4()))
        # Read it back: if another host made one at the same moment, both keep the one stored.
        value = instance_id()
    return value


def adopt_instance_id(value: str) -> None:
    """Make `value` this instance's id (after restoring another instance's backup: moving host)."""
    uploads.write(folder() / "id", value.encode("utf-8"))
