"""Webhooks: a tenant's administrators register endpoints for event types that the core and the
modules declare (hook `samaki_webhook_events`); `emit` queues one delivery per subscribed endpoint
in the caller's transaction; `deliver_due` (the `core.webhooks` job, `flask webhooks send`) POSTs
them signed, claiming each with a conditional UPDATE like core.outbox, and retries failures with
growing delays. An endpoint that fails DISABLE_AFTER_FAILURES times in a row is switched off and its
administrators are notified. Rules only, no Flask request code: core/webhook_views.py is the page.

Signature: `Samaki-Webhook-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, keyed
with the endpoint's secret (UTF-8). Endpoints whose host resolves to a private, loopback,
link-local or reserved address are refused, when saved and again before each delivery (which then
connects to the address it checked and follows no redirect), unless WEBHOOKS_ALLOW_PRIVATE is set."""
from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, delete, or_, select, update

from core.columns import utcnow
from core.errors import DomainError
from core.extensions import db
from core.models import DeliveryStatus, Tenant, WebhookDelivery, WebhookEndpoint

PING = "ping"                       # the test ping an administrator sends from the endpoint's page
MAX_ATTEMPTS = 10                   # a delivery is given up after this many attempts
DISABLE_AFTER_FAILURES = 10         # consecutive failed attempts (about 17 hours of back-off) switch an endpoint off
CLAIM_SECONDS = 120
TIMEOUT_SECONDS = 10
MAX_URL_LENGTH = 500
MAX_DESCRIPTION_LENGTH = 200
SIGNATURE_HEADER = "Samaki-Webhook-Signature"
USER_AGENT = "Samaki-Webhooks/1"

DISABLED = _l("The webhook to %(url)s was switched off after %(failures)s failed deliveries in a row. "
              "Fix the receiver, then switch the webhook on again.")


@dataclass(frozen=True)
class WebhookEvent:
    """An event type a plugin sends (see the samaki_webhook_events hook). `schema` is the JSON
    Schema (an object with `properties`) of the event's `data`."""

    name: str
    label: Any                      # a lazily translated string
    schema: dict
    description: Any = ""


# --- event types ------------------------------------------------------------------------------

def event_types(tenant: Tenant | None = None) -> dict[str, WebhookEvent]:
    """Every declared event type, or those of the core and the modules `tenant` has switched on."""
    state = current_app.extensions["samaki"]
    if tenant is None:
        if getattr(state, "webhook_events", None) is None:
            state.webhook_events = {event.name: event for result in state.pm.hook.samaki_webhook_events()
                                    for event in result or []}
        return state.webhook_events
    return {event.name: event for result in state.hook_for(tenant, "samaki_webhook_events")()
            for event in result or []}


RECORD_SHARED = "core.record.shared"


def core_webhook_events() -> list[WebhookEvent]:
    """The core's own event types (registered through the hook like a plugin's)."""
    return [WebhookEvent(
        RECORD_SHARED, _l("A record was shared with a working group"),
        {"type": "object",
         "required": ["shared_record_id", "record_type", "record_id", "group", "shared_at", "url"],
         "properties": {
             "shared_record_id": {"type": "integer"},
             "record_type": {"type": "string", "description": "e.g. a2i.request, a2i.statistics"},
             "record_id": {"type": "integer"},
             "title": {"type": "string", "description": "The line the group's feed shows."},
             "group": {"type": "string", "description": "The working group's slug."},
             "shared_at": {"type": "string", "format": "date-time"},
             "url": {"type": "string", "format": "uri", "description": "The shared record's page."}}},
        _l("The organisation shared a record with a working group; only the fields the module publishes are shared."))]


def record_shared_data(shared, group) -> dict:
    return {"shared_record_id": shared.id, "record_type": shared.record_type, "record_id": shared.record_id,
            "title": shared.title, "group": group.slug, "shared_at": shared.shared_at.isoformat(),
            "url": public_url(f"/t/{db.session.get(Tenant, shared.tenant_id).slug}/groups/records/{shared.id}")}


