"""Backup and restore of a whole instance: the database (PostgreSQL through `pg_dump` custom
format, SQLite through its online backup API) plus the uploaded files (read and written back through
core.uploads, so from and to the upload folder or the S3 bucket), in one archive file.

The archive is a gzipped tar holding `manifest.json` (what was backed up, from which schema and
dialect, how many rows each table had), the database dump and `files/…`. It is encrypted by
default: AES-GCM over 1 MiB chunks (each chunk's nonce carries its number and whether it is the
last one, so a reordered, cut or edited file fails to decrypt), with a key derived by scrypt from a
passphrase or given raw. A restore only goes into an empty instance and checks everything it can
(decryption, manifest, schema heads, dialect, emptiness, instance id) before it writes anything;
afterwards it re-applies the erasure log and the erasure journal so erased people do not come back.

The manifest records the instance id (core.instance_state). A backup of another instance is
refused unless the operator says it is moving that instance here (`allow_other_instance`); the
instance's own objects (`_instance/`: its id, the erasure journal) are never put in a backup nor
restored over.

Rules only, no Flask request or click code: core/backup_cli.py wraps these in `backup` and `restore`."""
from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from flask import current_app
from sqlalchemy import inspect, text

from core import uploads
from core.columns import utcnow
from core.extensions import db
from core.instance_state import AREA, adopt_instance_id, ensure_instance_id, instance_id, is_instance_file
from core.uploads import StorageUnavailable

