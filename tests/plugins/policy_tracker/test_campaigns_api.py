"""The campaigns API: campaigns, recommendations and activities with the pages' rules; ETags;
strategy only for managers; stakeholders never beyond shown_name."""
from core.models import Role
from tests.helpers import make_member, token_for
from tests.plugins.policy_tracker.campaign_helpers import (make_campaign, make_contact, make_institution, make_law,
                                                          make_recommendation)

PROBLEM = "application/problem+json"
SECRET_STRATEGY = "Lobby the Secretary of State before the hearing"


def api(tenant, path: str) -> str:
    return f"/api/v1/t/{tenant.slug}/policy{path}"


def test_campaign_lifecycle_with_etag(client, tenant):
    admin = make_member(tenant, Role.ADMIN)
    auth = token_for(admin, tenant)
    law, ministry = make_law(), make_institution()
    created = client.post(api(tenant, "/campaigns/"), headers=auth, json={
        "title": "A2I law now", "status": "active", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
        "strategy_notes": SECRET_STRATEGY, "budget": "2500.00", "law_ids": [law.id], "institution_ids": [ministry.id]})
    assert created.status_code == 201, created.json
    assert created.json["law_ids"] == [law.id] and created.json["budget"] == "2500.00"
    assert created.json["team"][0]["id"] == admin.id
    url = api(tenant, f"/campaigns/{created.json['id']}")
    read = client.get(url, headers=auth)
    assert client.patch(url, json={"goal": "x"}, headers=auth).status_code == 428
    changed = client.patch(url, json={"goal": "Pass the law"}, headers={**auth, "If-Match": read.headers["ETag"]})
    assert changed.status_code == 200 and changed.json["goal"] == "Pass the law"
    stale = client.patch(url, json={"goal": "y"}, headers={**auth, "If-Match": read.headers["ETag"]})
    assert stale.status_code == 412 and stale.mimetype == PROBLEM
    listed = client.get(api(tenant, f"/campaigns/?law_id={law.id}"), headers=auth).json
    assert [item["title"] for item in listed["items"]] == ["A2I law now"]


def test_backwards_period_is_a_422(client, tenant, staff):
    response = client.post(api(tenant, "/campaigns/"), headers=token_for(staff, tenant), json={
        "title": "Backwards", "starts_on": "2026-05-01", "ends_on": "2026-04-01"})
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert response.json["errors"] == {"ends_on": ["The campaign cannot end before it starts."]}


def test_strategy_is_null_and_refused_without_permission(client, tenant, staff):
    campaign = make_campaign(tenant, strategy_notes=SECRET_STRATEGY, budget="5000")
    auth = token_for(staff, tenant)
    read = client.get(api(tenant, f"/campaigns/{campaign.id}"), headers=auth)
    assert read.json["strategy_notes"] is None and read.json["budget"] is None
    assert SECRET_STRATEGY not in read.get_data(as_text=True)
    response = client.patch(api(tenant, f"/campaigns/{campaign.id}"), json={"strategy_notes": "mine"},
                            headers={**auth, "If-Match": read.headers["ETag"]})
    assert response.status_code == 422 and "strategy_notes" in response.json["errors"]


def test_stakeholders_only_by_shown_name(client, tenant, staff):
    campaign = make_campaign(tenant)
    protected = make_contact(tenant, "Hidden Witness", protected=True)
    auth = token_for(staff, tenant)
    url = api(tenant, f"/campaigns/{campaign.id}")
    etag = client.get(url, headers=auth).headers["ETag"]
    response = client.patch(url, json={"stakeholders": [{"contact_id": protected.id, "role": "Source"}]},
                            headers={**auth, "If-Match": etag})
    assert response.status_code == 200
    assert response.json["stakeholders"] == [{"contact_id": protected.id, "name": f"Protected person #{protected.id}",
                                              "role": "Source"}]
    assert "Hidden Witness" not in response.get_data(as_text=True)


def test_recommendation_and_outcome(client, tenant, other_tenant, staff):
    law = make_law()
    auth = token_for(staff, tenant)
    created = client.post(api(tenant, "/recommendations/"), headers=auth, json={
        "law_id": law.id, "text_en": "Narrow exemptions", "partner_tenant_ids": [other_tenant.id]})
    assert created.status_code == 201 and created.json["partner_tenant_ids"] == [other_tenant.id]
    outcome_url = api(tenant, f"/recommendations/{created.json['id']}/outcome")
    missing = client.post(outcome_url, headers=auth, json={"outcome": "adopted", "outcome_on": "2026-06-01"})
    assert missing.status_code == 422
    assert missing.json["errors"] == {"outcome_evidence": ["Give the evidence of the outcome: a link or a reference."]}
    done = client.post(outcome_url, headers=auth, json={"outcome": "adopted", "outcome_on": "2026-06-01",
                                                        "outcome_evidence": "Royal Gazette"})
    assert done.status_code == 200 and done.json["outcome"] == "adopted"
    counts = client.get(api(tenant, f"/recommendations/taken-up?law_id={law.id}"), headers=auth).json
    assert counts == {"pending": 0, "adopted": 1, "partly_adopted": 0, "rejected": 0}
    unknown = client.post(api(tenant, "/recommendations/"), headers=auth, json={"law_id": 99999, "text_en": "x"})
    assert unknown.status_code == 422 and unknown.json["errors"] == {
        "law_id": ["Choose a law or policy from the register."]}
    # The co-submitter reads it through the pages only; the API's records are the owner's.
    partner = make_member(other_tenant, Role.ADMIN, email="admin@partner.example")
    assert client.get(api(other_tenant, f"/recommendations/{created.json['id']}"),
                      headers=token_for(partner, other_tenant)).status_code == 404


def test_activity_counts_over_total(client, tenant, staff):
    auth = token_for(staff, tenant)
    response = client.post(api(tenant, "/activities/"), headers=auth, json={
        "title": "Workshop", "occurred_on": "2026-03-02", "participants_total": 10, "participants_youth": 11})
    assert response.status_code == 422
    assert response.json["errors"] == {"participants_youth": ["This count cannot be larger than the total (10)."]}
    person = make_contact(tenant, "Keo Malis")
    ok = client.post(api(tenant, "/activities/"), headers=auth, json={
        "title": "Workshop", "occurred_on": "2026-03-02", "participants_total": 10, "participants_women": 6,
        "attendee_ids": [person.id]})
    assert ok.status_code == 201 and ok.json["attendees"] == [{"id": person.id, "name": "Keo Malis"}]
    listed = client.get(api(tenant, "/activities/?kind=meeting"), headers=auth).json
    assert listed["total"] == 1 and "attendees" not in listed["items"][0]


def test_recommendations_list(client, tenant, staff):
    law = make_law()
    make_recommendation(tenant, law, text_en="One")
    make_recommendation(tenant, law, text_en="Two")
    listed = client.get(api(tenant, "/recommendations/?outcome=pending&sort=-submitted_on"),
                        headers=token_for(staff, tenant)).json
    assert listed["total"] == 2
