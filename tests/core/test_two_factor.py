"""Two-factor sign-in: set-up with a QR code, the second step at login, replayed and wrong codes,
recovery codes, throttling, the tenant rule, an owner's reset and the fresh code for API tokens."""
from __future__ import annotations

import re
from datetime import timedelta

import pyotp
from sqlalchemy import select

from core.auth import two_factor
from core.columns import utcnow
from core.extensions import db
from core.models import ApiToken, AuditEvent, RecoveryCode, Role, User
from tests.helpers import PASSWORD, login, make_member


def code_for(user: User, moment=None) -> str:
    return pyotp.TOTP(user.totp_secret).at(moment or utcnow())


def enrol(user: User) -> list[str]:
    """Switch two-factor sign-in on through the rules (a code from one step ago, so the current one
    is still free for the test's own sign-in)."""
    two_factor.start_enrolment(user)
    codes = two_factor.confirm_enrolment(user, code_for(user, utcnow() - timedelta(seconds=30)))
    db.session.commit()
    return codes


def events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def password_step(client, user: User, next_url: str = ""):
    return client.post("/login" + (f"?next={next_url}" if next_url else ""),
                       data={"email": user.email, "password": PASSWORD})


def test_member_sets_up_two_factor_from_the_account_page(client, tenant, staff):
    login(client, staff.email)
    page = client.get("/account/two-factor")
    assert page.status_code == 200
    assert '<svg' in page.text and 'class="qr-code"' in page.text    # drawn here, no outside service
    secret = re.search(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<', page.text).group(1).replace(" ", "")
    db.session.refresh(staff)
    assert staff.totp_secret == secret and staff.totp_enabled_at is None
    assert client.get("/account/two-factor").text.count(re.sub(r"(.{4})", r"\1 ", secret).strip()) == 1  # same QR on reload

    wrong = client.post("/account/two-factor", data={"code": "000000"})
    assert wrong.status_code == 422 and "That code is not right" in wrong.text
    done = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})

    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", done.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    db.session.refresh(staff)
    assert staff.totp_enabled_at is not None
    stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == staff.id)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)       # kept hashed only
    assert len(events("two_factor_enabled")) == 1
    assert secret not in str([e.changes for e in events("update")])  # the secret never reaches the audit log
    assert "On" in client.get("/account").text


def test_sign_in_asks_for_a_code_after_the_password(client, tenant, staff):
    enrol(staff)
    step = password_step(client, staff, next_url="/t/kampot-network/")
    assert step.status_code == 302 and step.headers["Location"].endswith("/login/two-factor")
    # Half signed in is not signed in.
    assert client.get("/t/kampot-network/").status_code == 302

    done = client.post("/login/two-factor", data={"code": code_for(staff)})

    assert done.status_code == 302 and done.headers["Location"] == "/t/kampot-network/"
    assert client.get("/t/kampot-network/").status_code == 200
    assert events("login")[-1].changes == {"second_factor": True}


def test_wrong_code_is_refused_and_audited(client, tenant, staff):
    enrol(staff)
    password_step(client, staff)

    refused = client.post("/login/two-factor", data={"code": "123456" if code_for(staff) != "123456" else "654321"})

    assert refused.status_code == 422 and "That code is not right" in refused.text
    assert client.get("/t/kampot-network/").status_code == 302
    assert len(events("two_factor_failed")) == 1


def test_replayed_code_is_refused(client, app, tenant, staff):
    enrol(staff)
    code = code_for(staff)
    password_step(client, staff)
    assert client.post("/login/two-factor", data={"code": code}).status_code == 302

    other = app.test_client()
    password_step(other, staff)
    replay = other.post("/login/two-factor", data={"code": code})

    assert replay.status_code == 422 and "already been used" in replay.text
    assert other.get("/t/kampot-network/").status_code == 302


def test_recovery_code_signs_in_once(client, app, tenant, staff):
    codes = enrol(staff)
    password_step(client, staff)
    assert client.post("/login/two-factor", data={"code": codes[3].upper()}).status_code == 302
    assert client.get("/t/kampot-network/").status_code == 200
    assert events("two_factor_recovery_code_used")[0].changes == {"codes_left": 9}

    other = app.test_client()
    password_step(other, staff)
    again = other.post("/login/two-factor", data={"code": codes[3]})
    assert again.status_code == 422 and "already been used" in again.text


def test_wrong_codes_are_throttled_like_passwords(client, app, tenant, staff):
    enrol(staff)
    password_step(client, staff)
    free = app.config["LOGIN_THROTTLE_FREE_ATTEMPTS"]
    wrong = "111111" if code_for(staff) != "111111" else "222222"
    for _attempt in range(free + 1):
        client.post("/login/two-factor", data={"code": wrong})

    blocked = client.post("/login/two-factor", data={"code": code_for(staff)})

    assert blocked.status_code == 429 and "Too many failed attempts" in blocked.text
    assert client.get("/t/kampot-network/").status_code == 302
    # A correct password does not lift the code's throttle.
    password_step(client, staff)
    assert client.post("/login/two-factor", data={"code": code_for(staff)}).status_code == 429