FORMAT_VERSION = 1
MAGIC = b"SAMAKI-BACKUP\x00"
PLAIN, PASSPHRASE, RAW_KEY = 0, 1, 2
CHUNK = 1024 * 1024
FINAL_BIT = 0x80000000
SCRYPT_N_LOG2, SCRYPT_R, SCRYPT_P = 15, 8, 1     # ~32 MiB and a tenth of a second per derivation
MANIFEST = "manifest.json"
FILES_PREFIX = "files/"
DUMP_NAMES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
# What `flask init` fills in a new instance (the gazetteer, the institutions register and their
# audit events): an instance holding only these counts as empty.
REFERENCE_TABLES = {"alembic_version", "core_place", "core_institution", "core_audit_event", "core_audit_chain_head"}


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why (nothing was written)."""


@dataclass(frozen=True)
class Secret:
    """What encrypts or decrypts an archive: a passphrase or a raw 32-byte key."""

    passphrase: str | None = None
    key: bytes | None = None


def secret_from(passphrase_file: str | None = None, environ=None) -> Secret | None:
    """The secret from --passphrase-file, SAMAKI_BACKUP_PASSPHRASE or SAMAKI_BACKUP_KEY (in that
    order); None when none is given."""
    env = os.environ if environ is None else environ
    if passphrase_file:
        try:
            passphrase = Path(passphrase_file).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise BackupError(f"Cannot read the passphrase file: {error.strerror}.") from None
        if not passphrase:
            raise BackupError("The passphrase file is empty.")
        return Secret(passphrase=passphrase)
    if env.get("SAMAKI_BACKUP_PASSPHRASE"):
        return Secret(passphrase=env["SAMAKI_BACKUP_PASSPHRASE"])
    if env.get("SAMAKI_BACKUP_KEY"):
        return Secret(key=parse_key(env["SAMAKI_BACKUP_KEY"]))
    return None


def parse_key(value: str) -> bytes:
    """A raw key: 64 hex digits or base64 of 32 bytes."""
    value = value.strip()
    try:
        key = bytes.fromhex(value) if len(value) == 64 else base64.b64decode(
            value + "=" * (-len(value) % 4), altchars=b"-_" if ("-" in value or "_" in value) else None,
            validate=True)
    except (ValueError, binascii.Error):
        key = b""
    if len(key) != 32:
        raise BackupError("SAMAKI_BACKUP_KEY must be 32 bytes, as 64 hex digits or base64.")
    return key


# --- encryption -------------------------------------------------------------------------------

def _scrypt(passphrase: str, salt: bytes, n_log2: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=2 ** n_log2, r=r, p=p).derive(passphrase.encode("utf-8"))


def _nonce(prefix: bytes, counter: int, final: bool) -> bytes:
    return prefix + struct.pack(">I", counter) + (b"\x01" if final else b"\x00")


def encrypt_file(source: Path, target: Path, secret: Secret | None) -> None:
    """Write `source` to `target` behind the archive header, encrypted unless `secret` is None."""
    header = MAGIC + bytes([FORMAT_VERSION])
    if secret is None:
        with source.open("rb") as src, target.open("wb") as out:
            out.write(header + bytes([PLAIN]))
            shutil.copyfileobj(src, out)
        return
    if secret.passphrase is not None:
        salt = os.urandom(16)
        header += bytes([PASSPHRASE]) + salt + bytes([SCRYPT_N_LOG2, SCRYPT_R, SCRYPT_P])
        key = _scrypt(secret.passphrase, salt, SCRYPT_N_LOG2, SCRYPT_R, SCRYPT_P)
    else:
        header += bytes([RAW_KEY])
        key = secret.key
    prefix = os.urandom(7)
    header += prefix
    aead = AESGCM(key)
    with source.open("rb") as src, target.open("wb") as out:
        out.write(header)
        counter, chunk = 0, src.read(CHUNK)
        while True:
            following = src.read(CHUNK)
            final = not following
            sealed = aead.encrypt(_nonce(prefix, counter, final), chunk, header)
            out.write(struct.pack(">I", len(sealed) | (FINAL_BIT if final else 0)) + sealed)
            if final:
                return
            counter, chunk = counter + 1, following


def decrypt_file(source: Path, target: Path, secret: Secret | None) -> None:
    """Check and decrypt an archive into `target` (the inner tar); BackupError when it cannot."""
    try:
        src = source.open("rb")
    except OSError as error:
        raise BackupError(f"Cannot read {source}: {error.strerror}.") from None
    with src, target.open("wb") as out:
        header = src.read(len(MAGIC) + 2)
        if len(header) < len(MAGIC) + 2 or not header.startswith(MAGIC):
            raise BackupError("This is not a Samaki backup file.")
        version, mode = header[len(MAGIC)], header[len(MAGIC) + 1]
        if version != FORMAT_VERSION:
            raise BackupError(f"This backup has format {version}; this version of Samaki reads format "
                              f"{FORMAT_VERSION}.")
        if mode == PLAIN:
            shutil.copyfileobj(src, out)
            return
        if mode == PASSPHRASE:
            params = src.read(19)
            if len(params) < 19:
                raise BackupError("The backup file is cut short.")
            header += params
            if secret is None or secret.passphrase is None:
                raise BackupError("This backup is encrypted with a passphrase: give it with --passphrase-file "
                                  "or SAMAKI_BACKUP_PASSPHRASE.")
            if params[16] > 20:
                raise BackupError("The backup file is damaged (key derivation settings).")
            key = _scrypt(secret.passphrase, params[:16], params[16], params[17], params[18])
        elif mode == RAW_KEY:
            if secret is None or secret.key is None:
                raise BackupError("This backup is encrypted with a raw key: give it in SAMAKI_BACKUP_KEY.")
            key = secret.key
        else:
            raise BackupError("This is not a Samaki backup file (unknown encryption).")
        prefix = src.read(7)
        header += prefix
        aead, counter = AESGCM(key), 0
        while True:
            length = src.read(4)
            if len(length) < 4:
                raise BackupError("Cannot decrypt the backup: the file is cut short.")
            (size,) = struct.unpack(">I", length)
            final, size = bool(size & FINAL_BIT), size & ~FINAL_BIT
            sealed = src.read(size) if size <= CHUNK + 16 else b""
            try:
                out.write(aead.decrypt(_nonce(prefix, counter, final), sealed, header))
            except InvalidTag:
                raise BackupError("Cannot decrypt the backup: wrong passphrase or key, or the file is "
                                  "damaged.") from None
            if final:
                if src.read(1):
                    raise BackupError("Cannot decrypt the backup: data after its end (the file is damaged).")
                return
            counter += 1


# --- what the database holds ------------------------------------------------------------------

def dialect() -> str:
    return db.engine.dialect.name


def table_counts() -> dict[str, int]:
    """Rows per table of the live database (every table it has, not only the models')."""
    counts = {}
    with db.engine.connect() as connection:
        for name in sorted(inspect(connection).get_table_names()):
            counts[name] = connection.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()
    return counts


def applied_heads() -> list[str]:
    from alembic.runtime.migration import MigrationContext
    with db.engine.connect() as connection:
        return sorted(MigrationContext.configure(connection).get_current_heads())


def unknown_heads(heads) -> list[str]:
    """The schema revisions this code does not know (the backup comes from a newer Samaki)."""
    from alembic.util import CommandError

    from core.migrations import script_directory
    script, unknown = script_directory(), []
    for head in heads:
        try:
            if script.get_revision(head) is None:
                unknown.append(head)
        except CommandError:
            unknown.append(head)
    return unknown


def _stored_files() -> list[Path]:
    """Every uploaded file in the store (folder or bucket), without the instance's own objects."""
    try:
        return [path for path in uploads.list_files(uploads.storage_root()) if not is_instance_file(path)]
    except StorageUnavailable:
        raise BackupError(f"Cannot reach the stored files ({uploads.describe_store()}); nothing was "
                          f"written.") from None


def _read_stored(path: Path) -> bytes:
    try:
        return uploads.read(path)
    except (StorageUnavailable, OSError) as error:
        raise BackupError(f"Cannot read the stored file {path.name} ({uploads.describe_store()}): {error}; "
                          f"no backup was written.") from None


def instance_problems() -> list[str]:
    """Why the instance is not empty (tables with rows beyond what `flask init` loads, files)."""
    problems = [f"table {name} has {count} rows" for name, count in table_counts().items()
                if count and name not in REFERENCE_TABLES]
    files = _stored_files()
    if files:
        problems.append(f"{uploads.describe_store()} holds {len(files)} files (keep only {AREA}/)")
    return problems


# --- backup -----------------------------------------------------------------------------------

def _libpq(url) -> tuple[str, dict]:
    """A libpq connection string without the password, and the environment that carries it
    (a password on the command line would show in the process list)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not on PATH: install the PostgreSQL client tools (the server's major "
                          f"version or newer).")
    return found


def _dump_database(target: Path) -> None:
    url = db.engine.url
    if dialect() == "postgresql":
        connection, env = _libpq(url)
        # The app's role is subject to row-level security (core/rls.py): the dump is the explicit
        # every-tenant path, so it reads through the policies with the every-tenant setting.
        env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c samaki.all_tenants=on".strip()
        done = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                               "--enable-row-security", "--file", str(target), connection],
                              check=False, env=env, capture_output=True, text=True)
        if done.returncode:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    elif dialect() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise BackupError("An in-memory SQLite database cannot be backed up.")
        source, copy = sqlite3.connect(url.database), sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)
        finally:
            source.close()
            copy.close()
    else:
        raise BackupError(f"Backups of {dialect()} databases are not supported.")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def create_backup(path: str | Path, secret: Secret | None) -> dict:
    """Write the archive to `path` (atomically: a temporary file renamed at the end) and return its
    manifest. `secret` None writes it unencrypted."""
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} already exists; choose a new file name.")
    db.session.commit()     # nothing of ours pending: the dump sees what is committed
    from core.registers.erasure import journal_all_erasures
    try:
        this_instance = ensure_instance_id()
        # Erasures made before the journal existed get their entry now, before the backup they are in.
        journal_all_erasures()
    except StorageUnavailable:
        raise BackupError(f"Cannot reach the stored files ({uploads.describe_store()}); no backup was written.") \
            from None
    with tempfile.TemporaryDirectory(prefix="samaki-backup-", dir=path.parent) as work:
        work = Path(work)
        dump = work / DUMP_NAMES.get(dialect(), "database")
        counts = table_counts()
        _dump_database(dump)
        root, files = uploads.storage_root(), _stored_files()
        manifest = {
            "format": FORMAT_VERSION,
            "backup_id": str(uuid.uuid4()),
            "instance": {"id": this_instance, "base_url": current_app.config.get("BASE_URL", ""),
                         "database": db.engine.url.database},
            "created_at": utcnow().isoformat(),
            "dialect": dialect(),
            "schema_heads": applied_heads(),
            "counts": counts,
            "database": {"name": dump.name, "sha256": _sha256(dump)},
            "files": len(files),
            "encrypted": secret is not None,
        }
        inner = work / "backup.tar.gz"
        with tarfile.open(inner, "w:gz") as archive:
            data = json.dumps(manifest, indent=2).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(utcnow().timestamp())
            archive.addfile(info, io.BytesIO(data))
            archive.add(dump, arcname=dump.name)
            for file in files:
                data = _read_stored(file)
                info = tarfile.TarInfo(FILES_PREFIX + file.relative_to(root).as_posix())
                info.size, info.mtime = len(data), int(utcnow().timestamp())
                archive.addfile(info, io.BytesIO(data))
        partial = path.with_name(path.name + ".partial")
        try:
            encrypt_file(inner, partial, secret)
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


# --- restore ----------------------------------------------------------------------------------

def _safe_member(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return bool(parts) and not PurePosixPath(name).is_absolute() and ".." not in parts


def _unpack(inner: Path, work: Path) -> tuple[dict, Path, Path]:
    """Read the manifest, the dump and the files out of the inner tar; checks the dump's digest."""
    staging = work / "files"
    staging.mkdir()
    manifest, dump = None, None
    try:
        with tarfile.open(inner, "r:gz") as archive:
            for member in archive:
                if not _safe_member(member.name) or not (member.isfile() or member.isdir()):
                    raise BackupError(f"The backup holds an unsafe entry ({member.name!r}); refusing it.")
                if member.isdir():
                    continue
                if member.name == MANIFEST:
                    manifest = json.loads(archive.extractfile(member).read().decode("utf-8"))
                elif member.name in DUMP_NAMES.values():
                    dump = work / member.name
                    with archive.extractfile(member) as src, dump.open("wb") as out:
                        shutil.copyfileobj(src, out)
                elif member.name.startswith(FILES_PREFIX):
                    target = staging / member.name[len(FILES_PREFIX):]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with archive.extractfile(member) as src, target.open("wb") as out:
                        shutil.copyfileobj(src, out)
    except (tarfile.TarError, OSError, EOFError, ValueError) as error:
        raise BackupError(f"The backup archive is damaged ({error}).") from None
    if not isinstance(manifest, dict) or dump is None:
        raise BackupError("The backup archive is damaged (no manifest or no database dump).")
    if manifest.get("database", {}).get("sha256") != _sha256(dump):
        raise BackupError("The backup archive is damaged (the database dump does not match its checksum).")
    return manifest, dump, staging


def read_manifest(path: str | Path, secret: Secret | None) -> dict:
    """Decrypt and check an archive without restoring it."""
    with tempfile.TemporaryDirectory(prefix="samaki-restore-") as work:
        work = Path(work)
        decrypt_file(Path(path), work / "backup.tar.gz", secret)
        return _unpack(work / "backup.tar.gz", work)[0]


def check_restorable(manifest: dict) -> None:
    """Refuse a backup of another dialect or of a schema this code does not know."""
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"This backup has format {manifest.get('format')}; this Samaki reads format "
                          f"{FORMAT_VERSION}.")
    if manifest.get("dialect") != dialect():
        raise BackupError(f"This backup is of a {manifest.get('dialect')} database; this instance uses "
                          f"{dialect()}.")
    unknown = unknown_heads(manifest.get("schema_heads") or [])
    if unknown:
        raise BackupError("This backup comes from a newer schema (unknown revisions: " + ", ".join(unknown)
                          + "): upgrade Samaki first.")


