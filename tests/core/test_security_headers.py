"""Every blueprint's answers carry the security headers: a strict CSP with frame-ancestors,
nosniff, no framing, a same-origin Referrer-Policy, HSTS when served over HTTPS
(SAMAKI_SECURE_COOKIES), and `Cache-Control: no-store` on every page and API answer (they may show
people's identities) — walked over every registered GET route, like the isolation test does."""
import pytest

from core.models import Role
from tests.core.test_isolation_all_urls import fill_arguments, token_headers
from tests.helpers import PASSWORD, make_member

HTTPS = "https://localhost"


@pytest.fixture
def secure_cookies(app):
    app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    yield
    app.config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)


def get_urls(app, tenant_slug: str) -> list[tuple[str, str]]:
    """(endpoint, url) for every GET route that can be built with made-up arguments."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        url = fill_arguments(rule, tenant_slug, 1)
        if url is not None:
            urls.append((rule.endpoint, url))
    return urls


def assert_security_headers(response, endpoint: str, url: str, *, https: bool) -> None:
    headers = response.headers
    where = f"GET {url} ({endpoint}, {response.status_code})"
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("Referrer-Policy") == "same-origin", where
    if not url.startswith("/api/v1/docs"):   # the API explorer page loads its own scripts
        assert "frame-ancestors 'none'" in headers.get("Content-Security-Policy", ""), where
    if https:
        assert headers.get("Strict-Transport-Security", "").startswith("max-age="), where
    else:
        assert "Strict-Transport-Security" not in headers, where
    if endpoint != "static" and not endpoint.endswith(".static") and endpoint != "places.search":
        assert "no-store" in headers.get("Cache-Control", ""), where


@pytest.mark.parametrize("https", [False, True], ids=["http", "https-with-secure-cookies"])
def test_every_get_route_answers_a_logged_in_owner_with_the_security_headers(app, request, tenant, https):
    if https:
        request.getfixturevalue("secure_cookies")
    owner = make_member(tenant, Role.OWNER)
    client = app.test_client()
    base_url = HTTPS if https else "http://localhost"
    login = client.post("/login", data={"email": owner.email, "password": PASSWORD}, base_url=base_url)
    assert login.status_code == 302 and client.get("/account", base_url=base_url).status_code == 200
    api_headers = token_headers(owner, tenant)
    answered = {}
    for endpoint, url in get_urls(app, tenant.slug):
        headers = {"Accept": "text/html", **(api_headers if url.startswith("/api/") else {})}
        response = client.get(url, headers=headers, base_url=base_url)
        assert_security_headers(response, endpoint, url, https=https)
        answered[response.status_code] = answered.get(response.status_code, 0) + 1
    assert answered.get(200, 0) >= 40, answered   # the walk really reached pages, not only errors


def test_login_and_password_pages_are_not_stored_and_public_pages_carry_the_headers(app, client, tenant):
    for endpoint, url in get_urls(app, tenant.slug):
        response = client.get(url, headers={"Accept": "text/html"})
        assert_security_headers(response, endpoint, url, https=False)
    for url in ("/login", "/password/forgot"):
        response = client.get(url)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"


def test_static_files_stay_cacheable(app, client):
    response = client.get("/static/samaki.css")
    assert response.status_code == 200 and "no-store" not in response.headers.get("Cache-Control", "")
