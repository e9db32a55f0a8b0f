"""The OpenAPI document is the contract: schemathesis sends every operation of every module data the
document calls invalid (it must be refused) and data it calls valid (it must be accepted), with all
of its checks (statuses, headers and content types, response schemas, no server error…),
reproducibly and bounded for CI; any finding fails. Valid data may be refused only by a rule the
document cannot state ("choose a donor from your contacts", an end before its start, a code already
taken): a 422 problem of the documented business-rule type naming a field of the request
(core.api.refuse), never any other rejection."""
from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from core.api import BUSINESS_RULE_TYPE, PROBLEM_CONTENT_TYPE
from tests.helpers import token_for

# Valid data goes deeper than invalid data (past the schema, into the services and the database),
# so each example costs more; both modes together stay within about two minutes on SQLite.
EXAMPLES_PER_OPERATION = {
    GenerationMode.NEGATIVE: int(os.environ.get("SAMAKI_CONTRACT_EXAMPLES", "12")),
    GenerationMode.POSITIVE: int(os.environ.get("SAMAKI_CONTRACT_POSITIVE_EXAMPLES", "12")),
}


def request_fields(document: dict, operation) -> set[str]:
    """The names of everything a client may send to `operation`: its parameters (the path's and its
    own) and the properties of its request bodies (of every content type)."""
    def resolved(item: dict) -> dict:
        while "$ref" in item:
            *_, section, name = item["$ref"].split("/")
            item = document["components"][section][name]
        return item

    path = document["paths"][operation.path]
    definition = path[operation.method.lower()]
    parameters = [*path.get("parameters", []), *definition.get("parameters", [])]
    names = {resolved(parameter)["name"] for parameter in parameters}
    for content in resolved(definition.get("requestBody", {})).get("content", {}).values():
        names |= set(resolved(content.get("schema", {})).get("properties", {}))
    return names


def is_business_rule_refusal(response, fields: set[str]) -> bool:
    """A refusal by a rule as core.api.refuse answers it: 422, problem+json of the business-rule type,
    messages only on fields of the request."""
    content_type = (response.headers.get("content-type") or [""])[0]   # schemathesis: lowercase keys, lists
    if response.status_code != 422 or content_type.split(";")[0].strip() != PROBLEM_CONTENT_TYPE:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    errors = isinstance(body, dict) and body.get("type") == BUSINESS_RULE_TYPE and body.get("errors")
    return bool(errors) and isinstance(errors, dict) and set(errors) <= fields and all(
        isinstance(messages, list) and messages and all(isinstance(m, str) and m for m in messages)
        for messages in errors.values())


def findings_of(app, tenant, headers, mode: GenerationMode) -> list[str]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    client = app.test_client()
    found = []
    for result in schema.get_all_operations():
        operation = result.ok()
        fields = request_fields(document, operation)

        def valid_data_accepted_unless_a_rule_refuses(ctx, response, case):
            """schemathesis's positive_data_acceptance, except for a documented business-rule refusal."""
            if is_business_rule_refusal(response, fields):
                return None
            return positive_data_acceptance(ctx, response, case)

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES_PER_OPERATION[mode], deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def call(case):
            if case.path_parameters and "tenant_slug" in case.path_parameters:
                case.path_parameters["tenant_slug"] = tenant.slug
            if mode is GenerationMode.POSITIVE and case.headers and "If-Match" in case.headers:
                # Any string is a well-formed If-Match, but only the record's current ETag lets the
                # change through (else 412): send it, so valid changes reach the service's rules.
                current = client.get(case.formatted_path, headers=headers)
                if current.status_code == 200 and current.headers.get("ETag"):
                    case.headers["If-Match"] = current.headers["ETag"]
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance],
                                   additional_checks=[valid_data_accepted_unless_a_rule_refuses])

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


def test_every_operation_accepts_what_its_document_calls_valid(app, tenant, admin_user):
    findings = findings_of(app, tenant, token_for(admin_user, tenant), GenerationMode.POSITIVE)
    assert findings == [], "\n".join(findings)


def test_only_a_documented_rule_refusal_passes_for_valid_data(app, tenant, admin_user):
    """The contract's one allowance is narrow: a schema error (about:blank), a refusal naming a field
    the request does not have, or another status still count as findings."""
    class Answer:
        def __init__(self, status: int, body: dict, content_type: str = PROBLEM_CONTENT_TYPE):
            self.status_code, self.body = status, body
            self.headers = {"content-type": [content_type]}

        def json(self):
            return self.body

    rule = {"type": BUSINESS_RULE_TYPE, "errors": {"body_id": ["Choose a public body of the register."]}}
    assert is_business_rule_refusal(Answer(422, rule), {"body_id", "subject"})
    assert not is_business_rule_refusal(Answer(422, {**rule, "type": "about:blank"}), {"body_id"})
    assert not is_business_rule_refusal(Answer(422, rule), {"subject"})
    assert not is_business_rule_refusal(Answer(400, rule), {"body_id"})
    assert not is_business_rule_refusal(Answer(422, rule, "application/json"), {"body_id"})
    refused = app.test_client().post(f"/api/v1/t/{tenant.slug}/a2i/requests/", headers=token_for(admin_user, tenant),
                                     json={"subject": "Budget", "question": "Roads?", "body_id": 999_999})
    assert refused.status_code == 422 and refused.get_json()["type"] == BUSINESS_RULE_TYPE
    assert set(refused.get_json()["errors"]) == {"body_id"}
