"""The contacts API: a filtered, paginated list; read with an ETag; create and change with the
pages' rules (problem+json naming the field); If-Match on change and delete; permissions."""
from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent
from core.registers.models import Contact, Project
from core.tenancy import tenant_scope
from tests.core.registers.contact_factories import add_contact
from tests.helpers import token_for


def url(tenant, rest: str = "") -> str:
    return f"/api/v1/t/{tenant.slug}/contacts/{rest}"


def test_list_filters_and_paginates(client, tenant, staff):
    headers = token_for(staff, tenant)
    add_contact(tenant, name_latin="Sok Dara", tags="youth")
    add_contact(tenant, name_latin="Keo Bopha", phone="012 345 678")
    add_contact(tenant, kind="organisation", name_latin="Kampot Youth Network")
    add_contact(tenant, name_latin="Hidden Person", protected=True)
    everything = client.get(url(tenant, "?per_page=2"), headers=headers).json
    assert everything["total"] == 4 and len(everything["items"]) == 2 and everything["links"]["next"]
    assert [i["name_latin"] for i in client.get(url(tenant, "?kind=organisation"), headers=headers).json["items"]] == [
        "Kampot Youth Network"]
    def names(query: str) -> list:
        return [item["name_latin"] for item in client.get(url(tenant, query), headers=headers).json["items"]]
    assert names("?tag=youth") == ["Sok Dara"]
    assert names("?q=012345678") == ["Keo Bopha"]
    protected = client.get(url(tenant, "?protected=true"), headers=headers).json["items"]
    assert len(protected) == 1 and protected[0]["name_latin"] is None and protected[0]["protected"] is True
    assert client.get(url(tenant, "?q=Hidden"), headers=headers).json["total"] == 0


def test_unknown_filter_is_a_400_problem(client, tenant, staff):
    response = client.get(url(tenant, "?colour=blue"), headers=token_for(staff, tenant))
    assert response.status_code == 400 and response.mimetype == "application/problem+json"


def test_create_a_person_and_read_it_back(client, tenant, staff):
    headers = token_for(staff, tenant)
    response = client.post(url(tenant), headers=headers, json={
        "name_latin": "Chan Sophy", "phone": "+855 12 345 678", "sex": "female", "birth_year": 1994,
        "tags": ["youth", "land"], "languages": ["km", "en"]})
    assert response.status_code == 201, response.json
    body = response.json
    assert body["tags"] == ["youth", "land"] and body["languages"] == ["km", "en"] and body["protected"] is False
    read = client.get(url(tenant, str(body["id"])), headers=headers)
    assert read.json["phone"] == "+855 12 345 678" and read.headers["ETag"]


def test_bad_input_is_a_422_problem_naming_the_field(client, tenant, staff):
    headers = token_for(staff, tenant)
    for payload, field in [({"name_latin": ""}, "name_latin"), ({"name_latin": "A", "birth_year": 1850}, "birth_year"),
                           ({"name_latin": "A", "email": "nope"}, "email"),
                           ({"name_latin": "A", "place_id": 99999}, "place_id"),
                           ({"name_latin": "A", "website": "https://a.example.org"}, "website"),
                           ({"name_latin": "A", "shoe_size": 42}, "shoe_size")]:
        response = client.post(url(tenant), headers=headers, json=payload)
        assert response.status_code == 422 and response.mimetype == "application/problem+json"
        assert field in response.json["errors"].get("json", response.json["errors"]), (payload, response.json)
    with tenant_scope(tenant.id):
        assert db.session.query(Contact).count() == 0


def test_patch_needs_the_etag_and_applies_the_rules(client, tenant, staff):
    headers = token_for(staff, tenant)
    contact = add_contact(tenant, name_latin="Sok Dara")
    assert client.patch(url(tenant, str(contact.id)), headers=headers, json={"phone": "012 345 678"}).status_code == 428
    etag = client.get(url(tenant, str(contact.id)), headers=headers).headers["ETag"]
    stale = client.patch(url(tenant, str(contact.id)), headers={**headers, "If-Match": '"stale"'}, json={"phone": "1"})
    assert stale.status_code == 412
    bad = client.patch(url(tenant, str(contact.id)), headers={**headers, "If-Match": etag}, json={"birth_year": 2099})
    assert bad.status_code == 422 and "birth_year" in bad.json["errors"]
    good = client.patch(url(tenant, str(contact.id)), headers={**headers, "If-Match": etag},
                        json={"phone": "012 345 678", "consent_withdrawn_on": "2026-02-01"})
    assert good.status_code == 200 and good.json["protected"] is True


def test_staff_cannot_patch_a_protected_identity(client, tenant, staff):
    headers = token_for(staff, tenant)
    contact = add_contact(tenant, name_latin="Hidden Person", protected=True)
    etag = client.get(url(tenant, str(contact.id)), headers=headers).headers["ETag"]
    response = client.patch(url(tenant, str(contact.id)), headers={**headers, "If-Match": etag},
                            json={"name_latin": "Renamed"})
    assert response.status_code == 422 and "name_latin" in response.json["errors"]


def test_delete_an_unlinked_contact_but_not_a_linked_one(client, tenant, staff):
    headers = token_for(staff, tenant)
    lonely = add_contact(tenant, name_latin="Sok Dara")
    donor = add_contact(tenant, kind="organisation", name_latin="Mekong Fund")
    with tenant_scope(tenant.id):
        db.session.add(Project(code="P-01", title_en="Budgets", donor_id=donor.id))
        db.session.commit()
    for contact, status in ((donor, 409), (lonely, 204)):
        etag = client.get(url(tenant, str(contact.id)), headers=headers).headers["ETag"]
        assert client.delete(url(tenant, str(contact.id)), headers={**headers, "If-Match": etag}).status_code == status
    with tenant_scope(tenant.id):
        assert [c.id for c in db.session.query(Contact)] == [donor.id]


def test_viewer_token_reads_but_cannot_write(client, tenant, viewer):
    headers = token_for(viewer, tenant)
    assert client.get(url(tenant), headers=headers).status_code == 200
    assert client.post(url(tenant), headers=headers, json={"name_latin": "X"}).status_code == 403


def test_another_tenants_contact_is_404(client, tenant, other_tenant, staff):
    theirs = add_contact(other_tenant, name_latin="Sok Dara")
    assert client.get(url(tenant, str(theirs.id)), headers=token_for(staff, tenant)).status_code == 404


def test_creating_through_the_api_is_audited_without_the_name(client, tenant, staff):
    client.post(url(tenant), headers=token_for(staff, tenant), json={"name_latin": "Chan Sophy"})
    events = db.session.execute(select(AuditEvent).where(AuditEvent.model == "Contact")).scalars().all()
    assert events and all("Sophy" not in str(event.changes) for event in events)


def test_deleting_an_organisation_removes_its_members_affiliations(client, tenant, staff):
    from core.registers.contacts import add_affiliation
    from core.registers.models import ContactAffiliation
    headers = token_for(staff, tenant)
    person = add_contact(tenant, name_latin="Sok Dara")
    organisation = add_contact(tenant, kind="organisation", name_latin="Kampot Youth Network")
    with tenant_scope(tenant.id):
        add_affiliation(db.session.get(Contact, person.id), organisation.id, "Member")
        db.session.commit()
    etag = client.get(url(tenant, str(organisation.id)), headers=headers).headers["ETag"]
    assert client.delete(url(tenant, str(organisation.id)), headers={**headers, "If-Match": etag}).status_code == 204
    with tenant_scope(tenant.id):
        assert db.session.query(ContactAffiliation).count() == 0 and db.session.get(Contact, person.id) is not None
