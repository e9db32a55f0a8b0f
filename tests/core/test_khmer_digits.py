"""Khmer digits: a number or a date typed with them (០១២…) is read like one typed with ASCII digits,
while text keeps them as typed; a user who chooses them sees numbers and dates written with them."""
from datetime import date

from sqlalchemy import select

from core.extensions import db
from core.tenancy import tenant_scope
from tests.example_plugin.models import FieldVisit


def saved_visit(tenant) -> FieldVisit:
    with tenant_scope(tenant.id):
        return db.session.execute(select(FieldVisit)).scalar_one()


def test_a_date_typed_in_khmer_digits_is_read_as_a_date(staff_client, tenant):
    response = staff_client.post(f"/t/{tenant.slug}/visits/new",
                                 data={"title": "ចុះជួបសហគមន៍ ភូមិលេខ ១២", "visited_on": "២០២៦-០៥-០៤"})
    assert response.status_code == 302
    visit = saved_visit(tenant)
    assert visit.visited_on == date(2026, 5, 4)
    assert visit.title == "ចុះជួបសហគមន៍ ភូមិលេខ ១២"      # text with letters keeps its digits


def test_a_user_who_chooses_khmer_digits_sees_dates_and_numbers_with_them(staff_client, tenant, staff):
    with tenant_scope(tenant.id):
        db.session.add(FieldVisit(title="Commune 7 meeting", visited_on=date(2026, 5, 4)))
        db.session.commit()
    listing = staff_client.get(f"/t/{tenant.slug}/visits/").text
    assert "2026" in listing and "២០២៦" not in listing
    saved = staff_client.post("/account", data={"details-name": staff.name, "details-locale": "en",
                                                "details-email_mode": "off", "details-khmer_digits": "y"})
    assert saved.status_code == 302
    listing = staff_client.get(f"/t/{tenant.slug}/visits/").text
    assert "២០២៦" in listing
    assert "Commune 7 meeting" in listing            # a title keeps its digits as written
    assert f"/t/{tenant.slug}/visits/" in listing    # links keep ASCII digits


def test_csv_files_keep_ascii_digits_for_a_khmer_digit_user(admin_client, tenant, admin_user):
    from core.models import User
    from core.registers.contacts import create_contact
    db.session.get(User, admin_user.id).khmer_digits = True
    db.session.commit()
    with tenant_scope(tenant.id):
        create_contact(name_latin="Sok Dara", birth_year=1990)
        db.session.commit()
    export = admin_client.get(f"/t/{tenant.slug}/contacts/io/export.csv")
    assert export.status_code == 200 and "1990" in export.text
    assert not any("០" <= c <= "៩" for c in export.text)
