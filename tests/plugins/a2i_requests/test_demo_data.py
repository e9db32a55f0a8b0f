"""The A2I demo data: realistic, consistent, and loaded only once per tenant."""
from __future__ import annotations

from sqlalchemy import func, select

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.a2i_requests import services
from core.registers.models import AgeGroup, ClosureDay, Institution, Sex
from plugins.a2i_requests.demo import load_demo_data
from plugins.a2i_requests.models import Correspondence, InfoRequest, RequestEvent, RequestStatus
from tests.helpers import make_member


def load(tenant):
    with tenant_scope(tenant.id):
        load_demo_data(tenant)
        db.session.commit()


def counts(tenant) -> tuple[int, ...]:
    with tenant_scope(tenant.id):
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (InfoRequest, RequestEvent, Correspondence, ClosureDay, Institution))


def demo_requests(tenant) -> list[InfoRequest]:
    with tenant_scope(tenant.id):
        return list(db.session.scalars(select(InfoRequest).order_by(InfoRequest.id)))


def test_demo_data_loads_twice_without_duplicates(tenant):
    make_member(tenant, Role.STAFF)
    load(tenant)
    first = counts(tenant)
    load(tenant)
    assert counts(tenant) == first
    assert 20 <= first[0] <= 30 and first[3] == 2 and first[4] > 50


def test_demo_requests_cover_at_least_eight_states_and_every_state(tenant):
    load(tenant)
    states = {req.status for req in demo_requests(tenant)}
    assert len(states) >= 8
    assert states == set(RequestStatus)


def test_demo_requesters_are_about_half_women_with_youth_and_protected_people(tenant):
    load(tenant)
    requests = demo_requests(tenant)
    women = sum(req.requester_sex == Sex.FEMALE for req in requests)
    assert abs(women - len(requests) / 2) <= 1
    assert any(req.requester_age_group == AgeGroup.FROM_18_TO_30 for req in requests)
    assert 1 <= sum(req.protected_requester for req in requests) <= 5
    assert sum(req.published_at is not None for req in requests) == 1
    assert not any(req.protected_requester and req.published_at for req in requests)


def test_demo_due_dates_agree_with_the_deadline_engine(tenant):
    load(tenant)
    with tenant_scope(tenant.id):
        rules, calendar = services.rules_for(tenant.id), services.calendar_for(tenant.id)
        for req in db.session.scalars(select(InfoRequest)):
            assert req.due_on == services.compute_deadline(req, rules, calendar).due_on, req.reference
            dates = [event.occurred_on for event in req.events]
            assert dates == sorted(dates)
        assert db.session.scalar(select(func.count()).select_from(Correspondence)) >= 20


def test_demo_data_is_the_same_for_the_same_tenant_slug(tenant, other_tenant):
    load(tenant)
    load(other_tenant)
    subjects = [req.subject for req in demo_requests(tenant)]
    assert subjects != [req.subject for req in demo_requests(other_tenant)]
    with tenant_scope(tenant.id):
        db.session.execute(InfoRequest.__table__.delete().where(InfoRequest.tenant_id == tenant.id))
        db.session.commit()
    load(tenant)
    assert [req.subject for req in demo_requests(tenant)] == subjects


def test_demo_shares_answered_requests_and_statistics_with_the_working_group(app, tenant, other_tenant):
    """A member of the demo A2IWG sees on the group page what another member shared: answered
    requests (never one with a protected requester) and a year's disclosure statistics."""
    from core.models import SharedRecord
    from tests.plugins.policy_tracker.coalition_helpers import client_of, make_group
    make_group(tenant, other_tenant)
    load(tenant)
    shared = db.session.scalars(select(SharedRecord).order_by(SharedRecord.id)).all()
    assert [s.record_type for s in shared] == ["a2i.request"] * 3 + ["a2i.statistics"]
    with tenant_scope(tenant.id):
        requests = [db.session.get(InfoRequest, s.record_id) for s in shared[:3]]
    assert all(req.status in (RequestStatus.ANSWERED_FULL, RequestStatus.ANSWERED_PART)
               and not req.protected_requester for req in requests)
    page = client_of(app, other_tenant, "viewer").get(f"/t/{other_tenant.slug}/groups/a2iwg/").text
    assert requests[0].reference in page
    assert f"Disclosure statistics of {tenant.name}" in page


def test_a_tenant_outside_the_working_group_shares_nothing(tenant):
    load(tenant)
    from core.models import SharedRecord
    assert db.session.scalar(select(func.count()).select_from(SharedRecord)) == 0
