"""The audit log through the API: owners and admins only; filtered by record type, actor and dates (days
in the organisation's time zone); paginated newest first; another organisation's events never appear."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import update

from core.api import BUSINESS_RULE_TYPE
from core.audit import record_event
from core.extensions import db
from core.models import AuditEvent
from tests.helpers import make_member, token_for


def api(tenant, query=""):
    return f"/api/v1/t/{tenant.slug}/audit/events{query}"


def events(tenant):
    for n in range(3):
        record_event("update", tenant_id=tenant.id, model="InfoRequest", record_id=str(n),
                     changes={"status": ["draft", "submitted"]})
    record_event("export", tenant_id=tenant.id, model="AuditEvent")
    db.session.commit()


def test_admin_filters_by_model_and_pages_newest_first(client, tenant, admin_user):
    events(tenant)
    headers = token_for(admin_user, tenant)
    page = client.get(api(tenant, "?model=InfoRequest&per_page=2"), headers=headers).json
    assert page["total"] == 3 and [e["record_id"] for e in page["items"]] == ["2", "1"]
    assert page["items"][0]["changes"] == {"status": ["draft", "submitted"]} and page["items"][0]["hash"]
    assert "page=2" in page["links"]["next"]
    oldest = client.get(api(tenant, "?model=InfoRequest&sort=occurred_at&per_page=1"), headers=headers).json
    assert oldest["items"][0]["record_id"] == "0"
    models = client.get(f"/api/v1/t/{tenant.slug}/audit/models", headers=headers).json["items"]
    assert "InfoRequest" in models and "AuditEvent" in models


def test_filters_by_actor(client, tenant, admin_user, staff):
    events(tenant)
    staff_headers = token_for(staff, tenant)
    for n in range(2):
        assert client.post(f"/api/v1/t/{tenant.slug}/visits/", json={"title": f"Visit {n}", "visited_on": "2026-03-02"},
                           headers=staff_headers).status_code == 201
    headers = token_for(admin_user, tenant)
    by_id = client.get(api(tenant, f"?actor_id={staff.id}&model=FieldVisit"), headers=headers).json
    assert by_id["total"] == 2 and {e["actor_id"] for e in by_id["items"]} == {staff.id}
    assert {e["action"] for e in by_id["items"]} == {"insert"}
    by_text = client.get(api(tenant, f"?actor={staff.email}&model=FieldVisit"), headers=headers).json
    assert by_text["total"] == 2
    assert client.get(api(tenant, f"?actor_id={admin_user.id}&model=FieldVisit"), headers=headers).json["total"] == 0


def test_filters_by_days_in_the_organisations_time_zone(client, tenant, admin_user):
    events(tenant)
    # 2026-03-01 20:00 UTC is 2026-03-02 03:00 in Phnom Penh.
    db.session.execute(update(AuditEvent).where(AuditEvent.model == "InfoRequest").values(
        occurred_at=datetime(2026, 3, 1, 20, 0, tzinfo=timezone.utc)))
    db.session.commit()
    headers = token_for(admin_user, tenant)
    assert client.get(api(tenant, "?model=InfoRequest&date_from=2026-03-02&date_to=2026-03-02"),
                      headers=headers).json["total"] == 3
    assert client.get(api(tenant, "?model=InfoRequest&date_to=2026-03-01"), headers=headers).json["total"] == 0


def test_bad_filters_are_a_clear_400(client, tenant, admin_user):
    headers = token_for(admin_user, tenant)
    reversed_dates = client.get(api(tenant, "?date_from=2026-03-02&date_to=2026-03-01"), headers=headers)
    assert reversed_dates.status_code == 422 and "date_to" in reversed_dates.json["errors"]
    assert reversed_dates.json["type"] == BUSINESS_RULE_TYPE
    for query in ("?date_from=0093-01-01", "?colour=red", "?sort=actor", "?per_page=101"):
        assert client.get(api(tenant, query), headers=headers).status_code == 400, query


def test_staff_may_not_read_the_audit_log(client, tenant, staff):
    assert client.get(api(tenant), headers=token_for(staff, tenant)).status_code == 403


def test_another_organisations_events_never_appear(client, tenant, other_tenant, admin_user):
    events(other_tenant)
    owner_b = make_member(other_tenant, "owner", email="owner@b.example")
    assert client.get(api(tenant, "?model=InfoRequest"), headers=token_for(admin_user, tenant)).json["total"] == 0
    assert client.get(api(other_tenant, "?model=InfoRequest"),
                      headers=token_for(owner_b, other_tenant)).json["total"] == 3
