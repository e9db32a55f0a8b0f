""""My work" of the consulting CRM: the user's own open opportunities with a submission deadline
within a fortnight or past, and the deliverables still to hand in of the active engagements won
from their opportunities; never another user's or another tenant's."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

from flask import current_app, g
from sqlalchemy import select

from core.extensions import db
from core.models import Membership, Role
from core.tenancy import tenant_scope
from plugins.consulting_crm.figures import tenant_today
from plugins.consulting_crm.models import (
    Currency,
    Deliverable,
    DeliverableStatus,
    Engagement,
    EngagementStatus,
    Opportunity,
)
from plugins.consulting_crm.my_work import my_work
from tests.helpers import make_member
from tests.plugins.consulting_crm.conftest import add_opportunity


@contextmanager
def as_member(tenant, user):
    """A request of `user` in `tenant`, as the dashboard would make it."""
    with current_app.test_request_context(f"/t/{tenant.slug}/"):
        g.tenant = tenant
        g.membership = db.session.execute(select(Membership).where(
            Membership.user_id == user.id, Membership.tenant_id == tenant.id)).scalar_one()
        yield


def owned(tenant, user, title, due_on, code="lead") -> Opportunity:
    opportunity = add_opportunity(tenant, title, code=code, submission_due_on=due_on)
    with tenant_scope(tenant.id):
        opportunity.owner_id = user.id if user else None
        db.session.commit()
    return opportunity


def engagement_of(tenant, opportunity, deliverables, status=EngagementStatus.ACTIVE) -> Engagement:
    with tenant_scope(tenant.id):
        engagement = Engagement(tenant_id=tenant.id, opportunity_id=opportunity.id, title=opportunity.title,
                                currency=Currency.USD, contract_value=Decimal("20000"), status=status)
        for title, due_on, deliverable_status in deliverables:
            engagement.deliverables.append(Deliverable(tenant_id=tenant.id, title=title, due_on=due_on,
                                                       status=deliverable_status))
        db.session.add(engagement)
        db.session.commit()
    return engagement


def build(tenant, other_tenant, staff):
    today = tenant_today(tenant)
    colleague = make_member(tenant, Role.STAFF, email="colleague@kampot.example")
    owned(tenant, staff, "Budget literacy", today + timedelta(days=5))
    owned(tenant, staff, "Overdue proposal", today - timedelta(days=2))
    owned(tenant, staff, "Next month", today + timedelta(days=30))
    owned(tenant, staff, "No deadline", None)
    owned(tenant, colleague, "Colleague's call", today + timedelta(days=1))
    owned(tenant, None, "Nobody's call", today + timedelta(days=1))
    owned(tenant, staff, "Already lost", today + timedelta(days=3), code="lost")
    won = owned(tenant, staff, "Digital rights curriculum", date(2025, 11, 1), code="won")
    engagement_of(tenant, won, [
        ("Inception report", today - timedelta(days=4), DeliverableStatus.PLANNED),
        ("Draft curriculum", today + timedelta(days=10), DeliverableStatus.REJECTED),
        ("Final curriculum", today + timedelta(days=40), DeliverableStatus.PLANNED),
        ("Workshop report", today + timedelta(days=1), DeliverableStatus.SUBMITTED),
        ("Signed contract", today - timedelta(days=30), DeliverableStatus.ACCEPTED),
    ])
    colleague_won = owned(tenant, colleague, "Colleague's engagement", date(2025, 11, 1), code="won")
    engagement_of(tenant, colleague_won, [("Their report", today + timedelta(days=2), DeliverableStatus.PLANNED)])
    closed = owned(tenant, staff, "Finished work", date(2025, 5, 1), code="won")
    engagement_of(tenant, closed, [("Late annex", today, DeliverableStatus.PLANNED)], status=EngagementStatus.CLOSED)
    theirs = make_member(other_tenant, Role.STAFF, email="staff@battambang.example")
    owned(other_tenant, theirs, "Their call", today + timedelta(days=2))
    return today, colleague, theirs


def test_the_owner_sees_their_deadlines_soonest_first(tenant, other_tenant, staff):
    today, _colleague, _theirs = build(tenant, other_tenant, staff)
    with as_member(tenant, staff):
        items = my_work(tenant, staff)
    assert [(item.title, item.due_on, item.note, str(item.kind)) for item in items] == [
        ("Inception report · Digital rights curriculum", today - timedelta(days=4), "Overdue", "Deliverable"),
        ("CfP-2026-017 · Overdue proposal", today - timedelta(days=2), "Submission overdue", "Opportunity"),
        ("CfP-2026-017 · Budget literacy", today + timedelta(days=5), "Submission due", "Opportunity"),
        ("Draft curriculum · Digital rights curriculum", today + timedelta(days=10), "Rejected: hand in again",
         "Deliverable"),
    ]


def test_each_item_opens_for_the_user(tenant, other_tenant, staff, staff_client):
    build(tenant, other_tenant, staff)
    with as_member(tenant, staff):
        items = [item for item in current_app.extensions["samaki"].collect("samaki_my_work", tenant, user=staff)
                 if str(item.kind) in ("Opportunity", "Deliverable")]
    assert len(items) == 4
    for item in items:
        assert staff_client.get(item.url).status_code == 200


def test_a_colleague_and_another_tenant_see_only_their_own(tenant, other_tenant, staff):
    _today, colleague, theirs = build(tenant, other_tenant, staff)
    with as_member(tenant, colleague):
        assert [item.title for item in my_work(tenant, colleague)] == [
            "CfP-2026-017 · Colleague's call", "Their report · Colleague's engagement"]
    with as_member(other_tenant, theirs):
        assert [item.title for item in my_work(other_tenant, theirs)] == ["CfP-2026-017 · Their call"]
