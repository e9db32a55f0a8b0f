"""Restore drill: build an instance, back it up, restore it into a fresh empty one, and find the
same rows, an intact audit log and the uploaded files; bad archives and targets are refused with
nothing written. Runs on SQLite, and on PostgreSQL with SAMAKI_TEST_DATABASE_URL (own databases)."""
from __future__ import annotations

import io
import json
import os
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from core import create_app
from core.audit import verify_chains
from core.backup import FORMAT_VERSION, Secret, decrypt_file, encrypt_file, table_counts
from core.extensions import db
from core.models import Role
from core.registers.models import Contact, ContactErasure
from core.tenancy import tenant_scope
from core.uploads import store, tenant_folder
from tests.conftest import app_config
from tests.helpers import make_member, make_tenant

PASSPHRASE = "a long passphrase for the backup drill"
NAME = "Sok Chanthou"


def _server_and_name() -> tuple[str, str] | None:
    url = os.environ.get("SAMAKI_TEST_DATABASE_URL")
    if not url:
        return None
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    server, name = url.rsplit("/", 1)
    return server, f"{name}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def _admin(server: str, *statements: str) -> None:
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for statement in statements:
            connection.execute(text(statement))
    admin.dispose()


@pytest.fixture
def make_instance(tmp_path):
    """Builds apps, each on its own new empty database and upload folder (created from the models)."""
    made, server = [], _server_and_name()

    def make(label: str):
        folder = tmp_path / label
        folder.mkdir()
        if server:
            name = f"{server[1]}_bk_{label}"
            _admin(server[0], f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
            url = f"{server[0]}/{name}"
        else:
            name, url = None, f"sqlite:///{folder / 'samaki.db'}"
        app = create_app(app_config(folder, url))
        with app.app_context():
            db.create_all()
        made.append((app, name))
        return app

    yield make
    for app, name in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if name:
            _admin(server[0], f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build_data(app) -> dict:
    """A tenant, its users, a contact (and an erased one), an uploaded file, audit events."""
    from core.registers.contacts import create_contact
    from core.registers.erasure import erase_contact
    with app.app_context():
        tenant = make_tenant("kampot-network", "Kampot CSO Network")
        owner = make_member(tenant, Role.OWNER)
        make_member(tenant, Role.STAFF)
        with tenant_scope(tenant.id):
            create_contact(name_latin="Chan Dara", phone="012 345 678")
            erased = create_contact(name_latin=NAME, phone="097 111 2222")
            db.session.commit()
            erase_contact(erased, erased_by_id=owner.id)
            name = store(tenant_folder(tenant.id, "contacts"), b"%PDF-1.4 consent form", "pdf")
            db.session.commit()
        return {"file": f"{tenant.id}/contacts/{name}", "counts": table_counts()}


def cli(app, *args, **env):
    return app.test_cli_runner().invoke(args=list(args), env={"SAMAKI_BACKUP_PASSPHRASE": None,
                                                              "SAMAKI_BACKUP_KEY": None, **env})


def nothing_restored(app) -> bool:
    with app.app_context():
        folder = Path(app.config["UPLOAD_FOLDER"])
        return not any(table_counts().values()) and not (folder.exists() and any(folder.iterdir()))


def test_restore_drill_brings_back_rows_audit_log_and_files(make_instance, tmp_path):
    source = make_instance("source")
    built = build_data(source)
    archive = tmp_path / "drill.samaki"
    result = cli(source, "backup", str(archive), SAMAKI_BACKUP_PASSPHRASE=PASSPHRASE)
    assert result.exit_code == 0, result.output
    assert "encrypted" in result.output
    assert NAME.encode() not in archive.read_bytes() and b"kampot-network" not in archive.read_bytes()

    target = make_instance("target")            # the wipe: a fresh, empty instance
    result = cli(target, "restore", str(archive), SAMAKI_BACKUP_PASSPHRASE=PASSPHRASE)
    assert result.exit_code == 0, result.output
    assert "Restored the backup" in result.output

    with target.app_context():
        assert table_counts() == built["counts"]
        assert verify_chains(db.session) == []
        assert cli(target, "audit", "verify").output.strip() == "Audit log intact."
        restored = Path(target.config["UPLOAD_FOLDER"]) / built["file"]
        assert restored.read_bytes() == b"%PDF-1.4 consent form"
        names = set(db.session.execute(select(Contact.name_latin)).scalars())
        assert "Chan Dara" in names and NAME not in names


def test_restore_erases_again_everyone_in_the_erasure_log(make_instance, tmp_path):
    source = make_instance("source")
    build_data(source)
    with source.app_context():
        # The identity came back in the data (e.g. copied in from an older dump) while the erasure
        # log still records the person: a restore must not bring them back.
        contact_id = db.session.execute(select(ContactErasure.contact_id)).scalar_one()
        db.session.execute(Contact.__table__.update().where(Contact.__table__.c.id == contact_id)
                           .values(name_latin=NAME, phone="097 111 2222"))
        db.session.commit()
    archive = tmp_path / "erasure.samaki"
    assert cli(source, "backup", str(archive), "--no-encrypt").exit_code == 0

    target = make_instance("target")
    result = cli(target, "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert "1 erased people erased again" in result.output
    with target.app_context():
        row = db.session.execute(select(Contact.__table__).where(Contact.__table__.c.id == contact_id)).one()
        assert (row.name_latin, row.phone) == ("", "")


def test_backup_is_refused_without_a_passphrase_unless_asked_for_in_the_clear(make_instance, tmp_path):
    source = make_instance("source")
    result = cli(source, "backup", str(tmp_path / "x.samaki"))
    assert result.exit_code == 1
    assert "--passphrase-file" in result.output
    assert not (tmp_path / "x.samaki").exists()
    result = cli(source, "backup", str(tmp_path / "x.samaki"), "--no-encrypt")
    assert result.exit_code == 0 and "NOT encrypted" in result.output


def test_raw_key_and_passphrase_file_both_work(make_instance, tmp_path):
    source = make_instance("source")
    built = build_data(source)
    key = "ab" * 32
    assert cli(source, "backup", str(tmp_path / "k.samaki"), SAMAKI_BACKUP_KEY=key).exit_code == 0
    target = make_instance("target")
    result = cli(target, "restore", str(tmp_path / "k.samaki"), SAMAKI_BACKUP_KEY=key)
    assert result.exit_code == 0, result.output
    with target.app_context():
        assert table_counts() == built["counts"]
    passphrase_file = tmp_path / "passphrase.txt"
    passphrase_file.write_text(PASSPHRASE + "\n")
    result = cli(source, "backup", str(tmp_path / "p.samaki"), "--passphrase-file", str(passphrase_file))
    assert result.exit_code == 0, result.output
    result = cli(make_instance("third"), "restore", str(tmp_path / "p.samaki"), SAMAKI_BACKUP_PASSPHRASE=PASSPHRASE)
    assert result.exit_code == 0, result.output


@pytest.fixture
def archive(make_instance, tmp_path) -> Path:
    source = make_instance("source")
    build_data(source)
    path = tmp_path / "good.samaki"
    assert cli(source, "backup", str(path), SAMAKI_BACKUP_PASSPHRASE=PASSPHRASE).exit_code == 0
    return path


def test_wrong_passphrase_cannot_decrypt_and_nothing_is_written(make_instance, archive):
    target = make_instance("target")
    result = cli(target, "restore", str(archive), SAMAKI_BACKUP_PASSPHRASE="not the passphrase")
    assert result.exit_code == 1
    assert "Cannot decrypt the backup" in result.output
    assert nothing_restored(target)
    result = cli(target, "restore", str(archive))
    assert result.exit_code == 1 and "encrypted with a passphrase" in result.output


def test_restore_onto_a_non_empty_instance_is_refused_and_nothing_touched(make_instance, archive):
    target = make_instance("target")
    with target.app_context():
        make_tenant("battambang-youth", "Battambang Youth Network")
        before = table_counts()
    result = cli(target, "restore", str(archive), SAMAKI_BACKUP_PASSPHRASE=PASSPHRASE)
    assert result.exit_code == 1
    assert "only goes into an empty instance" in result.output and "core_tenant" in result.output
    with target.app_context():
        assert table_counts() == before
        assert not Path(target.config["UPLOAD_FOLDER"]).exists()


def _rewrite_manifest(path: Path, target: Path, **changes) -> None:
    """A copy of the archive whose manifest says something else (re-encrypted properly)."""
    secret = Secret(passphrase=PASSPHRASE)
    inner, rewritten = target.with_suffix(".in.tgz"), target.with_suffix(".out.tgz")
    decrypt_file(path, inner, secret)
    with tarfile.open(inner, "r:gz") as old, tarfile.open(rewritten, "w:gz") as new:
        for member in old:
            data = old.extractfile(member).read()
            if member.name == "manifest.json":
                data = json.dumps({**json.loads(data), **changes}).encode()
                member.size = len(data)
            new.addfile(member, io.BytesIO(data))
    encrypt_file(rewritten, target, secret)


@pytest.mark.parametrize("changes, message", [
    ({"schema_heads": ["ffffffffffff"]}, "comes from a newer schema"),
    ({"dialect": "mysql"}, "is of a mysql database"),
    ({"format": FORMAT_VERSION + 1}, "this Samaki reads format"),
])
def test_backup_of_a_newer_schema_or_another_dialect_is_refused(make_instance, archive, tmp_path, changes, message):
    changed = tmp_path / "changed.samaki"
    _rewrite_manifest(archive, changed, **changes)
    target = make_instance("target")
    result = cli(target, "restore", str(changed), SAMAKI_BACKUP_PASSPHRASE=PASSPHRASE)
    assert result.exit_code == 1
    assert message in result.output
    assert nothing_restored(target)


def test_corrupted_or_cut_archive_is_refused_and_nothing_is_written(make_instance, archive, tmp_path):
    data = archive.read_bytes()
    flipped = tmp_path / "flipped.samaki"
    flipped.write_bytes(data[:len(data) // 2] + bytes([data[len(data) // 2] ^ 1]) + data[len(data) // 2 + 1:])
    cut = tmp_path / "cut.samaki"
    cut.write_bytes(data[:-100])
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    target = make_instance("target")
    for path, message in ((flipped, "Cannot decrypt the backup"), (cut, "Cannot decrypt the backup"),
                          (not_a_backup, "not a Samaki backup")):
        result = cli(target, "restore", str(path), SAMAKI_BACKUP_PASSPHRASE=PASSPHRASE)
        assert result.exit_code == 1, path
        assert message in result.output
        assert nothing_restored(target)


def test_damaged_unencrypted_archive_is_refused(make_instance, tmp_path):
    source = make_instance("source")
    build_data(source)
    plain = tmp_path / "plain.samaki"
    assert cli(source, "backup", str(plain), "--no-encrypt").exit_code == 0
    data = plain.read_bytes()
    damaged = tmp_path / "damaged.samaki"
    damaged.write_bytes(data[:len(data) // 2] + bytes([data[len(data) // 2] ^ 0xFF]) + data[len(data) // 2 + 1:])
    target = make_instance("target")
    result = cli(target, "restore", str(damaged))
    assert result.exit_code == 1
    assert "damaged" in result.output
    assert nothing_restored(target)
