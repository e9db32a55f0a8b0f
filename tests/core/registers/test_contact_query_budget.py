"""The contacts pages and API list cost the same number of SQL statements for 5 rows as for 40."""
from __future__ import annotations

from core.extensions import db
from core.registers.contacts import add_affiliation, create_contact
from core.registers.models import Contact, ContactKind, Place
from core.tenancy import tenant_scope
from tests.core.registers.contact_factories import add_places
from tests.helpers import token_for
from tests.helpers import StatementCounter, statements_for


def grow(tenant, total: int) -> None:
    """People in pairs of duplicates (same name, same phone), some protected, each in an organisation."""
    commune = db.session.query(Place).filter_by(code="070101").first() or add_places()[1]
    with tenant_scope(tenant.id):
        organisation = db.session.query(Contact).filter_by(kind=ContactKind.ORGANISATION).first() or create_contact(
            kind="organisation", name_latin="Kampot Youth Network")
        n = db.session.query(Contact).count()
        while n < total:
            person = create_contact(name_latin=f"Person {n // 2}", phone=f"012 000 {n // 2:03d}", protected=n % 5 == 0,
                                    place_id=commune.id, tags="youth")
            add_affiliation(person, organisation.id, "Member")
            n += 1
        db.session.commit()


def test_contact_list_page(admin_client, tenant):
    def with_contacts(total: int) -> int:
        grow(tenant, total)
        return statements_for(admin_client, f"/t/{tenant.slug}/contacts/")
    assert with_contacts(5) == with_contacts(40)


def test_duplicates_page(admin_client, tenant):
    def with_contacts(total: int) -> int:
        grow(tenant, total)
        return statements_for(admin_client, f"/t/{tenant.slug}/contacts/duplicates")
    assert with_contacts(6) == with_contacts(40)


def test_organisation_page_with_many_members(admin_client, tenant):
    def with_contacts(total: int) -> int:
        grow(tenant, total)
        with tenant_scope(tenant.id):
            organisation_id = db.session.query(Contact.id).filter_by(kind=ContactKind.ORGANISATION).scalar()
        return statements_for(admin_client, f"/t/{tenant.slug}/contacts/{organisation_id}")
    assert with_contacts(5) == with_contacts(40)


def test_contact_api_list(client, tenant, staff):
    headers = token_for(staff, tenant)
    client.get("/api/v1/me", headers=headers)

    def with_contacts(total: int) -> int:
        grow(tenant, total)
        with StatementCounter() as counter:
            response = client.get(f"/api/v1/t/{tenant.slug}/contacts/?per_page=100", headers=headers)
        assert response.status_code == 200
        return counter.count
    assert with_contacts(5) == with_contacts(40)
