"""What webhook events carry: the modules' declared events (status changed, deadline passed, record
shared) with ids, references, statuses, dates and links — never a person's identity, even for a
protected requester — and the OpenAPI document's `webhooks` section describing each payload."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from core import webhooks
from core.extensions import db
from core.models import WebhookDelivery
from core.registers.contacts import create_contact
from core.tenancy import tenant_scope
from tests.core.test_webhooks import STATUS_CHANGED, ministry, register, submitted_request  # noqa: F401
from tests.core.sharing_fixtures import a2iwg  # noqa: F401 (fixtures)

ALL_EVENTS = [STATUS_CHANGED, "a2i.request.deadline_passed", "core.record.shared"]
NAME, PHONE, EMAIL = "Sok Dara", "+855 12 345 678", "dara@example.org"


@pytest.fixture
def protected_requester(tenant):
    with tenant_scope(tenant.id):
        contact = create_contact(tenant_id=tenant.id, name_latin=NAME, name_km="សុខ ដារា", phone=PHONE, email=EMAIL,
                                 protected=True, consent_on=date(2026, 1, 5), consent_scope="A2I request")
        db.session.commit()
        return contact


def queued_events() -> list[dict]:
    return [json.loads(delivery.body) for delivery in db.session.execute(
        select(WebhookDelivery).order_by(WebhookDelivery.id)).scalars()]


def test_no_event_names_a_protected_requester(admin_client, staff_client, tenant, staff, ministry, a2iwg,
                                              protected_requester):
    assert register(admin_client, tenant, "https://93.184.215.14/hook", events=ALL_EVENTS).status_code == 201
    req = submitted_request(tenant, staff, ministry, requester=protected_requester)
    shared = staff_client.post(f"/t/{tenant.slug}/groups/share",
                               data={"record_type": "a2i.request", "record_id": req.id, "group": "a2iwg"})
    assert shared.status_code == 302
    from plugins.a2i_requests.reminders import remind_tenant
    remind_tenant(tenant, datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc))   # due 9 November: overdue

    events = queued_events()
    assert [event["type"] for event in events] == ALL_EVENTS[:1] + ["core.record.shared",
                                                                     "a2i.request.deadline_passed"]
    everything = json.dumps(events, ensure_ascii=False)
    for identity in (NAME, "សុខ ដារា", PHONE, EMAIL, "requester", "contact"):
        assert identity not in everything
    assert all(event["data"].get("request_id", event["data"].get("record_id")) == req.id for event in events)
    # The keys are exactly those the event types declare (and document).
    declared = webhooks.event_types()
    for event in events:
        assert set(event["data"]) <= set(declared[event["type"]].schema["properties"])


def test_deadline_passed_is_sent_once_per_due_date(admin_client, tenant, staff, ministry):
    register(admin_client, tenant, "https://93.184.215.14/hook", events=["a2i.request.deadline_passed"])
    req = submitted_request(tenant, staff, ministry)
    from plugins.a2i_requests.reminders import remind_tenant
    remind_tenant(tenant, datetime(2026, 11, 5, 2, 0, tzinfo=timezone.utc))    # not yet due
    assert queued_events() == []
    for day in (datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc), datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc),
                datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)):
        remind_tenant(tenant, day)
    [event] = queued_events()
    assert event["data"] == {"request_id": req.id, "reference": req.reference, "status": "submitted",
                             "due_on": req.due_on.isoformat(),
                             "url": f"http://127.0.0.1:5000/t/{tenant.slug}/a2i/requests/{req.id}"}


def test_sharing_a_record_sends_record_shared(admin_client, staff_client, tenant, staff, ministry, a2iwg):
    register(admin_client, tenant, "https://93.184.215.14/hook", events=["core.record.shared"])
    req = submitted_request(tenant, staff, ministry)
    staff_client.post(f"/t/{tenant.slug}/groups/share",
                      data={"record_type": "a2i.request", "record_id": req.id, "group": "a2iwg"})
    [event] = queued_events()
    data = event["data"]
    assert (data["record_type"], data["record_id"], data["group"]) == ("a2i.request", req.id, "a2iwg")
    assert data["title"] == f"{req.reference} · Road budget"
    assert data["url"].endswith(f"/t/{tenant.slug}/groups/records/{data['shared_record_id']}")


def test_emit_refuses_data_its_event_type_does_not_declare(admin_client, tenant):
    register(admin_client, tenant, "https://93.184.215.14/hook", events=[STATUS_CHANGED])
    with pytest.raises(ValueError, match="undeclared keys"):
        webhooks.emit(tenant.id, STATUS_CHANGED, {"request_id": 1, "requester_name": NAME})
    with pytest.raises(ValueError, match="Unknown webhook event type"):
        webhooks.emit(tenant.id, "a2i.request.made_up", {})


def test_openapi_document_describes_every_webhook_payload(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.1")
    described = document["webhooks"]
    assert set(ALL_EVENTS) | {"ping"} <= set(described)
    operation = described[STATUS_CHANGED]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["properties"]["type"]["enum"] == [STATUS_CHANGED]
    data = schema["properties"]["data"]["properties"]
    assert {"request_id", "reference", "from_status", "status", "occurred_on", "due_on", "url"} == set(data)
    assert "draft" in data["from_status"]["enum"]
    headers = {parameter["name"] for parameter in operation["parameters"] if parameter["in"] == "header"}
    assert {"Samaki-Webhook-Id", "Samaki-Webhook-Timestamp", "Samaki-Webhook-Signature"} <= headers
    for entry in described.values():
        properties = entry["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]["data"]
        assert not any(word in json.dumps(properties) for word in ('"requester', '"name"', '"phone"', '"email"'))


def test_webhooks_section_is_valid_openapi_3_1(client):
    from openapi_spec_validator import validate
    document = client.get("/api/v1/openapi.json").json
    validate({"openapi": document["openapi"], "info": document["info"], "paths": {}, "webhooks": document["webhooks"]})