def _restore_database(dump: Path) -> None:
    url = db.engine.url
    # Our own connections would hold locks on the tables the restore replaces.
    db.session.remove()
    db.engine.dispose()
    if dialect() == "postgresql":
        connection, env = _libpq(url)
        done = subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                               "--single-transaction", "--exit-on-error", "--dbname", connection, str(dump)],
                              check=False, env=env, capture_output=True, text=True)
        if done.returncode:
            raise BackupError(f"pg_restore failed (nothing was restored): {done.stderr.strip()}")
    else:
        source, target = sqlite3.connect(dump), sqlite3.connect(url.database)
        try:
            source.backup(target)
        except sqlite3.Error as error:
            raise BackupError(f"The SQLite restore failed (nothing was restored): {error}") from None
        finally:
            source.close()
            target.close()


def check_same_instance(manifest: dict, allow_other_instance: bool) -> None:
    """Refuse the backup of another instance unless the operator is moving that instance here."""
    theirs, ours = (manifest.get("instance") or {}).get("id"), instance_id()
    if allow_other_instance or (theirs and theirs == ours):
        return
    raise BackupError(f"This backup comes from another instance (id {theirs or 'not recorded'}; this instance's "
                      f"id is {ours or 'not set yet'}). If you are moving that instance to this host, run restore "
                      f"again with --from-another-instance. Nothing was changed.")


