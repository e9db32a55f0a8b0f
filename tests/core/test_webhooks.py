"""Webhooks: an administrator registers an endpoint, a local receiver gets signed events, failures
are retried with growing delays, an endpoint that keeps failing is switched off (administrators are
told), and private addresses are refused unless the instance allows them."""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select, text

from core import webhooks
from core.columns import utcnow
from core.extensions import db
from core.models import AuditEvent, DeliveryStatus, Notification, Role, WebhookDelivery, WebhookEndpoint
from core.tenancy import tenant_scope
from tests.helpers import login, make_member

STATUS_CHANGED = "a2i.request.status_changed"


class Receiver:
    """A webhook receiver on 127.0.0.1: records what it gets and answers the given statuses in turn
    (the last one for ever after)."""

    def __init__(self, statuses=(204,)):
        self.statuses, self.received = list(statuses), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append({"headers": dict(self.headers), "body": body, "path": self.path})
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/samaki-events"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def allow_private(app):
    """The instance setting the local receiver needs (SAMAKI_WEBHOOKS_ALLOW_PRIVATE)."""
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    yield
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False


@pytest.fixture
def receiver(allow_private):
    receiver = Receiver()
    yield receiver
    receiver.close()


def register(client, tenant, url, events=(STATUS_CHANGED,), description=""):
    return client.post(f"/t/{tenant.slug}/admin/webhooks/new",
                       data={"url": url, "description": description, "event_types": list(events)})


def secret_on(page: str) -> str:
    found = re.search(r'id="webhook-secret"[^>]*>(whsec_[\w-]+)<', page)
    assert found, "the new secret is shown on the page"
    return found.group(1)


def endpoint_of(tenant) -> WebhookEndpoint:
    with tenant_scope(tenant.id):
        return db.session.execute(select(WebhookEndpoint)).scalar_one()


def submitted_request(tenant, staff, ministry, subject="Road budget", requester=None):
    from plugins.a2i_requests import services
    from plugins.a2i_requests.models import RequestStatus
    with tenant_scope(tenant.id):
        req = services.create_request(tenant.id, subject=subject, question="How much was spent?",
                                      body_id=ministry.id, actor=staff)
        if requester is not None:
            services.set_requester(req, contact_id=requester.id)
        services.transition(req, RequestStatus.SUBMITTED, actor=staff, on=date(2026, 11, 2))
        db.session.commit()
        return req


@pytest.fixture
def ministry(app):
    from core.registers.models import Institution, InstitutionKind
    body = Institution(code="MOI", kind=InstitutionKind.MINISTRY, name_en="Ministry of Information")
    db.session.add(body)
    db.session.commit()
    return body


def expected_signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


# --- delivery and signature -------------------------------------------------------------------

def test_receiver_gets_a_signed_event_when_a_request_changes_status(admin_client, tenant, staff, ministry, receiver):
    created = register(admin_client, tenant, receiver.url, description="Our case tracker")
    assert created.status_code == 201
    secret = secret_on(created.text)
    assert "it will not be shown again" in created.text
    assert secret not in admin_client.get(f"/t/{tenant.slug}/admin/webhooks/{endpoint_of(tenant).id}").text

    req = submitted_request(tenant, staff, ministry)
    assert receiver.received == []                      # queued with the change, sent by the job
    assert webhooks.deliver_due() == (1, 0)

    [call] = receiver.received
    headers, body = call["headers"], call["body"]
    timestamp = headers["Samaki-Webhook-Timestamp"]
    assert headers["Samaki-Webhook-Signature"] == f"t={timestamp},v1={expected_signature(secret, timestamp, body)}"
    assert webhooks.verify_signature(secret, headers["Samaki-Webhook-Signature"], body, now=int(timestamp))
    assert not webhooks.verify_signature("whsec_wrong", headers["Samaki-Webhook-Signature"], body, now=int(timestamp))
    event = json.loads(body)
    assert headers["Samaki-Webhook-Id"] == event["id"] and headers["Samaki-Webhook-Event"] == STATUS_CHANGED
    assert event["type"] == STATUS_CHANGED and event["tenant"] == tenant.slug
    assert event["data"] == {"request_id": req.id, "reference": req.reference, "from_status": "draft",
                             "status": "submitted", "occurred_on": "2026-11-02", "due_on": req.due_on.isoformat(),
                             "url": f"http://127.0.0.1:5000/t/{tenant.slug}/a2i/requests/{req.id}"}

    log = admin_client.get(f"/t/{tenant.slug}/admin/webhooks/{endpoint_of(tenant).id}").text
    assert "Delivered" in log and "HTTP 204" in log and event["id"] in log


