"""The JSON API conventions, shown on the core's /me and the test plugin's visits API."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.auth.tokens import issue_token
from core.columns import utcnow
from core.extensions import db
from core.models import AuditEvent, Membership, Role
from core.tenancy import tenant_scope
from tests.example_plugin.models import FieldVisit
from tests.helpers import make_member

PROBLEM = "application/problem+json"


def token_for(user, tenant, days=30) -> str:
    membership = db.session.execute(select(Membership).where(Membership.user_id == user.id,
                                                             Membership.tenant_id == tenant.id)).scalar_one()
    _token, secret = issue_token(membership, "test", days)
    db.session.commit()
    return secret


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def add_visits(tenant, count: int) -> None:
    with tenant_scope(tenant.id):
        for n in range(count):
            db.session.add(FieldVisit(title=f"Visit {n:02d}", visited_on=date(2026, 1, 1) + timedelta(days=n)))
        db.session.commit()


@pytest.fixture
def staff_token(staff, tenant):
    return token_for(staff, tenant)


def test_me_says_who_the_token_belongs_to(client, staff, tenant, staff_token):
    response = client.get("/api/v1/me", headers=bearer(staff_token))
    assert response.status_code == 200
    assert response.json["user"]["email"] == staff.email
    assert response.json["tenant"]["slug"] == tenant.slug and response.json["role"] == "staff"


@pytest.mark.parametrize("header", [None, "Bearer smk_unknown", "Basic abc"])
def test_missing_or_unknown_token_is_401_problem(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert response.status_code == 401 and response.mimetype == PROBLEM
    assert response.json["title"] == "Login required"


def test_expired_and_revoked_tokens_are_refused(client, staff, tenant):
    secret = token_for(staff, tenant)
    from core.models import ApiToken
    token = db.session.execute(select(ApiToken)).scalar_one()
    token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    token.expires_at, token.revoked_at = None, utcnow()
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_token_records_when_it_was_last_used(client, staff, tenant, staff_token):
    client.get("/api/v1/me", headers=bearer(staff_token))
    db.session.rollback()   # the test shares the request's session: keep only what was committed
    from core.models import ApiToken
    assert db.session.execute(select(ApiToken)).scalar_one().last_used_at is not None


def test_reading_with_a_token_writes_no_audit_event(client, staff, tenant, staff_token):
    """Using a token is bookkeeping, not a change: reads stay reads (and cheap) however many there are."""
    before = db.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    for _ in range(3):
        assert client.get("/api/v1/me", headers=bearer(staff_token)).status_code == 200
    assert db.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == before


def test_token_of_another_tenant_gets_404(client, staff, tenant, other_tenant, staff_token):
    assert client.get(f"/api/v1/t/{other_tenant.slug}/visits/", headers=bearer(staff_token)).status_code == 404


def test_session_cookie_does_not_authenticate_the_api(staff_client, tenant):
    response = staff_client.get(f"/api/v1/t/{tenant.slug}/visits/")
    assert response.status_code == 401


def test_list_is_paginated_with_total_and_links(client, tenant, staff_token):
    add_visits(tenant, 7)
    page = client.get(f"/api/v1/t/{tenant.slug}/visits/?per_page=3&page=2&sort=title", headers=bearer(staff_token)).json
    assert page["total"] == 7 and page["page"] == 2 and page["per_page"] == 3
    assert [v["title"] for v in page["items"]] == ["Visit 03", "Visit 04", "Visit 05"]
    assert "page=3" in page["links"]["next"] and "page=1" in page["links"]["prev"] and "page=3" in page["links"]["last"]


def test_list_filters_and_sorts_descending(client, tenant, staff_token):
    add_visits(tenant, 12)
    page = client.get(f"/api/v1/t/{tenant.slug}/visits/?q=Visit 1&sort=-visited_on", headers=bearer(staff_token)).json
    assert [v["title"] for v in page["items"]] == ["Visit 11", "Visit 10"]


@pytest.mark.parametrize("query", ["colour=blue", "per_page=1000", "page=0", "sort=password", "page=abc"])
def test_bad_query_parameters_are_a_clear_400(client, tenant, staff_token, query):
    response = client.get(f"/api/v1/t/{tenant.slug}/visits/?{query}", headers=bearer(staff_token))
    assert response.status_code == 400 and response.mimetype == PROBLEM
    field = query.split("=")[0]
    assert field in response.json["errors"]["query"]


def test_invalid_body_gets_422_with_field_messages_and_writes_nothing(client, tenant, staff_token):
    response = client.post(f"/api/v1/t/{tenant.slug}/visits/", json={"title": "", "visited_on": "not a date"},
                           headers=bearer(staff_token))
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert set(response.json["errors"]["json"]) == {"title", "visited_on"}
    with tenant_scope(tenant.id):
        assert db.session.execute(select(FieldVisit)).first() is None


def test_malformed_json_is_a_400_problem(client, tenant, staff_token):
    response = client.post(f"/api/v1/t/{tenant.slug}/visits/", data="{not json",
                           headers={**bearer(staff_token), "Content-Type": "application/json"})
    assert response.status_code in (400, 422) and response.mimetype == PROBLEM


def test_viewer_token_cannot_create(client, tenant, viewer):
    response = client.post(f"/api/v1/t/{tenant.slug}/visits/", json={"title": "x", "visited_on": "2026-01-01"},
                           headers=bearer(token_for(viewer, tenant)))
    assert response.status_code == 403 and response.mimetype == PROBLEM


def test_create_is_audited_with_the_token_as_actor(client, tenant, staff_token):
    response = client.post(f"/api/v1/t/{tenant.slug}/visits/", json={"title": "Commune meeting", "visited_on": "2026-02-03"},
                           headers=bearer(staff_token))
    assert response.status_code == 201 and response.json["title"] == "Commune meeting"
    event = db.session.execute(select(AuditEvent).where(AuditEvent.model == "FieldVisit")).scalar_one()
    assert event.action == "insert" and "token" in event.actor_label


def test_stale_update_is_refused_and_current_one_accepted(client, tenant, staff_token):
    created = client.post(f"/api/v1/t/{tenant.slug}/visits/", json={"title": "A", "visited_on": "2026-02-03"},
                          headers=bearer(staff_token)).json
    url = f"/api/v1/t/{tenant.slug}/visits/{created['id']}"
    etag = client.get(url, headers=bearer(staff_token)).headers["ETag"]
    assert client.patch(url, json={"title": "B"}, headers=bearer(staff_token)).status_code == 428
    first = client.patch(url, json={"title": "B"}, headers={**bearer(staff_token), "If-Match": etag})
    assert first.status_code == 200 and first.json["title"] == "B"
    stale = client.patch(url, json={"title": "C"}, headers={**bearer(staff_token), "If-Match": etag})
    assert stale.status_code == 412 and stale.mimetype == PROBLEM
    assert client.get(url, headers=bearer(staff_token)).json["title"] == "B"


def test_tokens_page_shows_a_new_token_once_and_revokes_it(staff_client, tenant, client):
    page = staff_client.post(f"/t/{tenant.slug}/tokens/", data={"name": "stats script", "lifetime": "30"}).text
    import re
    secret = re.search(r'<code id="new-token">([^<]+)</code>', page).group(1)
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    listing = staff_client.get(f"/t/{tenant.slug}/tokens/").text
    assert "stats script" in listing and secret not in listing
    from core.models import ApiToken
    token = db.session.execute(select(ApiToken)).scalar_one()
    staff_client.post(f"/t/{tenant.slug}/tokens/{token.id}/revoke")
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_cli_creates_a_token_that_works(app, client, staff, tenant):
    result = app.test_cli_runner().invoke(args=["tokens", "create", staff.email, tenant.slug, "--days", "7"])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/me", headers=bearer(result.output.strip())).json["user"]["email"] == staff.email


def test_cli_refuses_a_non_member(app, tenant, other_tenant):
    stranger = make_member(other_tenant, "staff")
    result = app.test_cli_runner().invoke(args=["tokens", "create", stranger.email, tenant.slug])
    assert result.exit_code != 0 and "not an active member" in result.output


def test_large_totals_are_cached_briefly_per_tenant_and_filter(client, staff, tenant, other_tenant, staff_token,
                                                               monkeypatch):
    from core import cache
    monkeypatch.setattr(cache, "LARGE_RESULT", 5)
    monkeypatch.setattr(cache, "_entries", {})
    add_visits(tenant, 6)
    url = f"/api/v1/t/{tenant.slug}/visits/"
    assert client.get(url, headers=bearer(staff_token)).json["total"] == 6
    add_visits(tenant, 1)
    assert client.get(url, headers=bearer(staff_token)).json["total"] == 6      # a minute's lag at most
    assert client.get(url + "?per_page=2", headers=bearer(staff_token)).json["total"] == 6
    other_member = make_member(other_tenant, Role.STAFF)
    add_visits(other_tenant, 2)
    other = client.get(f"/api/v1/t/{other_tenant.slug}/visits/", headers=bearer(token_for(other_member, other_tenant)))
    assert other.json["total"] == 2                                               # never another tenant's total
    monkeypatch.setattr(cache, "TTL_SECONDS", 0.0)
    assert client.get(url, headers=bearer(staff_token)).json["total"] == 7


def test_small_totals_are_always_exact(client, staff, tenant, staff_token):
    add_visits(tenant, 3)
    url = f"/api/v1/t/{tenant.slug}/visits/"
    assert client.get(url, headers=bearer(staff_token)).json["total"] == 3
    add_visits(tenant, 1)
    assert client.get(url, headers=bearer(staff_token)).json["total"] == 4


def test_text_no_database_can_store_is_cleaned_before_validation(client, tenant, staff):
    """A NUL character or a lone surrogate in JSON is dropped or replaced, never a database error."""
    from tests.helpers import token_for
    response = client.post(f"/api/v1/t/{tenant.slug}/institutions/", headers=token_for(staff, tenant),
                           json={"code": "PRIV-1", "kind": "other", "name_en": "Kampot\u0000 Youth\udb8d Office"})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["name_en"] == "Kampot Youth? Office"
