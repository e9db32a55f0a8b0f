"""API rate limits: per token first, per address for calls without a valid token, shared through Redis
between app instances, answered as problem+json with Retry-After. Each test builds its own app with
low limits (the shared test app has them switched off)."""
from __future__ import annotations

import uuid

import pytest

from core import create_app
from core.models import Role
from tests.conftest import app_config
from tests.helpers import make_member, token_for

REDIS_URL = "redis://127.0.0.1:6379/14"


def limited_app(tmp_path, db_url, **overrides):
    settings = {"API_RATE_LIMITS_ENABLED": True, "API_RATE_LIMIT": "3/minute", "API_ADDRESS_RATE_LIMIT": "5/minute",
                "REDIS_URL": "", **overrides}
    return create_app(app_config(tmp_path, db_url, **settings))


def assert_too_many_requests(response) -> None:
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert int(response.headers["Retry-After"]) >= 1
    body = response.get_json()
    assert body["status"] == 429 and body["title"] == "Too many requests"
    assert "Try again in" in body["detail"]


def test_a_token_over_its_limit_gets_429_while_another_token_still_works(app, tmp_path, db_url, tenant):
    first = token_for(make_member(tenant, Role.STAFF, email="dara@kampot.example"), tenant)
    second = token_for(make_member(tenant, Role.STAFF, email="sokha@kampot.example"), tenant)
    client = limited_app(tmp_path, db_url).test_client()

    assert [client.get("/api/v1/me", headers=first).status_code for _ in range(3)] == [200, 200, 200]
    assert_too_many_requests(client.get("/api/v1/me", headers=first))
    assert client.get("/api/v1/me", headers=second).status_code == 200


def test_the_limit_counts_every_api_endpoint_of_a_token_together(app, tmp_path, db_url, tenant):
    headers = token_for(make_member(tenant, Role.STAFF), tenant)
    client = limited_app(tmp_path, db_url).test_client()

    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.get(f"/api/v1/t/{tenant.slug}/contacts/", headers=headers).status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert_too_many_requests(client.get(f"/api/v1/t/{tenant.slug}/contacts/", headers=headers))


def test_the_429_detail_is_translated(app, tmp_path, db_url, tenant):
    headers = {**token_for(make_member(tenant, Role.STAFF), tenant), "Accept-Language": "km"}
    client = limited_app(tmp_path, db_url, API_RATE_LIMIT="1/minute").test_client()

    client.get("/api/v1/me", headers=headers)
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 429
    assert "Too many requests" not in response.get_data(as_text=True)


def test_calls_without_a_token_are_limited_per_address(app, tmp_path, db_url):
    client = limited_app(tmp_path, db_url).test_client()

    assert [client.get("/api/v1/me").status_code for _ in range(5)] == [401] * 5
    assert_too_many_requests(client.get("/api/v1/me"))
    assert client.get("/api/v1/me", environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 401


def test_made_up_tokens_count_against_their_address(app, tmp_path, db_url):
    client = limited_app(tmp_path, db_url).test_client()

    statuses = [client.get("/api/v1/me", headers={"Authorization": f"Bearer smk_made_up_{number}"}).status_code
                for number in range(6)]
    assert statuses == [401] * 5 + [429]


def test_pages_are_not_limited_by_the_api_limits(app, tmp_path, db_url):
    client = limited_app(tmp_path, db_url).test_client()

    assert {client.get("/login").status_code for _ in range(8)} == {200}


def test_limits_are_shared_by_app_instances_through_redis(app, tmp_path, db_url, tenant):
    headers = token_for(make_member(tenant, Role.STAFF), tenant)
    shared = {"REDIS_URL": REDIS_URL, "API_RATE_LIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    one = limited_app(tmp_path / "one", db_url, **shared).test_client()
    other = limited_app(tmp_path / "other", db_url, **shared).test_client()

    assert one.get("/api/v1/me", headers=headers).status_code == 200
    assert other.get("/api/v1/me", headers=headers).status_code == 200
    assert one.get("/api/v1/me", headers=headers).status_code == 200
    assert_too_many_requests(other.get("/api/v1/me", headers=headers))
    assert [one.get("/api/v1/me").status_code, other.get("/api/v1/me").status_code] == [401, 401]


def test_without_redis_limits_are_kept_in_memory_per_app(app, tmp_path, db_url, tenant):
    headers = token_for(make_member(tenant, Role.STAFF), tenant)
    one = limited_app(tmp_path / "one", db_url, API_RATE_LIMIT="1/minute")
    other = limited_app(tmp_path / "other", db_url, API_RATE_LIMIT="1/minute")

    assert "memory" in type(one.extensions["samaki_rate_limiter"].storage).__name__.lower()
    assert one.test_client().get("/api/v1/me", headers=headers).status_code == 200
    assert one.test_client().get("/api/v1/me", headers=headers).status_code == 429
    assert other.test_client().get("/api/v1/me", headers=headers).status_code == 200


def test_an_unreachable_redis_keeps_the_api_answering_and_limiting_in_memory(app, tmp_path, db_url, tenant):
    headers = token_for(make_member(tenant, Role.STAFF), tenant)
    client = limited_app(tmp_path, db_url, API_RATE_LIMIT="1/minute", REDIS_URL="redis://127.0.0.1:1/0").test_client()

    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert_too_many_requests(client.get("/api/v1/me", headers=headers))

def test_limits_switched_off_never_answer_429(app, tmp_path, db_url):
    client = limited_app(tmp_path, db_url, API_RATE_LIMITS_ENABLED=False).test_client()

    assert {client.get("/api/v1/me").status_code for _ in range(8)} == {401}


@pytest.mark.parametrize("enabled", [True, False])
def test_the_openapi_document_mentions_429(app, tmp_path, db_url, enabled):
    client = limited_app(tmp_path, db_url, API_RATE_LIMITS_ENABLED=enabled).test_client()

    description = client.get("/api/v1/openapi.json").get_json()["info"]["description"]
    assert "429" in description and "Retry-After" in description
    assert ("3/minute per token" in description) is enabled


def test_a_malformed_limit_stops_the_app_at_start_up(app, tmp_path, db_url):
    with pytest.raises(ValueError, match="SAMAKI_API_RATE_LIMIT must look like"):
        limited_app(tmp_path, db_url, API_RATE_LIMIT="lots per minute")
