"""Tenant export and deletion: an organisation leaves with everything it owns (a zip of JSON and CSV
per table plus its uploaded files), and an operator deletes a tenant after a grace period.

Export archive (`samaki-export-<slug>-<date>.zip`):
  manifest.json                 tenant, date, tables and row counts, whether identities are included
  tables/<table>.json  .csv     every TenantScoped table's rows of this tenant, its private rows of
                                instance-wide registers (owner_tenant_id), plus
                                `core_membership` (members: e-mail, name, role; never password
                                hashes), `core_audit_event` (the tenant's audit chain), and
                                `core_tenant_plugin` (module switches)
  files/<path>                  the tenant's uploaded files (UPLOAD_FOLDER/<tenant id>/…), read
                                through core.uploads (the upload folder or the S3 bucket)
  files/<name>/<path>           files a plugin keeps elsewhere for the tenant (hook
                                samaki_tenant_file_folders: e.g. files/a2i_requests/attachments/…)
Protected identities (the identity fields of protected contacts, their photos, and pending contact
imports, which may hold anyone's identity) are replaced by WITHHELD unless the owner asks for them.
Columns a model never writes to the audit log (`__audit_redact__`: secret hashes) are never exported.

With identities included, the zip is wrapped in an encrypted envelope (`….zip.enc`):
  MAGIC (b"SAMAKI-EXPORT-1\\n", 16 bytes) | salt (16 bytes) | nonce (12 bytes) | AES-256-GCM ciphertext+tag
  key = scrypt(passphrase UTF-8, salt, n=2**15, r=8, p=1, 32 bytes); MAGIC is the associated data.
`flask --app wsgi decrypt-export FILE.zip.enc OUT.zip` opens it (decrypt_archive below).

Deletion: Tenant has no "delete on" column and this task adds no migration, so a scheduled deletion
is an instance-level audit event ("schedule_deletion", model Tenant, changes {"delete_on": date})
plus `is_active = False` (which already hides the tenant from every page and API). The job
`core.tenants.delete_due` deletes inactive tenants whose latest such event is due; "cancel_deletion"
(with `is_active = True`) withdraws it. The log itself is kept: it outlives tenants.
"""
from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, inspect, or_, select

from core.audit import jsonable, record_event
from core.csv_export import safe_cell
from core.errors import DomainError
from core.extensions import db
from core.models import AuditEvent, Membership, Tenant, TenantPlugin, User
from core.tenancy import TenantScoped, tenant_scope
from core.uploads import read

WITHHELD = "[withheld: protected identity]"
REDACTED = "[secret: not exported]"
MAGIC = b"SAMAKI-EXPORT-1\n"
SALT_BYTES, NONCE_BYTES = 16, 12
MIN_PASSPHRASE = 12
GRACE_DAYS = 30
# Rows that may hold the identity of anyone, protected or not (an uploaded contacts file waiting for
# its preview to be accepted): withheld as a whole unless identities are included.
ALWAYS_IDENTITY = {"core_contact_import": frozenset({"rows"})}
# Uploaded-file areas whose files belong to one contact (their photo): kept with the contact's identity.
PHOTO_AREA = "contacts"


def tenant_scoped_models() -> list[type]:
    """Every mapped TenantScoped model, in table dependency order (parents first)."""
    by_table = {mapper.class_.__table__.name: mapper.class_ for mapper in db.Model.registry.mappers
                if issubclass(mapper.class_, TenantScoped) and hasattr(mapper.class_, "__table__")}
    return [by_table[table.name] for table in db.metadata.sorted_tables if table.name in by_table]


@dataclass
class Archive:
    """A finished export: its bytes, the name to download it as, and what it holds."""

    data: bytes
    filename: str
    encrypted: bool
    counts: dict[str, int] = field(default_factory=dict)
    files: int = 0


def _identity_fields(model, values: dict) -> frozenset[str]:
    """The identity fields of one row that are protected: a protected (or erased) contact's
    identity fields as its model declares them for the audit log, and ALWAYS_IDENTITY."""
    fixed = ALWAYS_IDENTITY.get(model.__table__.name, frozenset())
    if values.get("protected") or values.get("erased_at"):
        # audit_identity_fields is an instance method reading plain attributes (e.g. `kind`).
        return fixed | model.audit_identity_fields(SimpleNamespace(**values))
    return fixed


