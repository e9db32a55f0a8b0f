"""Restore drill: build an instance, back it up, wipe it (or move to a fresh one), restore, and find
the same rows, an intact audit log and the uploaded files (in a folder or an S3 bucket); people
erased after the backup stay erased; bad archives, targets and other instances' backups are refused
with nothing written. Runs on SQLite, and on PostgreSQL with SAMAKI_TEST_DATABASE_URL (own
databases)."""
from __future__ import annotations

import io
import json
import os
import tarfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from core import create_app, uploads
from core.audit import verify_chains
from core.backup import FORMAT_VERSION, Secret, decrypt_file, encrypt_file, table_counts
from core.extensions import db
from core.instance_state import instance_id, is_instance_file
from core.models import Role
from core.registers.models import Contact, ContactErasure
from core.tenancy import tenant_scope
from core.uploads import store, tenant_folder
from tests.conftest import app_config
from tests.core.test_storage import aws_credentials, s3_client, s3_endpoint  # noqa: F401  (fixtures)
from tests.helpers import login, make_member, make_tenant

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

    def make(label: str, **overrides):
        folder = tmp_path / label
        folder.mkdir()
        if server:
            name = f"{server[1]}_bk_{label}"
            _admin(server[0], f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
            url = f"{server[0]}/{name}"
        else:
            name, url = None, f"sqlite:///{folder / 'samaki.db'}"
        app = create_app(app_config(folder, url, **overrides))
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


def uploaded_files(app) -> list[Path]:
    """The uploaded files in the app's store (folder or bucket), without the instance's own objects."""
    with app.app_context():
        return [path for path in uploads.list_files(uploads.storage_root()) if not is_instance_file(path)]


def nothing_restored(app) -> bool:
    with app.app_context():
        return not any(table_counts().values()) and not uploaded_files(app)


def wipe(app) -> None:
    """Empty the instance for a restore as an operator would: a new empty database, and no uploaded
    files left (the instance's own `_instance/` objects are kept, as the README says)."""
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.create_all()
        for path in uploaded_files(app):
            uploads.delete(path)
        assert nothing_restored(app)


def this_instance(app) -> str | None:
    with app.app_context():
        return instance_id()


def test_restore_drill_brings_back_rows_audit_log_and_files(make_instance, tmp_path):
    source = make_instance("source")
    built = build_data(source)
    archive = tmp_path / "drill.samaki"
    result = cli(source, "backup", str(archive), SAMAKI_BACKUP_PASSPHRASE=PASSPHRASE)
    assert result.exit_code == 0, result.output
    assert "encrypted" in result.output
    assert NAME.encode() not in archive.read_bytes() and b"kampot-network" not in archive.read_bytes()

    wipe(source)
    target = source
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
    result = cli(target, "restore", str(archive), "--from-another-instance")
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
    wipe(source)
    result = cli(source, "restore", str(tmp_path / "k.samaki"), SAMAKI_BACKUP_KEY=key)
    assert result.exit_code == 0, result.output
    with source.app_context():
        assert table_counts() == built["counts"]
    passphrase_file = tmp_path / "passphrase.txt"
    passphrase_file.write_text(PASSPHRASE + "\n")
    result = cli(source, "backup", str(tmp_path / "p.samaki"), "--passphrase-file", str(passphrase_file))
    assert result.exit_code == 0, result.output
    wipe(source)
    result = cli(source, "restore", str(tmp_path / "p.samaki"), SAMAKI_BACKUP_PASSPHRASE=PASSPHRASE)
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


def test_backup_of_another_instance_is_refused_unless_moving_it_here(make_instance, archive, tmp_path):
    source_id = json.loads(_inner_manifest(archive))["instance"]["id"]
    target = make_instance("target")
    cli(target, "backup", str(tmp_path / "own.samaki"), "--no-encrypt")       # the target has its own id now
    own_id = this_instance(target)
    assert own_id and own_id != source_id

    result = cli(target, "restore", str(archive), SAMAKI_BACKUP_PASSPHRASE=PASSPHRASE)
    assert result.exit_code == 1
    assert "This backup comes from another instance" in result.output and "--from-another-instance" in result.output
    assert source_id in result.output and own_id in result.output
    assert nothing_restored(target) and this_instance(target) == own_id

    result = cli(target, "restore", str(archive), "--from-another-instance", SAMAKI_BACKUP_PASSPHRASE=PASSPHRASE)
    assert result.exit_code == 0, result.output
    assert this_instance(target) == source_id            # it is that instance now, on a new host
    with target.app_context():
        assert "Chan Dara" in set(db.session.execute(select(Contact.name_latin)).scalars())


def test_a_new_instance_without_an_id_also_needs_the_option(make_instance, archive):
    target = make_instance("target")
    assert this_instance(target) is None
    result = cli(target, "restore", str(archive), SAMAKI_BACKUP_PASSPHRASE=PASSPHRASE)
    assert result.exit_code == 1 and "this instance's id is not set yet" in result.output
    assert nothing_restored(target)


def _inner_manifest(path: Path) -> bytes:
    inner = path.with_suffix(".manifest.tgz")
    decrypt_file(path, inner, Secret(passphrase=PASSPHRASE))
    with tarfile.open(inner, "r:gz") as archive:
        names = archive.getnames()
        assert not [name for name in names if name.startswith("files/_instance")]     # never in a backup
        return archive.extractfile("manifest.json").read()


def test_a_person_erased_after_the_backup_stays_erased_when_it_is_restored(make_instance, tmp_path):
    from core.registers.contacts import create_contact
    from core.registers.erasure import erase_contact
    instance = make_instance("instance")
    with instance.app_context():
        tenant = make_tenant("kampot-network", "Kampot CSO Network")
        owner = make_member(tenant, Role.OWNER)
        with tenant_scope(tenant.id):
            person = create_contact(name_latin=NAME, phone="097 111 2222")
            db.session.commit()
        tenant_slug, owner_email, person_id = tenant.slug, owner.email, person.id
    older = tmp_path / "before-the-erasure.samaki"
    assert cli(instance, "backup", str(older), SAMAKI_BACKUP_PASSPHRASE=PASSPHRASE).exit_code == 0

    with instance.app_context():             # erased after the backup: the backup's database still has them
        with tenant_scope(tenant.id):
            erase_contact(db.session.get(Contact, person_id), erased_by_id=owner.id)
            db.session.commit()

    wipe(instance)
    result = cli(instance, "restore", str(older), SAMAKI_BACKUP_PASSPHRASE=PASSPHRASE)
    assert result.exit_code == 0, result.output
    assert "1 erased people erased again" in result.output

    assert cli(instance, "audit", "verify").output.strip() == "Audit log intact."
    with instance.app_context():
        row = db.session.execute(select(Contact.__table__).where(Contact.__table__.c.id == person_id)).one()
        assert (row.name_latin, row.phone, row.protected) == ("", "", True) and row.erased_at is not None
        # The erasure log entry the older database lacked is back.
        assert db.session.execute(select(ContactErasure.contact_id)).scalars().all() == [person_id]
    client = instance.test_client()
    with instance.app_context():
        login(client, owner_email)
        page = client.get(f"/t/{tenant_slug}/contacts/{person_id}").text
        listing = client.get(f"/t/{tenant_slug}/contacts/").text
    assert "Erased person" in page and NAME not in page and NAME not in listing


@pytest.fixture
def s3_store(s3_endpoint, aws_credentials):  # noqa: F811  (fixtures imported above)
    """Settings for an app whose files live in a fresh bucket of moto's S3 server."""
    def make() -> dict:
        name = f"samaki-bk-{uuid.uuid4().hex[:10]}"
        s3_client(s3_endpoint).create_bucket(Bucket=name)
        return {"STORAGE": "s3", "S3_BUCKET": name, "S3_ENDPOINT_URL": s3_endpoint, "S3_REGION": "us-east-1"}
    return make


def bucket_keys(app) -> list[str]:
    client = s3_client(app.config["S3_ENDPOINT_URL"])
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=app.config["S3_BUCKET"]).get("Contents", []))


