"""Accepting or cancelling an import: valid rows only, or all or nothing; a pending import belongs
to the user who uploaded it (not to colleagues, never to another organisation) and is purged after
a day."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from core.columns import utcnow
from core.extensions import db
from core.models import Role
from core.registers import contact_import
from core.registers.models import ContactImport
from core.tenancy import tenant_scope
from tests.core.registers.contact_io_helpers import accept, contact_names, csv_bytes, import_id_from, upload
from tests.helpers import login, logout, make_member

ROWS = [{"name_latin": "Sok Dara"}, {"name_latin": "Chan Vuthy", "birth_year": "19x6"}, {"name_latin": "Lim Sophea"}]


def pending_count(tenant) -> int:
    db.session.expire_all()
    with tenant_scope(tenant.id):
        return db.session.scalar(select(func.count(ContactImport.id)))


def test_all_or_none_imports_nothing_when_a_row_is_wrong(staff_client, tenant):
    import_id = import_id_from(upload(staff_client, tenant, csv_bytes(ROWS)))
    response = accept(staff_client, tenant, import_id, mode="all_or_none")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nothing was imported: 1 row has errors." in html
    assert contact_names(tenant) == []
    assert pending_count(tenant) == 1           # the user may still choose the valid rows only
    accept(staff_client, tenant, import_id, mode="valid_only")
    assert contact_names(tenant) == ["Lim Sophea", "Sok Dara"]


def test_all_or_none_imports_everything_when_every_row_is_right(staff_client, tenant):
    import_id = import_id_from(upload(staff_client, tenant, csv_bytes([ROWS[0], ROWS[2]])))
    assert accept(staff_client, tenant, import_id, mode="all_or_none").status_code == 302
    assert contact_names(tenant) == ["Lim Sophea", "Sok Dara"]


def test_a_row_the_register_refuses_at_accept_time_imports_nothing(staff_client, tenant, monkeypatch):
    import_id = import_id_from(upload(staff_client, tenant, csv_bytes([ROWS[0], ROWS[2]])))
    from core.registers import contacts
    real = contacts.create_contact

    def refuse_sophea(**fields):
        if fields.get("name_latin") == "Lim Sophea":
            from core.errors import DomainError
            raise DomainError("Refused for the test.", "name_latin")
        return real(**fields)
    monkeypatch.setattr(contacts, "create_contact", refuse_sophea)
    response = accept(staff_client, tenant, import_id)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nothing was imported: the contacts register refused line 3." in html
    assert "Line 3, column name_latin: Refused for the test." in html
    assert contact_names(tenant) == []


def test_cancel_deletes_the_pending_import(staff_client, tenant):
    import_id = import_id_from(upload(staff_client, tenant, csv_bytes(ROWS)))
    response = staff_client.post(f"/t/{tenant.slug}/contacts/io/import/{import_id}/cancel")
    assert response.status_code == 302
    assert pending_count(tenant) == 0 and contact_names(tenant) == []
    assert staff_client.get(f"/t/{tenant.slug}/contacts/io/import/{import_id}").status_code == 404


def test_a_colleague_cannot_open_or_accept_someone_elses_import(client, tenant, staff):
    colleague = make_member(tenant, Role.ADMIN, email="admin2@kampot.example")
    login(client, staff.email)
    import_id = import_id_from(upload(client, tenant, csv_bytes(ROWS)))
    logout(client)
    login(client, colleague.email)
    base = f"/t/{tenant.slug}/contacts/io/import/{import_id}"
    assert client.get(base).status_code == 404
    assert accept(client, tenant, import_id).status_code == 404
    assert client.post(f"{base}/cancel").status_code == 404
    assert pending_count(tenant) == 1 and contact_names(tenant) == []


def test_another_tenant_never_sees_a_pending_import(client, tenant, other_tenant, staff):
    login(client, staff.email)
    import_id = import_id_from(upload(client, tenant, csv_bytes(ROWS)))
    # the same person, also a member of another organisation
    from core.models import Membership
    db.session.add(Membership(user_id=staff.id, tenant_id=other_tenant.id, role=Role.OWNER))
    db.session.commit()
    base = f"/t/{other_tenant.slug}/contacts/io/import/{import_id}"
    assert client.get(base).status_code == 404
    assert client.post(f"{base}/accept", data={"mode": "valid_only"}).status_code == 404
    assert contact_names(other_tenant) == [] and contact_names(tenant) == []


def test_the_purge_job_deletes_imports_older_than_a_day(staff_client, tenant, app):
    old_id = import_id_from(upload(staff_client, tenant, csv_bytes(ROWS)))
    new_id = import_id_from(upload(staff_client, tenant, csv_bytes(ROWS)))
    with tenant_scope(tenant.id):
        db.session.get(ContactImport, old_id).created_at = utcnow() - timedelta(hours=25)
        db.session.commit()
    from core.jobs import registered_jobs
    job = registered_jobs()["core.contact_imports.purge"]
    assert job.every == timedelta(hours=1)
    job.function(utcnow())
    with tenant_scope(tenant.id):
        assert [row.id for row in db.session.execute(select(ContactImport)).scalars()] == [new_id]
    assert contact_import.purge_stale_imports(utcnow()) == 0
