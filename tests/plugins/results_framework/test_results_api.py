"""The results-framework API: indicators with targets and values per period (the same figures as
services), period validation, freezing and correcting snapshots, snapshots that never change
through the API, permissions and tenant isolation, errors as problem+json."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core.extensions import db
from core.models import Role
from core.periods import parse_period, year
from core.tenancy import tenant_scope
from plugins.results_framework import services
from plugins.results_framework.models import Accumulation, Snapshot, SnapshotValue, Source, Unit
from tests.helpers import StatementCounter, make_member, token_for
from tests.plugins.results_framework.conftest import enter, make_indicator

PROBLEM = "application/problem+json"
FROZEN_MESSAGE = "A frozen snapshot cannot be changed. Record a correction instead."


def api(tenant, path: str) -> str:
    return f"/api/v1/t/{tenant.slug}/results{path}"


def trained_people(tenant, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1", targets={"2026": 100, "2026-Q1": 20},
                               baseline_value=12, baseline_on=date(2024, 1, 1), disaggregations=["sex"])
    enter(tenant, indicator, "2026-Q1", 30, breakdown={"sex": {"female": 18, "male": 12}}, comment="Two trainings")
    enter(tenant, indicator, "2026-Q2", 20, breakdown={"sex": {"female": 9, "male": 11}})
    return indicator


def frozen_snapshot(tenant, period_key: str = "2026-Q1", comment: str = "Quarter closed") -> int:
    with tenant_scope(tenant.id):
        snapshot = services.freeze(tenant, parse_period(period_key), actor_id=None, comment=comment,
                                   today=date(2026, 12, 1))
        db.session.commit()
        return snapshot.id


def test_indicator_values_match_services(client, tenant, staff, outcome):
    manual = trained_people(tenant, outcome)
    computed = make_indicator(tenant, outcome, "1.1.2", name_en="Districts actively disclosing",
                              source=Source.COMPUTED, source_code="a2i.active_districts", unit=Unit.NUMBER,
                              accumulation=Accumulation.PER_PERIOD, targets={"2026": 30})
    response = client.get(api(tenant, "/indicators/?period=2026&period=2026-Q1"), headers=token_for(staff, tenant))
    assert response.status_code == 200, response.json
    items = {item["code"]: item for item in response.json["items"]}
    assert response.json["total"] == 2 and list(items) == ["1.1.1", "1.1.2"]

    with tenant_scope(tenant.id):
        indicators = services.all_indicators(tenant.id)
        expected = services.values_by_period(tenant, indicators, [year(2026), parse_period("2026-Q1")])
    for indicator in (manual, computed):
        shown = items[indicator.code]["values"]
        assert [value["period"] for value in shown] == ["2026", "2026-Q1"]
        for value in shown:
            figure = expected[value["period"]][indicator.id]
            assert value["value"] == (None if figure.value is None else float(figure.value))
            assert value["target"] == (None if figure.target is None else float(figure.target))
            assert value["status"] == figure.status.value and value["frozen"] is False

    trained = items["1.1.1"]
    assert trained["values"][0]["value"] == 50 and trained["values"][0]["target"] == 100
    assert trained["values"][0]["breakdown"] == {"sex": {"female": 27, "male": 23}}
    assert trained["values"][1] == {**trained["values"][1], "value": 30, "target": 20, "status": "met",
                                    "comment": "Two trainings", "label": "Q1 2026"}
    assert trained["baseline"] == {"value": 12, "date": "2024-01-01"}
    assert trained["targets"] == [{"period": "2026", "value": 100}, {"period": "2026-Q1", "value": 20}]
    assert (trained["outcome_code"], trained["objective_code"], trained["unit"]) == ("1.1", "SO1", "people")
    assert trained["disaggregations"] == ["sex"] and trained["name_km"] == "ចំនួនអ្នកបានទទួលការបណ្តុះបណ្តាល"
    assert items["1.1.2"]["source"] == "computed" and items["1.1.2"]["source_code"] == "a2i.active_districts"


def test_without_period_the_current_calendar_year_is_shown(client, tenant, staff, outcome):
    indicator = trained_people(tenant, outcome)
    response = client.get(api(tenant, f"/indicators/{indicator.id}"), headers=token_for(staff, tenant))
    assert response.status_code == 200
    assert [value["period"] for value in response.json["values"]] == [str(date.today().year)]


def test_a_bad_period_is_a_422_naming_the_field(client, tenant, staff, outcome):
    indicator = trained_people(tenant, outcome)
    auth = token_for(staff, tenant)
    for query in ("?period=2026-Q5", "?period=next-year", "?period=2026&period=2035"):
        for path in ("/indicators/", f"/indicators/{indicator.id}"):
            response = client.get(api(tenant, path + query), headers=auth)
            assert response.status_code == 422 and response.mimetype == PROBLEM, (path, query)
            assert list(response.json["errors"]) == ["period"]
    too_many = "&".join(f"period={number}" for number in range(2024, 2029)) + "&period=2026-Q1" * 8
    assert client.get(api(tenant, f"/indicators/?{too_many}"), headers=auth).json["errors"] == {
        "period": ["Ask for 12 periods at most."]}
    outside = client.get(api(tenant, "/indicators/?period=2035"), headers=auth)
    assert outside.json["errors"] == {"period": ["2035 is outside the plan's years 2024–2028."]}
    wrong = client.post(api(tenant, "/snapshots/"), json={"period": "Q1"},
                        headers=token_for(make_member(tenant, Role.ADMIN), tenant))
    assert wrong.status_code == 422 and "period" in wrong.json["errors"]


def test_freeze_a_period_and_read_its_snapshot(client, tenant, outcome):
    indicator = trained_people(tenant, outcome)
    auth = token_for(make_member(tenant, Role.ADMIN), tenant)
    created = client.post(api(tenant, "/snapshots/"), headers=auth, json={
        "period": "2026-Q1", "comment": "Quarter closed", "comments": {"1.1.1": "Checked against the lists"}})
    assert created.status_code == 201, created.json
    snapshot = created.json
    assert (snapshot["period"], snapshot["in_force"], snapshot["corrects_id"]) == ("2026-Q1", True, None)
    assert snapshot["values"] == [{
        "indicator_id": indicator.id, "code": "1.1.1", "name_en": "People trained",
        "name_km": "ចំនួនអ្នកបានទទួលការបណ្តុះបណ្តាល", "unit": "people", "value": 30, "target": 20, "status": "met",
        "breakdown": {"sex": {"female": 18, "male": 12}}, "comment": "Checked against the lists"}]
    assert client.get(api(tenant, f"/snapshots/{snapshot['id']}"), headers=auth).json == snapshot

    enter(tenant, indicator, "2026-Q1", 31)      # a late change does not move the frozen figure
    read = client.get(api(tenant, f"/indicators/{indicator.id}?period=2026-Q1"), headers=auth).json
    assert read["values"][0]["value"] == 30 and read["values"][0]["frozen"] is True

    again = client.post(api(tenant, "/snapshots/"), headers=auth, json={"period": "2026-Q1"})
    assert again.status_code == 409 and again.mimetype == PROBLEM
    assert again.json["errors"] == {"period": ["Q1 2026 is already frozen. Record a correction instead."]}
    assert db.session.scalar(select(func.count()).select_from(Snapshot)) == 1


def test_correction_is_a_new_snapshot_linked_to_the_one_in_force(client, tenant, outcome):
    indicator = trained_people(tenant, outcome)
    first_id = frozen_snapshot(tenant)
    enter(tenant, indicator, "2026-Q1", 31)
    auth = token_for(make_member(tenant, Role.ADMIN), tenant)
    url = api(tenant, f"/snapshots/{first_id}/corrections")

    assert client.post(url, headers=auth, json={}).status_code == 422
    blank = client.post(url, headers=auth, json={"comment": "   "})
    assert blank.status_code == 422 and blank.json["errors"] == {"comment": ["Say why the snapshot is corrected."]}

    corrected = client.post(url, headers=auth, json={"comment": "One participant list came late",
                                                      "comments": {"1.1.1": "31 after the late list"}})
    assert corrected.status_code == 201, corrected.json
    assert corrected.json["corrects_id"] == first_id and corrected.json["in_force"] is True
    assert corrected.json["values"][0]["value"] == 31
    assert corrected.json["values"][0]["comment"] == "31 after the late list"
    assert client.get(api(tenant, f"/snapshots/{first_id}"), headers=auth).json["in_force"] is False

    listed = client.get(api(tenant, "/snapshots/?period=2026-Q1"), headers=auth).json
    assert [(item["id"], item["in_force"]) for item in listed["items"]] == [
        (corrected.json["id"], True), (first_id, False)]
    stale = client.post(url, headers=auth, json={"comment": "Again"})
    assert stale.status_code == 409 and stale.mimetype == PROBLEM
    assert stale.json["detail"] == "Only the snapshot in force for a period can be corrected."


def test_snapshot_cannot_be_changed_or_deleted_through_the_api(client, tenant, outcome):
    trained_people(tenant, outcome)
    snapshot_id = frozen_snapshot(tenant)
    auth = token_for(make_member(tenant, Role.OWNER), tenant)
    url = api(tenant, f"/snapshots/{snapshot_id}")
    before = client.get(url, headers=auth).json
    for method in ("PATCH", "PUT", "DELETE"):
        response = client.open(url, method=method, headers=auth, json={"comment": "Changed", "values": []})
        assert response.status_code == 409 and response.mimetype == PROBLEM, method
        assert response.json["detail"] == FROZEN_MESSAGE
        assert response.json["errors"] == {"id": [FROZEN_MESSAGE]}
    assert client.get(url, headers=auth).json == before
    db.session.expire_all()
    with tenant_scope(tenant.id):
        stored = db.session.get(Snapshot, snapshot_id)
        assert stored.comment == "Quarter closed" and [value.value for value in stored.values] == [30]
    assert db.session.scalar(select(func.count()).select_from(SnapshotValue)) == 1
    assert client.patch(api(tenant, f"/snapshots/{snapshot_id + 1}"), headers=auth).status_code == 404


def test_openapi_documents_the_409_of_a_frozen_snapshot(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    snapshot = paths["/api/v1/t/{tenant_slug}/results/snapshots/{snapshot_id}"]
    for method in ("patch", "put", "delete"):
        refused = snapshot[method]["responses"]["409"]
        assert "Record a correction" in refused["description"]
        assert "application/problem+json" in refused["content"]


def test_viewer_cannot_freeze_a_period(client, tenant, viewer, outcome):
    trained_people(tenant, outcome)
    snapshot_id = frozen_snapshot(tenant, "2026-Q2")
    auth = token_for(viewer, tenant)
    refused = client.post(api(tenant, "/snapshots/"), headers=auth, json={"period": "2026-Q1"})
    assert refused.status_code == 403 and refused.mimetype == PROBLEM
    assert client.post(api(tenant, f"/snapshots/{snapshot_id}/corrections"), headers=auth,
                       json={"comment": "Mine"}).status_code == 403
    assert client.delete(api(tenant, f"/snapshots/{snapshot_id}"), headers=auth).status_code == 403
    assert client.get(api(tenant, "/snapshots/"), headers=auth).json["total"] == 1
    assert db.session.scalar(select(func.count()).select_from(Snapshot)) == 1


def test_token_of_another_tenant_gets_404(client, tenant, other_tenant, outcome):
    indicator = trained_people(tenant, outcome)
    snapshot_id = frozen_snapshot(tenant)
    owner_b = make_member(other_tenant, Role.OWNER, email="owner@b.example")
    auth = token_for(owner_b, other_tenant)
    for path in ("/indicators/", f"/indicators/{indicator.id}", "/snapshots/", f"/snapshots/{snapshot_id}"):
        response = client.get(api(tenant, path), headers=auth)
        assert response.status_code == 404 and response.mimetype == PROBLEM, path
        # The same ids in its own tenant's space find nothing either.
        own = client.get(api(other_tenant, path), headers=auth)
        assert own.status_code in (200, 404) and "People trained" not in own.get_data(as_text=True)
        if own.status_code == 200:
            assert own.json["total"] == 0
    assert client.post(api(tenant, "/snapshots/"), headers=auth, json={"period": "2026-Q3"}).status_code == 404
    assert client.delete(api(tenant, f"/snapshots/{snapshot_id}"), headers=auth).status_code == 404
    assert client.post(api(other_tenant, f"/snapshots/{snapshot_id}/corrections"), headers=auth,
                       json={"comment": "Take it"}).status_code == 404


def test_unknown_indicator_code_in_comments_is_a_422(client, tenant, outcome):
    trained_people(tenant, outcome)
    response = client.post(api(tenant, "/snapshots/"), headers=token_for(make_member(tenant, Role.ADMIN), tenant),
                           json={"period": "2026-Q1", "comments": {"9.9.9": "?"}})
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert response.json["errors"] == {"comments": ["No indicator has the code 9.9.9."]}
    assert db.session.scalar(select(func.count()).select_from(Snapshot)) == 0


def test_indicator_list_query_count_does_not_grow_with_indicators(client, tenant, staff, outcome):
    auth = token_for(staff, tenant)
    url = api(tenant, "/indicators/?period=2026&period=2026-Q1")
    make_indicator(tenant, outcome, "1.1.1", targets={"2026": 10})
    with StatementCounter() as few:
        assert client.get(url, headers=auth).status_code == 200
    for number in range(2, 8):
        make_indicator(tenant, outcome, f"1.1.{number}", targets={"2026": 10})
    with StatementCounter() as many:
        assert client.get(url, headers=auth).json["total"] == 7
    assert many.count <= few.count
    first = client.get(url + "&per_page=5", headers=auth).json
    assert [item["code"] for item in first["items"]] == [f"1.1.{number}" for number in range(1, 6)]
    following = client.get(first["links"]["next"], headers=auth).json
    assert [item["code"] for item in following["items"]] == ["1.1.6", "1.1.7"]
    assert [value["period"] for value in following["items"][0]["values"]] == ["2026", "2026-Q1"]
