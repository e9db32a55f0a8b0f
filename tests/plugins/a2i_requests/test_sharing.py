"""A request and the per-body statistics can be shared with a working group: published fields only,
never the requester."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import SharedRecord, WorkingGroup, WorkingGroupMember
from core.tenancy import tenant_scope
from core.registers.models import Institution, InstitutionKind
from plugins.a2i_requests import services
from plugins.a2i_requests.models import RequestStatus
from tests.helpers import login, make_member


@pytest.fixture
def a2iwg(tenant, other_tenant):
    group = WorkingGroup(slug="a2iwg", name="A2I Working Group", convening_tenant_id=tenant.id)
    group.members += [WorkingGroupMember(tenant_id=tenant.id), WorkingGroupMember(tenant_id=other_tenant.id)]
    db.session.add(group)
    db.session.commit()
    return group


@pytest.fixture
def request_with_requester(tenant, staff):
    body = Institution(code="MOI", kind=InstitutionKind.MINISTRY, name_en="Ministry of Information", name_km="ក្រសួងព័ត៌មាន")
    db.session.add(body)
    db.session.commit()
    with tenant_scope(tenant.id):
        req = services.create_request(tenant.id, subject="Commune investment plan", question="Please share the plan.",
                                      body_id=body.id, actor=staff, requester_name="Sok Dara",
                                      requester_contact="012 345 678", consent_recorded=True)
        services.transition(req, RequestStatus.SUBMITTED, actor=staff, on=date(2026, 7, 6))
        db.session.commit()
        return req


def reader_client(client, other_tenant):
    reader = make_member(other_tenant, "viewer", email="reader@b.example")
    other = client.application.test_client()
    login(other, reader.email)
    return other


def test_shared_request_shows_status_but_never_the_requester(staff_client, client, tenant, other_tenant, a2iwg,
                                                             request_with_requester):
    detail = staff_client.get(f"/t/{tenant.slug}/a2i/requests/{request_with_requester.id}").text
    assert "Share with" in detail
    staff_client.post(f"/t/{tenant.slug}/groups/share", data={"record_type": "a2i.request", "group": "a2iwg",
                                                               "record_id": request_with_requester.id})
    shared = db.session.execute(select(SharedRecord)).scalar_one()
    page = reader_client(client, other_tenant).get(f"/t/{other_tenant.slug}/groups/records/{shared.id}").text
    assert "Commune investment plan" in page and "Submitted" in page and "ក្រសួងព័ត៌មាន" in page
    assert "Sok Dara" not in page and "012 345 678" not in page and "Sok Dara" not in str(shared.fields)


def test_shared_statistics_reach_the_group(staff_client, client, tenant, other_tenant, a2iwg, request_with_requester):
    response = staff_client.post(f"/t/{tenant.slug}/a2i/statistics/share", data={"group": "a2iwg", "group_by": "body"},
                                 follow_redirects=True)
    assert "Shared with A2I Working Group" in response.text
    shared = db.session.execute(select(SharedRecord).where(SharedRecord.record_type == "a2i.statistics")).scalar_one()
    page = reader_client(client, other_tenant).get(f"/t/{other_tenant.slug}/groups/records/{shared.id}").text
    assert "Ministry of Information: 1 requests" in page and "Sok Dara" not in page
