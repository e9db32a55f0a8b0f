"""Clients and partners: a client profile on a contact organisation (chosen or created), the tax
number kept on the contact, the client page with its people, opportunities and engagements, the
filtered list with a flat query count, and what other tenants, viewers and switched-off tenants get."""
from __future__ import annotations

from sqlalchemy import func, select

from core.extensions import db
from core.models import Role
from core.registers.models import Contact, ContactAffiliation, ContactKind, Sex
from core.tenancy import tenant_scope
from plugins.consulting_crm.client_views import contact_links
from plugins.consulting_crm.models import ClientProfile, ClientType, ConsortiumPartner, Proposal, ProposedMember
from tests.helpers import login, make_member, make_tenant, statements_for
from tests.plugins.consulting_crm.conftest import add_organisation, switch_off


def base(tenant) -> str:
    return f"/t/{tenant.slug}/consulting/clients"


def test_an_editor_adds_a_new_organisation_as_client_with_its_tax_number(staff_client, tenant):
    assert staff_client.get(f"{base(tenant)}/new").status_code == 200
    response = staff_client.post(f"{base(tenant)}/new", data={
        "contact_id": "", "name": "Asian Development Bank", "client_type": "development_partner",
        "sector": "Public finance", "country": "PH", "tax_number": "K009-100200300", "notes": "Resident mission."})
    assert response.status_code == 302
    organisation = db.session.scalar(select(Contact).where(Contact.name_latin == "Asian Development Bank"))
    assert organisation.kind == ContactKind.ORGANISATION and organisation.tax_number == "K009-100200300"
    profile = db.session.scalar(select(ClientProfile))
    assert profile.contact_id == organisation.id and profile.country == "PH"
    assert profile.client_type is ClientType.DEVELOPMENT_PARTNER
    html = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Asian Development Bank" in html and "Philippines" in html and "K009-100200300" in html
    assert "Public finance" in html and "Resident mission." in html


def test_an_existing_contact_organisation_becomes_a_client_and_its_tax_number_is_edited_here(staff_client, tenant):
    organisation = add_organisation(tenant, "UNICEF Cambodia", client_type=None)
    response = staff_client.post(f"{base(tenant)}/new", data={
        "contact_id": "UNICEF Cambodia", "contact_id-id": str(organisation.id), "name": "", "client_type": "ngo",
        "sector": "Child protection", "country": "KH", "tax_number": "", "notes": ""})
    assert response.status_code == 302
    profile = db.session.scalar(select(ClientProfile))
    assert profile.contact_id == organisation.id and profile.country == "KH"
    edit = f"{base(tenant)}/{organisation.id}/edit"
    assert "Child protection" in staff_client.get(edit).get_data(as_text=True)
    response = staff_client.post(edit, data={"client_type": "development_partner", "sector": "Education",
                                             "country": "KH", "tax_number": "K001-901234567", "notes": "Framework"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Contact, organisation.id).tax_number == "K001-901234567"
    assert db.session.get(ClientProfile, profile.id).sector == "Education"
    # Twice the same organisation is refused with a message, nothing added.
    response = staff_client.post(f"{base(tenant)}/new", data={
        "contact_id": "UNICEF Cambodia", "contact_id-id": str(organisation.id), "client_type": "ngo",
        "country": "KH"})
    assert response.status_code == 422
    assert "already in the client list" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ClientProfile.id))) == 1


def test_bad_input_is_refused_with_a_message_and_nothing_half_saved(staff_client, tenant):
    response = staff_client.post(f"{base(tenant)}/new", data={"name": "", "client_type": "ngo", "country": "KH"})
    assert response.status_code == 422
    assert "give the name of a new one" in response.get_data(as_text=True)
    response = staff_client.post(f"{base(tenant)}/new", data={"name": "World Bank", "client_type": "ngo",
                                                               "country": "XX"})
    assert response.status_code == 422
    response = staff_client.post(f"{base(tenant)}/new", data={"name": "World Bank", "client_type": "ngo",
                                                               "country": "KH", "tax_number": "x" * 65})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Contact.id))) == 0
    assert db.session.scalar(select(func.count(ClientProfile.id))) == 0


