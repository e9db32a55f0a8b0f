"""The requests pages as a user sees them: the list with its filters and badges, the request form, the detail
page with its deadline and protected requester, and the workflow step forms."""
from __future__ import annotations

from datetime import date

from babel.dates import format_date
from sqlalchemy import func, select

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.a2i_requests import services
from plugins.a2i_requests.models import InfoRequest, RequestEvent, RequestStatus
from plugins.a2i_requests.views import search_requests
from tests.helpers import login, make_member, statements_for

S = RequestStatus
MONDAY = date(2026, 7, 6)   # no public holiday in July 2026



def url(tenant, path=""):
    return f"/t/{tenant.slug}/a2i{path}"


def make_request(tenant, actor, body, *, submitted_on=None, subject="Commune road budget", **fields) -> InfoRequest:
    with tenant_scope(tenant.id):
        req = services.create_request(tenant.id, subject=subject, question="What was spent on roads in 2025?",
                                      body_id=body.id, actor=actor, **fields)
        if submitted_on is not None:
            services.transition(req, S.SUBMITTED, actor=actor, on=submitted_on, receipt_number="R-1")
        db.session.commit()
        return req


def reload(req_id: int, tenant) -> InfoRequest:
    db.session.expire_all()
    with tenant_scope(tenant.id):
        return db.session.execute(select(InfoRequest).where(InfoRequest.id == req_id)).scalar_one()


# --- the list ---------------------------------------------------------------------------------

def test_list_shows_reference_body_status_and_late_badge(staff_client, tenant, staff, ministry):
    req = make_request(tenant, staff, ministry, submitted_on=MONDAY)
    page = staff_client.get(url(tenant, "/requests/")).text
    assert req.reference in page and "Commune road budget" in page and "Ministry of Information" in page
    assert "Submitted" in page
    assert 'class="badge late"' in page and "days late" in page


def test_list_paginates_by_twenty_five(staff_client, tenant, staff, ministry):
    for number in range(27):
        make_request(tenant, staff, ministry, subject=f"Question number {number:02d}")
    first = staff_client.get(url(tenant, "/requests/")).text
    second = staff_client.get(url(tenant, "/requests/?page=2")).text
    assert first.count("Question number") == 25 and "Page 1 of 2" in first
    assert second.count("Question number") == 2


def test_filter_by_text_and_status_narrows_the_list(staff_client, tenant, staff, ministry):
    make_request(tenant, staff, ministry, subject="Land concession map", submitted_on=MONDAY)
    make_request(tenant, staff, ministry, subject="School budget")
    by_text = staff_client.get(url(tenant, "/requests/?q=concession")).text
    by_status = staff_client.get(url(tenant, "/requests/?status=draft")).text
    assert "Land concession map" in by_text and "School budget" not in by_text
    assert "School budget" in by_status and "Land concession map" not in by_status


def test_filter_by_tag_and_overdue(staff_client, tenant, staff, ministry):
    make_request(tenant, staff, ministry, subject="Late land request", tags="land, kampot", submitted_on=MONDAY)
    make_request(tenant, staff, ministry, subject="Draft land request", tags="land")
    make_request(tenant, staff, ministry, subject="Budget request", tags="budget")
    tagged = staff_client.get(url(tenant, "/requests/?tag=Land")).text
    overdue = staff_client.get(url(tenant, "/requests/?overdue=y")).text
    assert "Late land request" in tagged and "Draft land request" in tagged and "Budget request" not in tagged
    assert "Late land request" in overdue and "Draft land request" not in overdue


def test_bad_sort_and_filter_values_are_ignored_with_a_message(staff_client, tenant, staff, ministry):
    make_request(tenant, staff, ministry)
    response = staff_client.get(url(tenant, "/requests/?sort=password&status=nonsense&body=abc&page=zz"))
    assert response.status_code == 200
    assert "Some filters were not understood" in response.text and "Not a valid choice" in response.text
    assert "No institution matches “abc”" in response.text
    assert "Commune road budget" in response.text


def test_list_query_count_does_not_grow_with_rows(app, staff_client, tenant, staff, ministry):
    def statements_with(rows: int) -> int:
        while db.session.scalar(select(func.count()).select_from(InfoRequest).execution_options(
                samaki_unscoped=True)) < rows:
            make_request(tenant, staff, ministry, submitted_on=MONDAY)
        return statements_for(staff_client, url(tenant, "/requests/?sort=due_on"))

    assert statements_with(5) == statements_with(50)


# --- create and edit --------------------------------------------------------------------------

def test_viewer_cannot_open_the_new_request_form(client, tenant, viewer):
    login(client, viewer.email)
    assert client.get(url(tenant, "/requests/new")).status_code == 403


def test_new_request_without_subject_shows_the_field_error(staff_client, tenant, ministry):
    response = staff_client.post(url(tenant, "/requests/new"), data={
        "subject": "", "question": "Budget?", "body_id": "MOI", "channel": "letter",
        "requester_sex": "not_recorded", "requester_age_group": "not_recorded"})
    assert response.status_code == 422
    assert 'id="subject-error"' in response.text