def test_nothing_is_queued_for_events_the_endpoint_did_not_choose_or_a_rolled_back_change(
        admin_client, tenant, staff, ministry, receiver):
    register(admin_client, tenant, receiver.url, events=["core.record.shared"])
    submitted_request(tenant, staff, ministry)
    from plugins.a2i_requests import services
    from plugins.a2i_requests.models import RequestStatus
    register(admin_client, tenant, receiver.url + "/all", events=[STATUS_CHANGED])
    with tenant_scope(tenant.id):
        req = services.create_request(tenant.id, subject="Water", question="?", body_id=ministry.id, actor=staff)
        services.transition(req, RequestStatus.SUBMITTED, actor=staff, on=date(2026, 11, 3))
        db.session.rollback()
    assert db.session.execute(select(WebhookDelivery)).scalars().all() == []


def test_a_failed_delivery_is_retried_with_growing_delays(admin_client, tenant, staff, ministry, allow_private):
    receiver = Receiver(statuses=[500, 503, 200])
    try:
        register(admin_client, tenant, receiver.url)
        submitted_request(tenant, staff, ministry)
        start = utcnow()
        assert webhooks.deliver_due(start) == (0, 1)
        delivery = db.session.execute(select(WebhookDelivery)).scalar_one()
        first_delay = delivery.next_attempt_at - start
        assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.PENDING, 1, 500)
        assert first_delay >= timedelta(minutes=1)

        assert webhooks.deliver_due(start + first_delay - timedelta(seconds=1)) == (0, 0)   # not yet due
        second = start + first_delay
        assert webhooks.deliver_due(second) == (0, 1)
        db.session.refresh(delivery)
        assert delivery.next_attempt_at - second > first_delay                             # waits longer
        assert webhooks.deliver_due(delivery.next_attempt_at) == (1, 0)
        db.session.refresh(delivery)
        assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.DELIVERED, 3, 200)
        assert len({call["headers"]["Samaki-Webhook-Id"] for call in receiver.received}) == 1   # one event, retried
        assert len({call["body"] for call in receiver.received}) == 1
        assert endpoint_of(tenant).consecutive_failures == 0
    finally:
        receiver.close()


def test_an_endpoint_that_keeps_failing_is_switched_off_and_admins_are_told(
        client, tenant, staff, ministry, allow_private):
    owner = make_member(tenant, Role.OWNER)
    admin = make_member(tenant, Role.ADMIN)
    receiver = Receiver(statuses=[500])
    try:
        login(client, admin.email)
        register(client, tenant, receiver.url)
        submitted_request(tenant, staff, ministry)
        submitted_request(tenant, staff, ministry, subject="School fund")
        now = utcnow()
        for _attempt in range(webhooks.DISABLE_AFTER_FAILURES):
            assert endpoint_of(tenant).is_active
            webhooks.deliver_due(now)
            now = now + timedelta(days=1)
        endpoint = endpoint_of(tenant)
        assert not endpoint.is_active and endpoint.disabled_at is not None
        # The endpoint backed off as a whole: one attempt per round, not one per waiting event.
        assert len(receiver.received) == webhooks.DISABLE_AFTER_FAILURES
        told = {n.user_id for n in db.session.execute(select(Notification)).scalars()
                if "switched off" in n.message}
        assert told == {owner.id, admin.id}                    # managers, not staff
        assert "was switched off after 10 failed deliveries in a row" in client.get(
            f"/t/{tenant.slug}/notifications/").text
        page = client.get(f"/t/{tenant.slug}/admin/webhooks/").text
        assert "Switched off after repeated failures" in page

        # Switched off: nothing more goes out, nothing new is queued.
        assert webhooks.deliver_due(now + timedelta(days=2)) == (0, 0)
        submitted_request(tenant, staff, ministry, subject="Health fees")
        assert db.session.execute(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
                                  ).scalars().all().__len__() == 2

        # Switching it on again lets the waiting events go out.
        receiver.statuses = [200]
        response = client.post(f"/t/{tenant.slug}/admin/webhooks/{endpoint.id}/edit",
                               data={"url": receiver.url, "event_types": [STATUS_CHANGED], "is_active": "y"})
        assert response.status_code == 302
        assert webhooks.deliver_due(now + timedelta(days=2)) == (1, 0)
        assert endpoint_of(tenant).consecutive_failures == 0
    finally:
        receiver.close()


def test_test_ping_from_the_endpoint_page(admin_client, tenant, receiver):
    secret = secret_on(register(admin_client, tenant, receiver.url).text)
    endpoint = endpoint_of(tenant)
    page = admin_client.post(f"/t/{tenant.slug}/admin/webhooks/{endpoint.id}/ping", follow_redirects=True).text
    assert "The test ping was delivered (HTTP 204)." in page
    [call] = receiver.received
    timestamp = call["headers"]["Samaki-Webhook-Timestamp"]
    assert call["headers"]["Samaki-Webhook-Signature"].endswith(expected_signature(secret, timestamp, call["body"]))
    assert json.loads(call["body"])["type"] == "ping"