def test_the_client_page_lists_people_opportunities_partnerships_and_engagements(
        staff_client, tenant, client_org, partner_org, opportunity, engagement):
    with tenant_scope(tenant.id):
        person = Contact(tenant_id=tenant.id, kind=ContactKind.PERSON, name_latin="Dara Sok", sex=Sex.MALE)
        db.session.add(ContactAffiliation(tenant_id=tenant.id, person=person, organisation_id=client_org.id,
                                          role="Programme officer"))
        db.session.add(ConsortiumPartner(tenant_id=tenant.id, opportunity_id=opportunity.id,
                                         partner_id=partner_org.id, role="sub-contractor"))
        db.session.commit()
    html = staff_client.get(f"{base(tenant)}/{client_org.id}").get_data(as_text=True)
    assert "Dara Sok" in html and "Programme officer" in html
    assert f"/t/{tenant.slug}/contacts/{person.id}" in html
    assert "Social accountability training for commune councils" in html
    assert f"/t/{tenant.slug}/consulting/opportunities/{opportunity.id}" in html
    assert f"/t/{tenant.slug}/consulting/engagements/{engagement.id}" in html
    partner_html = staff_client.get(f"{base(tenant)}/{partner_org.id}").get_data(as_text=True)
    assert "As consortium partner" in partner_html and "sub-contractor" in partner_html


def test_the_list_filters_by_text_type_and_country_with_a_flat_query_count(staff_client, tenant):
    add_organisation(tenant, "Swiss Agency for Development and Cooperation")
    add_organisation(tenant, "Khmer Research Partners", client_type=ClientType.COMPANY)
    listing = staff_client.get(f"{base(tenant)}/?client_type=company").get_data(as_text=True)
    assert "Khmer Research Partners" in listing and "Swiss Agency" not in listing
    listing = staff_client.get(f"{base(tenant)}/?q=swiss").get_data(as_text=True)
    assert "Swiss Agency" in listing and "Khmer Research" not in listing
    assert "Swiss Agency" not in staff_client.get(f"{base(tenant)}/?country=TH").get_data(as_text=True)
    db.session.commit()
    few = statements_for(staff_client, f"{base(tenant)}/")
    for number in range(12):
        add_organisation(tenant, f"Donor number {number}")
    db.session.commit()
    assert statements_for(staff_client, f"{base(tenant)}/") == few


def test_other_tenants_viewers_and_switched_off_tenants_are_kept_out(client, tenant, client_org):
    viewer = make_member(tenant, Role.VIEWER)
    login(client, viewer.email)
    assert client.get(f"{base(tenant)}/{client_org.id}").status_code == 200
    assert client.get(f"{base(tenant)}/new").status_code == 403
    assert client.post(f"{base(tenant)}/{client_org.id}/edit", data={"country": "KH"}).status_code == 403
    other = make_tenant("ngo-forum")
    outsider = make_member(other, Role.ADMIN, email="admin@ngo-forum.example")
    client.post("/logout")
    login(client, outsider.email)
    assert client.get(f"/t/{other.slug}/consulting/clients/{client_org.id}").status_code == 404
    assert client.get(f"/t/{other.slug}/consulting/clients/{client_org.id}/edit").status_code == 404
    switch_off(other)
    assert client.get(f"/t/{other.slug}/consulting/clients/").status_code == 404


def test_a_contact_page_lists_where_the_contact_appears_in_consulting(
        staff_client, tenant, client_org, partner_org, opportunity, consultants):
    with tenant_scope(tenant.id):
        db.session.add(ConsortiumPartner(tenant_id=tenant.id, opportunity_id=opportunity.id,
                                         partner_id=partner_org.id))
        proposal = Proposal(tenant_id=tenant.id, opportunity_id=opportunity.id, title="Technical proposal")
        db.session.add(ProposedMember(tenant_id=tenant.id, proposal=proposal, consultant_id=consultants[0].id,
                                      role="Team leader"))
        db.session.commit()
        roles = {str(link.role) for link in contact_links(db.session.get(Contact, client_org.id))}
        assert {"Consulting client", "Client of an opportunity"} <= roles
        assert "Consortium partner" in {str(link.role) for link in contact_links(db.session.get(Contact,
                                                                                                partner_org.id))}
        member_links = contact_links(db.session.get(Contact, consultants[0].contact_id))
        assert [str(link.role) for link in member_links] == ["Proposed team member"]
        assert "Technical proposal" in member_links[0].title
    html = staff_client.get(f"/t/{tenant.slug}/contacts/{client_org.id}").get_data(as_text=True)
    assert "Client of an opportunity" in html
