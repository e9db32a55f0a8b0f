"""Tenant export and deletion: an owner downloads everything the organisation owns (JSON and CSV per
table, members, audit log, files) without protected identities unless they choose them, confirm
who they are and give a passphrase (then the file is encrypted); an operator deletes a tenant after
a grace period, recorded in the instance audit log."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from core.extensions import db
from core.models import AuditEvent, Membership, Role, Tenant, User
from core.registers.contact_photos import save_photo
from core.registers.models import Contact
from core.tenancy import tenant_scope, unscoped
from core.tenant_export import (
    WITHHELD,
    build_archive,
    decrypt_archive,
    delete_due_tenants,
    privately_owned_models,
    scheduled_deletion,
    tenant_scoped_models,
)
from tests.core.registers.contact_factories import add_contact
from tests.core.test_storage import aws_credentials, bucket, s3_endpoint  # noqa: F401  (fixtures)
from tests.helpers import PASSWORD, login, make_member

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32 + b"\xff\xd9"
PASSPHRASE = "mekong river at dawn 2026"


@pytest.fixture
def owner(tenant):
    return make_member(tenant, Role.OWNER)


@pytest.fixture
def owner_client(app, owner):
    client = app.test_client()
    login(client, owner.email)
    return client


def export_url(tenant) -> str:
    return f"/t/{tenant.slug}/admin/export"


def opened(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


def table_rows(archive: zipfile.ZipFile, table: str) -> list[dict]:
    return json.loads(archive.read(f"tables/{table}.json"))


def add_protected_with_photo(tenant) -> Contact:
    contact = add_contact(tenant, name_latin="Srey Neang Hidden", phone="012 345 678", sex="female", protected=True)
    with tenant_scope(tenant.id):
        contact = db.session.get(Contact, contact.id)
        save_photo(contact, FileStorage(io.BytesIO(JPEG), filename="face.jpg"))
        db.session.commit()
    return contact


def test_the_archive_holds_every_tenant_table_with_this_tenants_rows_only(app):
    # The demo fills the modules' tables for three tenants, so another tenant's rows exist everywhere.
    assert app.test_cli_runner().invoke(args=["demo", "--password", "demo-pass-2026!"]).exit_code == 0
    lead, cso = (db.session.execute(select(Tenant).where(Tenant.slug == slug)).scalar_one()
                 for slug in ("demo-lead", "demo-cso"))
    archive = opened(build_archive(lead).data)
    db.session.commit()
    names = set(archive.namelist())
    tables_with_other_tenants = 0
    with unscoped():
        for model in tenant_scoped_models() + privately_owned_models():
            table = model.__table__.name
            assert {f"tables/{table}.json", f"tables/{table}.csv"} <= names, table
            owner_column = getattr(model, "tenant_id", None) or model.owner_tenant_id
            expected = set(db.session.execute(select(model.id).where(owner_column == lead.id)).scalars())
            exported = {row["id"] for row in table_rows(archive, table)}
            assert exported == expected, table
            others = set(db.session.execute(select(model.id).where(owner_column != lead.id)).scalars())
            assert not exported & others, table
            tables_with_other_tenants += bool(others)
    assert tables_with_other_tenants >= 10
    members = table_rows(archive, "core_membership")
    assert {m["email"] for m in members} == {f"{role.value}@demo-lead.example" for role in Role}
    assert not any("password" in key for m in members for key in m)
    assert "$argon2" not in archive.read("tables/core_membership.csv").decode()
    events = table_rows(archive, "core_audit_event")
    assert events and {e["tenant_id"] for e in events} == {lead.id}
    csv_text = archive.read("tables/core_contact.csv").decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("id,")
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["tenant"]["slug"] == "demo-lead" and manifest["identities_included"] is False
    assert cso.id != lead.id


def test_an_owner_downloads_a_zip_without_protected_identities_but_with_the_files(
        app, owner_client, tenant, other_tenant):
    public = add_contact(tenant, name_latin="Chan Dara", phone="011 222 333", sex="male")
    hidden = add_protected_with_photo(tenant)
    add_contact(other_tenant, name_latin="Someone Else Entirely", sex="male")
    other_photo = add_protected_with_photo(other_tenant)
    attachment = Path(app.config["UPLOAD_FOLDER"]) / str(tenant.id) / "a2i" / "letter.pdf"
    attachment.parent.mkdir(parents=True, exist_ok=True)
    attachment.write_bytes(b"%PDF-1.4 the ministry's answer")

    response = owner_client.post(export_url(tenant), data={})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert "no-store" in response.headers["Cache-Control"]
    assert f"samaki-export-{tenant.slug}-" in response.headers["Content-Disposition"]
    archive = opened(response.data)
    contacts = {row["id"]: row for row in table_rows(archive, "core_contact")}
    assert contacts[public.id]["name_latin"] == "Chan Dara" and contacts[public.id]["phone"] == "011 222 333"
    assert contacts[hidden.id]["name_latin"] == WITHHELD and contacts[hidden.id]["phone"] == WITHHELD
    assert contacts[hidden.id]["sex"] == "female"          # statistics stay
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert b"Srey Neang Hidden" not in everything and b"012 345 678" not in everything
    assert b"Someone Else Entirely" not in everything
    assert archive.read("files/a2i/letter.pdf") == b"%PDF-1.4 the ministry's answer"
    assert not [name for name in archive.namelist() if name.startswith("files/contacts/")]   # a protected photo
    assert other_photo.photo_name not in " ".join(archive.namelist())
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "export",
                                                        AuditEvent.tenant_id == tenant.id)).scalar_one()
    assert event.model == "Tenant" and event.changes["identities_included"] is False


def test_with_identities_the_file_is_encrypted_and_opens_only_with_the_passphrase(app, owner_client, tenant):
    hidden = add_protected_with_photo(tenant)
    response = owner_client.post(export_url(tenant), data={
        "include_identities": "y", "passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE, "password": PASSWORD})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('.zip.enc"')
    assert b"Srey Neang Hidden" not in response.data
    with pytest.raises(zipfile.BadZipFile):
        opened(response.data)
    from core.errors import DomainError
    with pytest.raises(DomainError):
        decrypt_archive(response.data, "not the passphrase at all")
    archive = opened(decrypt_archive(response.data, PASSPHRASE))
    contact = next(row for row in table_rows(archive, "core_contact") if row["id"] == hidden.id)
    assert contact["name_latin"] == "Srey Neang Hidden" and contact["phone"] == "012 345 678"
    assert archive.read(f"files/contacts/{hidden.photo_name}") == JPEG
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "export")).scalar_one()
    assert event.changes["identities_included"] is True and event.changes["encrypted"] is True


def test_the_decrypt_export_command_opens_the_file(app, tenant, tmp_path):
    add_protected_with_photo(tenant)
    encrypted = tmp_path / "export.zip.enc"
    encrypted.write_bytes(build_archive(tenant, include_identities=True, passphrase=PASSPHRASE).data)
    db.session.commit()
    runner = app.test_cli_runner()
    wrong = runner.invoke(args=["decrypt-export", str(encrypted), str(tmp_path / "out.zip"),
                                "--passphrase", "a wrong passphrase"])
    assert wrong.exit_code != 0 and "Wrong passphrase" in wrong.output
    assert not (tmp_path / "out.zip").exists()
    result = runner.invoke(args=["decrypt-export", str(encrypted), str(tmp_path / "out.zip"),
                                 "--passphrase", PASSPHRASE])
    assert result.exit_code == 0, result.output
    assert b"Srey Neang Hidden" in zipfile.ZipFile(tmp_path / "out.zip").read("tables/core_contact.json")


def test_identities_need_the_password_and_a_long_enough_passphrase(app, owner_client, tenant):
    add_protected_with_photo(tenant)
    wrong_password = owner_client.post(export_url(tenant), data={
        "include_identities": "y", "passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE,
        "password": "not-my-password"})
    assert wrong_password.status_code == 422
    assert "The password is not correct." in wrong_password.get_data(as_text=True)
    short = owner_client.post(export_url(tenant), data={
        "include_identities": "y", "passphrase": "short", "passphrase_again": "short", "password": PASSWORD})
    assert short.status_code == 422
    assert "at least 12 characters" in short.get_data(as_text=True)
    different = owner_client.post(export_url(tenant), data={
        "include_identities": "y", "passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE + "x",
        "password": PASSWORD})
    assert different.status_code == 422
    assert "The two passphrases are not the same." in different.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "export")).scalar_one() == 0


def test_an_owner_with_two_factor_confirms_with_a_fresh_code(app, tenant):
    from core.auth import two_factor
    from core.columns import utcnow
    owner = make_member(tenant, Role.OWNER)
    two_factor.start_enrolment(owner)
    # Enrolled with the code of one step ago, signed in with a recovery code: the current code is free.
    recovery = two_factor.confirm_enrolment(owner, pyotp.TOTP(owner.totp_secret).at(utcnow() - timedelta(seconds=30)))
    db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": owner.email, "password": PASSWORD})
    assert client.post("/login/two-factor", data={"code": recovery[0]}).status_code == 302
    form = {"include_identities": "y", "passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE}
    refused = client.post(export_url(tenant), data={**form, "password": PASSWORD, "code": "000000"})
    assert refused.status_code == 422                     # the password alone is not enough
    assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "two_factor_failed")).first()
    code = pyotp.TOTP(owner.totp_secret).now()
    accepted = client.post(export_url(tenant), data={**form, "code": code})
    assert accepted.status_code == 200 and accepted.headers["Content-Disposition"].endswith('.zip.enc"')
    replayed = client.post(export_url(tenant), data={**form, "code": code})
    assert replayed.status_code == 422


@pytest.mark.parametrize("role", [Role.VIEWER, Role.STAFF, Role.ADMIN])
def test_only_an_owner_can_export(app, tenant, role):
    client = app.test_client()
    login(client, make_member(tenant, role).email)
    assert client.get(export_url(tenant)).status_code == 403
    assert client.post(export_url(tenant), data={}).status_code == 403
    assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "export")).first() is None


def test_an_owner_sees_the_export_page(owner_client, tenant):
    page = owner_client.get(export_url(tenant))
    assert page.status_code == 200
    assert "Include protected identities" in page.get_data(as_text=True)


def test_an_owner_of_another_tenant_cannot_export_this_one(app, tenant, other_tenant):
    client = app.test_client()
    login(client, make_member(other_tenant, Role.OWNER).email)
    assert client.post(export_url(tenant), data={}).status_code in (403, 404)


# --- Files kept by modules, and files in an S3 bucket -------------------------------------------

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def add_a2i_attachment(tenant, content: bytes = PDF, filename: str = "ministry-reply.pdf"):
    """An information request with one attachment, stored where the A2I module keeps them."""
    from core.registers.models import Institution, InstitutionKind
    from plugins.a2i_requests import attachments, services
    ministry = db.session.execute(select(Institution).where(Institution.code == "MOI")).scalar_one_or_none()
    if ministry is None:
        ministry = Institution(code="MOI", kind=InstitutionKind.MINISTRY, name_en="Ministry of Information",
                               name_km="ក្រសួងព័ត៌មាន")
        db.session.add(ministry)
        db.session.commit()
    actor = make_member(tenant, Role.STAFF)
    with tenant_scope(tenant.id):
        request = services.create_request(tenant.id, subject="Commune budget", question="Roads?",
                                          body_id=ministry.id, actor=actor)
        db.session.flush()
        attachment = attachments.save_upload(FileStorage(io.BytesIO(content), filename=filename),
                                             tenant_id=tenant.id, request_id=request.id, uploaded_by_id=actor.id)
        db.session.commit()
        return attachment


def test_the_export_holds_the_tenants_a2i_attachments_and_no_one_elses(app, tenant, other_tenant):
    mine = add_a2i_attachment(tenant)
    theirs = add_a2i_attachment(other_tenant, PDF + b"% another tenant's letter", "other.pdf")
    archive = opened(build_archive(tenant).data)
    db.session.commit()
    assert archive.read(f"files/a2i_requests/attachments/{mine.storage_name}") == PDF
    assert not [name for name in archive.namelist() if theirs.storage_name in name]
    [row] = table_rows(archive, "a2i_attachment")
    assert (row["storage_name"], row["display_name"]) == (mine.storage_name, "ministry-reply.pdf")
    assert json.loads(archive.read("manifest.json"))["files"] == 1


def test_deleting_a_tenant_removes_its_a2i_attachments(app, tenant, other_tenant):
    from core.tenant_export import delete_tenant
    folder = Path(app.config["UPLOAD_FOLDER"]) / "a2i"
    mine = folder / str(tenant.id) / add_a2i_attachment(tenant).storage_name
    theirs = folder / str(other_tenant.id) / add_a2i_attachment(other_tenant).storage_name
    assert mine.is_file()
    delete_tenant(db.session.get(Tenant, tenant.id))
    db.session.commit()
    assert not mine.exists() and theirs.is_file()


def test_the_export_reads_the_files_from_an_s3_bucket(app, tenant, bucket, s3_endpoint):
    from tests.core.test_storage import keys, local_files
    hidden = add_protected_with_photo(tenant)
    attachment = add_a2i_attachment(tenant)
    assert f"a2i/{tenant.id}/{attachment.storage_name}" in keys(s3_endpoint, bucket)
    assert local_files(app) == []                                      # nothing on this host's disk
    envelope = build_archive(db.session.get(Tenant, tenant.id), include_identities=True, passphrase=PASSPHRASE).data
    db.session.commit()
    archive = opened(decrypt_archive(envelope, PASSPHRASE))
    assert archive.read(f"files/contacts/{hidden.photo_name}") == JPEG
    assert archive.read(f"files/a2i_requests/attachments/{attachment.storage_name}") == PDF


# --- Deletion -----------------------------------------------------------------------------------

def instance_events(action: str) -> list[AuditEvent]:
    return list(db.session.execute(select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.tenant_id.is_(None))).scalars())


def test_deleting_a_tenant_switches_it_off_and_schedules_the_deletion(app, tenant, owner, owner_client):
    result = app.test_cli_runner().invoke(args=["tenants", "delete", tenant.slug, "--days", "30"])
    assert result.exit_code == 0, result.output
    due = tenant.today() + timedelta(days=30)
    assert due.isoformat() in result.output
    db.session.expire_all()
    tenant = db.session.get(Tenant, tenant.id)
    assert tenant.is_active is False and scheduled_deletion(tenant) == due
    [event] = instance_events("schedule_deletion")
    assert event.changes["delete_on"] == due.isoformat() and event.actor_label == "cli"
    assert owner_client.get(f"/t/{tenant.slug}/").status_code == 404
    listed = app.test_cli_runner().invoke(args=["tenants", "list"])
    assert f"deleted on {due.isoformat()}" in listed.output


def test_the_job_deletes_a_tenant_when_its_day_comes_and_keeps_the_others(app, tenant, other_tenant, owner):
    add_protected_with_photo(tenant)
    kept = add_contact(other_tenant, name_latin="Still Here", sex="male")
    folder = Path(app.config["UPLOAD_FOLDER"]) / str(tenant.id)
    assert any(folder.rglob("*.jpg"))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tenants", "delete", tenant.slug, "--days", "30"]).exit_code == 0
    tenant_id, today = tenant.id, date.today()
    assert delete_due_tenants(datetime.now(UTC) + timedelta(days=28)) == []
    assert db.session.get(Tenant, tenant_id) is not None
    assert delete_due_tenants(datetime.combine(today + timedelta(days=32), datetime.min.time(),
                                               tzinfo=UTC)) == ["kampot-network"]
    db.session.expire_all()
    assert db.session.get(Tenant, tenant_id) is None
    with unscoped():
        for model in tenant_scoped_models():
            assert db.session.execute(select(func.count()).select_from(model).where(
                model.tenant_id == tenant_id)).scalar_one() == 0, model.__tablename__
        assert db.session.get(Contact, kept.id) is not None
    assert db.session.execute(select(Membership).where(Membership.tenant_id == tenant_id)).first() is None
    assert db.session.get(User, owner.id) is not None           # accounts stay: they may belong elsewhere
    assert not any(path.is_file() for path in folder.rglob("*"))
    [event] = instance_events("delete_tenant")
    assert event.changes["slug"] == "kampot-network" and event.changes["rows"] > 0
    assert db.session.execute(select(AuditEvent).where(AuditEvent.tenant_id == tenant_id)).first()   # log kept
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_a_scheduled_deletion_can_be_cancelled(app, tenant):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tenants", "delete", tenant.slug]).exit_code == 0
    result = runner.invoke(args=["tenants", "cancel-deletion", tenant.slug])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    tenant = db.session.get(Tenant, tenant.id)
    assert tenant.is_active and scheduled_deletion(tenant) is None
    assert delete_due_tenants(datetime.now(UTC) + timedelta(days=400)) == []
    assert instance_events("cancel_deletion")
    again = runner.invoke(args=["tenants", "cancel-deletion", tenant.slug])
    assert again.exit_code != 0 and "not scheduled" in again.output


def test_delete_now_asks_for_confirmation_then_deletes(app, tenant, other_tenant):
    add_contact(tenant, name_latin="Chan Dara", sex="male")
    runner = app.test_cli_runner()
    declined = runner.invoke(args=["tenants", "delete", tenant.slug, "--now"], input="n\n")
    assert declined.exit_code != 0
    assert db.session.get(Tenant, tenant.id) is not None
    result = runner.invoke(args=["tenants", "delete", tenant.slug, "--now"], input="y\n")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.execute(select(Tenant.slug)).scalars().all() == [other_tenant.slug]
    assert instance_events("delete_tenant")
    unknown = runner.invoke(args=["tenants", "delete", "no-such-tenant", "--now", "--yes"])
    assert unknown.exit_code != 0 and "No tenant" in unknown.output


def test_a_tenant_convening_a_working_group_is_not_deleted(app, tenant, other_tenant):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["groups", "create", "a2iwg", "A2I Working Group", tenant.slug]).exit_code == 0
    result = runner.invoke(args=["tenants", "delete", tenant.slug, "--now", "--yes"])
    assert result.exit_code != 0 and "working groups" in result.output
    db.session.expire_all()
    assert db.session.get(Tenant, tenant.id) is not None
    assert not instance_events("delete_tenant")