def test_a_failed_ping_says_why_and_does_not_count_against_the_endpoint(admin_client, tenant, allow_private):
    receiver = Receiver(statuses=[404])
    try:
        register(admin_client, tenant, receiver.url)
        endpoint = endpoint_of(tenant)
        page = admin_client.post(f"/t/{tenant.slug}/admin/webhooks/{endpoint.id}/ping", follow_redirects=True).text
        assert "The test ping failed: HTTP 404" in page
        assert endpoint_of(tenant).consecutive_failures == 0
    finally:
        receiver.close()


def test_new_secret_replaces_the_old_one(admin_client, tenant, receiver):
    old = secret_on(register(admin_client, tenant, receiver.url).text)
    endpoint = endpoint_of(tenant)
    new = secret_on(admin_client.post(f"/t/{tenant.slug}/admin/webhooks/{endpoint.id}/secret").text)
    assert new != old and endpoint_of(tenant).secret == new
    admin_client.post(f"/t/{tenant.slug}/admin/webhooks/{endpoint.id}/ping")
    call = receiver.received[-1]
    timestamp = call["headers"]["Samaki-Webhook-Timestamp"]
    assert call["headers"]["Samaki-Webhook-Signature"].endswith(expected_signature(new, timestamp, call["body"]))


def test_flask_webhooks_send_delivers_what_is_due(app, admin_client, tenant, staff, ministry, receiver):
    register(admin_client, tenant, receiver.url)
    submitted_request(tenant, staff, ministry)
    result = app.test_cli_runner().invoke(args=["webhooks", "send"])
    assert result.exit_code == 0, result.output
    assert "1 delivered, 0 to retry." in result.output
    assert len(receiver.received) == 1


def test_webhooks_are_sent_by_the_scheduled_job(admin_client, tenant, staff, ministry, receiver):
    from core.jobs import run_due
    register(admin_client, tenant, receiver.url)
    submitted_request(tenant, staff, ministry)
    assert "core.webhooks" in run_due()
    assert len(receiver.received) == 1


# --- addresses --------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["https://127.0.0.1/hook", "https://10.1.2.3/hook", "https://192.168.1.20/hook",
                                 "https://169.254.169.254/latest/meta-data", "https://[::1]/hook",
                                 "https://localhost/hook", "https://[::ffff:10.0.0.1]/hook", "https://0.0.0.0/"])
def test_private_loopback_and_link_local_addresses_are_refused(admin_client, tenant, url):
    response = register(admin_client, tenant, url)
    assert response.status_code == 422
    assert "is on a private, loopback or link-local network" in response.text
    assert "webhooks are sent to public addresses only" in response.text
    assert db.session.execute(select(WebhookEndpoint)).scalars().all() == []


def test_plain_http_and_odd_addresses_are_refused_with_a_clear_error(admin_client, tenant):
    cases = {"http://93.184.215.14/hook": "The address must start with https://.",
             "ftp://93.184.215.14/": "The address must start with https://.",
             "https://user:pw@93.184.215.14/": "Leave user names and passwords out of the address",
             "https:///nohost": "This is not a web address.",
             "": "Give the address that receives the events."}
    for url, message in cases.items():
        response = register(admin_client, tenant, url)
        assert response.status_code == 422, url
        assert message in response.text, url
    response = register(admin_client, tenant, "https://93.184.215.14/hook", events=[])
    assert response.status_code == 422 and "Choose at least one event." in response.text
    response = register(admin_client, tenant, "https://93.184.215.14/hook", events=["no.such.event"])
    assert response.status_code == 422 and "Choose events from the list." in response.text
    assert db.session.execute(select(WebhookEndpoint)).scalars().all() == []


def test_a_public_https_endpoint_is_saved_and_audited_without_its_secret(admin_client, tenant, staff, ministry):
    response = register(admin_client, tenant, "https://93.184.215.14/samaki", events=[STATUS_CHANGED])
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    secret = secret_on(response.text)
    endpoint = endpoint_of(tenant)
    assert (endpoint.url, endpoint.event_types, endpoint.is_active) == ("https://93.184.215.14/samaki",
                                                                        [STATUS_CHANGED], True)
    events = db.session.execute(select(AuditEvent).where(AuditEvent.model == "WebhookEndpoint")).scalars().all()
    assert [event.action for event in events] == ["insert"]
    assert secret not in json.dumps(events[0].changes) and "93.184.215.14" in json.dumps(events[0].changes)
    stored = db.session.execute(text("SELECT secret FROM core_webhook_endpoint")).scalar_one()
    assert secret not in stored and stored.startswith("enc1:")        # encrypted under SAMAKI_DATA_KEY
    assert endpoint.secret == secret                                 # and readable by the app to sign
    submitted_request(tenant, staff, ministry)                     # one event waits in its log
    page = admin_client.post(f"/t/{tenant.slug}/admin/webhooks/{endpoint.id}/delete", follow_redirects=True).text
    assert "The webhook to https://93.184.215.14/samaki has been deleted." in page
    assert db.session.execute(select(WebhookEndpoint)).scalars().all() == []
    assert db.session.execute(select(WebhookDelivery)).scalars().all() == []
    assert "delete" in {event.action for event in db.session.execute(
        select(AuditEvent).where(AuditEvent.model == "WebhookEndpoint")).scalars()}