def test_requester_name_needs_recorded_consent(staff_client, tenant, ministry):
    response = staff_client.post(url(tenant, "/requests/new"), data={
        "subject": "Budget", "question": "Budget?", "body_id": "MOI", "channel": "letter",
        "requester_name": "Sok Dara", "requester_sex": "female", "requester_age_group": "18_30"})
    assert response.status_code == 422
    assert "Record the requester&#39;s consent" in response.text
    with tenant_scope(tenant.id):
        assert db.session.scalar(select(func.count()).select_from(InfoRequest)) == 0


def test_created_request_is_a_draft_with_its_details(staff_client, tenant, staff, ministry):
    response = staff_client.post(url(tenant, "/requests/new"), data={
        "subject": "Budget", "question": "Budget?", "body_id": "MOI", "channel": "email",
        "tags": "budget, roads", "assignee_id": staff.email, "requester_name": "Sok Dara",
        "consent_recorded": "y", "requester_sex": "female", "requester_age_group": "18_30"},
        follow_redirects=True)
    assert response.status_code == 200 and "saved as a draft" in response.text
    with tenant_scope(tenant.id):
        req = db.session.execute(select(InfoRequest)).scalar_one()
        assert (req.status, req.channel.value, req.tag_list, req.assignee_id) == (
            S.DRAFT, "email", ["budget", "roads"], staff.id)
        contact = req.requester
        assert (contact.name_latin, contact.sex.value, contact.age_group.value, contact.protected) == (
            "Sok Dara", "female", "18_30", False)
        assert contact.consent_on is not None


# --- protected requester ----------------------------------------------------------------------

def test_protected_requester_is_hidden_from_another_staff_member(client, tenant, staff, ministry):
    req = make_request(tenant, staff, ministry, requester_name="Chan Sophea", requester_contact="012 345 678",
                       consent_recorded=True, protected_requester=True)
    colleague = make_member(tenant, Role.STAFF, email="colleague@kampot.example")
    login(client, colleague.email)
    page = client.get(url(tenant, f"/requests/{req.id}")).text
    assert "Chan Sophea" not in page and "012 345 678" not in page and "Protected requester" in page
    edit_form = client.get(url(tenant, f"/requests/{req.id}/edit")).text
    assert "Chan Sophea" not in edit_form


def test_protected_requester_is_shown_to_the_assignee(staff_client, tenant, staff, ministry):
    req = make_request(tenant, staff, ministry, requester_name="Chan Sophea", consent_recorded=True,
                       protected_requester=True)
    assert "Chan Sophea" in staff_client.get(url(tenant, f"/requests/{req.id}")).text


def test_protected_requester_is_shown_to_an_admin(admin_client, tenant, staff, ministry):
    req = make_request(tenant, staff, ministry, requester_name="Chan Sophea", consent_recorded=True,
                       protected_requester=True)
    assert "Chan Sophea" in admin_client.get(url(tenant, f"/requests/{req.id}")).text


def test_search_finds_subject_but_never_shows_requester_names(app, staff_client, tenant, staff, ministry):
    make_request(tenant, staff, ministry, subject="Irrigation plans", requester_name="Chan Sophea",
                 consent_recorded=True)
    with app.test_request_context(url(tenant, "/requests/")):
        from core.web import resolve_tenant
        from flask_login import login_user
        from flask import g
        login_user(staff)
        g.tenant_slug = tenant.slug
        resolve_tenant()
        hits = search_requests("irrigation")
        none_by_name = search_requests("Sophea")
    assert [hit.title.split(" · ")[1] for hit in hits] == ["Irrigation plans"]
    assert "Sophea" not in repr(hits) and none_by_name == []


# --- detail and workflow ----------------------------------------------------------------------

def test_draft_offers_submitted_but_not_answered_in_full(staff_client, tenant, staff, ministry):
    req = make_request(tenant, staff, ministry)
    page = staff_client.get(url(tenant, f"/requests/{req.id}")).text
    assert f"/requests/{req.id}/transition/submitted" in page
    assert "/transition/answered_full" not in page and "Answered in full" not in page


def test_request_of_another_tenant_is_not_found(staff_client, tenant, other_tenant, ministry):
    stranger = make_member(other_tenant, Role.STAFF, email="staff@battambang.example")
    req = make_request(other_tenant, stranger, ministry)
    assert staff_client.get(url(tenant, f"/requests/{req.id}")).status_code == 404
    assert staff_client.get(url(tenant, f"/requests/{req.id}/edit")).status_code == 404


def test_invalid_transition_shows_a_message_and_changes_nothing(staff_client, tenant, staff, ministry):
    req = make_request(tenant, staff, ministry)
    response = staff_client.post(url(tenant, f"/requests/{req.id}/transition/answered_full"),
                                 data={"occurred_on": MONDAY.isoformat()}, follow_redirects=True)
    assert "A request that is Draft cannot become Answered in full." in response.text
    assert reload(req.id, tenant).status == S.DRAFT
    with tenant_scope(tenant.id):
        assert db.session.scalar(select(func.count()).select_from(RequestEvent)) == 0


