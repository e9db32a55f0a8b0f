"""The shared consulting rules: stage moves check what a stage needs, KHR needs a rate, and the
invoice arithmetic (VAT on the subtotal, withholding on the subtotal, cents rounded half up)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import DomainError
from core.extensions import db
from core.tenancy import tenant_scope
from plugins.consulting_crm import services
from plugins.consulting_crm.models import Currency, StageMove
from tests.plugins.consulting_crm.conftest import stage


def test_a_won_stage_needs_a_value_and_a_lost_one_a_reason(tenant, opportunity):
    won, lost = stage(tenant, "won"), stage(tenant, "lost")
    with tenant_scope(tenant.id):
        opportunity.estimated_value = None
        with pytest.raises(DomainError) as refused:
            services.move_to_stage(opportunity, won)
        assert refused.value.field == "estimated_value"
        with pytest.raises(DomainError) as refused:
            services.move_to_stage(opportunity, lost)
        assert refused.value.field == "lost_reason"
        services.move_to_stage(opportunity, lost, lost_reason="Budget went to a larger consortium")
        assert services.move_to_stage(opportunity, lost) is None          # a replayed move does nothing
        db.session.commit()
        assert opportunity.probability == 0 and opportunity.closed_on is not None
        assert db.session.query(StageMove).count() == 1


def test_riel_needs_the_rate_used_and_converts_with_it():
    with pytest.raises(DomainError):
        services.check_rate(Currency.KHR, None)
    services.check_rate(Currency.USD, None)
    assert services.in_usd(Decimal("41000000"), Currency.KHR, Decimal("4100")) == Decimal("10000")


def test_invoice_totals_match_a_hand_count():
    # 12 days × 250 = 3,000 + 1 × 455.55 = 3,455.55; VAT 10 % = 345.56 (345.555 rounded half up);
    # total 3,801.11; withholding 15 % of the subtotal = 518.33; due 3,282.78.
    totals = services.invoice_totals([(Decimal("12"), Decimal("250")), (Decimal("1"), Decimal("455.55"))],
                                     Decimal("10"), Decimal("15"))
    assert totals == services.InvoiceTotals(Decimal("3455.55"), Decimal("345.56"), Decimal("3801.11"),
                                            Decimal("518.33"), Decimal("3282.78"))
