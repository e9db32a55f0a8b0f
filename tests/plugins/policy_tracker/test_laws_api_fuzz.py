"""The laws API operations under a bounded property-based run (schemathesis): no server error and no
response that breaks its documented schema, with an official law and a history to read."""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.helpers import token_for


def test_laws_operations_never_error_and_match_their_schema(app, tenant, staff, law):
    headers = token_for(staff, tenant)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if "/policy/laws" in op.path and not op.path.endswith("/events")]
    assert len(operations) >= 7

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def call(case):
            case.path_parameters["tenant_slug"] = tenant.slug
            if "law_id" in case.path_parameters:
                case.path_parameters["law_id"] = law.id
            case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

        call()
