"""Tenant isolation is enforced centrally: queries see only the current tenant's rows, flushes
refuse rows of another tenant, and no URL lets a member of one tenant reach another's data."""
from datetime import date

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import Role
from core.tenancy import TenantViolation, tenant_scope, unscoped
from tests.example_plugin.models import FieldVisit
from tests.helpers import login, make_member


def add_visit(tenant, title="Visit to Kampot commune"):
    with tenant_scope(tenant.id):
        visit = FieldVisit(title=title, visited_on=date(2026, 3, 2))
        db.session.add(visit)
        db.session.commit()
        return visit.id


def test_queries_see_only_the_current_tenants_rows(tenant, other_tenant):
    add_visit(tenant, "Ours")
    add_visit(other_tenant, "Theirs")
    with tenant_scope(tenant.id):
        titles = db.session.execute(select(FieldVisit.title)).scalars().all()
        assert db.session.execute(select(FieldVisit)).scalars().all()[0].title == "Ours"
    assert titles == ["Ours"]


def test_get_by_id_of_another_tenants_row_finds_nothing(tenant, other_tenant):
    theirs = add_visit(other_tenant, "Theirs")
    our_tenant_id = tenant.id
    db.session.expunge_all()   # nothing cached: the row must come from the database, filtered
    with tenant_scope(our_tenant_id):
        assert db.session.execute(select(FieldVisit).where(FieldVisit.id == theirs)).scalar_one_or_none() is None


def test_new_rows_take_the_current_tenant(tenant):
    visit_id = add_visit(tenant)
    with unscoped():
        assert db.session.get(FieldVisit, visit_id).tenant_id == tenant.id


def test_writing_a_row_into_another_tenant_is_refused(tenant, other_tenant):
    with tenant_scope(tenant.id):
        db.session.add(FieldVisit(title="Smuggled", visited_on=date(2026, 1, 5), tenant_id=other_tenant.id))
        with pytest.raises(TenantViolation):
            db.session.flush()
        db.session.rollback()


def test_moving_a_row_to_another_tenant_is_refused(tenant, other_tenant):
    visit_id = add_visit(tenant)
    visit = db.session.get(FieldVisit, visit_id)
    visit.tenant_id = other_tenant.id
    with pytest.raises(TenantViolation):
        db.session.flush()
    db.session.rollback()


def test_a_row_without_tenant_outside_any_tenant_is_refused(app):
    db.session.add(FieldVisit(title="Orphan", visited_on=date(2026, 1, 5)))
    with pytest.raises(TenantViolation):
        db.session.flush()
    db.session.rollback()


def test_bulk_update_touches_only_the_current_tenant(tenant, other_tenant):
    from sqlalchemy import update
    add_visit(tenant, "Ours")
    add_visit(other_tenant, "Theirs")
    with tenant_scope(tenant.id):
        db.session.execute(update(FieldVisit).values(title="Renamed"))
        db.session.commit()
    with unscoped():
        titles = sorted(db.session.execute(select(FieldVisit.title)).scalars())
    assert titles == ["Renamed", "Theirs"]


def test_member_of_one_tenant_gets_404_for_another_tenants_dashboard(client, tenant, other_tenant):
    user = make_member(tenant, Role.OWNER)
    login(client, user.email)
    assert client.get(f"/t/{tenant.slug}/").status_code == 200
    assert client.get(f"/t/{other_tenant.slug}/").status_code == 404
    assert client.get("/t/no-such-tenant/").status_code == 404


def test_deactivated_membership_loses_access(client, tenant):
    user = make_member(tenant, Role.STAFF)
    login(client, user.email)
    user.memberships[0].is_active = False
    db.session.commit()
    assert client.get(f"/t/{tenant.slug}/").status_code == 404
