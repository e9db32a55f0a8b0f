"""Behind nginx or a load balancer every request arrives from the proxy's address. With
SAMAKI_TRUSTED_PROXIES the app takes the client's address from X-Forwarded-For, so the sign-in
throttle, the per-address API limit and the audit log see people, not the proxy; without it the
header is ignored (anyone could write it)."""
from sqlalchemy import select

from core import create_app
from core.extensions import db
from core.models import AuditEvent
from tests.conftest import app_config

FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


def failed_login_address(app) -> str:
    client = app.test_client()
    client.post("/login", data={"email": "nobody@example.org", "password": "wrong password"},
                headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    with app.app_context():
        event = db.session.execute(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).scalar_one()
        return event.ip_address


def test_the_client_address_comes_from_a_trusted_proxy(app, db_url, tmp_path):
    behind_proxy = create_app(app_config(tmp_path, db_url, TRUSTED_PROXIES=1))
    assert failed_login_address(behind_proxy) == "203.0.113.7"


def test_without_trusted_proxies_the_forwarded_header_is_ignored(app):
    assert failed_login_address(app) == "10.0.0.2"
