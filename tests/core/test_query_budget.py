"""Pages and API lists cost the same number of SQL statements for 5 rows as for 50 (no N+1)."""
from __future__ import annotations

from datetime import date, timedelta

from core.auth.tokens import issue_token
from core.extensions import db
from core.models import Membership, SharedRecord, WorkingGroup, WorkingGroupMember
from core.notifications import notify
from core.tenancy import tenant_scope
from tests.example_plugin.models import FieldVisit
from tests.helpers import StatementCounter, make_member, statements_for


def grow_visits(tenant, total: int) -> None:
    with tenant_scope(tenant.id):
        existing = db.session.query(FieldVisit).count()
        for n in range(existing, total):
            db.session.add(FieldVisit(title=f"Visit {n}", visited_on=date(2026, 1, 1) + timedelta(days=n)))
        db.session.commit()


def test_members_page(admin_client, tenant):
    def with_members(total: int) -> int:
        while db.session.query(Membership).filter_by(tenant_id=tenant.id).count() < total:
            make_member(tenant, "member", email=f"m{db.session.query(Membership).count()}@a.example")
        return statements_for(admin_client, f"/t/{tenant.slug}/admin/members")
    assert with_members(5) == with_members(50)


def test_audit_browser(admin_client, tenant):
    def with_events(total: int) -> int:
        grow_visits(tenant, total)   # each visit is one audit event
        return statements_for(admin_client, f"/t/{tenant.slug}/admin/audit")
    assert with_events(5) == with_events(50)


def test_notifications_page(staff_client, staff, tenant):
    from flask_babel import lazy_gettext as _l

    def with_notifications(total: int) -> int:
        from core.models import Notification
        while db.session.query(Notification).count() < total:
            notify([staff], tenant, _l("Nothing to show yet."))
        db.session.commit()
        return statements_for(staff_client, f"/t/{tenant.slug}/notifications/")
    assert with_notifications(5) == with_notifications(30)


def test_working_group_page(staff_client, tenant, other_tenant):
    group = WorkingGroup(slug="a2iwg", name="A2IWG", convening_tenant_id=tenant.id)
    group.members += [WorkingGroupMember(tenant_id=tenant.id), WorkingGroupMember(tenant_id=other_tenant.id)]
    db.session.add(group)
    db.session.commit()

    def with_shares(total: int) -> int:
        while db.session.query(SharedRecord).count() < total:
            n = db.session.query(SharedRecord).count()
            db.session.add(SharedRecord(group_id=group.id, tenant_id=other_tenant.id, record_type="visits.visit",
                                        record_id=n + 1, title=f"Visit {n}", fields={}))
        db.session.commit()
        return statements_for(staff_client, f"/t/{tenant.slug}/groups/a2iwg/")
    assert with_shares(5) == with_shares(50)


def test_plugin_api_list(client, staff, tenant):
    membership = db.session.query(Membership).filter_by(user_id=staff.id).one()
    _token, secret = issue_token(membership, "budget", 1)
    db.session.commit()
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})   # records the token's use (once a minute)

    def with_visits(total: int) -> int:
        grow_visits(tenant, total)
        with StatementCounter() as counter:
            response = client.get(f"/api/v1/t/{tenant.slug}/visits/?per_page=100",
                                  headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 200 and response.json["total"] == total
        return counter.count
    assert with_visits(5) == with_visits(50)
