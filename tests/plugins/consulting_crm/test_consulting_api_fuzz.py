"""The consulting API operations under a bounded property-based run (schemathesis, fixed seed): no
server error and no response that breaks its documented schema, with an opportunity, a proposal, two
consultants, an engagement and an invoice to read and write."""
from __future__ import annotations

from decimal import Decimal

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from core.extensions import db
from core.tenancy import tenant_scope
from plugins.consulting_crm.models import BudgetLine, Invoice, InvoiceStatus, Proposal
from tests.helpers import token_for


def test_consulting_operations_never_error_and_match_their_schema(app, tenant, admin_user, opportunity, consultants,
                                                                  engagement):
    with tenant_scope(tenant.id):
        proposal = Proposal(tenant_id=tenant.id, opportunity_id=opportunity.id, title="Proposal")
        proposal.budget_lines.append(BudgetLine(tenant_id=tenant.id, description="Days", quantity=Decimal(3),
                                                unit_cost=Decimal(250)))
        invoice = Invoice(tenant_id=tenant.id, engagement_id=engagement.id, number="INV-0001",
                          status=InvoiceStatus.ISSUED, total=Decimal(1100), amount_due=Decimal(1100))
        db.session.add_all([proposal, invoice])
        db.session.commit()
        ids = {"opportunity_id": opportunity.id, "proposal_id": proposal.id, "consultant_id": consultants[0].id,
               "engagement_id": engagement.id, "invoice_id": invoice.id}
    headers = token_for(admin_user, tenant)       # an admin sees rates too: every field is exercised
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if "/consulting/" in op.path]
    assert len(operations) >= 15

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def call(case):
            case.path_parameters["tenant_slug"] = tenant.slug
            for name, value in ids.items():
                if name in case.path_parameters:
                    case.path_parameters[name] = value
            case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

        call()