def test_backup_and_restore_carry_the_files_of_an_s3_bucket(make_instance, s3_store, tmp_path):
    source = make_instance("source", **s3_store())
    built = build_data(source)
    assert built["file"] in bucket_keys(source)
    assert not list((tmp_path / "source").rglob("*.pdf"))              # nothing in the local folder
    archive = tmp_path / "s3.samaki"
    result = cli(source, "backup", str(archive), SAMAKI_BACKUP_PASSPHRASE=PASSPHRASE)
    assert result.exit_code == 0, result.output
    assert "1 files" in result.output

    target = make_instance("target", **s3_store())                     # a new host with its own bucket
    result = cli(target, "restore", str(archive), "--from-another-instance", SAMAKI_BACKUP_PASSPHRASE=PASSPHRASE)
    assert result.exit_code == 0, result.output
    keys = bucket_keys(target)
    assert built["file"] in keys and "_instance/id" in keys
    body = s3_client(target.config["S3_ENDPOINT_URL"]).get_object(Bucket=target.config["S3_BUCKET"], Key=built["file"])
    assert body["Body"].read() == b"%PDF-1.4 consent form"
    with target.app_context():
        assert table_counts() == built["counts"]
        # The erasure of the source is in the target's journal too, under the adopted id.
        assert [key for key in keys if key.startswith(f"_instance/erasures/{instance_id()}/")]


def test_restore_into_a_bucket_holding_files_is_refused(make_instance, s3_store, archive):
    target = make_instance("target", **s3_store())
    with target.app_context():
        store(tenant_folder(7, "contacts"), b"left over", "txt")
        db.session.commit()
    result = cli(target, "restore", str(archive), "--from-another-instance", SAMAKI_BACKUP_PASSPHRASE=PASSPHRASE)
    assert result.exit_code == 1
    assert "only goes into an empty instance" in result.output and "the bucket" in result.output
    with target.app_context():
        assert not any(table_counts().values())
