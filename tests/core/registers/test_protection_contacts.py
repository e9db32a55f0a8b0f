"""Do No Harm on the contacts register: a protected person's identity is shown only to those
allowed (owners and admins), each view is logged without the name, lists, search and the API show
a stand-in to everyone else, and no contact's name ever reaches the audit log."""
from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent
from core.registers.contacts import update_contact
from core.registers.models import Contact
from core.tenancy import tenant_scope
from tests.core.registers.contact_factories import add_contact
from tests.helpers import token_for

SECRET_NAME = "Srey Mom Protected"


def protected_person(tenant) -> Contact:
    return add_contact(tenant, name_latin=SECRET_NAME, name_km="ស្រីមុំ", phone="012 777 888",
                       email="mom@example.org", protected=True, sex="female", birth_year=1992)


def view_events() -> list[AuditEvent]:
    return list(db.session.execute(select(AuditEvent).where(AuditEvent.action == "view_identity")).scalars())


def test_staff_sees_a_stand_in_in_the_list_and_on_the_page(staff_client, tenant):
    person = protected_person(tenant)
    listing = staff_client.get(f"/t/{tenant.slug}/contacts/").text
    page = staff_client.get(f"/t/{tenant.slug}/contacts/{person.id}").text
    for html in (listing, page):
        assert f"Protected person #{person.id}" in html
        for identity in (SECRET_NAME, "ស្រីមុំ", "012 777 888", "mom@example.org"):
            assert identity not in html
    assert "Female" in page          # what statistics need is still shown
    assert view_events() == []


def test_admin_sees_the_identity_and_the_view_is_logged_without_the_name(admin_client, tenant):
    person = protected_person(tenant)
    page = admin_client.get(f"/t/{tenant.slug}/contacts/{person.id}").text
    assert SECRET_NAME in page and "012 777 888" in page
    db.session.rollback()          # the page's own transaction ended: the log must have been committed
    [event] = view_events()
    assert (event.model, event.record_id) == ("Contact", str(person.id))
    assert "Srey" not in str(event.changes)


def test_lists_never_reveal_a_protected_name_even_to_admins(admin_client, tenant):
    person = protected_person(tenant)
    listing = admin_client.get(f"/t/{tenant.slug}/contacts/").text
    assert f"Protected person #{person.id}" in listing and SECRET_NAME not in listing


def test_staff_cannot_find_a_protected_person_by_name(staff_client, tenant):
    protected_person(tenant)
    assert "Nothing found" in staff_client.get(f"/t/{tenant.slug}/search?q=Srey Mom").text
    assert "No contacts match" in staff_client.get(f"/t/{tenant.slug}/contacts/?q=Srey Mom").text
    assert "No contacts match" in staff_client.get(f"/t/{tenant.slug}/contacts/?q=012777888").text


def test_admin_finds_a_protected_person_by_name(client, tenant, admin_user):
    from tests.helpers import login
    protected_person(tenant)
    login(client, admin_user.email)
    assert SECRET_NAME in client.get(f"/t/{tenant.slug}/search?q=srey mom").text


def test_search_finds_an_ordinary_contact(staff_client, tenant):
    person = add_contact(tenant, name_latin="Keo Bopha", name_km="កែវ បុប្ផា")
    page = staff_client.get(f"/t/{tenant.slug}/search?q=bopha").text
    assert "Keo Bopha" in page and f"/contacts/{person.id}" in page


def test_api_nulls_the_identity_for_a_user_who_may_not_see_it(client, tenant, staff, admin_user):
    person = protected_person(tenant)
    as_staff = client.get(f"/api/v1/t/{tenant.slug}/contacts/{person.id}", headers=token_for(staff, tenant)).json
    assert as_staff["name_latin"] is None and as_staff["phone"] is None and as_staff["identity_hidden"] is True
    assert as_staff["protected"] is True and as_staff["display_name"] == f"Protected person #{person.id}"
    assert as_staff["sex"] == "female" and view_events() == []
    as_admin = client.get(f"/api/v1/t/{tenant.slug}/contacts/{person.id}", headers=token_for(admin_user, tenant)).json
    assert as_admin["name_latin"] == SECRET_NAME and as_admin["identity_hidden"] is False
    assert len(view_events()) == 1
    listed = client.get(f"/api/v1/t/{tenant.slug}/contacts/", headers=token_for(admin_user, tenant)).json
    assert listed["items"][0]["name_latin"] is None and SECRET_NAME not in str(listed)


def test_staff_cannot_change_or_unprotect_a_protected_identity(staff_client, tenant):
    person = protected_person(tenant)
    form = staff_client.get(f"/t/{tenant.slug}/contacts/{person.id}/edit").text
    assert SECRET_NAME not in form and 'name="name_latin"' not in form and 'name="protected"' not in form
    response = staff_client.post(f"/t/{tenant.slug}/contacts/{person.id}/edit", data={
        "name_latin": "Changed", "sex": "female", "age_group": "not_recorded", "protected": ""})
    assert response.status_code == 302
    with tenant_scope(tenant.id):
        contact = db.session.get(Contact, person.id)
        assert contact.name_latin == SECRET_NAME and contact.protected


def test_a_contacts_name_never_appears_in_the_audit_log(tenant):
    person = protected_person(tenant)
    ordinary = add_contact(tenant, name_latin="Keo Bopha", phone="097 123 4567", email="bopha@example.org")
    with tenant_scope(tenant.id):
        update_contact(db.session.get(Contact, ordinary.id), name_latin="Keo Bopha Renamed", notes="Met in Kampot")
        update_contact(db.session.get(Contact, person.id), phone="012 999 000")
        db.session.commit()
    changes = " ".join(str(row) for row in db.session.execute(select(AuditEvent.changes)).scalars())
    assert "[identity]" in changes
    for text in (SECRET_NAME, "ស្រីមុំ", "Keo Bopha", "Bopha", "bopha@example.org", "0971234567", "097 123 4567",
                 "Met in Kampot", "012 999 000"):
        assert text not in changes


def test_a_protected_person_does_not_sort_by_name_in_the_list(staff_client, tenant):
    add_contact(tenant, name_latin="Bopha Keo")
    add_contact(tenant, name_latin="Mony Chan")
    hidden = add_contact(tenant, name_latin="Kanha Protected", protected=True)
    listing = staff_client.get(f"/t/{tenant.slug}/contacts/").text
    # Sorted by name it would sit between Bopha and Mony; as a nameless row it comes first.
    assert listing.index(f"Protected person #{hidden.id}") < listing.index("Bopha Keo") < listing.index("Mony Chan")


def test_duplicates_of_a_protected_person_are_offered_only_to_those_who_may_see_them(app, staff_client, tenant,
                                                                                     admin_user):
    from tests.helpers import login
    admin_client = app.test_client()
    login(admin_client, admin_user.email)
    hidden = add_contact(tenant, name_latin="Sok Dara", phone="012 345 678", protected=True)
    add_contact(tenant, name_latin="Sokh Dara", phone="012345678")
    entry = {"kind": "person", "name_latin": "Sok Dara", "phone": "012 345 678", "sex": "male",
             "age_group": "not_recorded"}
    assert f"Protected person #{hidden.id}" not in staff_client.post(f"/t/{tenant.slug}/contacts/new", data=entry).text
    assert f"Protected person #{hidden.id}" not in staff_client.get(f"/t/{tenant.slug}/contacts/duplicates").text
    assert f"Protected person #{hidden.id}" in admin_client.get(f"/t/{tenant.slug}/contacts/duplicates").text
