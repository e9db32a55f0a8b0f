"""Every change to audited rows writes an AuditEvent in the same transaction; the chain per tenant
detects edited and deleted events, and `flask audit verify` says where."""
from datetime import date

from sqlalchemy import select, update

from core.audit import verify_chains
from core.extensions import db
from core.models import AuditEvent
from core.tenancy import tenant_scope
from tests.example_plugin.models import FieldVisit


def visit_events(tenant):
    return db.session.execute(select(AuditEvent).where(AuditEvent.tenant_id == tenant.id,
                                                       AuditEvent.model == "FieldVisit")
                              .order_by(AuditEvent.seq)).scalars().all()


def test_insert_update_delete_are_audited_with_old_and_new_values(tenant):
    with tenant_scope(tenant.id):
        visit = FieldVisit(title="Commune council meeting", visited_on=date(2026, 4, 20))
        db.session.add(visit)
        db.session.commit()
        visit.title = "Commune council budget meeting"
        db.session.commit()
        db.session.delete(visit)
        db.session.commit()
    insert, change, delete = visit_events(tenant)
    assert (insert.action, change.action, delete.action) == ("insert", "update", "delete")
    assert insert.changes["title"] == [None, "Commune council meeting"]
    assert change.changes == {"title": ["Commune council meeting", "Commune council budget meeting"]}
    assert delete.changes["title"] == ["Commune council budget meeting", None]
    assert insert.record_id == str(visit.id)


def test_rolled_back_change_leaves_no_audit_event(tenant):
    with tenant_scope(tenant.id):
        db.session.add(FieldVisit(title="Never saved", visited_on=date(2026, 4, 20)))
        db.session.flush()
        db.session.rollback()
    assert visit_events(tenant) == []


def test_secrets_are_never_written_to_the_log(app):
    from tests.helpers import make_user
    user = make_user("sophea@example.org")
    event = db.session.execute(select(AuditEvent).where(AuditEvent.model == "User",
                                                        AuditEvent.record_id == str(user.id))).scalar_one()
    assert event.changes["password_hash"] == [None, "***"]
    assert "argon2" not in str(event.changes)


def test_actor_and_request_are_recorded_for_web_changes(staff_client, tenant, staff):
    response = staff_client.post(f"/t/{tenant.slug}/visits/new", data={"title": "Visit", "visited_on": "2026-05-04"},
                                 headers={"X-Request-ID": "req-abc-123"})
    assert response.status_code == 302
    event = visit_events(tenant)[0]
    assert event.actor_id == staff.id and event.actor_label == staff.email
    assert event.request_id == "req-abc-123"
    assert event.ip_address == "127.0.0.1"


def make_history(tenant, count=3):
    with tenant_scope(tenant.id):
        for n in range(count):
            db.session.add(FieldVisit(title=f"Visit {n}", visited_on=date(2026, 1, n + 1)))
            db.session.commit()


def test_untouched_chain_verifies(tenant):
    make_history(tenant)
    assert verify_chains(db.session) == []


def test_editing_an_event_breaks_the_chain_at_that_event(tenant):
    make_history(tenant)
    second = visit_events(tenant)[1]
    db.session.execute(update(AuditEvent).where(AuditEvent.id == second.id).values(actor_label="someone else"))
    db.session.commit()
    broken = verify_chains(db.session)
    assert len(broken) == 1
    assert broken[0].chain == f"tenant:{tenant.id}" and broken[0].seq == second.seq
    assert "changed" in broken[0].reason


def test_deleting_an_event_breaks_the_chain(tenant):
    make_history(tenant)
    second = visit_events(tenant)[1]
    db.session.delete(second)
    db.session.commit()
    broken = verify_chains(db.session)
    assert [(b.seq, "missing" in b.reason) for b in broken] == [(second.seq, True)]


def test_deleting_the_last_event_is_detected(tenant):
    make_history(tenant)
    last = visit_events(tenant)[-1]
    db.session.delete(last)
    db.session.commit()
    assert verify_chains(db.session)[0].seq == last.seq


def test_audit_verify_command_exits_non_zero_and_names_the_broken_link(app, tenant):
    make_history(tenant)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    first = visit_events(tenant)[0]
    db.session.execute(update(AuditEvent).where(AuditEvent.id == first.id).values(changes={"title": [None, "forged"]}))
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"tenant:{tenant.id}: event #{first.seq} (id {first.id})" in result.output
