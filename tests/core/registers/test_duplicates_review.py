"""Duplicates in practice: the new-contact form offers likely duplicates before saving, the review
screen lists candidate pairs, "not the same person" is remembered and audited, and a merge
re-points every link (modules', project donors, affiliations) and is audited once."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.errors import DomainError
from core.extensions import db
from core.models import AuditEvent
from core.registers.contacts import add_affiliation
from core.registers.duplicates import candidate_pairs, merge_contacts
from core.registers.models import Contact, ContactAffiliation, ContactNotDuplicate, Project
from core.tenancy import tenant_scope
from tests.core.registers.contact_factories import Enrolment, add_contact, register_links, unregister_links

NEW_PERSON = {"kind": "person", "name_latin": "Sokh  dara", "phone": "+855 12 345 678", "sex": "male",
              "age_group": "not_recorded"}


def count_contacts(tenant) -> int:
    with tenant_scope(tenant.id):
        return db.session.query(Contact).count()


def events(action: str) -> list[AuditEvent]:
    return list(db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


def test_new_contact_form_offers_the_likely_duplicate_first(staff_client, tenant):
    existing = add_contact(tenant, name_latin="Sok Dara", phone="012 345 678")
    response = staff_client.post(f"/t/{tenant.slug}/contacts/new", data=NEW_PERSON)
    assert response.status_code == 200 and count_contacts(tenant) == 1
    assert "This contact may already exist" in response.text and "Very likely the same" in response.text
    assert f"/contacts/{existing.id}" in response.text and "Save anyway" in response.text
    assert 'name="confirm_new" type="hidden" value="1"' in response.text


def test_create_anyway_saves_the_new_contact(staff_client, tenant):
    add_contact(tenant, name_latin="Sok Dara", phone="012 345 678")
    response = staff_client.post(f"/t/{tenant.slug}/contacts/new", data={**NEW_PERSON, "confirm_new": "1"})
    assert response.status_code == 302 and count_contacts(tenant) == 2


def test_review_screen_lists_pairs_and_not_the_same_person_is_remembered(admin_client, tenant):
    first = add_contact(tenant, name_latin="Sok Dara", phone="012 345 678")
    second = add_contact(tenant, name_latin="SOKH DARA", phone="097 000 111")
    page = admin_client.get(f"/t/{tenant.slug}/contacts/duplicates").text
    assert "Possibly the same" in page and f"first={first.id}&amp;second={second.id}" in page
    response = admin_client.post(f"/t/{tenant.slug}/contacts/duplicates/not-same",
                                 data={"first": second.id, "second": first.id})
    assert response.status_code == 302
    assert "No possible duplicates found." in admin_client.get(f"/t/{tenant.slug}/contacts/duplicates").text
    [event] = events("contact.not_duplicate")
    assert event.record_id == f"{first.id},{second.id}" and "Dara" not in str(event.changes)
    with tenant_scope(tenant.id):
        assert db.session.query(ContactNotDuplicate).count() == 1


def test_candidate_pairs_groups_by_name_and_phone(tenant):
    a = add_contact(tenant, name_km="សុខ ដារ៉ា", phone="012 345 678")
    b = add_contact(tenant, name_km="សុខ\u200bដារ៉ា", phone="+85512345678")
    c = add_contact(tenant, name_latin="Keo Bopha", phone="012345678")
    add_contact(tenant, name_latin="Unrelated Person", phone="099 999 999")
    with tenant_scope(tenant.id):
        pairs = {(p.first.id, p.second.id): p.strength for p in candidate_pairs()}
    assert pairs[(a.id, b.id)] == "strong"
    assert pairs[(a.id, c.id)] == "possible" and pairs[(b.id, c.id)] == "possible"
    assert len(pairs) == 3


@pytest.fixture
def enrolments(app):
    records = []
    register_links(app, records)
    yield records
    unregister_links(app)


def test_merge_repoints_every_link_and_is_audited_once(admin_client, tenant, enrolments):
    keep = add_contact(tenant, name_latin="Sok Dara", phone="012 345 678")
    merged = add_contact(tenant, name_latin="Sokh Dara", phone="+855 12 345 678", email="dara@example.org",
                         birth_year=1988, protected=True)
    organisation = add_contact(tenant, kind="organisation", name_latin="Kampot Youth Network")
    enrolments.append(Enrolment(1, merged.id, "Budget training, Kampot"))
    with tenant_scope(tenant.id):
        add_affiliation(db.session.get(Contact, merged.id), organisation.id, "Member")
        db.session.add(Project(code="P-01", title_en="Commune budgets", donor_id=merged.id))
        db.session.commit()
    page = admin_client.get(f"/t/{tenant.slug}/contacts/merge?first={keep.id}&second={merged.id}").text
    assert "Sokh Dara" in page and "Sok Dara" in page
    response = admin_client.post(f"/t/{tenant.slug}/contacts/merge",
                                 data={"first": keep.id, "second": merged.id, "keep": keep.id})
    assert response.status_code == 302
    assert enrolments[0].contact_id == keep.id
    with tenant_scope(tenant.id):
        assert db.session.get(Contact, merged.id) is None
        kept = db.session.get(Contact, keep.id)
        assert (kept.email, kept.birth_year, kept.protected) == ("dara@example.org", 1988, True)
        assert db.session.execute(select(Project.donor_id)).scalar_one() == keep.id
        assert db.session.execute(select(ContactAffiliation.person_id)).scalar_one() == keep.id
    [event] = events("contact.merge")
    assert event.changes == {"kept_id": keep.id, "merged_id": merged.id, "links_moved": 3}
    detail = admin_client.get(f"/t/{tenant.slug}/contacts/{keep.id}").text
    assert "Kampot Youth Network" in detail and "Commune budgets" in detail and "Budget training, Kampot" in detail


def test_merge_needs_a_choice(admin_client, tenant):
    first, second = add_contact(tenant, name_latin="Sok Dara"), add_contact(tenant, name_latin="Sok Dara")
    response = admin_client.post(f"/t/{tenant.slug}/contacts/merge", data={"first": first.id, "second": second.id})
    assert response.status_code == 422 and "Choose the contact to keep." in response.text
    assert count_contacts(tenant) == 2


def test_merging_a_contact_into_itself_changes_nothing(admin_client, tenant):
    contact = add_contact(tenant, name_latin="Sok Dara")
    response = admin_client.post(f"/t/{tenant.slug}/contacts/merge",
                                 data={"first": contact.id, "second": contact.id, "keep": contact.id})
    assert response.status_code == 422 and "cannot be merged into itself" in response.text
    assert count_contacts(tenant) == 1 and events("contact.merge") == []


def test_merging_across_tenants_is_refused(tenant, other_tenant, admin_client):
    ours = add_contact(tenant, name_latin="Sok Dara")
    theirs = add_contact(other_tenant, name_latin="Sok Dara")
    # Through the page the other tenant's contact does not exist.
    response = admin_client.post(f"/t/{tenant.slug}/contacts/merge",
                                 data={"first": ours.id, "second": theirs.id, "keep": ours.id})
    assert response.status_code == 404
    # And the service refuses it outright.
    from core.tenancy import unscoped
    with unscoped():
        keep, merged = db.session.get(Contact, ours.id), db.session.get(Contact, theirs.id)
        with pytest.raises(DomainError):
            merge_contacts(keep, merged)
        db.session.rollback()
        assert db.session.query(Contact).count() == 2


def test_staff_member_cannot_merge_without_permission(client, tenant, viewer):
    from tests.helpers import login
    login(client, viewer.email)
    assert client.get(f"/t/{tenant.slug}/contacts/duplicates").status_code == 403
