"""Tenant administration: members and roles, modules, the audit browser; instance tenants."""
from __future__ import annotations

import re

from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent, Membership, Role, Tenant
from tests.helpers import login, make_member, make_user


def members_url(tenant):
    return f"/t/{tenant.slug}/admin/members"


def membership_of(user, tenant) -> Membership:
    return db.session.execute(select(Membership).where(Membership.user_id == user.id,
                                                       Membership.tenant_id == tenant.id)).scalar_one()


def test_staff_cannot_open_administration(staff_client, tenant):
    assert staff_client.get(members_url(tenant)).status_code == 403
    assert staff_client.get(f"/t/{tenant.slug}/admin/audit").status_code == 403


def test_admin_adds_a_new_person_who_gets_a_link_to_set_a_password(app, admin_client, tenant):
    app.extensions.setdefault("console_mail", []).clear()
    response = admin_client.post(members_url(tenant), data={"email": "Sokha@Example.org", "name": "Sokha", "role": "staff"},
                                 follow_redirects=True)
    assert "sokha@example.org has been added" in response.text
    mail = app.extensions["console_mail"][-1]
    assert mail.to == "sokha@example.org" and "/password/reset/" in mail.body
    added = db.session.execute(select(Membership).join(Membership.user).where(
        Membership.tenant_id == tenant.id, Membership.role == Role.STAFF)).scalar_one()
    audited = db.session.execute(select(AuditEvent).where(AuditEvent.model == "Membership", AuditEvent.action == "insert",
                                                          AuditEvent.record_id == str(added.id))).scalar_one()
    assert audited.tenant_id == tenant.id and audited.changes["role"] == [None, "staff"]


def test_adding_an_existing_member_twice_shows_an_error_next_to_the_field(admin_client, tenant, staff):
    response = admin_client.post(members_url(tenant), data={"email": staff.email, "role": "viewer"})
    assert response.status_code == 422
    assert "already a member" in response.text and 'aria-invalid="true"' in response.text


def test_admin_cannot_make_someone_owner(admin_client, tenant, staff):
    response = admin_client.post(f"{members_url(tenant)}/{membership_of(staff, tenant).id}/role",
                                 data={"role": "owner"}, follow_redirects=True)
    assert "Only an owner can give or take away the owner role." in response.text
    assert membership_of(staff, tenant).role == Role.STAFF


def test_last_owner_cannot_step_down(client, tenant):
    owner = make_member(tenant, "owner")
    login(client, owner.email)
    response = client.post(f"{members_url(tenant)}/{membership_of(owner, tenant).id}/role", data={"role": "staff"},
                           follow_redirects=True)
    assert "at least one owner" in response.text
    assert membership_of(owner, tenant).role == Role.OWNER


def test_role_change_is_audited_old_to_new(admin_client, tenant, staff):
    admin_client.post(f"{members_url(tenant)}/{membership_of(staff, tenant).id}/role", data={"role": "viewer"})
    event = db.session.execute(select(AuditEvent).where(AuditEvent.model == "Membership",
                                                        AuditEvent.action == "update")).scalar_one()
    assert event.changes["role"] == ["staff", "viewer"]


def test_deactivated_member_loses_access(admin_client, client, tenant, staff):
    admin_client.post(f"{members_url(tenant)}/{membership_of(staff, tenant).id}/active", data={"active": "0"})
    assert membership_of(staff, tenant).is_active is False
    other = client.application.test_client()
    login(other, staff.email)
    assert other.get(f"/t/{tenant.slug}/").status_code == 404


def test_membership_of_another_tenant_cannot_be_changed(admin_client, tenant, other_tenant):
    stranger = make_member(other_tenant, "staff")
    response = admin_client.post(f"{members_url(tenant)}/{membership_of(stranger, other_tenant).id}/role",
                                 data={"role": "viewer"})
    assert response.status_code == 404
    assert membership_of(stranger, other_tenant).role == Role.STAFF


def test_switching_a_module_off_hides_it_and_its_pages(admin_client, tenant):
    visits_link = f'href="/t/{tenant.slug}/visits/"'
    assert visits_link in admin_client.get(f"/t/{tenant.slug}/").text
    admin_client.post(f"/t/{tenant.slug}/admin/modules", data={"plugin": "field_visits", "enabled": "0"},
                      follow_redirects=True)
    dashboard = admin_client.get(f"/t/{tenant.slug}/").text
    assert visits_link not in dashboard and "visits recorded" not in dashboard
    assert admin_client.get(f"/t/{tenant.slug}/visits/").status_code == 404
    event = db.session.execute(select(AuditEvent).where(AuditEvent.model == "TenantPlugin")).scalar_one()
    assert event.tenant_id == tenant.id


def test_audit_browser_filters_and_shows_one_records_history(admin_client, tenant, staff):
    admin_client.post(f"{members_url(tenant)}/{membership_of(staff, tenant).id}/role", data={"role": "viewer"})
    page = admin_client.get(f"/t/{tenant.slug}/admin/audit?model=Membership&action=update").text
    assert "staff → viewer" in page
    assert "1 event" in page
    history = admin_client.get(f"/t/{tenant.slug}/admin/audit?model=Membership&record_id="
                               f"{membership_of(staff, tenant).id}").text
    assert "staff → viewer" in history and "insert" in history


def test_audit_browser_never_shows_another_tenants_events(admin_client, tenant, other_tenant):
    make_member(other_tenant, "staff", email="secret-person@example.org")
    page = admin_client.get(f"/t/{tenant.slug}/admin/audit").text
    assert "secret-person@example.org" not in page


def test_invalid_audit_filter_date_is_an_error_not_a_crash(admin_client, tenant):
    response = admin_client.get(f"/t/{tenant.slug}/admin/audit?date_from=yesterday")
    assert response.status_code == 200 and "field-error" in response.text


def test_audit_export_is_csv_and_is_itself_audited(admin_client, tenant, staff):
    response = admin_client.get(f"/t/{tenant.slug}/admin/audit/export.csv?model=Membership")
    assert response.mimetype == "text/csv"
    lines = response.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("occurred_at,actor,action,model")
    assert any(",insert,Membership," in line for line in lines[1:])
    exported = db.session.execute(select(AuditEvent).where(AuditEvent.action == "export")).scalar_one()
    assert exported.tenant_id == tenant.id and exported.changes["filters"] == {"model": "Membership"}


def test_only_superadmin_creates_tenants(client, admin_client, tenant):
    assert admin_client.get("/admin/tenants").status_code == 403
    operator = make_user("operator@example.org", is_superadmin=True)
    other = client.application.test_client()
    login(other, operator.email)
    response = other.post("/admin/tenants", data={"name": "Khmer Youth Network", "slug": "khmer-youth",
                                                  "default_locale": "km"}, follow_redirects=True)
    assert "Khmer Youth Network has been created" in response.text
    assert db.session.execute(select(Tenant).where(Tenant.slug == "khmer-youth")).scalar_one().default_locale == "km"
    bad = other.post("/admin/tenants", data={"name": "X", "slug": "Bad Slug!", "default_locale": "km"})
    assert bad.status_code == 422 and re.search(r"lower-case letters", bad.text)
