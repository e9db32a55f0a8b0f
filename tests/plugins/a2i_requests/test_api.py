"""The A2I JSON API as a script sees it: filing and editing requests with a token, workflow steps, the
protected requester, ETags, tenant isolation, list cost and statistics."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEvent, Role
from core.tenancy import tenant_scope
from core.registers.models import Institution, InstitutionKind
from plugins.a2i_requests import services
from plugins.a2i_requests.models import InfoRequest, RequestEvent, RequestStatus
from tests.helpers import StatementCounter, make_member, token_for

S = RequestStatus
PROBLEM = "application/problem+json"




def api(tenant, path: str) -> str:
    return f"/api/v1/t/{tenant.slug}/a2i{path}"


def make_request(tenant, actor, body, *, submitted_days_ago: int | None = None, **fields) -> int:
    with tenant_scope(tenant.id):
        fields.setdefault("subject", "Commune road budget")
        req = services.create_request(tenant.id, question="What was spent on roads in 2025?", body_id=body.id,
                                      actor=actor, **fields)
        if submitted_days_ago is not None:
            on = services.tenant_today(tenant.id) - timedelta(days=submitted_days_ago)
            services.transition(req, S.SUBMITTED, actor=actor, on=on, receipt_number="R-1")
        db.session.commit()
        return req.id


def load(tenant, request_id: int) -> InfoRequest:
    db.session.expire_all()
    with tenant_scope(tenant.id):
        return db.session.execute(select(InfoRequest).where(InfoRequest.id == request_id)).scalar_one()


@pytest.fixture
def staff_auth(staff, tenant):
    return token_for(staff, tenant)


def test_token_files_reads_and_edits_a_request(client, tenant, staff, ministry, staff_auth):
    created = client.post(api(tenant, "/requests/"), headers=staff_auth, json={
        "subject": "Land concessions 2025", "question": "Which concessions were granted?",
        "body_id": ministry.id, "channel": "email", "tags": ["land", "budget"]})
    assert created.status_code == 201
    assert created.json["status"] == "draft" and created.json["channel"] == "email"
    assert created.json["body_name"] == "Ministry of Information" and created.json["assignee_id"] == staff.id
    assert created.json["tags"] == ["land", "budget"] and created.json["allowed_transitions"] == ["submitted", "withdrawn"]

    url = api(tenant, f"/requests/{created.json['id']}")
    read = client.get(url, headers=staff_auth)
    changed = client.patch(url, json={"subject": "Land concessions 2024"},
                           headers={**staff_auth, "If-Match": read.headers["ETag"]})
    assert changed.status_code == 200 and changed.json["subject"] == "Land concessions 2024"
    listed = client.get(api(tenant, "/requests/?q=concessions"), headers=staff_auth).json
    assert [item["reference"] for item in listed["items"]] == [created.json["reference"]]


def test_filing_a_request_is_audited_with_the_token(client, tenant, ministry, staff_auth):
    client.post(api(tenant, "/requests/"), headers=staff_auth,
                json={"subject": "Budget", "question": "How much?", "body_id": ministry.id})
    event = db.session.execute(select(AuditEvent).where(AuditEvent.model == "InfoRequest",
                                                        AuditEvent.action == "insert")).scalar_one()
    assert "token" in event.actor_label


def test_viewer_token_cannot_file_a_request(client, tenant, viewer, ministry):
    response = client.post(api(tenant, "/requests/"), headers=token_for(viewer, tenant),
                           json={"subject": "Budget", "question": "How much?", "body_id": ministry.id})
    assert response.status_code == 403 and response.mimetype == PROBLEM


def test_unknown_body_is_a_422_on_body_id_and_files_nothing(client, tenant, staff_auth):
    response = client.post(api(tenant, "/requests/"), headers=staff_auth,
                           json={"subject": "Budget", "question": "How much?", "body_id": 999})
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert response.json["errors"] == {"body_id": ["Choose a public body from the register."]}
    assert db.session.scalar(select(func.count()).select_from(InfoRequest).execution_options(
        samaki_unscoped=True)) == 0


def test_another_tenants_request_is_not_found(client, tenant, other_tenant, ministry, staff_auth):
    outsider = make_member(other_tenant, Role.STAFF)
    request_id = make_request(other_tenant, outsider, ministry)
    assert client.get(api(tenant, f"/requests/{request_id}"), headers=staff_auth).status_code == 404
    assert client.get(api(tenant, f"/requests/{request_id}/events"), headers=staff_auth).status_code == 404
    response = client.post(api(tenant, f"/requests/{request_id}/transitions"), headers=staff_auth,
                           json={"to": "withdrawn", "occurred_on": services.tenant_today(tenant.id).isoformat()})
    assert response.status_code == 404
    assert load(other_tenant, request_id).status == S.DRAFT


def test_another_tenants_private_body_is_not_found(client, tenant, other_tenant, staff_auth):
    with tenant_scope(other_tenant.id):
        body = Institution(code="PRIV", kind=InstitutionKind.OTHER, name_en="Their own office", name_km="")
        db.session.add(body)
        db.session.commit()
    assert client.get(api(tenant, f"/bodies/{body.id}"), headers=staff_auth).status_code == 404
    assert client.get(api(tenant, "/bodies/?q=own office"), headers=staff_auth).json["total"] == 0


def test_bodies_are_listed_and_searched(client, tenant, ministry, staff_auth):
    page = client.get(api(tenant, "/bodies/?q=ក្រសួង&kind=ministry"), headers=staff_auth).json
    assert [(body["code"], body["kind"], body["is_shared"]) for body in page["items"]] == [("MOI", "ministry", True)]


def test_invalid_transition_names_both_states_and_changes_nothing(client, tenant, staff, ministry, staff_auth):
    request_id = make_request(tenant, staff, ministry)
    response = client.post(api(tenant, f"/requests/{request_id}/transitions"), headers=staff_auth,
                           json={"to": "answered_full", "occurred_on": services.tenant_today(tenant.id).isoformat()})
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert response.json["errors"] == {"to": ["A request that is Draft cannot become Answered in full."]}
    assert load(tenant, request_id).status == S.DRAFT
    assert db.session.scalar(select(func.count()).select_from(RequestEvent).execution_options(
        samaki_unscoped=True)) == 0


def test_missing_step_detail_is_a_422_on_that_field(client, tenant, staff, ministry, staff_auth):
    request_id = make_request(tenant, staff, ministry, submitted_days_ago=1)
    response = client.post(api(tenant, f"/requests/{request_id}/transitions"), headers=staff_auth,
                           json={"to": "refused", "occurred_on": services.tenant_today(tenant.id).isoformat()})
    assert response.status_code == 422
    assert response.json["errors"] == {"exemption_ground_code": ["Choose the ground the body gave for refusing."]}
    assert load(tenant, request_id).status == S.SUBMITTED


def test_extension_moves_the_due_date(client, tenant, staff, ministry, staff_auth):
    request_id = make_request(tenant, staff, ministry, submitted_days_ago=1)
    due_before = load(tenant, request_id).due_on
    extended_to = due_before + timedelta(days=10)
    response = client.post(api(tenant, f"/requests/{request_id}/transitions"), headers=staff_auth, json={
        "to": "extended", "occurred_on": services.tenant_today(tenant.id).isoformat(),
        "extension_reason": "Records are in the provincial archive.", "extended_to": extended_to.isoformat()})
    assert response.status_code == 200
    assert response.json["status"] == "extended" and response.json["due_rule"] == "extension"
    assert response.json["due_on"] == extended_to.isoformat()
    events = client.get(api(tenant, f"/requests/{request_id}/events"), headers=staff_auth).json["items"]
    assert [(e["from_status"], e["to_status"]) for e in events] == [("draft", "submitted"), ("submitted", "extended")]


def test_patch_without_if_match_is_428_and_stale_one_412(client, tenant, staff, ministry, staff_auth):
    url = api(tenant, f"/requests/{make_request(tenant, staff, ministry)}")
    etag = client.get(url, headers=staff_auth).headers["ETag"]
    assert client.patch(url, json={"subject": "B"}, headers=staff_auth).status_code == 428
    assert client.patch(url, json={"subject": "B"}, headers={**staff_auth, "If-Match": etag}).status_code == 200
    stale = client.patch(url, json={"subject": "C"}, headers={**staff_auth, "If-Match": etag})
    assert stale.status_code == 412 and stale.mimetype == PROBLEM
    assert client.get(url, headers=staff_auth).json["subject"] == "B"


def test_protected_requester_is_hidden_from_staff_who_are_not_the_assignee(client, tenant, staff, ministry):
    request_id = make_request(tenant, staff, ministry, requester_name="Sok Dara", requester_contact="012 345 678",
                              consent_recorded=True, protected_requester=True)
    colleague = make_member(tenant, Role.STAFF, email="colleague@kampot.example")
    response = client.get(api(tenant, f"/requests/{request_id}"), headers=token_for(colleague, tenant))
    assert response.json["requester_hidden"] is True and response.json["requester_name"] is None
    assert "Sok Dara" not in response.text and "012 345 678" not in response.text


def test_protected_requester_is_shown_to_the_assignee(client, tenant, staff, ministry, staff_auth):
    request_id = make_request(tenant, staff, ministry, requester_name="Sok Dara", consent_recorded=True,
                              protected_requester=True)
    response = client.get(api(tenant, f"/requests/{request_id}"), headers=staff_auth)
    assert response.json["requester_hidden"] is False and response.json["requester_name"] == "Sok Dara"


def test_staff_who_cannot_see_the_requester_cannot_change_them(client, tenant, staff, ministry):
    request_id = make_request(tenant, staff, ministry, requester_name="Sok Dara", consent_recorded=True,
                              protected_requester=True)
    colleague = token_for(make_member(tenant, Role.STAFF, email="colleague@kampot.example"), tenant)
    url = api(tenant, f"/requests/{request_id}")
    etag = client.get(url, headers=colleague).headers["ETag"]
    response = client.patch(url, json={"protected_requester": False}, headers={**colleague, "If-Match": etag})
    assert response.status_code == 422 and set(response.json["errors"]) == {"protected_requester"}
    assert load(tenant, request_id).protected_requester is True


def test_request_list_costs_the_same_statements_for_5_and_50_rows(client, tenant, staff, ministry, staff_auth):
    def statements_with(rows: int) -> int:
        while db.session.scalar(select(func.count()).select_from(InfoRequest).execution_options(
                samaki_unscoped=True)) < rows:
            make_request(tenant, staff, ministry, submitted_days_ago=3)
        with StatementCounter() as counter:
            response = client.get(api(tenant, "/requests/?per_page=100&sort=due_on"), headers=staff_auth)
        assert response.status_code == 200 and response.json["total"] == rows
        return counter.count

    client.get("/api/v1/me", headers=staff_auth)   # records the token's use (once a minute)
    assert statements_with(5) == statements_with(50)


def test_list_filters_by_status(client, tenant, staff, ministry, staff_auth):
    submitted = make_request(tenant, staff, ministry, submitted_days_ago=1)
    make_request(tenant, staff, ministry)
    page = client.get(api(tenant, "/requests/?status=submitted"), headers=staff_auth).json
    assert [item["id"] for item in page["items"]] == [submitted]
    assert page["items"][0]["days_left"] is not None


def test_correspondence_is_recorded_and_listed(client, tenant, staff, ministry, staff_auth):
    request_id = make_request(tenant, staff, ministry)
    url = api(tenant, f"/requests/{request_id}/correspondence")
    created = client.post(url, headers=staff_auth, json={"kind": "call", "direction": "outgoing",
                                                          "occurred_on": "2026-03-02", "summary": "Asked for news."})
    assert created.status_code == 201 and created.json["kind"] == "call" and created.json["attachments"] == []
    listed = client.get(url, headers=staff_auth).json["items"]
    assert [(c["summary"], c["occurred_on"]) for c in listed] == [("Asked for news.", "2026-03-02")]


def test_statistics_return_a_row_per_body(client, tenant, staff, ministry, staff_auth):
    request_id = make_request(tenant, staff, ministry, submitted_days_ago=2)
    client.post(api(tenant, f"/requests/{request_id}/transitions"), headers=staff_auth, json={
        "to": "answered_full", "occurred_on": services.tenant_today(tenant.id).isoformat(),
        "disclosed_summary": "The budget table."})
    result = client.get(api(tenant, "/statistics?group_by=body"), headers=staff_auth).json
    assert [(row["label"], row["requests"], row["answered_full"]) for row in result["rows"]] == [
        ("Ministry of Information", 1, 100.0)]
    assert result["rows"][0]["key"] == str(ministry.id) and result["total"]["requests"] == 1


def test_a_date_outside_2000_to_2100_is_refused_with_a_message(client, tenant, staff, ministry, staff_auth):
    url = api(tenant, f"/requests/{make_request(tenant, staff, ministry)}/correspondence")
    response = client.post(url, headers=staff_auth, json={"kind": "call", "direction": "outgoing",
                                                          "occurred_on": "0202-03-02"})
    assert response.status_code == 422
    assert response.json["errors"]["json"] == {"occurred_on": ["Give a date between 2000 and 2100."]}