def privately_owned_models() -> list[type]:
    """Instance-wide registers whose rows a tenant may own privately (`owner_tenant_id`: its own
    institutions, public bodies, laws)."""
    return [mapper.class_ for mapper in db.Model.registry.mappers
            if not issubclass(mapper.class_, TenantScoped) and "owner_tenant_id" in mapper.columns]


def _model_rows(model, tenant_id: int, include_identities: bool, withheld_photos: set[str],
                owner_column: str = "tenant_id") -> tuple[list[str], list[dict]]:
    columns = [attr for attr in inspect(model).column_attrs]
    names = [attr.key for attr in columns]
    redact = set(getattr(model, "__audit_redact__", ()))
    # Only this tenant's rows: the central filter (tenant_scope) and an explicit condition.
    query = select(*[getattr(model, name) for name in names]).where(getattr(model, owner_column) == tenant_id)
    query = query.order_by(*[getattr(model, key.name) for key in model.__table__.primary_key.columns])
    rows = []
    for row in db.session.execute(query.execution_options(yield_per=1000)):
        values = dict(zip(names, row))
        withheld = set() if include_identities else _identity_fields(model, values)
        if not include_identities and model.__table__.name == "core_contact" and "photo_name" in withheld \
                and values.get("photo_name"):
            withheld_photos.add(values["photo_name"])
        rows.append({name: (REDACTED if name in redact and value else
                            WITHHELD if name in withheld and value not in (None, "", [], {}) else jsonable(value))
                     for name, value in values.items()})
    return names, rows


def _members(tenant_id: int) -> tuple[list[str], list[dict]]:
    names = ["membership_id", "user_id", "email", "name", "locale", "role", "is_active", "created_at",
             "two_factor_enabled"]
    query = (select(Membership.id, User.id, User.email, User.name, User.locale, Membership.role,
                    Membership.is_active, Membership.created_at, User.totp_enabled_at)
             .join(User, User.id == Membership.user_id).where(Membership.tenant_id == tenant_id)
             .order_by(Membership.id))
    rows = []
    for row in db.session.execute(query):
        values = [jsonable(v) for v in row[:-1]] + [row[-1] is not None]
        rows.append(dict(zip(names, values)))
    return names, rows


def _audit_events(tenant_id: int) -> tuple[list[str], list[dict]]:
    table = AuditEvent.__table__
    names = [column.name for column in table.columns]
    query = select(table).where(table.c.tenant_id == tenant_id).order_by(table.c.chain, table.c.seq)
    return names, [{k: jsonable(v) for k, v in row._mapping.items()}
                   for row in db.session.execute(query.execution_options(yield_per=1000))]


def _plugin_switches(tenant_id: int) -> tuple[list[str], list[dict]]:
    names = ["plugin", "enabled"]
    query = select(TenantPlugin.plugin, TenantPlugin.enabled).where(TenantPlugin.tenant_id == tenant_id)
    return names, [dict(zip(names, row)) for row in db.session.execute(query.order_by(TenantPlugin.plugin))]


def _csv_text(names: list[str], rows: list[dict]) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")       # spreadsheets then read Khmer as UTF-8
    writer = csv.writer(buffer)
    writer.writerow(names)
    for row in rows:
        writer.writerow([safe_cell(json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v)
                         for v in (row.get(name) for name in names)])
    return buffer.getvalue()


def tenant_files(tenant_id: int) -> Path:
    """The folder holding the tenant's uploads (core.uploads.tenant_folder without an area)."""
    return Path(current_app.config["UPLOAD_FOLDER"]) / str(int(tenant_id))


def tenant_file_folders(tenant_id: int) -> dict[str, Path]:
    """Every folder of the file store holding files of this tenant alone: "" for its own folder,
    then each plugin's (hook samaki_tenant_file_folders), by the name they go under in the export."""
    folders = {"": tenant_files(tenant_id)}
    for answer in current_app.extensions["samaki"].pm.hook.samaki_tenant_file_folders(tenant_id=tenant_id):
        folders.update({name.strip("/"): Path(folder) for name, folder in (answer or {}).items()})
    return folders