# --- signing ----------------------------------------------------------------------------------

def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the endpoint's secret."""
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify_signature(secret: str, header: str, body: bytes, now: int, tolerance: int = 300) -> bool:
    """What a receiver does (written here as the reference): the signature matches and its
    timestamp is recent, so a captured delivery cannot be replayed later."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    return abs(now - timestamp) <= tolerance and hmac.compare_digest(parts.get("v1", ""),
                                                                     signature(secret, timestamp, body))


# --- addresses --------------------------------------------------------------------------------

class RefusedAddress(Exception):
    """The endpoint's host resolves to an address webhooks may not reach (at delivery time)."""


def _allow_private() -> bool:
    return bool(current_app.config.get("WEBHOOKS_ALLOW_PRIVATE"))


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved
                                 or ip.is_multicast or ip.is_unspecified)


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def check_url(url: str) -> str:
    """The cleaned address, or DomainError (field "url") saying what is wrong with it."""
    url = (url or "").strip()
    if not url:
        raise DomainError(_l("Give the address that receives the events."), field="url")
    if len(url) > MAX_URL_LENGTH:
        raise DomainError(_l("The address may be at most %(max)s characters long.", max=MAX_URL_LENGTH), field="url")
    parts = urlsplit(url)
    allowed_schemes = ("https", "http") if _allow_private() else ("https",)
    if parts.scheme.lower() not in allowed_schemes:
        raise DomainError(_l("The address must start with https://."), field="url")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
    if not host or any(character.isspace() for character in url):
        raise DomainError(_l("This is not a web address."), field="url")
    if parts.username or parts.password:
        raise DomainError(_l("Leave user names and passwords out of the address: the signature proves that "
                             "Samaki sent the event."), field="url")
    try:
        addresses = _resolve(host, port or 443)
    except (OSError, UnicodeError):
        raise DomainError(_l("The host %(host)s could not be found.", host=host), field="url") from None
    if not _allow_private():
        refused = next((address for address in addresses if not is_public_address(address)), None)
        if refused is not None:
            raise DomainError(_l("%(host)s is on a private, loopback or link-local network (%(address)s): "
                                 "webhooks are sent to public addresses only.", host=host, address=refused),
                              field="url")
    return url


# --- endpoints --------------------------------------------------------------------------------

def _checked_event_types(tenant: Tenant, chosen: list[str]) -> list[str]:
    available = event_types(tenant)
    chosen = list(dict.fromkeys(chosen or []))
    if not chosen:
        raise DomainError(_l("Choose at least one event."), field="event_types")
    if any(name not in available for name in chosen):
        raise DomainError(_l("Choose events from the list."), field="event_types")
    return chosen


def _checked_description(description: str) -> str:
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise DomainError(_l("The description may be at most %(max)s characters long.",
                             max=MAX_DESCRIPTION_LENGTH), field="description")
    return description


def create_endpoint(tenant: Tenant, *, url: str, event_types: list[str],
                    description: str = "") -> tuple[WebhookEndpoint, str]:
    """A new active endpoint and its signing secret (show it once)."""
    secret = new_secret()
    endpoint = WebhookEndpoint(tenant_id=tenant.id, url=check_url(url),
                               event_types=_checked_event_types(tenant, event_types),
                               description=_checked_description(description), secret=secret, is_active=True)
    db.session.add(endpoint)
    return endpoint, secret


def update_endpoint(endpoint: WebhookEndpoint, tenant: Tenant, *, url: str, event_types: list[str],
                    description: str = "", is_active: bool = True) -> None:
    """Change an endpoint. Switching it on again starts a new count of failures and lets its
    waiting deliveries go out."""
    endpoint.url = check_url(url)
    endpoint.event_types = _checked_event_types(tenant, event_types)
    endpoint.description = _checked_description(description)
    if is_active and not endpoint.is_active:
        endpoint.consecutive_failures, endpoint.disabled_at = 0, None
    endpoint.is_active = bool(is_active)


