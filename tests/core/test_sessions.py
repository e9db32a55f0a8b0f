"""Login sessions: a fresh session at every login, sessions ended everywhere by "sign out
everywhere" and by a password change or reset, and the idle and absolute lifetimes."""
from sqlalchemy import select

from core.auth.sessions import LAST_SEEN_AT_KEY, LOGGED_IN_AT_KEY, VERSION_KEY, now_seconds
from core.extensions import db
from core.models import AuditEvent, User
from tests.helpers import PASSWORD, login

NEW_PASSWORD = "a-much-longer-Mekong-password-77"


def is_refused(response) -> bool:
    """A page answered to someone who is not logged in: sent to the login form."""
    return response.status_code == 302 and "/login" in response.headers["Location"]


def signed_in_client(app, user):
    client = app.test_client()
    login(client, user.email)
    assert client.get("/account").status_code == 200
    return client


def test_a_session_cookie_captured_before_login_is_useless_after_login(app, client, staff):
    with client.session_transaction() as session:
        session["csrf_token"] = "planted-by-someone-else"
    captured = client.get_cookie("session").value
    login(client, staff.email)
    with client.session_transaction() as session:
        assert "csrf_token" not in session   # nothing from before the login survives
    assert client.get("/account").status_code == 200
    replayed = app.test_client()
    replayed.set_cookie("session", captured)
    assert is_refused(replayed.get("/account"))


def test_sign_out_everywhere_refuses_the_other_sessions_on_their_next_request(app, staff):
    laptop, phone = signed_in_client(app, staff), signed_in_client(app, staff)
    response = laptop.post("/account/sign-out-everywhere", follow_redirects=True)
    assert "You have been signed out on every device." in response.text
    assert is_refused(phone.get("/account"))
    assert is_refused(phone.get("/t/kampot-network/"))
    assert is_refused(laptop.get("/account"))
    events = db.session.execute(select(AuditEvent).where(AuditEvent.action == "sign_out_everywhere")).scalars().all()
    assert [event.record_id for event in events] == [str(staff.id)]


def test_the_account_page_offers_sign_out_everywhere(app, staff):
    page = signed_in_client(app, staff).get("/account").text
    assert 'action="/account/sign-out-everywhere"' in page and "Sign out everywhere" in page


def test_sign_out_everywhere_needs_the_csrf_token(app, staff):
    client = signed_in_client(app, staff)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/account/sign-out-everywhere")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, staff.id).session_version == 0
    assert client.get("/account").status_code == 200


def test_password_change_ends_the_other_sessions_and_keeps_this_one(app, staff):
    laptop, phone = signed_in_client(app, staff), signed_in_client(app, staff)
    response = laptop.post("/account", data={"password-current": PASSWORD, "password-password": NEW_PASSWORD,
                                             "password-confirm": NEW_PASSWORD}, follow_redirects=True)
    assert "Your password has been changed." in response.text
    assert laptop.get("/account").status_code == 200
    assert is_refused(phone.get("/account"))


def test_password_reset_ends_every_session(app, client, staff):
    from core.auth.views import password_reset_token
    phone = signed_in_client(app, staff)
    response = client.post(f"/password/reset/{password_reset_token(staff)}",
                           data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert is_refused(response)
    assert is_refused(phone.get("/account"))
    login(client, staff.email, NEW_PASSWORD)
    assert client.get("/account").status_code == 200


def test_a_session_idle_for_longer_than_the_setting_ends(app, staff):
    client = signed_in_client(app, staff)
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session[LAST_SEEN_AT_KEY] = now_seconds() - idle + 60
    assert client.get("/account").status_code == 200   # still within the idle time, and seen again now
    with client.session_transaction() as session:
        assert session[LAST_SEEN_AT_KEY] >= now_seconds() - 5
        session[LAST_SEEN_AT_KEY] = now_seconds() - idle - 60
    assert is_refused(client.get("/account"))
    with client.session_transaction() as session:
        assert "_user_id" not in session   # the ended session is emptied, not just ignored


def test_a_busy_session_still_ends_after_the_absolute_lifetime(app, staff):
    client = signed_in_client(app, staff)
    with client.session_transaction() as session:
        session[LOGGED_IN_AT_KEY] = now_seconds() - app.config["SESSION_MAX_HOURS"] * 3600 + 60
    assert client.get("/account").status_code == 200
    with client.session_transaction() as session:
        session[LOGGED_IN_AT_KEY] = now_seconds() - app.config["SESSION_MAX_HOURS"] * 3600 - 60
    assert is_refused(client.get("/account"))


def test_a_session_without_its_version_is_refused(app, staff):
    """Cookies made before sessions carried a version (or by anything but the login) do not log in."""
    client = signed_in_client(app, staff)
    with client.session_transaction() as session:
        del session[VERSION_KEY]
    assert is_refused(client.get("/account"))


def test_keep_me_logged_in_makes_the_cookie_outlive_the_browser_within_the_same_limits(app, client, staff):
    plain = client.post("/login", data={"email": staff.email, "password": PASSWORD})
    assert "Expires=" not in plain.headers["Set-Cookie"]
    remembered = app.test_client().post("/login", data={"email": staff.email, "password": PASSWORD,
                                                        "remember": "y"})
    assert "Expires=" in remembered.headers["Set-Cookie"]
    assert "remember_token" not in str(remembered.headers.getlist("Set-Cookie"))


def test_the_api_never_takes_the_session_cookie(app, staff):
    client = signed_in_client(app, staff)
    response = client.get("/api/v1/t/kampot-network/visits/")
    assert response.status_code == 401


def test_a_copy_of_the_cookie_taken_before_logging_out_is_refused(app, staff):
    """Logging out ends the session on the server too (every app host reads the user's row), while
    the user's other devices stay signed in."""
    laptop, phone = signed_in_client(app, staff), signed_in_client(app, staff)
    copied = app.test_client()
    copied.set_cookie("session", laptop.get_cookie("session").value)
    assert copied.get("/account").status_code == 200
    laptop.post("/logout")
    assert is_refused(copied.get("/account"))
    assert is_refused(laptop.get("/account"))
    assert phone.get("/account").status_code == 200
    assert len(db.session.get(User, staff.id).ended_sessions) == 1


def test_ended_sessions_older_than_a_session_can_live_are_forgotten(app, staff):
    user = db.session.get(User, staff.id)
    user.ended_sessions = [["0123456789abcdef", now_seconds() - app.config["SESSION_MAX_HOURS"] * 3600 - 60]]
    db.session.commit()
    client = signed_in_client(app, staff)
    client.post("/logout")
    db.session.expire_all()
    assert [sid for sid, _at in db.session.get(User, staff.id).ended_sessions] != ["0123456789abcdef"]
    assert len(db.session.get(User, staff.id).ended_sessions) == 1


def test_a_password_change_is_told_to_the_user_by_e_mail(app, staff):
    """Someone who took over the account cannot change its keys unnoticed."""
    client = signed_in_client(app, staff)
    mails = app.extensions.setdefault("console_mail", [])
    mails.clear()
    client.post("/account", data={"password-current": PASSWORD, "password-password": NEW_PASSWORD,
                                  "password-confirm": NEW_PASSWORD})
    notices = [mail for mail in mails if "security change" in str(mail)]
    assert len(notices) == 1
    assert staff.email in str(notices[0]) and "Your password was changed" in str(notices[0])