def tenant_stored_files(tenant_id: int) -> list[tuple[str, Path]]:
    """(name in the export, address in the store) of every file the tenant owns."""
    from core.uploads import list_files
    found = []
    for name, folder in tenant_file_folders(tenant_id).items():
        for path in list_files(folder):
            relative = path.relative_to(folder).as_posix()
            found.append((f"{name}/{relative}" if name else relative, path))
    return found


def build_archive(tenant: Tenant, *, include_identities: bool = False, passphrase: str = "",
                  today: date | None = None) -> Archive:
    """Everything the tenant owns as one zip (encrypted with `passphrase` when identities are
    included, which requires one). Writes the "export" audit event; the caller commits."""
    if include_identities and len(passphrase) < MIN_PASSPHRASE:
        raise DomainError(_l("Give a passphrase of at least %(count)d characters to protect the identities.",
                             count=MIN_PASSPHRASE), field="passphrase")
    today = today or tenant.today()
    counts: dict[str, int] = {}
    withheld_photos: set[str] = set()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive, tenant_scope(tenant.id):
        def add_table(table: str, names: list[str], rows: list[dict]) -> None:
            counts[table] = len(rows)
            archive.writestr(f"tables/{table}.json", json.dumps(rows, ensure_ascii=False, indent=1))
            archive.writestr(f"tables/{table}.csv", _csv_text(names, rows))

        for model in tenant_scoped_models():
            add_table(model.__table__.name, *_model_rows(model, tenant.id, include_identities, withheld_photos))
        for model in privately_owned_models():
            add_table(model.__table__.name, *_model_rows(model, tenant.id, include_identities, withheld_photos,
                                                         owner_column="owner_tenant_id"))
        add_table("core_membership", *_members(tenant.id))
        add_table("core_tenant_plugin", *_plugin_switches(tenant.id))
        add_table("core_audit_event", *_audit_events(tenant.id))
        file_count = 0
        for relative, path in tenant_stored_files(tenant.id):
            if relative.startswith(f"{PHOTO_AREA}/") and path.name in withheld_photos:
                continue
            archive.writestr(f"files/{relative}", read(path))
            file_count += 1
        manifest = {"format": "samaki-tenant-export", "version": 1, "tenant": {
            "id": tenant.id, "slug": tenant.slug, "name": tenant.name, "default_locale": tenant.default_locale,
            "timezone": tenant.timezone, "created_at": jsonable(tenant.created_at)},
            "exported_on": today.isoformat(), "identities_included": include_identities,
            "withheld_marker": None if include_identities else WITHHELD, "tables": counts, "files": file_count}
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    data, filename = buffer.getvalue(), f"samaki-export-{tenant.slug}-{today.isoformat()}.zip"
    if include_identities:
        data, filename = encrypt_archive(data, passphrase), filename + ".enc"
    record_event("export", tenant_id=tenant.id, model="Tenant", record_id=str(tenant.id),
                 changes={"identities_included": include_identities, "encrypted": include_identities,
                          "tables": len(counts), "rows": sum(counts.values()), "files": file_count})
    return Archive(data, filename, include_identities, counts, file_count)


def _key(passphrase: str, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=2 ** 15, r=8, p=1).derive(passphrase.encode("utf-8"))


def encrypt_archive(data: bytes, passphrase: str) -> bytes:
    salt, nonce = os.urandom(SALT_BYTES), os.urandom(NONCE_BYTES)
    return MAGIC + salt + nonce + AESGCM(_key(passphrase, salt)).encrypt(nonce, data, MAGIC)


def decrypt_archive(envelope: bytes, passphrase: str) -> bytes:
    """The zip inside an encrypted export; DomainError for a wrong passphrase or a damaged file."""
    if not envelope.startswith(MAGIC) or len(envelope) < len(MAGIC) + SALT_BYTES + NONCE_BYTES + 16:
        raise DomainError(_l("This is not an encrypted Samaki export."))
    start = len(MAGIC)
    salt, nonce = envelope[start:start + SALT_BYTES], envelope[start + SALT_BYTES:start + SALT_BYTES + NONCE_BYTES]
    try:
        return AESGCM(_key(passphrase, salt)).decrypt(nonce, envelope[start + SALT_BYTES + NONCE_BYTES:], MAGIC)
    except InvalidTag:
        raise DomainError(_l("Wrong passphrase, or the file is damaged.")) from None


# --- Deletion ---------------------------------------------------------------------------------

