"""The requests CSV download: the HTML list's filters, streamed row by row, audited. A protected
(or erased) requester's name is never exported, whoever downloads (Do No Harm)."""
from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, g, request
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from core.audit import record_event
from core.csv_export import csv_response
from core.extensions import db
from core.i18n import current_locale
from core.permissions import require
from core.tenancy import tenant_scope
from core.registers.models import Institution
from core.registers.protection import full_name
from plugins.a2i_requests import services
from plugins.a2i_requests.models import InfoRequest
from plugins.a2i_requests.views import list_filters, request_list_query

exports_bp = Blueprint("a2i_exports", __name__, url_prefix="/t/<tenant_slug>/a2i")

HEADER = ["reference", "subject", "body", "kind", "province", "status", "channel", "submitted_on", "due_on",
          "answered_on", "on_time", "requester_sex", "requester_age_group", "requester_name"]
BATCH = 500


def _iso(value) -> str:
    return value.isoformat() if value is not None else ""


def csv_row(req: InfoRequest, lang: str) -> list:
    """One request as a CSV line (enums as their values, dates as ISO)."""
    province = req.body.province
    return [req.reference, req.subject, req.body.name_in(lang), req.body.kind.value,
            province.name_in(lang) if province is not None else "", req.status.value, req.channel.value,
            _iso(req.submitted_on), _iso(req.due_on), _iso(req.answered_on),
            "" if req.on_time is None else ("true" if req.on_time else "false"),
            req.requester_sex.value, req.requester_age_group.value, _exported_name(req, lang)]


def _exported_name(req: InfoRequest, lang: str) -> str:
    """The requester's name, unless the person is protected or erased (whoever downloads)."""
    contact = req.requester
    if contact is None or contact.protected or contact.is_erased:
        return ""
    return full_name(contact, lang)


@exports_bp.get("/requests.csv")
@require("a2i.request.view")
def requests_csv() -> Response:
    filters = list_filters(request.args)[1]
    query = request_list_query(filters, services.tenant_today(g.tenant.id)).options(
        joinedload(InfoRequest.body).joinedload(Institution.province), joinedload(InfoRequest.requester))
    record_event("export", tenant_id=g.tenant.id, model="InfoRequest",
                 changes={"filters": {key: str(value) for key, value in filters.items()}})
    db.session.commit()
    lang, tenant_id = current_locale(), g.tenant.id

    def rows() -> Iterator[list]:
        # Streamed in batches so a large organisation's export never sits in memory at once. The rows are
        # read after the view returned, when the request's tenant scope has been cleared: set it again.
        with tenant_scope(tenant_id):
            for req in db.session.execute(query.execution_options(yield_per=BATCH)).scalars():
                yield csv_row(req, lang)

    return csv_response(f"a2i-requests-{g.tenant.slug}.csv", HEADER, rows())
