"""Logging in and out, throttling, password reset, cookies and CSRF."""
from __future__ import annotations

import re

from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent
from tests.helpers import PASSWORD, csrf_token_from, login, make_member


def sent_mails(app):
    return app.extensions.setdefault("console_mail", [])


def test_wrong_password_and_unknown_account_get_the_same_message(client, staff):
    wrong = client.post("/login", data={"email": staff.email, "password": "not-it"}, follow_redirects=True)
    unknown = client.post("/login", data={"email": "nobody@nowhere.example", "password": "not-it"}, follow_redirects=True)
    assert "Wrong e-mail or password." in wrong.text
    assert "Wrong e-mail or password." in unknown.text


def test_login_and_failed_login_are_audited(client, staff):
    client.post("/login", data={"email": staff.email, "password": "not-it"})
    login(client, staff.email)
    actions = db.session.execute(select(AuditEvent.action).where(AuditEvent.record_id == str(staff.id))).scalars().all()
    assert "login_failed" in actions and "login" in actions


def test_email_is_case_insensitive_at_login(client, staff):
    response = client.post("/login", data={"email": staff.email.upper(), "password": PASSWORD})
    assert response.status_code == 302


def test_repeated_failures_block_the_account_with_a_growing_wait(app, client, staff):
    for _ in range(app.config["LOGIN_THROTTLE_FREE_ATTEMPTS"] + 1):
        client.post("/login", data={"email": staff.email, "password": "not-it"})
    blocked = client.post("/login", data={"email": staff.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many failed attempts" in blocked.text
    first_wait = int(re.search(r"wait (\d+) seconds", blocked.text).group(1))
    from core.auth.throttle import LoginThrottle
    row = db.session.get(LoginThrottle, f"account:{staff.email}")
    row.blocked_until = None           # let the wait pass, then fail again
    db.session.commit()
    client.post("/login", data={"email": staff.email, "password": "not-it"})
    second = client.post("/login", data={"email": staff.email, "password": PASSWORD})
    assert int(re.search(r"wait (\d+) seconds", second.text).group(1)) > first_wait


def test_logout_needs_a_post_and_ends_the_session(staff_client, tenant):
    assert staff_client.get("/logout").status_code == 405
    staff_client.post("/logout")
    assert staff_client.get(f"/t/{tenant.slug}/").status_code == 302


def test_session_cookie_is_httponly_and_samesite_lax(client, staff):
    response = client.post("/login", data={"email": staff.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_does_not_redirect_to_another_site(client, staff):
    response = client.post("/login?next=//evil.example/x", data={"email": staff.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_forms_without_csrf_token_are_refused(app, client, staff, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    refused = client.post("/login", data={"email": staff.email, "password": PASSWORD})
    assert refused.status_code == 400
    token = csrf_token_from(client.get("/login").text)
    accepted = client.post("/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": token})
    assert accepted.status_code == 302


def test_password_reset_link_works_once(app, client, staff):
    sent_mails(app).clear()
    response = client.post("/password/forgot", data={"email": staff.email}, follow_redirects=True)
    assert "we have sent it a link" in response.text
    link = re.search(r"(/password/reset/\S+)", sent_mails(app)[-1].body).group(1)
    new_password = "a-brand-new-long-secret-77"
    done = client.post(link, data={"password": new_password, "confirm": new_password})
    assert done.status_code == 302
    login(client, staff.email, new_password)
    again = client.post(link, data={"password": "another-long-secret-88", "confirm": "another-long-secret-88"},
                        follow_redirects=True)
    assert "expired or has already been used" in again.text


def test_password_reset_for_unknown_address_says_the_same_and_sends_nothing(app, client):
    sent_mails(app).clear()
    response = client.post("/password/forgot", data={"email": "nobody@nowhere.example"}, follow_redirects=True)
    assert "we have sent it a link" in response.text
    assert sent_mails(app) == []


def test_weak_password_is_refused_with_a_reason_next_to_the_field(app, client, staff):
    from core.auth.views import password_reset_token
    response = client.post(f"/password/reset/{password_reset_token(staff)}",
                           data={"password": "password", "confirm": "password"})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text and "field-error" in response.text


def test_user_belonging_to_two_tenants_can_switch_between_them(client, tenant, other_tenant):
    user = make_member(tenant, "staff", email="both@x.example")
    from core.models import Membership, Role
    db.session.add(Membership(user=user, tenant=other_tenant, role=Role.VIEWER))
    db.session.commit()
    login(client, user.email)
    page = client.get(f"/t/{tenant.slug}/").text
    assert f'href="/t/{other_tenant.slug}/"' in page
    assert client.get(f"/t/{other_tenant.slug}/").status_code == 200
