"""Requesters are contacts of the core register: the request form picks a person or describes a new
one (saved as a contact), protection comes from the contact and every view of a protected identity
is logged, the API reads and writes requesters both ways, and the contact page learns where the
person asked (samaki_contact_links)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core.data_key import keyed_hash
from core.extensions import db
from core.models import AuditEvent
from core.registers.contacts import create_contact
from core.registers.models import AgeGroup, Contact, Sex
from core.tenancy import tenant_scope
from plugins.a2i_requests import services
from plugins.a2i_requests.models import Correspondence, CorrespondenceKind, Direction, InfoRequest
from plugins.a2i_requests.views import contact_links
from tests.helpers import StatementCounter, login, make_member, token_for
from tests.plugins.a2i_requests.test_api import api

FORM = {"subject": "Budget", "question": "What is the 2026 budget?", "channel": "letter",
        "requester_sex": "not_recorded", "requester_age_group": "not_recorded"}


def person(tenant, name: str, **fields) -> Contact:
    with tenant_scope(tenant.id):
        contact = create_contact(tenant_id=tenant.id, name_latin=name, consent_on=date(2026, 1, 5),
                                 consent_scope="A2I request", **fields)
        db.session.commit()
        return contact


def requests_of(tenant) -> list[InfoRequest]:
    db.session.expire_all()
    with tenant_scope(tenant.id):
        return list(db.session.scalars(select(InfoRequest).order_by(InfoRequest.id)))


def contacts_of(tenant) -> int:
    with tenant_scope(tenant.id):
        return db.session.scalar(select(func.count()).select_from(Contact))


def test_the_form_types_the_requester_instead_of_listing_everyone(staff_client, tenant, ministry):
    person(tenant, "Chan Sophea")
    person(tenant, "Sok Dara", protected=True)
    page = staff_client.get(f"/t/{tenant.slug}/a2i/requests/new").text
    assert "Chan Sophea" not in page and "Sok Dara" not in page and "Protected person" not in page
    assert 'data-lookup-url="/t/kampot-network/contacts/picker?kind=person"' in page
    response = staff_client.post(f"/t/{tenant.slug}/a2i/requests/new",
                                 data={**FORM, "body_id": "MOI", "requester_contact_id": "sophea"})
    assert response.status_code == 302
    (req,) = requests_of(tenant)
    assert req.requester.name_latin == "Chan Sophea"


def test_a_request_filed_for_a_contact_links_it_without_a_new_contact(staff_client, tenant, ministry):
    sophea = person(tenant, "Chan Sophea", sex="female", age_group="18_30")
    response = staff_client.post(f"/t/{tenant.slug}/a2i/requests/new",
                                 data={**FORM, "body_id": "MOI", "requester_contact_id": "Chan Sophea", "requester_contact_id-id": str(sophea.id)})
    assert response.status_code == 302
    (req,) = requests_of(tenant)
    assert req.requester_contact_id == sophea.id and contacts_of(tenant) == 1
    with tenant_scope(tenant.id):
        assert (req.requester_sex, req.requester_age_group) == (Sex.FEMALE, AgeGroup.FROM_18_TO_30)


def test_a_new_requester_in_khmer_script_becomes_a_contact(staff_client, tenant, ministry):
    response = staff_client.post(f"/t/{tenant.slug}/a2i/requests/new", data={
        **FORM, "body_id": "MOI", "requester_name": "សុខ ដារា", "requester_contact": "012 345 678",
        "consent_recorded": "y", "protected_requester": "y", "requester_sex": "male",
        "requester_age_group": "31_59"})
    assert response.status_code == 302
    (req,) = requests_of(tenant)
    with tenant_scope(tenant.id):
        contact = req.requester
        assert (contact.name_km, contact.name_latin, contact.phone, contact.protected) == (
            "សុខ ដារា", "", "012 345 678", True)
        # protected: the phone's match key is stored as a keyed hash (core.data_key)
        assert contact.match_phone == keyed_hash("012345678", str(tenant.id)) and contact.consent_scope


def test_choosing_a_contact_and_describing_a_new_one_is_a_field_error(staff_client, tenant, ministry):
    sophea = person(tenant, "Chan Sophea")
    response = staff_client.post(f"/t/{tenant.slug}/a2i/requests/new", data={
        **FORM, "body_id": "MOI", "requester_contact_id": "Chan Sophea", "requester_contact_id-id": str(sophea.id),
        "requester_name": "Keo Dalin", "consent_recorded": "y"})
    assert response.status_code == 422 and 'id="requester_contact_id-error"' in response.text
    assert requests_of(tenant) == [] and contacts_of(tenant) == 1


def test_an_admin_viewing_a_protected_requester_is_logged(admin_client, tenant, staff, ministry):
    dara = person(tenant, "Sok Dara", protected=True)
    with tenant_scope(tenant.id):
        req = services.create_request(tenant.id, subject="Roads", question="Roads?", body_id=ministry.id,
                                      actor=staff, requester_contact_id=dara.id)
        db.session.commit()
    page = admin_client.get(f"/t/{tenant.slug}/a2i/requests/{req.id}").text
    assert "Sok Dara" in page
    logged = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "view_identity")).all()
    assert [(event.model, event.record_id) for event in logged] == [("Contact", str(dara.id))]


def test_api_files_a_request_for_a_contact_and_for_a_described_requester(client, tenant, staff, ministry):
    auth = token_for(staff, tenant)
    sophea = person(tenant, "Chan Sophea", sex="female")
    linked = client.post(api(tenant, "/requests/"), headers=auth, json={
        "subject": "A", "question": "A?", "body_id": ministry.id, "requester_contact_id": sophea.id})
    assert linked.status_code == 201
    assert (linked.json["requester_contact_id"], linked.json["requester_name"], linked.json["requester_sex"]) == (
        sophea.id, "Chan Sophea", "female")
    described = client.post(api(tenant, "/requests/"), headers=auth, json={
        "subject": "B", "question": "B?", "body_id": ministry.id, "requester_name": "Keo Dalin",
        "requester_contact": "dalin@example.org", "consent_recorded": True, "requester_sex": "female",
        "requester_age_group": "18_30", "protected_requester": False})
    assert described.status_code == 201
    assert described.json["requester_contact"] == "dalin@example.org"
    assert described.json["requester_age_group"] == "18_30" and described.json["requester_contact_id"] != sophea.id
    both = client.post(api(tenant, "/requests/"), headers=auth, json={
        "subject": "C", "question": "C?", "body_id": ministry.id, "requester_contact_id": sophea.id,
        "requester_name": "Someone Else", "consent_recorded": True})
    assert both.status_code == 422 and "requester_contact_id" in both.json["errors"]
    assert contacts_of(tenant) == 2


def test_api_refuses_another_tenants_contact(client, tenant, other_tenant, staff, ministry):
    theirs = person(other_tenant, "Their Person")
    response = client.post(api(tenant, "/requests/"), headers=token_for(staff, tenant), json={
        "subject": "A", "question": "A?", "body_id": ministry.id, "requester_contact_id": theirs.id})
    assert response.status_code == 422 and set(response.json["errors"]) == {"requester_contact_id"}


def test_contact_links_list_each_request_with_what_an_erasure_must_review(app, tenant, staff, ministry):
    dara = person(tenant, "Sok Dara")
    with tenant_scope(tenant.id), app.test_request_context(f"/t/{tenant.slug}/a2i/requests/"):
        from flask import g
        g.tenant = tenant
        for subject in ("Roads", "Schools"):
            req = services.create_request(tenant.id, subject=subject, question=f"{subject}? Asked by Sok Dara.",
                                          body_id=ministry.id, actor=staff, requester_contact_id=dara.id)
            db.session.flush()
            req.correspondence.append(Correspondence(tenant_id=tenant.id, kind=CorrespondenceKind.CALL,
                                                     direction=Direction.INCOMING, occurred_on=date(2026, 8, 3),
                                                     summary="Sok Dara called about the reply."))
        db.session.commit()
        db.session.expire_all()
        contact = db.session.get(Contact, dara.id)
        assert g.tenant.slug     # loaded again after expire_all, before counting
        with StatementCounter() as counter:
            links = contact_links(contact)
        assert counter.count == 1     # one query, however many requests     # one query, however many requests
        assert [link.title.split(" · ")[1] for link in links] == ["Roads", "Schools"]
        assert {link.attribute for link in links} == {"requester_contact_id"}
        assert str(links[0].role) == "Requester"
        review = " ".join(links[0].review_on_erasure)
        assert "Asked by Sok Dara" in review and "Sok Dara called" in review


def test_editing_replaces_the_requester_with_a_new_one_or_clears_it(staff_client, tenant, staff, ministry):
    sophea = person(tenant, "Chan Sophea")
    with tenant_scope(tenant.id):
        req = services.create_request(tenant.id, subject="Roads", question="Roads?", body_id=ministry.id,
                                      actor=staff, requester_contact_id=sophea.id)
        db.session.commit()
    edit = f"/t/{tenant.slug}/a2i/requests/{req.id}/edit"
    form = staff_client.get(edit).text
    assert 'value="Chan Sophea"' in form and f'name="requester_contact_id-id" type="hidden" value="{sophea.id}"' in form
    data = {**FORM, "body_id": "MOI", "assignee_id": staff.email}
    response = staff_client.post(edit, data={**data, "requester_contact_id": "Chan Sophea", "requester_contact_id-id": str(sophea.id),
                                             "requester_name": "Keo Dalin", "consent_recorded": "y"})
    assert response.status_code == 302
    (saved,) = requests_of(tenant)
    with tenant_scope(tenant.id):
        assert saved.requester.name_latin == "Keo Dalin" and contacts_of(tenant) == 2
    staff_client.post(edit, data={**data, "requester_contact_id": ""})
    (saved,) = requests_of(tenant)
    assert saved.requester_contact_id is None and contacts_of(tenant) == 2


def test_staff_who_may_not_see_a_protected_requester_cannot_replace_them(client, tenant, staff, ministry):
    dara = person(tenant, "Sok Dara", protected=True)
    with tenant_scope(tenant.id):
        req = services.create_request(tenant.id, subject="Roads", question="Roads?", body_id=ministry.id,
                                      actor=staff, requester_contact_id=dara.id)
        db.session.commit()
    colleague = make_member(tenant, email="colleague@example.org")
    login(client, colleague.email)
    edit = f"/t/{tenant.slug}/a2i/requests/{req.id}/edit"
    assert 'name="requester_contact_id"' not in client.get(edit).text
    client.post(edit, data={**FORM, "subject": "Roads 2026", "body_id": "MOI", "assignee_id": staff.email,
                            "requester_contact_id": "", "requester_name": "Other", "consent_recorded": "y"})
    (saved,) = requests_of(tenant)
    assert (saved.subject, saved.requester_contact_id) == ("Roads 2026", dara.id)


def test_the_requesters_contact_page_in_khmer_shows_the_request(staff_client, tenant, ministry):
    sophea = person(tenant, "Chan Sophea", name_km="ចាន់ សុភា")
    staff_client.post(f"/t/{tenant.slug}/a2i/requests/new",
                      data={**FORM, "body_id": "MOI", "requester_contact_id": "Chan Sophea", "requester_contact_id-id": str(sophea.id)})
    (req,) = requests_of(tenant)
    staff_client.post("/locale", data={"locale": "km"})
    page = staff_client.get(f"/t/{tenant.slug}/contacts/{sophea.id}").text
    assert 'lang="km"' in page and "ចាន់ សុភា" in page
    assert "អ្នកស្នើសុំ" in page                      # "Requester", the role the module gives
    assert req.reference in page and f"/a2i/requests/{req.id}" in page


def test_an_erased_requester_is_named_nowhere_in_the_request(app, client, tenant, ministry):
    from core.registers.erasure import erase_contact
    admin = make_member(tenant, "admin")
    sophea = person(tenant, "Chan Sophea", phone="012 987 654")
    with tenant_scope(tenant.id):
        req = services.create_request(tenant.id, subject="Budget", question="What is the 2026 budget?",
                                      body_id=ministry.id, actor=admin, requester_contact_id=sophea.id)
        db.session.commit()
        erase_contact(db.session.get(Contact, sophea.id), erased_by_id=admin.id)
        db.session.commit()
    login(client, admin.email)
    seen = [client.get(f"/t/{tenant.slug}/a2i/requests/{req.id}").text,
            client.get(f"/t/{tenant.slug}/a2i/requests/").text,
            client.get(f"/t/{tenant.slug}/a2i/requests.csv").get_data(as_text=True),
            client.get(api(tenant, f"/requests/{req.id}"), headers=token_for(admin, tenant)).text]
    for text in seen:
        assert "Chan Sophea" not in text and "012 987 654" not in text
    assert "Erased person" in seen[0]
