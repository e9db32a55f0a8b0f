"""The benchmark seed at 1/1000 of network scale: a fresh SQLite file gets the expected shape of data
and audit chains that verify."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from bench.seed import BENCH_EMAIL, LARGE_SLUG, Sizes, seed
from core import create_app
from core.audit import verify_chains
from core.extensions import db
from core.models import AuditChainHead, AuditEvent, Membership, Tenant, User
from core.registers.models import Contact, Institution
from plugins.a2i_requests.models import InfoRequest, RequestEvent
from tests.conftest import BUILTIN_PLUGINS, app_config

SIZES = Sizes.scaled(tenants=50, users=5000, requests=200_000, audit_events=2_000_000, scale=0.001)
TODAY = date(2026, 3, 2)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    app = create_app(app_config(folder, f"sqlite:///{folder / 'bench.db'}", PLUGINS=BUILTIN_PLUGINS))
    counts = seed(SIZES, seed=42, today=TODAY, app=app, quiet=True)
    with app.app_context():
        yield app, counts
        db.session.remove()
        db.engine.dispose()


def count(model, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_sizes_at_one_thousandth_are_the_minimum_useful_network():
    assert (SIZES.tenants, SIZES.users, SIZES.requests, SIZES.other_requests, SIZES.audit_events) == (
        2, 5, 200, 4, 2000)


def test_the_large_tenant_holds_the_requested_number_of_requests(seeded):
    large = db.session.execute(select(Tenant).where(Tenant.slug == LARGE_SLUG)).scalar_one()
    assert count(InfoRequest, InfoRequest.tenant_id == large.id) == 200
    assert count(InfoRequest) == 204
    assert count(Tenant) == 2


def test_every_user_has_a_membership_and_the_bench_owner_can_log_in(seeded):
    assert count(User) == 5
    assert count(Membership) >= 5
    owner = db.session.execute(select(User).where(User.email == BENCH_EMAIL)).scalar_one()
    assert owner.check_password("bench-password")


def test_submitted_requests_have_their_workflow_events(seeded):
    submitted = count(InfoRequest, InfoRequest.submitted_on.is_not(None))
    with_events = db.session.execute(select(func.count(func.distinct(RequestEvent.request_id)))).scalar_one()
    assert submitted == with_events
    assert count(RequestEvent) > 2 * submitted


def test_answered_requests_have_answer_dates_and_on_time_and_no_due_date(seeded):
    answered = select(InfoRequest).where(InfoRequest.answered_on.is_not(None))
    rows = db.session.execute(answered).scalars().all()
    assert len(rows) > 100
    assert all(r.on_time is not None and r.working_days_to_answer is not None and r.due_on is None for r in rows)
    assert all(r.answered_on >= r.submitted_on for r in rows)


def test_public_bodies_come_from_the_shared_register(seeded):
    assert count(Institution, Institution.owner_tenant_id.is_(None)) == seeded[1]["core_institution"] > 20
    assert count(Contact) == count(InfoRequest, InfoRequest.requester_contact_id.is_not(None)) == 204


def test_audit_events_are_split_by_request_share_and_their_chains_verify(seeded):
    large = db.session.execute(select(Tenant.id).where(Tenant.slug == LARGE_SLUG)).scalar_one()
    tenant_events = count(AuditEvent, AuditEvent.tenant_id.is_not(None))
    assert tenant_events == 2000
    assert count(AuditEvent, AuditEvent.tenant_id == large) == round(2000 * 200 / 204)
    assert db.session.get(AuditChainHead, f"tenant:{large}").seq == round(2000 * 200 / 204)
    assert verify_chains(db.session) == []