def _deletion_events(tenant_id: int):
    return select(AuditEvent).where(
        AuditEvent.tenant_id.is_(None), AuditEvent.model == "Tenant", AuditEvent.record_id == str(tenant_id),
        AuditEvent.action.in_(("schedule_deletion", "cancel_deletion"))).order_by(AuditEvent.seq.desc())


def scheduled_deletion(tenant: Tenant) -> date | None:
    """The day an inactive tenant is due for deletion, from its latest instance-level event."""
    if tenant.is_active:
        return None
    latest = db.session.execute(_deletion_events(tenant.id).limit(1)).scalar_one_or_none()
    if latest is None or latest.action != "schedule_deletion":
        return None
    return date.fromisoformat(latest.changes["delete_on"])


def schedule_deletion(tenant: Tenant, *, on: date) -> None:
    """Switch the tenant off now and mark it for deletion on `on` (the caller commits)."""
    tenant.is_active = False
    record_event("schedule_deletion", tenant_id=None, model="Tenant", record_id=str(tenant.id),
                 changes={"slug": tenant.slug, "name": tenant.name, "delete_on": on.isoformat()})


def cancel_deletion(tenant: Tenant) -> None:
    if scheduled_deletion(tenant) is None:
        raise DomainError(_l("This organisation is not scheduled for deletion."))
    tenant.is_active = True
    record_event("cancel_deletion", tenant_id=None, model="Tenant", record_id=str(tenant.id),
                 changes={"slug": tenant.slug})


def delete_tenant(tenant: Tenant) -> dict[str, int]:
    """Delete every row the tenant owns and the tenant itself, in the current transaction; its uploaded
    files go once the transaction commits. The audit log is kept (it outlives tenants); users keep
    their accounts (they may belong to other tenants). Returns the rows deleted per table."""
    from core.models import WorkingGroup
    convened = db.session.execute(select(WorkingGroup.slug).where(
        WorkingGroup.convening_tenant_id == tenant.id)).scalars().all()
    if convened:
        raise DomainError(_l("This organisation convenes working groups (%(groups)s): hand them to another "
                             "organisation first.", groups=", ".join(convened)))
    tenant_id, slug = tenant.id, tenant.slug
    deleted: dict[str, int] = {}
    keep = {AuditEvent.__table__.name, "core_audit_chain_head", Tenant.__table__.name}
    with tenant_scope(tenant_id):
        # Children first, every row pointing at the tenant (TenantScoped or not: memberships, tokens,
        # private institutions and laws via owner_tenant_id), as the database's ON DELETE CASCADE would.
        for table in reversed(db.metadata.sorted_tables):
            columns = [column for column in table.c if column.name == "tenant_id"
                       or any(fk.column.table.name == Tenant.__table__.name for fk in column.foreign_keys)]
            if table.name in keep or not columns:
                continue
            result = db.session.execute(delete(table).where(or_(*[column == tenant_id for column in columns])))
            if result.rowcount:
                deleted[table.name] = result.rowcount
    db.session.expunge(tenant)
    db.session.execute(delete(Tenant.__table__).where(Tenant.__table__.c.id == tenant_id))
    record_event("delete_tenant", tenant_id=None, model="Tenant", record_id=str(tenant_id),
                 changes={"slug": slug, "rows": sum(deleted.values())})
    _remove_files_after_commit(tenant_id)
    return deleted


def _remove_files_after_commit(tenant_id: int) -> None:
    # Through core.uploads, so that a rolled-back deletion keeps every file.
    from core.uploads import remove_after_commit
    for _name, path in tenant_stored_files(tenant_id):
        remove_after_commit(path)


def delete_due_tenants(now: datetime) -> list[str]:
    """The job: delete every tenant whose scheduled deletion day has come. Returns their slugs."""
    deleted = []
    for tenant in db.session.execute(select(Tenant).where(Tenant.is_active.is_(False))).scalars().all():
        due = scheduled_deletion(tenant)
        if due is None or due > now.date():
            continue
        slug = tenant.slug
        try:
            delete_tenant(tenant)
            db.session.commit()
        except DomainError:
            db.session.rollback()
            current_app.logger.warning("Tenant %s is due for deletion but cannot be deleted yet", slug)
            continue
        deleted.append(slug)
    return deleted


def deletion_date(today: date, days: int = GRACE_DAYS) -> date:
    return today + timedelta(days=days)
