"""Contacts pages: adding and changing people and organisations, the register's rules on bad
input, affiliations, consent (a minor's guardian, withdrawal), the page in Khmer."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.errors import DomainError
from core.extensions import db
from core.registers.contacts import create_contact, update_contact
from core.registers.models import AgeGroup, Contact, ContactAffiliation, ContactKind, Sex
from core.tenancy import tenant_scope
from tests.core.registers.contact_factories import add_contact, add_places


def contacts_in(tenant) -> list[Contact]:
    with tenant_scope(tenant.id):
        return list(db.session.execute(select(Contact).order_by(Contact.id)).scalars())


def test_staff_adds_a_person_and_sees_the_page(staff_client, tenant):
    _province, commune = add_places()
    response = staff_client.post(f"/t/{tenant.slug}/contacts/new", data={
        "kind": "person", "name_km": "ចាន់ សុភី", "name_latin": "Chan Sophy", "sex": "female", "birth_year": "1990",
        "age_group": "not_recorded", "place_id": commune.code, "phone": "012 345 678", "tags": "youth, land",
        "languages": "km, en", "consent_scope": "Training records", "consent_on": "2026-03-01",
        "consent_method": "written"})
    assert response.status_code == 302, response.text
    contact = contacts_in(tenant)[0]
    assert (contact.sex, contact.birth_year, contact.place_id) == (Sex.FEMALE, 1990, commune.id)
    assert contact.tag_list == ["youth", "land"]
    page = staff_client.get(response.headers["Location"]).text
    assert "Chan Sophy" in page and "ចាន់ សុភី" in page and "Kampong Trach" in page and "Training records" in page


def test_staff_adds_an_organisation(staff_client, tenant):
    response = staff_client.post(f"/t/{tenant.slug}/contacts/new", data={
        "kind": "organisation", "name_latin": "Kampot Women's Network", "organisation_type": "cbo",
        "website": "https://kwn.example.org", "sex": "not_recorded", "age_group": "not_recorded"})
    assert response.status_code == 302
    organisation = contacts_in(tenant)[0]
    assert organisation.kind == ContactKind.ORGANISATION and organisation.website == "https://kwn.example.org"
    assert "Community-based organisation" in staff_client.get(response.headers["Location"]).text


@pytest.mark.parametrize("data, message", [
    ({"name_latin": ""}, "Give a name in Khmer or in Latin script."),
    ({"birth_year": "1850"}, "Give a birth year between 1900 and"),
    ({"email": "not-an-address"}, "Give an e-mail address such as name@example.org."),
    ({"place_id": "999999"}, "No place matches"),
    ({"phone": "12"}, "Give a phone number with at least 6 digits."),
])
def test_bad_input_is_a_clear_error_and_nothing_is_saved(staff_client, tenant, data, message):
    form = {"kind": "person", "name_latin": "Sok Dara", "sex": "not_recorded", "age_group": "not_recorded", **data}
    response = staff_client.post(f"/t/{tenant.slug}/contacts/new", data=form)
    assert response.status_code == 422 and message in response.text
    assert contacts_in(tenant) == []


@pytest.mark.parametrize("fields, field", [
    ({"name_latin": ""}, "name_latin"),
    ({"birth_year": 2999}, "birth_year"),
    ({"email": "x@"}, "email"),
    ({"place_id": 424242}, "place_id"),
    ({"website": "https://a.example.org"}, "website"),
    ({"tax_number": "K001"}, "tax_number"),
    ({"sex": "unknown"}, "sex"),
    ({"colour": "blue"}, "colour"),
])
def test_create_contact_names_the_field_at_fault(tenant, fields, field):
    with tenant_scope(tenant.id), pytest.raises(DomainError) as raised:
        create_contact(**{"name_latin": "Sok Dara", **fields})
    assert raised.value.field == field


def test_a_minor_whose_consent_is_recorded_needs_the_guardians(tenant):
    this_year = date.today().year
    with tenant_scope(tenant.id):
        with pytest.raises(DomainError) as raised:
            create_contact(name_latin="Sok Nita", birth_year=this_year - 15, consent_on=date(2026, 1, 5))
        assert raised.value.field == "guardian_consent"
        with pytest.raises(DomainError):
            create_contact(name_latin="Sok Nita", age_group=AgeGroup.FROM_15_TO_17, consent_method="verbal")
        minor = create_contact(name_latin="Sok Nita", birth_year=this_year - 15, consent_on=date(2026, 1, 5),
                               guardian_consent=True)
        adult = create_contact(name_latin="Sok Dara", birth_year=this_year - 30, consent_on=date(2026, 1, 5))
        assert minor.guardian_consent and not adult.guardian_consent


def test_the_form_asks_for_the_guardians_consent(staff_client, tenant):
    response = staff_client.post(f"/t/{tenant.slug}/contacts/new", data={
        "kind": "person", "name_latin": "Sok Nita", "sex": "female", "age_group": "15_17",
        "consent_on": "2026-02-01", "consent_method": "written"})
    assert response.status_code == 422 and "record their parent" in response.text


def test_withdrawing_consent_protects_the_person(staff_client, tenant):
    person = add_contact(tenant, name_latin="Sok Dara", consent_on=date(2026, 1, 5))
    response = staff_client.post(f"/t/{tenant.slug}/contacts/{person.id}/withdraw-consent",
                                 data={"withdrawn_on": "2026-04-02"})
    assert response.status_code == 302
    person = contacts_in(tenant)[0]
    assert person.consent_withdrawn_on == date(2026, 4, 2) and person.protected
    # Staff may not see protected identities: the page now shows the stand-in.
    page = staff_client.get(f"/t/{tenant.slug}/contacts/{person.id}").text
    assert f"Protected person #{person.id}" in page and "Sok Dara" not in page


def test_withdrawal_before_consent_is_refused(tenant):
    person = add_contact(tenant, name_latin="Sok Dara", consent_on=date(2026, 3, 5))
    with tenant_scope(tenant.id), pytest.raises(DomainError):
        update_contact(db.session.get(Contact, person.id), consent_withdrawn_on=date(2026, 3, 1))


def test_staff_edits_a_contact(staff_client, tenant):
    person = add_contact(tenant, name_latin="Sok Dara")
    form = staff_client.get(f"/t/{tenant.slug}/contacts/{person.id}/edit").text
    assert 'value="Sok Dara"' in form and 'name="kind"' not in form and 'name="website"' not in form
    response = staff_client.post(f"/t/{tenant.slug}/contacts/{person.id}/edit", data={
        "name_latin": "Sok Dara", "phone": "097 555 1234", "sex": "male", "age_group": "31_59"})
    assert response.status_code == 302, response.text
    assert contacts_in(tenant)[0].match_phone == "0975551234"


def test_a_person_belongs_to_an_organisation_with_a_role(staff_client, tenant):
    person = add_contact(tenant, name_latin="Sok Dara")
    organisation = add_contact(tenant, kind="organisation", name_latin="Kampot Youth Network")
    # Without JavaScript the typed name is resolved by the server.
    response = staff_client.post(f"/t/{tenant.slug}/contacts/{person.id}/affiliations",
                                 data={"organisation_id": "kampot youth", "role": "Focal point"})
    assert response.status_code == 302
    page = staff_client.get(f"/t/{tenant.slug}/contacts/{person.id}").text
    assert "Kampot Youth Network" in page and "Focal point" in page
    organisation_page = staff_client.get(f"/t/{tenant.slug}/contacts/{organisation.id}").text
    assert "Has a member or staff" in organisation_page and "Sok Dara" in organisation_page
    with tenant_scope(tenant.id):
        assert db.session.execute(select(ContactAffiliation.role)).scalar_one() == "Focal point"


def test_a_person_cannot_be_affiliated_with_another_person(staff_client, tenant):
    person, other = add_contact(tenant, name_latin="Sok Dara"), add_contact(tenant, name_latin="Keo Bopha")
    staff_client.post(f"/t/{tenant.slug}/contacts/{person.id}/affiliations",
                      data={"organisation_id": "Keo Bopha", "organisation_id-id": str(other.id), "role": "x"})
    with tenant_scope(tenant.id):
        assert db.session.execute(select(ContactAffiliation)).first() is None


def test_the_organisation_picker_searches_instead_of_listing_every_organisation(staff_client, tenant):
    person = add_contact(tenant, name_latin="Sok Dara")
    for name in ("Kampot Youth Network", "Kampot Women's Forum", "Takeo Farmers"):
        add_contact(tenant, kind="organisation", name_latin=name)
    page = staff_client.get(f"/t/{tenant.slug}/contacts/{person.id}").text
    assert "Takeo Farmers" not in page                  # no select of every organisation
    found = staff_client.get(f"/t/{tenant.slug}/contacts/picker?q=kampot&kind=organisation").get_json()
    assert sorted(item["label"] for item in found) == ["Kampot Women's Forum", "Kampot Youth Network"]
    response = staff_client.post(f"/t/{tenant.slug}/contacts/{person.id}/affiliations",
                                 data={"organisation_id": "Kampot", "role": "x"}, follow_redirects=True)
    assert "Several organisations match" in response.text
    with tenant_scope(tenant.id):
        assert db.session.execute(select(ContactAffiliation)).first() is None


def test_viewer_cannot_add_contacts(client, tenant, viewer):
    from tests.helpers import login
    login(client, viewer.email)
    assert client.get(f"/t/{tenant.slug}/contacts/new").status_code == 403
    assert client.get(f"/t/{tenant.slug}/contacts/").status_code == 200


def test_list_filters_by_kind_tag_and_text(staff_client, tenant):
    add_contact(tenant, name_latin="Sok Dara", tags="youth")
    add_contact(tenant, name_latin="Keo Bopha", phone="012 345 678")
    add_contact(tenant, kind="organisation", name_latin="Kampot Youth Network")
    base = f"/t/{tenant.slug}/contacts/"
    assert "Kampot Youth Network" in staff_client.get(base + "?kind=organisation").text
    assert "Sok Dara" not in staff_client.get(base + "?kind=organisation").text
    by_tag = staff_client.get(base + "?tag=youth").text
    assert "Sok Dara" in by_tag and "Keo Bopha" not in by_tag
    by_phone = staff_client.get(base + "?q=%2B855 12 345 678").text
    assert "Keo Bopha" in by_phone and "Sok Dara" not in by_phone
    assert "Sok Dara" in staff_client.get(base + "?q=dara").text


def test_the_contact_page_in_khmer_shows_where_the_person_appears(app, staff_client, tenant):
    from core.registers.models import Project
    from tests.core.registers.contact_factories import Enrolment, register_links, unregister_links
    donor = add_contact(tenant, kind="organisation", name_latin="Mekong Fund", name_km="មូលនិធិមេគង្គ")
    with tenant_scope(tenant.id):
        db.session.add(Project(code="P-01", title_en="Commune budgets", donor_id=donor.id))
        db.session.commit()
    register_links(app, [Enrolment(7, donor.id, "Budget training, Kampot")])
    try:
        staff_client.post("/locale", data={"locale": "km"})
        page = staff_client.get(f"/t/{tenant.slug}/contacts/{donor.id}").text
    finally:
        unregister_links(app)
    assert 'lang="km"' in page and "មូលនិធិមេគង្គ" in page
    assert "P-01 · Commune budgets" in page and "Budget training, Kampot" in page and "/enrolments/7" in page


def test_new_organisation_form_asks_only_for_an_organisations_fields(staff_client, tenant):
    form = staff_client.get(f"/t/{tenant.slug}/contacts/new?kind=organisation").text
    assert 'name="website"' in form and 'name="tax_number"' in form
    assert 'name="birth_year"' not in form and 'name="guardian_consent"' not in form
    person_form = staff_client.get(f"/t/{tenant.slug}/contacts/new").text
    assert 'name="birth_year"' in person_form and 'name="website"' not in person_form


def test_an_organisations_website_can_be_cleared(staff_client, tenant):
    organisation = add_contact(tenant, kind="organisation", name_latin="Mekong Fund", website="https://mf.example.org")
    response = staff_client.post(f"/t/{tenant.slug}/contacts/{organisation.id}/edit", data={
        "name_latin": "Mekong Fund", "website": "", "organisation_type": "development_partner"})
    assert response.status_code == 302
    organisation = contacts_in(tenant)[0]
    assert organisation.website == "" and organisation.organisation_type.value == "development_partner"