def rotate_secret(endpoint: WebhookEndpoint) -> str:
    endpoint.secret = new_secret()
    return endpoint.secret


def delete_endpoint(endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint and its delivery log (explicitly: SQLite does not enforce the cascade)."""
    db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id,
                                                     WebhookDelivery.tenant_id == endpoint.tenant_id))
    db.session.delete(endpoint)


def endpoints_of(tenant: Tenant) -> list[WebhookEndpoint]:
    return list(db.session.execute(select(WebhookEndpoint).where(WebhookEndpoint.tenant_id == tenant.id)
                                   .order_by(WebhookEndpoint.id)).scalars())


def endpoint_of(tenant: Tenant, endpoint_id: int) -> WebhookEndpoint | None:
    return db.session.execute(select(WebhookEndpoint).where(
        WebhookEndpoint.id == endpoint_id, WebhookEndpoint.tenant_id == tenant.id)).scalar_one_or_none()


def deliveries_query(endpoint: WebhookEndpoint) -> Select:
    """The endpoint's delivery log, newest first."""
    return (select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id,
                                          WebhookDelivery.tenant_id == endpoint.tenant_id)
            .order_by(WebhookDelivery.id.desc()))


# --- queueing ---------------------------------------------------------------------------------

def _body(event_id: str, event_type: str, tenant: Tenant, data: dict, created_at: datetime) -> str:
    return json.dumps({"id": event_id, "type": event_type, "created_at": created_at.isoformat(),
                       "tenant": tenant.slug, "data": data}, ensure_ascii=False, sort_keys=True, default=str)


def public_url(path: str) -> str:
    """An absolute link for a payload (the receiver is not in a Samaki request)."""
    return current_app.config["BASE_URL"].rstrip("/") + path


def emit(tenant_id: int, event_type: str, data: dict | Callable[[], dict]) -> list[WebhookDelivery]:
    """Queue `event_type` with `data` for each active endpoint of the tenant subscribed to it, in the
    caller's transaction (nothing goes out if the change is rolled back). `data` (or what the
    callable returns, called only when some endpoint listens) may hold only the keys the event
    type's schema declares."""
    kind = event_types().get(event_type)
    if kind is None:
        raise ValueError(f"Unknown webhook event type {event_type!r}: declare it in samaki_webhook_events")
    endpoints = [endpoint for endpoint in db.session.execute(select(WebhookEndpoint).where(
        WebhookEndpoint.tenant_id == tenant_id, WebhookEndpoint.is_active)).scalars()
        if event_type in (endpoint.event_types or [])]
    if not endpoints:
        return []
    data = data() if callable(data) else data
    undeclared = set(data) - set(kind.schema.get("properties", {}))
    if undeclared:
        raise ValueError(f"{event_type} data has undeclared keys {sorted(undeclared)}")
    tenant = db.session.get(Tenant, tenant_id)
    event_id, now = str(uuid.uuid4()), utcnow()
    body = _body(event_id, event_type, tenant, data, now)
    deliveries = [WebhookDelivery(tenant_id=tenant_id, endpoint_id=endpoint.id, event_id=event_id,
                                  event_type=event_type, body=body, next_attempt_at=now) for endpoint in endpoints]
    db.session.add_all(deliveries)
    return deliveries


def queue_ping(endpoint: WebhookEndpoint, tenant: Tenant) -> WebhookDelivery:
    """A test event for one endpoint (whatever it subscribes to); tried once, never retried."""
    event_id, now = str(uuid.uuid4()), utcnow()
    delivery = WebhookDelivery(tenant_id=endpoint.tenant_id, endpoint_id=endpoint.id, event_id=event_id,
                               event_type=PING, next_attempt_at=now,
                               body=_body(event_id, PING, tenant, {"endpoint_id": endpoint.id}, now))
    db.session.add(delivery)
    return delivery


# --- delivery ---------------------------------------------------------------------------------

