"""Publishing requests: who may publish, and what the public (no login) pages show and never show."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent
from core.tenancy import tenant_scope
from core.registers.models import Institution, InstitutionKind
from plugins.a2i_requests import services
from plugins.a2i_requests.models import InfoRequest, RequestStatus

S = RequestStatus
QUESTION = "How much did the province spend on rural roads in 2025?"



def make_request(tenant, staff, body, *, published: bool = False, subject: str = "Rural roads budget",
                 **fields) -> int:
    with tenant_scope(tenant.id):
        req = services.create_request(tenant.id, subject=subject, question=QUESTION, body_id=body.id, actor=staff,
                                      requester_name="Sokha Chan", requester_contact="012 345 678",
                                      consent_recorded=True, **fields)
        services.transition(req, S.SUBMITTED, actor=staff, on=date(2026, 8, 3))
        services.transition(req, S.ANSWERED_FULL, actor=staff, on=date(2026, 8, 5),
                            disclosed_summary="Spending table for 2025, by commune")
        if published:
            from core.columns import utcnow
            req.published_at = utcnow()
        db.session.commit()
        return req.id


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


def published_at(tenant, request_id):
    with tenant_scope(tenant.id):
        return db.session.execute(select(InfoRequest.published_at).where(InfoRequest.id == request_id)).scalar_one()


def test_admin_publishes_a_request_and_the_change_is_audited(admin_client, tenant, staff, ministry):
    request_id = make_request(tenant, staff, ministry)
    response = admin_client.post(f"/t/{tenant.slug}/a2i/requests/{request_id}/publish")
    assert response.status_code == 302
    assert published_at(tenant, request_id) is not None
    updates = db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "update", AuditEvent.model == "InfoRequest",
        AuditEvent.record_id == str(request_id))).scalars().all()
    assert any("published_at" in event.changes for event in updates)


def test_admin_unpublishes_a_request(admin_client, tenant, staff, ministry):
    request_id = make_request(tenant, staff, ministry, published=True)
    response = admin_client.post(f"/t/{tenant.slug}/a2i/requests/{request_id}/unpublish")
    assert response.headers["Location"] == f"/t/{tenant.slug}/a2i/requests/{request_id}"
    assert flashes(admin_client) == [("success", "A2I-2026-0001 is no longer on the public page.")]
    assert published_at(tenant, request_id) is None


def test_staff_may_not_publish(staff_client, tenant, staff, ministry):
    request_id = make_request(tenant, staff, ministry)
    response = staff_client.post(f"/t/{tenant.slug}/a2i/requests/{request_id}/publish")
    assert response.status_code == 403
    assert published_at(tenant, request_id) is None


def test_staff_may_not_unpublish(staff_client, tenant, staff, ministry):
    request_id = make_request(tenant, staff, ministry, published=True)
    assert staff_client.post(f"/t/{tenant.slug}/a2i/requests/{request_id}/unpublish").status_code == 403
    assert published_at(tenant, request_id) is not None


def test_a_draft_cannot_be_published(admin_client, tenant, staff, ministry):
    with tenant_scope(tenant.id):
        req = services.create_request(tenant.id, subject="Draft", question=QUESTION, body_id=ministry.id, actor=staff)
        db.session.commit()
        request_id = req.id
    admin_client.post(f"/t/{tenant.slug}/a2i/requests/{request_id}/publish")
    assert flashes(admin_client) == [("error", "A draft cannot be published: submit the request first.")]
    assert published_at(tenant, request_id) is None


def test_public_page_needs_no_login_and_shows_the_question_but_never_the_requester(app, tenant, staff, ministry):
    request_id = make_request(tenant, staff, ministry, published=True, protected_requester=False)
    response = app.test_client().get(f"/t/{tenant.slug}/a2i/published/{request_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert QUESTION in html and "Ministry of Information" in html and "Spending table for 2025, by commune" in html
    assert "Sokha Chan" not in html and "012 345 678" not in html
    assert staff.name not in html


def test_public_list_needs_no_login_and_lists_only_published_requests(app, tenant, staff, ministry):
    make_request(tenant, staff, ministry, published=True, subject="Published roads request")
    make_request(tenant, staff, ministry, subject="Internal schools request")
    response = app.test_client().get(f"/t/{tenant.slug}/a2i/published/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Published roads request" in html and "Internal schools request" not in html
    assert "Sokha Chan" not in html


def test_public_list_searches_by_body_name_and_status(app, tenant, staff, ministry):
    health = Institution(code="MOH", kind=InstitutionKind.MINISTRY, name_en="Ministry of Health")
    db.session.add(health)
    db.session.commit()
    make_request(tenant, staff, ministry, published=True, subject="Information request")
    make_request(tenant, staff, health, published=True, subject="Health request")
    client = app.test_client()
    by_body = client.get(f"/t/{tenant.slug}/a2i/published/?q=health").get_data(as_text=True)
    by_status = client.get(f"/t/{tenant.slug}/a2i/published/?status=refused").get_data(as_text=True)
    assert "Health request" in by_body and "Information request" not in by_body
    assert "Health request" not in by_status and "No published requests match." in by_status


def test_public_list_turns_an_unknown_status_into_a_form_error(app, tenant):
    response = app.test_client().get(f"/t/{tenant.slug}/a2i/published/?status=secret")
    assert response.status_code == 422


def test_unpublished_request_is_not_found_on_the_public_page(app, tenant, staff, ministry):
    request_id = make_request(tenant, staff, ministry)
    assert app.test_client().get(f"/t/{tenant.slug}/a2i/published/{request_id}").status_code == 404


def test_another_tenants_slug_does_not_show_this_tenants_request(app, tenant, other_tenant, staff, ministry):
    request_id = make_request(tenant, staff, ministry, published=True)
    response = app.test_client().get(f"/t/{other_tenant.slug}/a2i/published/{request_id}")
    assert response.status_code == 404
    assert QUESTION not in response.get_data(as_text=True)
