"""The requests CSV download: the list's rows and filters, Excel-friendly, audited, and never a
protected requester's name."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent
from core.tenancy import tenant_scope
from plugins.a2i_requests import services
from plugins.a2i_requests.models import RequestStatus
from tests.helpers import login

S = RequestStatus


def make_request(tenant, actor, body, *, submitted: bool = False, **fields) -> str:
    with tenant_scope(tenant.id):
        fields.setdefault("subject", "Commune road budget")
        req = services.create_request(tenant.id, question="What was spent?", body_id=body.id, actor=actor, **fields)
        if submitted:
            services.transition(req, S.SUBMITTED, actor=actor,
                                on=services.tenant_today(tenant.id) - timedelta(days=1), receipt_number="R-1")
        db.session.commit()
        return req.reference


def download(client, tenant, query: str = ""):
    response = client.get(f"/t/{tenant.slug}/a2i/requests.csv{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return response


def rows_of(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_csv_lists_the_requests_with_their_columns(staff_client, tenant, staff, ministry):
    reference = make_request(tenant, staff, ministry, submitted=True, requester_name="Chan Sophea",
                             consent_recorded=True)
    rows = rows_of(download(staff_client, tenant))
    assert len(rows) == 1
    row = rows[0]
    assert (row["reference"], row["body"], row["kind"], row["status"]) == (
        reference, "Ministry of Information", "ministry", "submitted")
    assert row["requester_name"] == "Chan Sophea" and row["due_on"] != "" and row["on_time"] == ""


def test_csv_starts_with_a_bom_for_excel(staff_client, tenant, staff, ministry):
    make_request(tenant, staff, ministry)
    assert download(staff_client, tenant).data.startswith("\ufeff".encode())


def test_csv_never_contains_a_protected_requesters_name(client, tenant, staff, admin_user, ministry):
    make_request(tenant, staff, ministry, requester_name="Sok Dara", requester_contact="012 345 678",
                 consent_recorded=True, protected_requester=True)
    login(client, admin_user.email)   # even a manager, who may see the name on the page
    response = download(client, tenant)
    assert rows_of(response)[0]["requester_name"] == ""
    assert b"Sok Dara" not in response.data and b"012 345 678" not in response.data


def test_csv_applies_the_list_filters(staff_client, tenant, staff, ministry):
    submitted = make_request(tenant, staff, ministry, submitted=True, subject="Submitted one")
    make_request(tenant, staff, ministry, subject="Still a draft")
    rows = rows_of(download(staff_client, tenant, "?status=submitted"))
    assert [row["reference"] for row in rows] == [submitted]


def test_csv_export_is_audited_with_its_filters(staff_client, tenant, staff, ministry):
    make_request(tenant, staff, ministry)
    download(staff_client, tenant, "?status=draft")
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "export",
                                                        AuditEvent.model == "InfoRequest")).scalar_one()
    assert event.tenant_id == tenant.id and event.changes["filters"]["status"] == "draft"


def test_viewer_may_export(client, tenant, viewer, staff, ministry):
    make_request(tenant, staff, ministry)
    login(client, viewer.email)
    assert len(rows_of(download(client, tenant))) == 1


def test_export_needs_a_login(client, tenant):
    assert client.get(f"/t/{tenant.slug}/a2i/requests.csv").status_code in (302, 401)