def _put_files(staging: Path) -> list[Path]:
    """Write the unpacked files into the store under their own names; all or none (a failure
    removes what was written)."""
    root, written = uploads.storage_root(), []
    try:
        for file in sorted(p for p in staging.rglob("*") if p.is_file()):
            target = root / file.relative_to(staging)
            if is_instance_file(target):
                continue        # never restore over the instance's id or erasure journal
            uploads.write(target, file.read_bytes())
            written.append(target)
    except (StorageUnavailable, OSError) as error:
        _remove_files(written)
        raise BackupError(f"Cannot write the files into {uploads.describe_store()} ({error}); nothing was "
                          f"restored.") from None
    return written


def _remove_files(paths: list[Path]) -> None:
    for path in paths:
        try:
            uploads.delete(path)
        except (StorageUnavailable, OSError):
            current_app.logger.warning("Could not remove the restored file %s", path.name)


def restore_backup(path: str | Path, secret: Secret | None, *, allow_other_instance: bool = False) -> dict:
    """Restore an archive into this empty instance, then re-apply the erasure log and journal.
    Everything that can be checked is checked before the database or the stored files are touched.
    A backup of another instance needs `allow_other_instance` (this instance then takes its id).
    Returns a summary: the manifest, the rows per table now, and how many people were erased again."""
    from core.migrations import pending_heads, upgrade_all
    from core.registers.erasure import journal_all_erasures, reapply_erasures
    problems = instance_problems()
    if problems:
        raise BackupError("Restore only goes into an empty instance, and this one is not ("
                          + "; ".join(problems[:5]) + "). Nothing was changed.")
    with tempfile.TemporaryDirectory(prefix="samaki-restore-") as work:
        work = Path(work)
        decrypt_file(Path(path), work / "backup.tar.gz", secret)
        manifest, dump, staging = _unpack(work / "backup.tar.gz", work)
        check_restorable(manifest)
        check_same_instance(manifest, allow_other_instance)
        written = _put_files(staging)
        try:
            _restore_database(dump)
        except BaseException:
            _remove_files(written)
            raise
    backup_instance = (manifest.get("instance") or {}).get("id")
    try:
        if backup_instance and backup_instance != instance_id():
            adopt_instance_id(backup_instance)      # moving that instance here: it is this one now
        # A backup of an older schema is brought up to date before the erasure log is read by the models.
        if manifest.get("schema_heads") and pending_heads():
            upgrade_all()
        erased_again = reapply_erasures()
        db.session.commit()
        journal_all_erasures()                      # the journal holds every erasure of the restored data
    except StorageUnavailable:
        db.session.rollback()
        raise BackupError(f"The database and files are restored, but {uploads.describe_store()} could not be "
                          f"reached to re-apply the erasure journal: run `flask --app wsgi contacts "
                          f"reapply-erasures` once it can be reached, before anyone uses the instance.") from None
    return {"manifest": manifest, "counts": table_counts(), "erased_again": erased_again}
