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


# --- the modules of issue 16 ------------------------------------------------------------------------

def module_info(app) -> dict:
    """bench.run's facts about the modules (its own queries), read from the SQLite file."""
    from bench.run import module_facts
    connection = db.session.connection()

    def one(sql: str, *params):
        row = connection.exec_driver_sql(sql.replace("%s", "?"), params).fetchone()
        return row[0] if row else None
    tenant = db.session.execute(select(Tenant.id).where(Tenant.slug == LARGE_SLUG)).scalar_one()
    return module_facts(one, tenant)


def test_the_modules_have_their_rows_in_the_large_tenant(seeded):
    from plugins.consulting_crm.models import Opportunity, Proposal, StageMove
    from plugins.policy_tracker.models import Campaign, Law, StageChange
    from plugins.training_registry.models import Attendance, Course, Enrolment, TrainingSession
    info = module_info(seeded[0])
    counts = info["module_counts"]
    assert all(counts[table] > 0 for table in counts), counts
    assert count(Course) >= 4 and count(Enrolment) > count(Course) and count(Attendance) > count(Enrolment)
    assert count(StageMove) > count(Opportunity) >= 6 and count(Proposal) > 0
    assert count(StageChange) >= count(Law) >= 6 and count(Campaign) >= 2
    # Every attendance row joins a session and an enrolment of the same course.
    mismatched = db.session.execute(select(func.count()).select_from(Attendance).join(TrainingSession).join(
        Enrolment, Enrolment.id == Attendance.enrolment_id).where(Enrolment.course_id != TrainingSession.course_id)
    ).scalar_one()
    assert mismatched == 0
    # A law's current stage is the last of its history.
    for law in db.session.execute(select(Law)).scalars():
        assert law.current_stage_id == law.stage_changes[-1].stage_id
    # The people of the modules are the tenant's existing contacts: the registers did not grow.
    assert count(Contact, Contact.kind == ContactKind.PERSON) == 204
    assert seeded[1]["training_enrolment"] == count(Enrolment)


def test_the_pages_the_benchmark_measures_answer_for_the_bench_user(seeded):
    from bench.run import module_endpoints
    from bench.seed import BENCH_PASSWORD
    app = seeded[0]
    info = module_info(app)
    assert all(info[key] for key in ("course_id", "opportunity_id", "law_id", "campaign_id")), info
    chosen = module_endpoints(info)
    assert {e.group for e in chosen} == {"training", "consulting", "policy"} and len(chosen) == 9
    client = app.test_client()
    assert client.post("/login", data={"email": BENCH_EMAIL, "password": BENCH_PASSWORD}).status_code == 302
    for endpoint in chosen:
        response = client.get(endpoint.path)
        assert response.status_code == 200, (endpoint.name, endpoint.path, response.status_code)
    db.session.remove()


def test_the_report_shows_before_and_after_when_a_revision_was_compared():
    from bench.report import results_table

    def result(rps, p95):
        return {"rps": rps, "p50": [p / 2 for p in p95], "p95": p95, "p99": p95, "errors": [0] * len(rps),
                "requests": [100] * len(rps)}
    raw = {"compare": {"rev": "ba1036a", "commit": "ba1036a" + "0" * 33, "short": "ba1036a"},
           "statuses": {"courses list": [200, None, 200], "law detail": [200, None, 404]},
           "endpoints": {"courses list": {"samaki": result([40, 50, 60], [80, 90, 70]), "baseline": result([], []),
                                          "before": result([20, 25, 30], [180, 200, 160])},
                         "law detail": {"samaki": result([30], [120]), "baseline": result([], []),
                                        "before": result([], [])}}}
    lines, verdicts = results_table(raw)
    assert "ba1036a → now" in lines[0]
    courses, law = lines[2], lines[3]
    assert "| 200/–/200 |" in courses and "25.0 → 50.0 (+100%)" in courses and "180.0 → 80.0 (-56%)" in courses
    assert "| 200/–/404 |" in law and "– → 30.0" in law and "– → 120.0" in law
    assert ("courses list: p95 < 100 ms", True, "80.0 ms") in verdicts
    assert ("law detail: p95 < 100 ms", False, "120.0 ms") in verdicts
    del raw["compare"]
    plain = results_table(raw)[0]
    assert "→" not in "\n".join(plain)
