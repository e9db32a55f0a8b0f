"""The consultant pool pages: adding a consultant (a person of the contacts or a new one), editing the
profile, the privacy of rates (lists and profiles of staff and viewers never show them), the
protection of identities, refused input (422, nothing saved) and the walls: viewers, other tenants,
a switched-off module."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from core.extensions import db
from core.models import Role
from core.registers.models import Contact, ContactKind, Sex
from core.tenancy import tenant_scope
from plugins.consulting_crm.models import Consultant, Currency
from tests.helpers import login, make_member
from tests.plugins.consulting_crm.conftest import add_consultant, switch_off


def base(tenant) -> str:
    return f"/t/{tenant.slug}/consulting/consultants"


def add_person(tenant, name_latin: str, **fields) -> Contact:
    with tenant_scope(tenant.id):
        person = Contact(tenant_id=tenant.id, kind=ContactKind.PERSON, name_latin=name_latin, **fields)
        db.session.add(person)
        db.session.commit()
    return person


def profile(**fields) -> dict:
    data = {"expertise": "social accountability, facilitation", "languages": ["km", "en"], "day_rate": "300",
            "rate_currency": "USD", "notes": "Trained 40 commune councils in 2025.", "is_active": "y"}
    data.update(fields)
    return data


def test_an_admin_adds_a_contact_person_to_the_pool_with_a_rate(admin_client, tenant):
    person = add_person(tenant, "Chenda Kim", sex=Sex.FEMALE)
    response = admin_client.post(f"{base(tenant)}/new", data=profile(**{"contact_id": "Chenda Kim",
                                                                        "contact_id-id": str(person.id)}))
    assert response.status_code == 302
    consultant = db.session.scalar(select(Consultant))
    assert consultant.contact_id == person.id and consultant.languages == "km,en"
    assert consultant.day_rate == Decimal("300") and consultant.rate_currency is Currency.USD
    assert consultant.expertise == "social accountability, facilitation"
    html = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Chenda Kim" in html and "Khmer, English" in html and "$300.00" in html
    assert "Trained 40 commune councils in 2025." in html


def test_a_new_person_is_created_with_the_profile_in_one_go(staff_client, tenant):
    response = staff_client.post(f"{base(tenant)}/new", data=profile(
        name_km="សុខ ដារា", name_latin="Sok Dara", sex="male", phone="012 345 678", day_rate="999"))
    assert response.status_code == 302
    consultant = db.session.scalar(select(Consultant))
    assert consultant.contact.name_km == "សុខ ដារា" and consultant.contact.kind is ContactKind.PERSON
    assert consultant.contact.sex is Sex.MALE
    assert consultant.day_rate is None       # staff may not set rates: the posted rate is ignored


def test_a_person_already_in_the_pool_or_no_person_at_all_is_refused(admin_client, tenant, consultants):
    person = consultants[0].contact
    response = admin_client.post(f"{base(tenant)}/new", data=profile(**{"contact_id": "Srey Pov",
                                                                        "contact_id-id": str(person.id)}))
    assert response.status_code == 422
    assert "already in the pool" in response.get_data(as_text=True)
    response = admin_client.post(f"{base(tenant)}/new", data=profile())
    assert response.status_code == 422
    assert "give a new person&#39;s name" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Consultant.id))) == 2


def test_bad_profile_input_is_refused_with_a_message_and_nothing_is_saved(admin_client, tenant):
    for fields, message in [({"day_rate": "-5"}, "The day rate cannot be negative."),
                            ({"day_rate": "two hundred"}, "Give the day rate as a number"),
                            ({"day_rate": "12.345"}, "at most two decimals"),
                            ({"languages": ["km", "xx"]}, "not a valid choice"),
                            ({"rate_currency": "EUR"}, "valid choice"),
                            ({"expertise": "x" * 101}, "A tag can have at most 100 characters.")]:
        response = admin_client.post(f"{base(tenant)}/new", data=profile(name_latin="Nary Som", **fields))
        assert response.status_code == 422, fields
        assert message in response.get_data(as_text=True), fields
    # The new person of a refused profile is not left behind either.
    assert db.session.scalar(select(func.count(Consultant.id))) == 0
    assert db.session.scalar(select(func.count(Contact.id))) == 0
    response = admin_client.post(f"{base(tenant)}/new", data=profile(name_latin="Nary Som", email="not-an-email"))
    assert response.status_code == 422 and "name@example.org" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Contact.id))) == 0


def test_staff_edit_the_profile_but_never_see_or_change_the_rate(client, tenant, consultants):
    staff = make_member(tenant, Role.STAFF)
    login(client, staff.email)
    consultant = consultants[0]
    page = client.get(f"{base(tenant)}/{consultant.id}/edit").get_data(as_text=True)
    assert "Day rate" not in page and "250" not in page
    response = client.post(f"{base(tenant)}/{consultant.id}/edit", data={
        "expertise": "gender, training, gender", "languages": ["fr", "km"], "notes": "", "day_rate": "1",
        "rate_currency": "KHR"})
    assert response.status_code == 302
    db.session.expire_all()
    consultant = db.session.get(Consultant, consultant.id)
    assert consultant.expertise == "gender, training" and consultant.languages == "km,fr"
    assert consultant.is_active is False                  # the unticked box
    assert consultant.day_rate == Decimal("250") and consultant.rate_currency is Currency.USD
    detail = client.get(f"{base(tenant)}/{consultant.id}").get_data(as_text=True)
    assert "Former consultant" in detail and "French" in detail
    assert "$250" not in detail and "Day rate" not in detail


def test_an_admin_changes_the_rate_to_riel(admin_client, tenant, consultants):
    consultant = consultants[1]
    form = admin_client.get(f"{base(tenant)}/{consultant.id}/edit").get_data(as_text=True)
    assert 'value="180.00"' in form
    response = admin_client.post(f"{base(tenant)}/{consultant.id}/edit", data=profile(
        day_rate="750000", rate_currency="KHR"))
    assert response.status_code == 302
    html = admin_client.get(f"{base(tenant)}/{consultant.id}").get_data(as_text=True)
    assert "KHR" in html and "750,000" in html


def test_lists_and_profiles_of_staff_and_viewers_never_contain_rates(client, tenant, consultants):
    with tenant_scope(tenant.id):
        consultants[1].day_rate = Decimal("123456.78")
        db.session.commit()
    for role in (Role.STAFF, Role.MEMBER, Role.VIEWER):
        user = make_member(tenant, role)
        login(client, user.email)
        listing = client.get(f"{base(tenant)}/").get_data(as_text=True)
        assert "Srey Pov" in listing and "Vuthy Rith" in listing and "budget analysis, research" in listing
        for text in ("Day rate", "$250", "250.00", "123,456.78", "Average rating"):
            assert text not in listing, (role, text)
        detail = client.get(f"{base(tenant)}/{consultants[1].id}").get_data(as_text=True)
        assert "Vuthy Rith" in detail
        for text in ("Day rate", "123,456.78", "Ratings", "CV files"):
            assert text not in detail, (role, text)
        client.post("/logout")


def test_managers_see_rates_and_average_ratings_in_the_list(admin_client, tenant, consultants):
    listing = admin_client.get(f"{base(tenant)}/").get_data(as_text=True)
    assert "Day rate" in listing and "$250.00" in listing and "$180.00" in listing


def test_a_protected_person_appears_under_a_stand_in_and_is_not_found_by_name(client, tenant):
    consultant = add_consultant(tenant, "Bopha Secret")
    with tenant_scope(tenant.id):
        consultant.contact.protected = True
        db.session.commit()
    staff = make_member(tenant, Role.STAFF)
    login(client, staff.email)
    listing = client.get(f"{base(tenant)}/").get_data(as_text=True)
    assert "Bopha Secret" not in listing and f"Protected person #{consultant.contact_id}" in listing
    found = client.get(f"{base(tenant)}/?q=Bopha").get_data(as_text=True)
    assert "0 consultants" in found
    assert "Bopha Secret" not in client.get(f"{base(tenant)}/{consultant.id}").get_data(as_text=True)
    client.post("/logout")
    admin = make_member(tenant, Role.ADMIN)
    login(client, admin.email)
    # An owner or admin may see the name on the profile (the view is audited) and find it; lists never show it.
    assert "Bopha Secret" in client.get(f"{base(tenant)}/{consultant.id}").get_data(as_text=True)
    found = client.get(f"{base(tenant)}/?q=Bopha").get_data(as_text=True)
    assert "1 consultant" in found and "Bopha Secret" not in found


def test_viewers_get_403_on_every_change(client, tenant, consultants):
    viewer = make_member(tenant, Role.VIEWER)
    login(client, viewer.email)
    consultant = consultants[0]
    assert client.get(f"{base(tenant)}/").status_code == 200
    assert client.get(f"{base(tenant)}/{consultant.id}").status_code == 200
    assert client.get(f"{base(tenant)}/new").status_code == 403
    assert client.post(f"{base(tenant)}/new", data=profile(name_latin="Intruder")).status_code == 403
    assert client.post(f"{base(tenant)}/{consultant.id}/edit", data=profile()).status_code == 403
    assert client.post(f"{base(tenant)}/{consultant.id}/availability", data={
        "starts_on": "2026-03-01", "ends_on": "2026-03-31"}).status_code == 403
    assert db.session.scalar(select(func.count(Consultant.id))) == 2


def test_another_tenant_gets_404_for_every_consultant_route(client, tenant, other_tenant, consultants):
    outsider = make_member(other_tenant, Role.OWNER)
    login(client, outsider.email)
    consultant = consultants[0]
    other = f"/t/{other_tenant.slug}/consulting/consultants"
    assert "Srey Pov" not in client.get(f"{other}/").get_data(as_text=True)
    for url in (f"{other}/{consultant.id}", f"{other}/{consultant.id}/edit", f"{other}/{consultant.id}/cvs/1"):
        assert client.get(url).status_code == 404, url
    for url in (f"{other}/{consultant.id}/availability", f"{other}/{consultant.id}/ratings"):
        assert client.post(url, data={"starts_on": "2026-01-01", "ends_on": "2026-01-02", "score": "5"}
                           ).status_code == 404, url
    # Their own tenant's URL is not theirs at all.
    assert client.get(f"{base(tenant)}/{consultant.id}").status_code in (403, 404)


def test_a_tenant_that_switched_the_module_off_gets_404(admin_client, tenant, consultants):
    switch_off(tenant)
    assert admin_client.get(f"{base(tenant)}/").status_code == 404
    assert admin_client.get(f"{base(tenant)}/{consultants[0].id}").status_code == 404
    assert admin_client.post(f"{base(tenant)}/new", data=profile(name_latin="Late")).status_code == 404


def test_the_pages_work_without_javascript_on_a_phone(admin_client, tenant, consultants):
    html = admin_client.get(f"{base(tenant)}/").get_data(as_text=True)
    assert 'class="table-wrap"' in html
    detail = admin_client.get(f"{base(tenant)}/{consultants[0].id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in detail and 'type="checkbox"' not in detail
    form = admin_client.get(f"{base(tenant)}/{consultants[0].id}/edit").get_data(as_text=True)
    assert form.count('type="checkbox"') >= 8          # the languages, no JavaScript needed
