"""The events API: a law's events (list, add the organisation's own; official ones only by operators
and conveners) and the upcoming events with from/to/law filters; errors are problem+json."""
from datetime import date, timedelta

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.policy_tracker import events
from plugins.policy_tracker.models import EventKind, LawEvent
from tests.helpers import make_member, token_for
from tests.plugins.policy_tracker.policy_events_helpers import private_law

SOON = date.today() + timedelta(days=5)


def test_add_and_list_a_laws_events(client, tenant, staff, followed_law):
    headers = token_for(staff, tenant)
    base = f"/api/v1/t/{tenant.slug}/policy/laws/{followed_law.id}/events"
    response = client.post(base, json={"title_en": "Workshop on draft 3", "kind": "workshop",
                                       "starts_on": SOON.isoformat(), "is_private": True}, headers=headers)
    assert response.status_code == 201, response.json
    assert response.json["official"] is False and response.json["law_title"] == "Law on Access to Information"
    listing = client.get(base, headers=headers).json
    assert listing["total"] == 1 and listing["items"][0]["title"] == "Workshop on draft 3"


def test_bad_event_input_is_a_problem_with_field_messages(client, tenant, staff, admin_user, followed_law):
    base = f"/api/v1/t/{tenant.slug}/policy/laws/{followed_law.id}/events"
    response = client.post(base, json={"title_en": " ", "starts_on": "2026-02-30", "remind_days_before": 99},
                           headers=token_for(staff, tenant))
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert {"title_en", "starts_on", "remind_days_before"} <= set(response.json["errors"]["json"])
    response = client.post(base, json={"title_en": "Official hearing", "starts_on": SOON.isoformat(), "official": True},
                           headers=token_for(staff, tenant))
    assert response.status_code == 422 and "official" in response.json["errors"]
    assert db.session.query(LawEvent).count() == 0
    response = client.post(base, json={"title_en": "Official hearing", "starts_on": SOON.isoformat(), "official": True},
                           headers=token_for(admin_user, tenant))     # a convener
    assert response.status_code == 201 and response.json["official"] is True


def test_upcoming_events_filters_and_isolation(client, tenant, other_tenant, staff, followed_law):
    db.session.add(LawEvent(law=followed_law, kind=EventKind.COMMEMORATION, title_en="A2I Day",
                            starts_on=date(2026, 9, 28)))
    db.session.commit()
    outsider = make_member(other_tenant, Role.STAFF, email="outsider@b.example")
    with tenant_scope(other_tenant.id):
        events.create_event(other_tenant.id, actor=outsider, title_en="Their meeting", starts_on=date(2026, 9, 27))
        db.session.commit()
    with tenant_scope(tenant.id):
        events.create_event(tenant.id, actor=staff, title_en="Our meeting", starts_on=date(2026, 10, 5))
        db.session.commit()
    headers = token_for(staff, tenant)
    url = f"/api/v1/t/{tenant.slug}/policy/events/"
    items = client.get(f"{url}?from=2026-09-01&to=2026-10-31", headers=headers).json["items"]
    assert [item["title"] for item in items] == ["A2I Day", "Our meeting"]
    items = client.get(f"{url}?from=2026-09-01&to=2026-10-31&law_id={followed_law.id}", headers=headers).json["items"]
    assert [item["title"] for item in items] == ["A2I Day"]
    response = client.get(f"{url}?from=2026-10-31&to=2026-09-01", headers=headers)
    assert response.status_code in (400, 422) and "to" in str(response.json["errors"])
    assert client.get(f"{url}?colour=red", headers=headers).status_code in (400, 422)


def test_another_organisations_private_law_is_404(client, tenant, other_tenant, staff, stages_seeded):
    law = private_law(other_tenant)
    headers = token_for(staff, tenant)
    assert client.get(f"/api/v1/t/{tenant.slug}/policy/laws/{law.id}/events", headers=headers).status_code == 404
    assert client.post(f"/api/v1/t/{tenant.slug}/policy/laws/{law.id}/events", headers=headers,
                       json={"title_en": "x", "starts_on": SOON.isoformat()}).status_code == 404


def test_a_viewer_cannot_add_events(client, tenant, viewer, followed_law):
    response = client.post(f"/api/v1/t/{tenant.slug}/policy/laws/{followed_law.id}/events",
                           json={"title_en": "x", "starts_on": SOON.isoformat()}, headers=token_for(viewer, tenant))
    assert response.status_code == 403