def retry_delay(failures: int) -> timedelta:
    return timedelta(minutes=min(24 * 60, 2 ** max(1, failures)))


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the name resolves to a moment later."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.checked_address = address

    def connect(self):
        self.sock = socket.create_connection((self.checked_address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.checked_address = address

    def connect(self):
        sock = socket.create_connection((self.checked_address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _post(url: str, body: bytes, headers: dict) -> int:
    """POST and return the HTTP status (redirects are answers, not followed)."""
    parts = urlsplit(url)
    https = parts.scheme.lower() == "https"
    port = parts.port or (443 if https else 80)
    try:
        addresses = _resolve(parts.hostname, port)
    except (OSError, UnicodeError) as error:
        raise RefusedAddress(f"{parts.hostname} could not be resolved: {error}") from None
    if not _allow_private():
        addresses = [address for address in addresses if is_public_address(address)]
        if not addresses:
            raise RefusedAddress(f"{parts.hostname} resolves to a private, loopback or link-local address")
    connection_class = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
    connection = connection_class(parts.hostname, port, addresses[0], TIMEOUT_SECONDS)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(4096)
        return response.status
    finally:
        connection.close()


def _claim(delivery_id: int, now: datetime) -> bool:
    claimed = db.session.execute(
        update(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= now,
            or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now))
        .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS)).execution_options(synchronize_session=False))
    db.session.commit()
    return claimed.rowcount == 1


def _headers(delivery: WebhookDelivery, secret: str, timestamp: int, body: bytes) -> dict:
    return {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
            "Samaki-Webhook-Id": delivery.event_id, "Samaki-Webhook-Event": delivery.event_type,
            "Samaki-Webhook-Timestamp": str(timestamp), SIGNATURE_HEADER: signature_header(secret, timestamp, body)}


def deliver_one(delivery_id: int, now: datetime | None = None) -> bool | None:
    """Attempt one delivery if it is due and nobody else holds it: True when the endpoint accepted
    it, False when the attempt failed, None when it was not attempted."""
    now = now or utcnow()
    if not _claim(delivery_id, now):
        return None
    delivery = db.session.get(WebhookDelivery, delivery_id)
    endpoint = delivery.endpoint
    body = delivery.body.encode()
    timestamp = int(now.timestamp())
    status, error = None, ""
    try:
        status = _post(endpoint.url, body, _headers(delivery, endpoint.secret, timestamp, body))
        if not 200 <= status < 300:
            error = f"HTTP {status}"
    except RefusedAddress as refused:
        error = str(refused)
    except (OSError, http.client.HTTPException, ValueError) as failure:   # network, TLS, timeout, bad answer
        error = f"{failure.__class__.__name__}: {failure}"
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.response_code, delivery.claimed_until = now, status, None
    if not error:
        delivery.status, delivery.delivered_at, delivery.last_error = DeliveryStatus.DELIVERED, now, ""
        if delivery.event_type != PING:
            endpoint.consecutive_failures, endpoint.last_success_at = 0, now
        db.session.commit()
        return True
    delivery.last_error = error[:500]
    if delivery.event_type == PING:
        delivery.status = DeliveryStatus.FAILED
    else:
        _record_failure(endpoint, delivery, now)
    db.session.commit()
    return False


def _record_failure(endpoint: WebhookEndpoint, delivery: WebhookDelivery, now: datetime) -> None:
    """The endpoint backs off as a whole: its other waiting deliveries wait with this one, so a busy
    tenant's events do not use up the failures allowed while the receiver is down."""
    endpoint.consecutive_failures += 1
    endpoint.last_failure_at = now
    retry_at = now + retry_delay(endpoint.consecutive_failures)
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
    else:
        delivery.next_attempt_at = retry_at
    db.session.execute(update(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == DeliveryStatus.PENDING,
        WebhookDelivery.event_type != PING, WebhookDelivery.next_attempt_at < retry_at,
        WebhookDelivery.id != delivery.id).values(next_attempt_at=retry_at).execution_options(
        synchronize_session=False))
    if endpoint.is_active and endpoint.consecutive_failures >= DISABLE_AFTER_FAILURES:
        _disable(endpoint, now)


def _disable(endpoint: WebhookEndpoint, now: datetime) -> None:
    from core.models import Role
    from core.notifications import members_of, notify
    from core.permissions import registry
    endpoint.is_active, endpoint.disabled_at = False, now
    tenant = db.session.get(Tenant, endpoint.tenant_id)
    roles = [role for role in Role if registry().role_has(role, "core.webhooks.manage")]
    notify(members_of(tenant, roles=roles), tenant, DISABLED,
           {"url": endpoint.url, "failures": endpoint.consecutive_failures},
           url=f"/t/{tenant.slug}/admin/webhooks/{endpoint.id}")
    current_app.logger.warning("Webhook endpoint %s of tenant %s switched off after %s failures",
                               endpoint.id, tenant.slug, endpoint.consecutive_failures)


def deliver_due(now: datetime | None = None, limit: int = 200) -> tuple[int, int]:
    """Send what is due to active endpoints; returns (delivered, failed this round)."""
    now = now or utcnow()
    ids = db.session.execute(select(WebhookDelivery.id).join(WebhookEndpoint).where(
        WebhookDelivery.status == DeliveryStatus.PENDING, WebhookDelivery.next_attempt_at <= now,
        WebhookEndpoint.is_active).order_by(WebhookDelivery.id).limit(limit)).scalars().all()
    delivered = failed = 0
    for delivery_id in ids:
        outcome = deliver_one(delivery_id, now)   # None: taken by another sender, or its endpoint backed off
        if outcome is True:
            delivered += 1
        elif outcome is False:
            failed += 1
    return delivered, failed


# --- the OpenAPI document ---------------------------------------------------------------------

def _english(text) -> str:
    """A lazily translated label's msgid (the document is in English)."""
    args = getattr(text, "_args", None)
    return str(args[0]) if args else str(text)


def _envelope(name: str, data_schema: dict) -> dict:
    return {"type": "object", "required": ["id", "type", "created_at", "tenant", "data"],
            "properties": {"id": {"type": "string", "format": "uuid",
                                  "description": "The event's id, the same on every retry (also in Samaki-Webhook-Id)."},
                           "type": {"type": "string", "enum": [name]},
                           "created_at": {"type": "string", "format": "date-time"},
                           "tenant": {"type": "string", "description": "The organisation's slug."},
                           "data": data_schema}}


HEADERS = [
    ("Samaki-Webhook-Id", "The event's id: de-duplicate on it (a retry sends the same id)."),
    ("Samaki-Webhook-Event", "The event type."),
    ("Samaki-Webhook-Timestamp", "Unix time of this attempt."),
    (SIGNATURE_HEADER, 't=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>" keyed with the '
                       "endpoint's secret>. Compare in constant time and refuse old timestamps."),
]

PING_SCHEMA = {"type": "object", "required": ["endpoint_id"], "properties": {"endpoint_id": {"type": "integer"}}}


def openapi_webhooks() -> dict:
    """The `webhooks` section of the OpenAPI 3.1 document: one entry per declared event type."""
    declared = [WebhookEvent(PING, _l("Test ping"), PING_SCHEMA, "Sent when an administrator tests the endpoint."),
                *sorted(event_types().values(), key=lambda event: event.name)]
    parameters = [{"name": name, "in": "header", "required": True, "description": text, "schema": {"type": "string"}}
                  for name, text in HEADERS]
    return {event.name: {"post": {
        "summary": _english(event.label),
        "description": _english(event.description) or _english(event.label),
        "operationId": "webhook_" + event.name.replace(".", "_"),
        "tags": ["Webhooks"],
        "security": [],
        "parameters": parameters,
        "requestBody": {"required": True, "content": {"application/json": {"schema": _envelope(event.name, event.schema)}}},
        "responses": {"2XX": {"description": "Received. Any other answer, or none within 10 seconds, is retried "
                                             "with growing delays."}},
    }} for event in declared}
