"""The module's webhook events (hook samaki_webhook_events) and their data: ids, references,
statuses, dates and links only — never the requester or any other person (Do No Harm)."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from core.extensions import db
from core.models import Tenant
from core.webhooks import WebhookEvent, emit, public_url
from plugins.a2i_requests.models import InfoRequest, RequestStatus

STATUS_CHANGED = "a2i.request.status_changed"
DEADLINE_PASSED = "a2i.request.deadline_passed"

_STATUS = {"type": "string", "enum": [status.value for status in RequestStatus]}
_DATE_OR_NULL = {"type": ["string", "null"], "format": "date"}
_COMMON = {
    "request_id": {"type": "integer"},
    "reference": {"type": "string", "description": "e.g. A2I-2026-0007"},
    "due_on": {**_DATE_OR_NULL, "description": "The current due date, if the clock runs."},
    "url": {"type": "string", "format": "uri", "description": "The request's page (members only)."},
}


def webhook_events() -> list[WebhookEvent]:
    return [
        WebhookEvent(STATUS_CHANGED, _l("An information request changed status"), {
            "type": "object", "required": ["request_id", "reference", "from_status", "status", "occurred_on", "url"],
            "properties": {**_COMMON, "from_status": _STATUS, "status": _STATUS,
                           "occurred_on": {"type": "string", "format": "date"}}},
            _l("A step of the request was recorded (submitted, answered, refused, extended…).")),
        WebhookEvent(DEADLINE_PASSED, _l("An information request's deadline passed"), {
            "type": "object", "required": ["request_id", "reference", "status", "due_on", "url"],
            "properties": {**_COMMON, "status": _STATUS, "due_on": {"type": "string", "format": "date"}}},
            _l("Sent once per due date, the day after an open request's due date has passed without an answer.")),
    ]


def _request_url(req: InfoRequest) -> str:
    return public_url(f"/t/{db.session.get(Tenant, req.tenant_id).slug}/a2i/requests/{req.id}")


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def status_changed(req: InfoRequest, from_status: RequestStatus, on: date) -> None:
    def data() -> dict:
        if req.id is None:
            db.session.flush()
        return {"request_id": req.id, "reference": req.reference, "from_status": RequestStatus(from_status).value,
                "status": req.status.value, "occurred_on": on.isoformat(), "due_on": _iso(req.due_on),
                "url": _request_url(req)}
    emit(req.tenant_id, STATUS_CHANGED, data)


def deadline_passed(req: InfoRequest) -> None:
    emit(req.tenant_id, DEADLINE_PASSED, lambda: {
        "request_id": req.id, "reference": req.reference, "status": req.status.value, "due_on": _iso(req.due_on),
        "url": _request_url(req)})