def test_unknown_status_is_a_bad_request(staff_client, tenant, staff, ministry):
    req = make_request(tenant, staff, ministry)
    assert staff_client.get(url(tenant, f"/requests/{req.id}/transition/teleported")).status_code == 400


def test_submitting_sets_the_due_date_shown_on_the_page(staff_client, tenant, staff, ministry):
    req = make_request(tenant, staff, ministry)
    form = staff_client.get(url(tenant, f"/requests/{req.id}/transition/submitted")).text
    assert 'name="receipt_number"' in form and 'name="extended_to"' not in form
    response = staff_client.post(url(tenant, f"/requests/{req.id}/transition/submitted"),
                                 data={"occurred_on": MONDAY.isoformat(), "receipt_number": "MOI-778"},
                                 follow_redirects=True)
    saved = reload(req.id, tenant)
    assert (saved.status, saved.due_on, saved.receipt_number) == (S.SUBMITTED, date(2026, 7, 13), "MOI-778")
    assert format_date(date(2026, 7, 13), locale="en") in response.text
    assert "Initial reply period" in response.text and "MOI-778" in response.text


def test_extension_beyond_the_cap_shows_the_field_error(staff_client, tenant, staff, ministry):
    req = make_request(tenant, staff, ministry, submitted_on=MONDAY)
    response = staff_client.post(url(tenant, f"/requests/{req.id}/transition/extended"), data={
        "occurred_on": "2026-07-10", "extension_reason": "Records are in the provinces",
        "extended_to": "2026-09-01"})
    assert response.status_code == 422
    assert 'id="extended_to-error"' in response.text and "40 working days" in response.text
    assert reload(req.id, tenant).status == S.SUBMITTED


def test_refusal_lists_the_tenants_exemption_grounds(staff_client, tenant, staff, ministry):
    req = make_request(tenant, staff, ministry, submitted_on=MONDAY)
    form = staff_client.get(url(tenant, f"/requests/{req.id}/transition/refused")).text
    assert "National security and defence" in form and 'name="receipt_number"' not in form
    staff_client.post(url(tenant, f"/requests/{req.id}/transition/refused"), data={
        "occurred_on": "2026-07-08", "exemption_ground_code": "personal_privacy"})
    saved = reload(req.id, tenant)
    assert (saved.status, saved.exemption_ground_code) == (S.REFUSED, "personal_privacy")
    assert "Personal privacy" in staff_client.get(url(tenant, f"/requests/{req.id}")).text


def test_detail_shows_khmer_new_year_in_the_deadline_window_in_khmer(client, tenant, ministry):
    khmer_reader = make_member(tenant, Role.STAFF, email="km@kampot.example", locale="km")
    req = make_request(tenant, khmer_reader, ministry, submitted_on=date(2026, 4, 10))
    login(client, khmer_reader.email)
    page = client.get(url(tenant, f"/requests/{req.id}")).text
    assert "ចូលឆ្នាំ" in page   # Khmer New Year's name in Khmer


def test_editing_a_request_saves_the_new_subject_and_tags(staff_client, tenant, staff, ministry):
    req = make_request(tenant, staff, ministry)
    form = staff_client.get(url(tenant, f"/requests/{req.id}/edit")).text
    assert 'value="Commune road budget"' in form
    response = staff_client.post(url(tenant, f"/requests/{req.id}/edit"), data={
        "subject": "Commune road budget 2025", "question": "Roads?", "body_id": "MOI",
        "channel": "letter", "tags": " roads ,, budget ", "assignee_id": staff.email,
        "requester_sex": "not_recorded", "requester_age_group": "not_recorded"}, follow_redirects=True)
    assert "Commune road budget 2025" in response.text
    saved = reload(req.id, tenant)
    assert (saved.subject, saved.tags) == ("Commune road budget 2025", "roads, budget")


def test_detail_query_count_does_not_grow_with_correspondence_and_files(staff_client, tenant, staff, ministry):
    from plugins.a2i_requests.models import Attachment, Correspondence, CorrespondenceKind, Direction
    req = make_request(tenant, staff, ministry, submitted_on=MONDAY)

    def statements_with(rows: int) -> int:
        with tenant_scope(tenant.id):
            while db.session.query(Correspondence).count() < rows:
                n = db.session.query(Correspondence).count()
                letter = Correspondence(request_id=req.id, kind=CorrespondenceKind.LETTER, direction=Direction.OUTGOING,
                                        occurred_on=MONDAY, summary=f"Letter {n}")
                db.session.add(letter)
                db.session.flush()
                db.session.add(Attachment(request_id=req.id, correspondence_id=letter.id, display_name=f"f{n}.pdf",
                                          storage_name=f"s{n}", content_type="application/pdf", size_bytes=10))
            db.session.commit()
        return statements_for(staff_client, url(tenant, f"/requests/{req.id}"))

    assert statements_with(5) == statements_with(50)
