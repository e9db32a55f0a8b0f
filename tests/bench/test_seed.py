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
from core.registers import matching
from core.registers.models import (Contact, ContactAffiliation, ContactKind, Institution, InstitutionKind, Place,
                                   PlaceKind, Project)
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
    assert count(Contact, Contact.kind == ContactKind.PERSON) == count(
        InfoRequest, InfoRequest.requester_contact_id.is_not(None)) == 204


def test_the_registers_are_loaded_as_flask_init_loads_them(seeded):
    assert count(Place, Place.kind == PlaceKind.COMMUNE) >= 1600
    assert count(Institution, Institution.kind == InstitutionKind.DISTRICT, Institution.place_id.is_not(None)) >= 200
    assert seeded[1]["core_place"] == count(Place)


def test_contacts_look_like_register_entries(seeded):
    people = db.session.execute(select(Contact).where(Contact.kind == ContactKind.PERSON)).scalars().all()
    assert all(p.match_name == matching.name_key(p.name_km, p.name_latin) for p in people)
    assert all(p.match_latin == matching.latin_name_key(p.name_latin) and p.match_phone for p in people)
    assert any(p.name_km for p in people) and any(p.protected for p in people)
    assert {p.place.kind for p in people if p.place_id} == {PlaceKind.COMMUNE}
    organisations = count(Contact, Contact.kind == ContactKind.ORGANISATION)
    assert organisations == SIZES.organisations + (SIZES.tenants - 1) * max(1, SIZES.organisations // 50)
    assert count(ContactAffiliation) > 0 and count(Project) >= SIZES.projects


def test_audit_events_are_split_by_request_share_and_their_chains_verify(seeded):
    large = db.session.execute(select(Tenant.id).where(Tenant.slug == LARGE_SLUG)).scalar_one()
    tenant_events = count(AuditEvent, AuditEvent.tenant_id.is_not(None))
    assert tenant_events == 2000
    assert count(AuditEvent, AuditEvent.tenant_id == large) == round(2000 * 200 / 204)
    assert db.session.get(AuditChainHead, f"tenant:{large}").seq == round(2000 * 200 / 204)
    assert verify_chains(db.session) == []
