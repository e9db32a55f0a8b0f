"""The results API operations under a bounded property-based run (schemathesis), with an admin's
token (who may freeze) and a framework, values and a snapshot to read: no server error and no
response that breaks its documented schema."""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from core.models import Role
from tests.helpers import make_member, token_for
from tests.plugins.results_framework.test_results_api import frozen_snapshot, trained_people


def test_results_operations_never_error_and_match_their_schema(app, tenant, outcome):
    indicator = trained_people(tenant, outcome)
    snapshot_id = frozen_snapshot(tenant)
    headers = token_for(make_member(tenant, Role.ADMIN), tenant)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if "/results/" in op.path]
    assert len(operations) >= 8

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def call(case):
            case.path_parameters["tenant_slug"] = tenant.slug
            if "snapshot_id" in case.path_parameters:
                case.path_parameters["snapshot_id"] = snapshot_id
            if "indicator_id" in case.path_parameters:
                case.path_parameters["indicator_id"] = indicator.id
            case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

        call()
