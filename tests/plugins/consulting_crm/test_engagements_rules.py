"""Engagement rules without pages: only a won opportunity becomes an engagement (once), tranches stay
within the contract value and wait for their deliverable, the status machine, timesheet lines within
the period, closed engagements refuse additions, and margins match a hand count."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.errors import DomainError
from core.extensions import db
from core.tenancy import tenant_scope
from plugins.consulting_crm import engagements
from plugins.consulting_crm.models import Currency, DeliverableStatus, Engagement, EngagementStatus, Tranche
from tests.helpers import StatementCounter
from tests.plugins.consulting_crm.conftest import add_opportunity

CONTRACT = {"title": "Digital rights curriculum", "currency": "USD", "contract_value": "20,000",
            "starts_on": date(2026, 1, 5), "ends_on": date(2026, 6, 30)}


def test_only_a_won_opportunity_becomes_an_engagement_and_only_once(tenant, client_org):
    lead = add_opportunity(tenant, "Still a lead", client=client_org)
    won = add_opportunity(tenant, "Won call", client=client_org, code="won")
    with tenant_scope(tenant.id):
        with pytest.raises(DomainError) as refused:
            engagements.create_engagement(lead, **CONTRACT)
        assert refused.value.field == "opportunity_id"
        engagement = engagements.create_engagement(won, **CONTRACT)
        db.session.commit()
        assert engagement.client_id == client_org.id and engagement.contract_value == Decimal("20000.00")
        assert engagement.status is EngagementStatus.ACTIVE
        with pytest.raises(DomainError) as refused:
            engagements.create_engagement(won, **CONTRACT)
        assert str(refused.value.message) == "This opportunity already has an engagement."
        db.session.rollback()
        assert db.session.query(Engagement).count() == 1


@pytest.mark.parametrize("changes, field", [
    ({"contract_value": "0"}, "contract_value"),
    ({"contract_value": "-5"}, "contract_value"),
    ({"contract_value": "lots"}, "contract_value"),
    ({"currency": "KHR", "khr_per_usd": ""}, "khr_per_usd"),
    ({"currency": "EUR"}, "currency"),
    ({"ends_on": date(2026, 1, 1)}, "ends_on"),
    ({"title": "  "}, "title"),
])
def test_a_contract_needs_a_positive_value_a_rate_for_riel_and_ordered_dates(tenant, client_org, changes, field):
    won = add_opportunity(tenant, "Won call", client=client_org, code="won")
    with tenant_scope(tenant.id):
        with pytest.raises(DomainError) as refused:
            engagements.create_engagement(won, **{**CONTRACT, **changes})
        assert refused.value.field == field
        db.session.rollback()
        assert db.session.query(Engagement).count() == 0


def test_a_riel_contract_keeps_its_rate_and_prefills_from_the_opportunity(tenant, client_org):
    won = add_opportunity(tenant, "Riel contract", client=client_org, code="won", value=Decimal("41000000"),
                          currency=Currency.KHR, khr_per_usd=Decimal("4100"))
    with tenant_scope(tenant.id):
        prefill = engagements.prefill_from(won)
        assert prefill["contract_value"] == Decimal("41000000") and prefill["currency"] is Currency.KHR
        engagement = engagements.create_engagement(won, **{**prefill, "currency": "KHR"})
        assert engagement.khr_per_usd == Decimal("4100")


def test_tranches_stay_within_the_contract_and_wait_for_their_deliverable(tenant, engagement):
    with tenant_scope(tenant.id):
        engagement = engagements.load_engagement(engagement.id)
        report = engagements.add_deliverable(engagement, title="Inception report", due_on=date(2026, 2, 1))
        first = engagements.add_tranche(engagement, label="Advance (30 %)", amount="6000")
        second = engagements.add_tranche(engagement, label="On the inception report", amount="8000",
                                         deliverable_id=report.id)
        # 6,000 + 8,000 = 14,000: 6,000 left, so 6,000.01 is too much and 6,000 fits.
        with pytest.raises(DomainError) as refused:
            engagements.add_tranche(engagement, label="Final", amount="6000.01")
        assert refused.value.field == "amount"
        with pytest.raises(DomainError) as refused:
            engagements.add_tranche(engagement, label="Nothing", amount="0")
        assert refused.value.field == "amount"
        engagements.add_tranche(engagement, label="Final", amount="6000")
        db.session.commit()

        assert engagements.tranche_invoiceable(first) is True               # no deliverable: at once
        assert engagements.tranche_invoiceable(second) is False
        with pytest.raises(DomainError) as refused:
            engagements.check_invoiceable(second)
        assert str(refused.value.message) == "The deliverable of this tranche is not accepted yet."
        engagements.set_deliverable_status(report, "submitted")
        engagements.set_deliverable_status(report, "accepted", accepted_on=date(2026, 2, 3),
                                           today=date(2026, 2, 5))
        assert report.accepted_on == date(2026, 2, 3)
        engagements.check_invoiceable(second)
        assert [t.position for t in db.session.query(Tranche).order_by(Tranche.position)] == [1, 2, 3]


def test_a_tranche_cannot_hang_on_another_engagements_deliverable(tenant, engagement, client_org):
    won = add_opportunity(tenant, "Another", client=client_org, code="won")
    with tenant_scope(tenant.id):
        other = engagements.create_engagement(won, **CONTRACT)
        foreign = engagements.add_deliverable(other, title="Elsewhere", due_on=date(2026, 3, 1))
        engagement = engagements.load_engagement(engagement.id)
        with pytest.raises(DomainError) as refused:
            engagements.add_tranche(engagement, label="Wrong", amount="100", deliverable_id=foreign.id)
        assert refused.value.field == "deliverable_id"


def test_acceptance_cannot_be_dated_in_the_future(tenant, engagement):
    with tenant_scope(tenant.id):
        engagement = engagements.load_engagement(engagement.id)
        report = engagements.add_deliverable(engagement, title="Report", due_on=date(2026, 2, 1))
        with pytest.raises(DomainError) as refused:
            engagements.set_deliverable_status(report, "accepted", accepted_on=date.today() + timedelta(days=1))
        assert refused.value.field == "accepted_on"
        engagements.set_deliverable_status(report, "accepted")
        assert report.accepted_on == date.today() and report.status is DeliverableStatus.ACCEPTED
        with pytest.raises(DomainError):                                   # accepted stays accepted
            engagements.set_deliverable_status(report, "rejected")


def test_delivered_needs_every_deliverable_accepted_then_closed_refuses_additions(tenant, engagement, consultants):
    with tenant_scope(tenant.id):
        engagement = engagements.load_engagement(engagement.id)
        with pytest.raises(DomainError):                                   # no deliverables yet
            engagements.change_status(engagement, "delivered")
        one = engagements.add_deliverable(engagement, title="One", due_on=date(2026, 2, 1))
        two = engagements.add_deliverable(engagement, title="Two", due_on=date(2026, 3, 1))
        engagements.set_deliverable_status(one, "accepted")
        with pytest.raises(DomainError) as refused:
            engagements.change_status(engagement, "delivered")
        assert "Every deliverable" in str(refused.value.message)
        with pytest.raises(DomainError):                                   # active cannot jump to closed
            engagements.change_status(engagement, "closed")
        engagements.set_deliverable_status(two, "accepted")
        engagements.change_status(engagement, "delivered")
        with pytest.raises(DomainError):                                   # delivered: reopen first
            engagements.add_deliverable(engagement, title="Three", due_on=date(2026, 4, 1))
        assignment = engagements.add_assignment(engagement, consultant_id=consultants[0].id, planned_days="5")
        engagements.change_status(engagement, "closed")
        assert engagements.engagement_is_closed(engagement)
        db.session.commit()
        for add in (lambda: engagements.add_deliverable(engagement, title="Late", due_on=date(2026, 5, 1)),
                    lambda: engagements.add_tranche(engagement, label="Late", amount="10"),
                    lambda: engagements.add_timesheet_line(engagement, assignment_id=assignment.id,
                                                           worked_on=date(2026, 3, 1), days="1"),
                    lambda: engagements.change_status(engagement, "active")):
            with pytest.raises(DomainError):
                add()
        db.session.rollback()
        assert engagement.status is EngagementStatus.CLOSED and len(engagement.deliverables) == 2


def test_a_cancelled_engagement_is_closed_too(tenant, engagement):
    with tenant_scope(tenant.id):
        engagement = engagements.load_engagement(engagement.id)
        engagements.change_status(engagement, "cancelled")
        assert engagements.engagement_is_closed(engagement)
        with pytest.raises(DomainError):
            engagements.add_tranche(engagement, label="Advance", amount="10")


def test_timesheet_lines_fall_within_the_period_and_are_not_negative(tenant, engagement, consultants):
    with tenant_scope(tenant.id):
        engagement = engagements.load_engagement(engagement.id)
        assignment = engagements.add_assignment(engagement, consultant_id=consultants[0].id, planned_days="10")
        for values, field in [({"worked_on": date(2026, 1, 4), "days": "1"}, "worked_on"),     # a day early
                              ({"worked_on": date(2026, 7, 1), "days": "1"}, "worked_on"),     # a day late
                              ({"worked_on": date(2026, 2, 1), "days": "-1"}, "days"),
                              ({"worked_on": date(2026, 2, 1), "days": "1", "expense_amount": "-3"},
                               "expense_amount"),
                              ({"worked_on": date(2026, 2, 1), "days": "0"}, "days"),
                              ({"worked_on": date(2026, 2, 1), "days": "1", "assignment_id": 999999},
                               "assignment_id")]:
            with pytest.raises(DomainError) as refused:
                engagements.add_timesheet_line(engagement, **{"assignment_id": assignment.id, **values})
            assert refused.value.field == field
        line = engagements.add_timesheet_line(engagement, assignment_id=assignment.id, worked_on=date(2026, 6, 30),
                                              days="0.5", expense_amount="12.40")
        assert line.days == Decimal("0.50") and line.expense_amount == Decimal("12.40")


def test_an_assignment_takes_the_consultants_rate_in_the_same_currency(tenant, engagement, consultants,
                                                                      client_org):
    with tenant_scope(tenant.id):
        engagement = engagements.load_engagement(engagement.id)
        first = engagements.add_assignment(engagement, consultant_id=consultants[0].id, planned_days="3")
        assert first.day_rate == Decimal("250")
        with pytest.raises(DomainError) as refused:
            engagements.add_assignment(engagement, consultant_id=consultants[0].id, planned_days="3")
        assert refused.value.field == "consultant_id"
        with pytest.raises(DomainError) as refused:
            engagements.add_assignment(engagement, consultant_id=consultants[1].id, planned_days="-1")
        assert refused.value.field == "planned_days"
        with pytest.raises(DomainError) as refused:
            engagements.add_assignment(engagement, consultant_id=consultants[1].id, planned_days="1", day_rate="-1")
        assert refused.value.field == "day_rate"

        riel = engagements.create_engagement(
            add_opportunity(tenant, "Riel", client=client_org, code="won"),
            **{**CONTRACT, "currency": "KHR", "contract_value": "41000000", "khr_per_usd": "4100"})
        with pytest.raises(DomainError) as refused:    # a dollar rate is not copied into a riel contract
            engagements.add_assignment(riel, consultant_id=consultants[0].id, planned_days="3")
        assert refused.value.field == "day_rate"
        assert engagements.add_assignment(riel, consultant_id=consultants[0].id, planned_days="3",
                                          day_rate="1025000").day_rate == Decimal("1025000")


def _staff_the_fixture_engagement(tenant, engagement, consultants) -> Engagement:
    with tenant_scope(tenant.id):
        engagement = engagements.load_engagement(engagement.id)
        pov = engagements.add_assignment(engagement, consultant_id=consultants[0].id, role="Team leader",
                                         planned_days="30")                         # × 250 (her rate)
        rith = engagements.add_assignment(engagement, consultant_id=consultants[1].id, role="Researcher",
                                          planned_days="20.5")                      # × 180 (his rate)
        engagements.add_timesheet_line(engagement, assignment_id=pov.id, worked_on=date(2026, 2, 2), days="3",
                                       expense_amount="120.50")
        engagements.add_timesheet_line(engagement, assignment_id=pov.id, worked_on=date(2026, 3, 10), days="4.5")
        engagements.add_timesheet_line(engagement, assignment_id=rith.id, worked_on=date(2026, 2, 3), days="10",
                                       expense_amount="340.25")
        db.session.commit()
        return engagement


def test_planned_and_actual_margin_match_a_hand_count(tenant, engagement, consultants):
    engagement = _staff_the_fixture_engagement(tenant, engagement, consultants)
    # Planned: 30 × 250 = 7,500 + 20.5 × 180 = 3,690 → cost 11,190.00;
    #          margin 20,000 − 11,190 = 8,810.00 = 44.05 % → 44.1 % (half up).
    # Actual:  (3 + 4.5) × 250 = 1,875 + 10 × 180 = 1,800 → days cost 3,675.00;
    #          expenses 120.50 + 340.25 = 460.75; cost 4,135.75;
    #          margin 20,000 − 4,135.75 = 15,864.25 = 79.32125 % → 79.3 %.
    expected = engagements.Margin(
        currency=Currency.USD, contract_value=Decimal("20000"), planned_days=Decimal("50.5"),
        planned_cost=Decimal("11190.00"), actual_days=Decimal("17.5"), actual_days_cost=Decimal("3675.00"),
        expenses=Decimal("460.75"), actual_cost=Decimal("4135.75"), planned_margin=Decimal("8810.00"),
        actual_margin=Decimal("15864.25"), planned_percent=Decimal("44.1"), actual_percent=Decimal("79.3"))
    with tenant_scope(tenant.id):
        assert engagements.margin(engagements.load_engagement(engagement.id)) == expected
        assert engagements.margins([engagement.id]) == {engagement.id: expected}


def test_margins_of_many_engagements_cost_three_queries(tenant, engagement, consultants, client_org):
    engagement = _staff_the_fixture_engagement(tenant, engagement, consultants)
    with tenant_scope(tenant.id):
        riel = engagements.create_engagement(
            add_opportunity(tenant, "Riel", client=client_org, code="won"),
            **{**CONTRACT, "currency": "KHR", "contract_value": "41000000", "khr_per_usd": "4100"})
        engagements.add_assignment(riel, consultant_id=consultants[0].id, planned_days="10", day_rate="820000")
        db.session.commit()
        two_ids = [engagement.id, riel.id]
        with StatementCounter() as few:
            figures = engagements.margins(two_ids)
        # Riel: planned 10 × 820,000 = 8,200,000; margin 41,000,000 − 8,200,000 = 32,800,000 = 80.0 %;
        # no timesheet yet, so the actual margin is the whole value (100.0 %).
        assert figures[riel.id].planned_margin == Decimal("32800000.00")
        assert figures[riel.id].planned_percent == Decimal("80.0")
        assert figures[riel.id].actual_margin == Decimal("41000000.00")
        assert figures[riel.id].actual_percent == Decimal("100.0")
        assert figures[engagement.id].actual_margin == Decimal("15864.25")
        for number in range(6):
            extra = engagements.create_engagement(add_opportunity(tenant, f"Extra {number}", client=client_org,
                                                                  code="won"), **CONTRACT)
            engagements.add_assignment(extra, consultant_id=consultants[1].id, planned_days="2")
        db.session.commit()
        ids = [row.id for row in db.session.query(Engagement)]
        with StatementCounter() as many:
            assert len(engagements.margins(ids)) == 8
        assert few.count == many.count == 3


def test_the_contract_value_cannot_drop_below_the_tranches(tenant, engagement):
    with tenant_scope(tenant.id):
        engagement = engagements.load_engagement(engagement.id)
        engagements.add_tranche(engagement, label="Advance", amount="12000")
        with pytest.raises(DomainError) as refused:
            engagements.update_engagement(engagement, **{**CONTRACT, "contract_value": "11999.99"})
        assert refused.value.field == "contract_value"
        with pytest.raises(DomainError) as refused:
            engagements.update_engagement(engagement, **{**CONTRACT, "currency": "KHR", "khr_per_usd": "4100"})
        assert refused.value.field == "currency"
        engagements.update_engagement(engagement, **{**CONTRACT, "contract_value": "12000"})
        assert engagement.contract_value == Decimal("12000.00")
