"""The OpenAPI document is the contract: schemathesis sends every operation of every module data
that the document says is invalid, with all of its checks (the data refused, documented statuses,
headers and content types, response schemas, no server error…), reproducibly and bounded for CI;
any finding fails. (Valid data is exercised by tests/core/test_openapi.py and each module's fuzz
test; that every valid request is also accepted is not yet checked here: business rules such as
"choose a donor from your contacts" refuse some of them.)"""
from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from tests.helpers import token_for

EXAMPLES_PER_OPERATION = int(os.environ.get("SAMAKI_CONTRACT_EXAMPLES", "12"))


def findings_of(app, tenant, headers, mode: GenerationMode) -> list[str]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    found = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def call(case):
            if case.path_parameters and "tenant_slug" in case.path_parameters:
                case.path_parameters["tenant_slug"] = tenant.slug
            case.call_and_validate(headers=headers)

        try:
            call()
        except (Exception, BaseExceptionGroup) as error:   # noqa: BLE001 - every finding is reported at once
            text = str(error)
            kinds = sorted({line.strip("- ").strip() for line in text.splitlines() if line.startswith("- ")})
            body = next((line.strip() for line in text.splitlines() if line.strip().startswith("`")), "")
            found.append(f"{operation.label}: {'; '.join(kinds)} {body[:240]}")
    return found


def test_every_operation_refuses_what_its_document_calls_invalid(app, tenant, admin_user):
    findings = findings_of(app, tenant, token_for(admin_user, tenant), GenerationMode.NEGATIVE)
    assert findings == [], "\n".join(findings)
