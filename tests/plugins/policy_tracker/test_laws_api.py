"""The laws API: list with filters, one entry with its ETag, private entries by POST, PATCH with
If-Match, the stage history (same rules as the pages; a member gets 403 on the official history)
and versions; errors are problem+json naming the field."""
from datetime import date

from sqlalchemy import func, select

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.policy_tracker import services
from plugins.policy_tracker.models import InstrumentType, Law, PolicyStage, StageChange
from tests.helpers import make_member, token_for


def stage_id(code: str, kind: InstrumentType = InstrumentType.LAW) -> int:
    return db.session.scalar(select(PolicyStage.id).where(PolicyStage.instrument_type == kind,
                                                          PolicyStage.code == code))


def test_list_and_filters(client, law, tenant, other_tenant):
    with tenant_scope(other_tenant.id):
        services.create_law(title_en="Their secret prakas", instrument_type="prakas", actor=None)
        db.session.commit()
    with tenant_scope(tenant.id):
        mine = services.create_law(title_en="Our prakas", instrument_type="prakas", actor=None)
        services.record_stage_change(mine, stage_id("review", InstrumentType.PRAKAS), date(2025, 2, 1), actor=None)
        db.session.commit()
    headers = token_for(make_member(tenant, Role.VIEWER), tenant)
    base = f"/api/v1/t/{tenant.slug}/policy/laws/"
    body = client.get(base, headers=headers).get_json()
    assert body["total"] == 2 and {item["title_en"] for item in body["items"]} == {"Law on Access to Information",
                                                                                  "Our prakas"}
    assert [i["title_en"] for i in client.get(base + "?type=prakas", headers=headers).get_json()["items"]] == ["Our prakas"]
    only = client.get(base + "?stage=review", headers=headers).get_json()["items"]
    assert [i["title_en"] for i in only] == ["Our prakas"] and only[0]["current_stage"]["code"] == "review"
    assert [i["title_en"] for i in client.get(base + "?q=access", headers=headers).get_json()["items"]] == [
        "Law on Access to Information"]
    bad = client.get(base + "?colour=red", headers=headers)
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"


def test_post_a_private_entry_and_duplicates_are_refused(client, law, tenant, ministry):
    headers = token_for(make_member(tenant, Role.STAFF), tenant)
    base = f"/api/v1/t/{tenant.slug}/policy/laws/"
    created = client.post(base, json={"title_en": "Sub-decree on fees", "instrument_type": "sub_decree",
                                      "institution_ids": [ministry.id], "tags": ["fees"]}, headers=headers)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["official"] is False and created.get_json()["institution_ids"] == [ministry.id]
    duplicate = client.post(base, json={"title_en": "LAW ON ACCESS TO INFORMATION", "instrument_type": "law"},
                            headers=headers)
    assert duplicate.status_code == 422 and duplicate.mimetype == "application/problem+json"
    assert "already in the register" in duplicate.get_json()["errors"]["title_en"][0]
    missing = client.post(base, json={"instrument_type": "martian"}, headers=headers)
    assert missing.status_code == 422 and {"title_en", "instrument_type"} <= set(missing.get_json()["errors"]["json"])


def test_patch_needs_if_match_and_members_cannot_patch_official_entries(client, law, tenant):
    with tenant_scope(tenant.id):
        mine = services.create_law(title_en="Our draft", instrument_type="decision", actor=None)
        db.session.commit()
    headers = token_for(make_member(tenant, Role.OWNER), tenant)
    url = f"/api/v1/t/{tenant.slug}/policy/laws/{mine.id}"
    read = client.get(url, headers=headers)
    etag = read.headers["ETag"]
    assert client.patch(url, json={"summary_en": "x"}, headers=headers).status_code == 428
    changed = client.patch(url, json={"summary_en": "Our notes", "links": ["https://example.org/draft"]},
                           headers={**headers, "If-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["summary_en"] == "Our notes"
    assert client.patch(url, json={"summary_en": "stale"}, headers={**headers, "If-Match": etag}).status_code == 412
    official = f"/api/v1/t/{tenant.slug}/policy/laws/{law.id}"
    etag = client.get(official, headers=headers).headers["ETag"]
    refused = client.patch(official, json={"title_en": "Hijacked"}, headers={**headers, "If-Match": etag})
    assert refused.status_code == 403 and "conveners" in refused.get_json()["errors"]["law"][0]
    db.session.expire_all()
    assert db.session.get(Law, law.id).title_en == "Law on Access to Information"


def test_stage_history_rules_through_the_api(client, followed_law, tenant, other_tenant):
    url = f"/api/v1/t/{tenant.slug}/policy/laws/{followed_law.id}/stages"
    member = token_for(make_member(other_tenant, Role.OWNER, email="owner@b.example"), other_tenant)
    refused = client.post(f"/api/v1/t/{other_tenant.slug}/policy/laws/{followed_law.id}/stages",
                          json={"stage_code": "drafting", "occurred_on": "2020-01-01"}, headers=member)
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    convener = token_for(make_member(tenant, Role.ADMIN), tenant)
    first = client.post(url, json={"stage_code": "drafting", "occurred_on": "2020-06-01", "source": "Press"},
                        headers=convener)
    assert first.status_code == 201 and first.get_json()["stage"]["code"] == "drafting"
    backwards = client.post(url, json={"stage_id": stage_id("senate"), "occurred_on": "2020-01-01"}, headers=convener)
    assert backwards.status_code == 422 and "never go backwards" in backwards.get_json()["errors"]["occurred_on"][0]
    wrong = client.post(url, json={"stage_code": "adopted", "occurred_on": "2021-01-01"}, headers=convener)
    assert wrong.status_code == 422 and "stage_code" in wrong.get_json()["errors"]
    ended = client.post(url, json={"stage_code": "withdrawn", "occurred_on": "2021-01-01"}, headers=convener)
    assert ended.status_code == 201
    after = client.post(url, json={"stage_code": "drafting", "occurred_on": "2022-01-01"}, headers=convener)
    assert after.status_code == 422 and "ended" in after.get_json()["errors"]["stage_id"][0]
    history = client.get(url, headers=convener).get_json()
    assert [item["stage"]["code"] for item in history["items"]] == ["drafting", "withdrawn"]
    assert db.session.scalar(select(func.count(StageChange.id))) == 2


def test_versions_through_the_api(client, followed_law, tenant):
    headers = token_for(make_member(tenant, Role.ADMIN), tenant)
    url = f"/api/v1/t/{tenant.slug}/policy/laws/{followed_law.id}/versions"
    created = client.post(url, json={"label": "Draft 1", "dated_on": "2019-03-18", "source": "Ministry"},
                          headers=headers)
    assert created.status_code == 201 and created.get_json()["files"] == []
    blank = client.post(url, json={"label": "  "}, headers=headers)
    assert blank.status_code == 422 and "label" in blank.get_json()["errors"]["json"]
    listed = client.get(url, headers=headers).get_json()
    assert [item["label"] for item in listed["items"]] == ["Draft 1"]