def test_an_address_that_became_private_is_not_called(admin_client, tenant, staff, ministry, receiver, app):
    register(admin_client, tenant, receiver.url)
    submitted_request(tenant, staff, ministry)
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False        # the setting was switched off meanwhile
    assert webhooks.deliver_due() == (0, 1)
    assert receiver.received == []
    assert "private, loopback or link-local" in db.session.execute(select(WebhookDelivery)).scalar_one().last_error


# --- who may, and tenant isolation ------------------------------------------------------------

def test_only_owners_and_admins_manage_webhooks(client, tenant, staff):
    login(client, staff.email)
    assert client.get(f"/t/{tenant.slug}/admin/webhooks/").status_code == 403
    assert register(client, tenant, "https://93.184.215.14/hook").status_code == 403
    assert db.session.execute(select(WebhookEndpoint)).scalars().all() == []


def test_admin_pages_work_without_javascript_and_list_the_events(admin_client, tenant):
    page = admin_client.get(f"/t/{tenant.slug}/admin/webhooks/new").text
    assert 'type="checkbox"' in page and f'value="{STATUS_CHANGED}"' in page
    assert 'value="core.record.shared"' in page and 'value="a2i.request.deadline_passed"' in page
    assert "<script" not in page.split("<main", 1)[-1].split("</main>", 1)[0]
    assert "Webhooks" in admin_client.get(f"/t/{tenant.slug}/admin/members").text


def test_another_tenant_neither_sees_the_endpoint_nor_receives_its_events(
        client, tenant, other_tenant, staff, ministry, receiver):
    admin_a = make_member(tenant, Role.ADMIN, email="admin@a.example")
    admin_b = make_member(other_tenant, Role.ADMIN, email="admin@b.example")
    login(client, admin_a.email)
    register(client, tenant, receiver.url + "/a")
    endpoint_a = endpoint_of(tenant)
    client.post("/logout")
    login(client, admin_b.email)
    register(client, other_tenant, receiver.url + "/b")
    for url in (f"/t/{other_tenant.slug}/admin/webhooks/{endpoint_a.id}",
                f"/t/{other_tenant.slug}/admin/webhooks/{endpoint_a.id}/edit"):
        assert client.get(url).status_code == 404
    assert client.post(f"/t/{other_tenant.slug}/admin/webhooks/{endpoint_a.id}/delete").status_code == 404
    assert client.get(f"/t/{tenant.slug}/admin/webhooks/{endpoint_a.id}").status_code == 404
    assert receiver.url + "/a" not in client.get(f"/t/{other_tenant.slug}/admin/webhooks/").text

    submitted_request(tenant, staff, ministry)
    webhooks.deliver_due()
    assert [call["path"] for call in receiver.received] == ["/samaki-events/a"]
    assert endpoint_of(tenant).id == endpoint_a.id


def test_the_edit_form_shows_the_endpoint_as_saved(admin_client, tenant):
    register(admin_client, tenant, "https://93.184.215.14/hook", events=[STATUS_CHANGED], description="Case tracker")
    endpoint = endpoint_of(tenant)
    page = admin_client.get(f"/t/{tenant.slug}/admin/webhooks/{endpoint.id}/edit").text
    assert 'value="https://93.184.215.14/hook"' in page and 'value="Case tracker"' in page
    assert re.search(rf'checked[^>]*value="{STATUS_CHANGED}"|value="{STATUS_CHANGED}"[^>]*checked', page)
    assert not re.search(r'checked[^>]*value="core.record.shared"|value="core.record.shared"[^>]*checked', page)
    response = admin_client.post(f"/t/{tenant.slug}/admin/webhooks/{endpoint.id}/edit",
                                 data={"url": "https://10.0.0.8/hook", "event_types": [STATUS_CHANGED], "is_active": "y"})
    assert response.status_code == 422 and "private, loopback or link-local" in response.text
    assert endpoint_of(tenant).url == "https://93.184.215.14/hook"