def test_user_switches_two_factor_off_with_a_current_code(client, tenant, staff):
    enrol(staff)
    password_step(client, staff)
    client.post("/login/two-factor", data={"code": code_for(staff)})

    assert client.post("/account/two-factor/disable", data={"code": "999999"}).status_code == 422
    db.session.refresh(staff)
    assert two_factor.is_enabled(staff)
    codes = db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == staff.id)).all()
    assert len(codes) == 10

    # The current step was used by the sign-in: the next one switches it off.
    done = client.post("/account/two-factor/disable", data={"code": code_for(staff, utcnow() + timedelta(seconds=30))})

    assert done.status_code == 302
    db.session.refresh(staff)
    assert not two_factor.is_enabled(staff) and staff.totp_secret == ""
    assert db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == staff.id)).all() == []
    assert len(events("two_factor_disabled")) == 1


def test_tenant_rule_sends_admins_without_second_factor_to_set_up(client, tenant, admin_user, viewer, app):
    owner = make_member(tenant, Role.OWNER)
    login(client, owner.email)
    assert "Sign-in security" in client.get("/t/kampot-network/admin/members").text
    client.post("/t/kampot-network/admin/security/rule", data={"require": "1"})
    db.session.refresh(tenant)
    assert tenant.require_two_factor

    admin_browser = app.test_client()
    login(admin_browser, admin_user.email)
    sent = admin_browser.get("/t/kampot-network/contacts/")
    assert sent.status_code == 302 and "/account/two-factor" in sent.headers["Location"]
    assert admin_browser.get("/account/two-factor").status_code == 200

    # A viewer may not see protected identities: not asked.
    viewer_browser = app.test_client()
    login(viewer_browser, viewer.email)
    assert viewer_browser.get("/t/kampot-network/").status_code == 200

    # Once enrolled, the admin goes on.
    enrol(admin_user)
    assert admin_browser.get("/t/kampot-network/contacts/").status_code == 200


def test_tenant_rule_leaves_api_tokens_alone(client, tenant, admin_user):
    tenant.require_two_factor = True
    membership = admin_user.memberships[0]
    _token, secret = ApiToken.issue(membership, "script", None)
    db.session.add(_token)
    db.session.commit()

    answer = client.get("/api/v1/t/kampot-network/contacts/", headers={"Authorization": f"Bearer {secret}"})

    assert answer.status_code == 200


def test_only_owners_change_the_rule(admin_client, tenant):
    assert admin_client.get("/t/kampot-network/admin/security/").status_code == 403
    assert admin_client.post("/t/kampot-network/admin/security/rule", data={"require": "1"}).status_code == 403


def test_another_owner_resets_a_lost_second_factor(client, tenant, admin_user):
    owner = make_member(tenant, Role.OWNER)
    enrol(admin_user)
    login(client, owner.email)
    membership = admin_user.memberships[0]
    assert "Second factor on" in client.get("/t/kampot-network/admin/security/").text

    done = client.post(f"/t/kampot-network/admin/security/{membership.id}/reset")

    assert done.status_code == 302
    db.session.refresh(admin_user)
    assert not two_factor.is_enabled(admin_user) and admin_user.totp_secret == ""
    reset = events("two_factor_reset")
    assert len(reset) == 1 and reset[0].tenant_id == tenant.id and reset[0].changes["reset_by"] == owner.email
    # The admin is told: a reset they did not ask for is someone taking over their account.
    notices = [str(mail) for mail in client.application.extensions.get("console_mail", [])
               if "security change" in str(mail) and admin_user.email in str(mail)]
    assert len(notices) == 1 and "Your second factor was reset" in notices[0]
    # The admin signs in with the password alone again.
    other = client.application.test_client()
    login(other, admin_user.email)
    assert other.get("/t/kampot-network/").status_code == 200


def test_owner_cannot_reset_a_member_of_another_tenant(client, tenant, other_tenant):
    owner = make_member(tenant, Role.OWNER)
    stranger = make_member(other_tenant, Role.ADMIN)
    enrol(stranger)
    login(client, owner.email)

    assert client.post(f"/t/kampot-network/admin/security/{stranger.memberships[0].id}/reset").status_code == 404
    db.session.refresh(stranger)
    assert two_factor.is_enabled(stranger)


def test_creating_a_token_asks_for_a_fresh_code(client, tenant, staff):
    enrol(staff)
    password_step(client, staff)
    client.post("/login/two-factor", data={"code": code_for(staff)})
    assert "Code from your authenticator app" in client.get("/t/kampot-network/tokens/").text

    missing = client.post("/t/kampot-network/tokens/", data={"name": "stats", "lifetime": "30"})
    replayed = client.post("/t/kampot-network/tokens/", data={"name": "stats", "lifetime": "30",
                                                               "code": code_for(staff)})
    assert missing.status_code == 422 and replayed.status_code == 422 and "already been used" in replayed.text
    assert db.session.scalars(select(ApiToken)).all() == []

    made = client.post("/t/kampot-network/tokens/", data={"name": "stats", "lifetime": "30",
                                                          "code": code_for(staff, utcnow() + timedelta(seconds=30))})

    assert made.status_code == 200 and 'id="new-token"' in made.text
    assert len(db.session.scalars(select(ApiToken)).all()) == 1


def test_token_without_two_factor_needs_no_code(staff_client, tenant):
    page = staff_client.post("/t/kampot-network/tokens/", data={"name": "stats", "lifetime": "30"})
    assert page.status_code == 200 and 'id="new-token"' in page.text
