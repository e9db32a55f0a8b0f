"""Forgetting a person: the confirmation page lists what to review, the identity is blanked while
statistics survive, the name is found nowhere afterwards (pages, list, API, audit, search,
notifications, shared values), and erasures are applied again after a backup is restored, from the
database's log or from the erasure journal kept outside it."""
from __future__ import annotations

from datetime import date

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from core.extensions import db
from core.models import (AuditEvent, GroupFeedEntry, Notification, OutboxMail, SharedRecord, WorkingGroup,
                         WorkingGroupMember)
from core.notifications import notify
from core.registers.erasure import reapply_erasures
from core.registers.models import AgeGroup, Contact, ContactErasure, Sex
from core.tenancy import tenant_scope
from tests.core.registers.contact_factories import Enrolment, add_contact, add_places, register_links, unregister_links
from tests.core.test_storage import aws_credentials, bucket, s3_endpoint  # noqa: F401  (fixtures)
from tests.helpers import token_for

NAME = "Sopheap Vannak"
NAME_KM = "សុភាព វណ្ណៈ"
PHONE = "012 456 789"
EMAIL = "sopheap@example.org"


@pytest.fixture
def person(app, tenant, staff):
    _province, commune = add_places()
    contact = add_contact(tenant, name_latin=NAME, name_km=NAME_KM, phone=PHONE, email=EMAIL, sex="female",
                          birth_year=date.today().year - 25, place_id=commune.id, disability=True, idpoor=True,
                          address="House 12, Village 3", notes=f"{NAME} asked about land titles",
                          consent_on=date(2026, 1, 10), consent_scope="Trainings")
    # A notification and a shared value mentioning the person (as a careless module might have written).
    notify([staff], tenant, _l("%(name)s registered for the training."), {"name": NAME})
    group = WorkingGroup(slug="drwg", name="DRWG", convening_tenant_id=tenant.id)
    group.members.append(WorkingGroupMember(tenant_id=tenant.id))
    db.session.add(group)
    db.session.flush()
    shared_id = db.session.execute(SharedRecord.__table__.insert().values(
        group_id=group.id, tenant_id=tenant.id, record_type="visits.visit", record_id=1,
        title=f"Visit with {NAME}", fields={"summary": f"Met {NAME_KM} at the commune"})).inserted_primary_key[0]
    db.session.execute(GroupFeedEntry.__table__.insert().values(
        group_id=group.id, shared_record_id=shared_id, tenant_id=tenant.id, kind="shared", title=f"Visit with {NAME}",
        fields={"summary": NAME}))
    db.session.commit()
    register_links(app, [Enrolment(3, contact.id, "Land rights training")])
    yield contact
    unregister_links(app)


def erase(client, tenant, person):
    return client.post(f"/t/{tenant.slug}/contacts/{person.id}/erase", data={"confirm": "y"})


def test_confirmation_page_lists_linked_records_and_their_notes(admin_client, tenant, person):
    page = admin_client.get(f"/t/{tenant.slug}/contacts/{person.id}/erase").text
    assert "Land rights training" in page and "Interview notes of the training" in page
    response = admin_client.post(f"/t/{tenant.slug}/contacts/{person.id}/erase", data={})
    assert response.status_code == 422 and "Tick the box to confirm." in response.text
    with tenant_scope(tenant.id):
        assert db.session.get(Contact, person.id).name_latin == NAME


def test_only_managers_may_erase(staff_client, tenant, person):
    assert staff_client.get(f"/t/{tenant.slug}/contacts/{person.id}/erase").status_code == 403
    assert erase(staff_client, tenant, person).status_code == 403


def test_erasure_blanks_the_identity_and_keeps_statistics(admin_client, tenant, person, admin_user):
    assert erase(admin_client, tenant, person).status_code == 302
    with tenant_scope(tenant.id):
        contact = db.session.get(Contact, person.id)
        assert (contact.name_latin, contact.name_km, contact.phone, contact.email, contact.address, contact.notes,
                contact.match_name, contact.match_phone) == ("",) * 8
        assert contact.sex == Sex.FEMALE and contact.age_group == AgeGroup.FROM_18_TO_30 and contact.birth_year is None
        assert contact.disability and contact.idpoor and contact.protected and contact.erased_at is not None
        assert contact.place.code == "07"          # the province of the commune
        [erasure] = db.session.execute(select(ContactErasure)).scalars().all()
        assert (erasure.contact_id, erasure.erased_by_id) == (person.id, admin_user.id)
    [event] = db.session.execute(select(AuditEvent).where(AuditEvent.action == "contact.erase")).scalars().all()
    assert event.record_id == str(person.id)
    page = admin_client.get(f"/t/{tenant.slug}/contacts/{person.id}").text
    assert "Erased person" in page


def test_after_erasure_the_name_is_found_nowhere(app, admin_client, client, tenant, person, staff, admin_user):
    from tests.helpers import login
    assert erase(admin_client, tenant, person).status_code == 302
    seen = [admin_client.get(f"/t/{tenant.slug}/contacts/{person.id}").text,
            admin_client.get(f"/t/{tenant.slug}/contacts/").text,
            client.get(f"/api/v1/t/{tenant.slug}/contacts/{person.id}", headers=token_for(admin_user, tenant)).text,
            client.get(f"/api/v1/t/{tenant.slug}/contacts/", headers=token_for(admin_user, tenant)).text,
            admin_client.get(f"/t/{tenant.slug}/contacts/io/export.csv").get_data(as_text=True)]
    for query in ("Sopheap", NAME_KM, PHONE, EMAIL):     # the page repeats the query itself, so: no hit
        assert "Nothing found" in admin_client.get(f"/t/{tenant.slug}/search", query_string={"q": query}).text
    login(client, staff.email)
    seen.append(client.get(f"/t/{tenant.slug}/notifications/").text)
    seen.append(client.get(f"/t/{tenant.slug}/groups/drwg/").text)
    seen += [str(row) for row in db.session.execute(select(AuditEvent.changes, AuditEvent.record_id)).all()]
    seen += [f"{n.message} {n.params}" for n in db.session.execute(select(Notification)).scalars()]
    seen += [f"{s.title} {s.fields}" for s in db.session.execute(select(SharedRecord)).scalars()]
    seen += [f"{e.title} {e.fields}" for e in db.session.execute(select(GroupFeedEntry)).scalars()]
    seen += [f"{m.subject} {m.body}" for m in db.session.execute(select(OutboxMail)).scalars()]
    assert any("Erased person" in text for text in seen[-1:])      # the notification's e-mail was scrubbed
    everything = "\n".join(seen)
    for text in (NAME, "Sopheap", NAME_KM, PHONE, "012456789", EMAIL, "House 12"):
        assert text not in everything
    assert "Erased person" in everything


def restore_identity_as_an_older_backup_would(person) -> None:
    """The person's identity back in the table, written without the ORM (as a restore does)."""
    db.session.execute(update(Contact.__table__).where(Contact.__table__.c.id == person.id).values(
        name_latin=NAME, phone=PHONE, erased_at=None, protected=False))
    db.session.commit()


def test_reapply_erasures_after_a_restore(admin_client, tenant, person):
    erase(admin_client, tenant, person)
    # A backup from before the erasure is restored: the identity is back (written without the ORM).
    restore_identity_as_an_older_backup_would(person)
    assert reapply_erasures() == 1
    db.session.commit()
    with tenant_scope(tenant.id):
        contact = db.session.get(Contact, person.id)
        db.session.refresh(contact)
        assert (contact.name_latin, contact.phone, contact.protected) == ("", "", True) and contact.is_erased
    assert reapply_erasures() == 0


def test_cli_reapplies_erasures(app, admin_client, tenant, person):
    erase(admin_client, tenant, person)
    result = app.test_cli_runner().invoke(args=["contacts", "reapply-erasures"])
    assert result.exit_code == 0 and "Erasures applied again: 0." in result.output


def test_an_erased_person_cannot_be_edited_or_erased_again(admin_client, tenant, person):
    erase(admin_client, tenant, person)
    assert admin_client.get(f"/t/{tenant.slug}/contacts/{person.id}/edit").status_code == 404
    assert admin_client.get(f"/t/{tenant.slug}/contacts/{person.id}/erase").status_code == 404


def test_erasure_removes_the_photo_file(app, admin_client, tenant, person):
    import os
    folder = os.path.join(app.config["UPLOAD_FOLDER"], str(tenant.id), "contacts")   # core.registers.contact_photos
    os.makedirs(folder, exist_ok=True)
    photo = os.path.join(folder, "a1b2c3" * 5 + "d4.jpg")
    with open(photo, "wb") as file:
        file.write(b"\xff\xd8 not really a photo")
    contacts = Contact.__table__
    db.session.execute(update(contacts).where(contacts.c.id == person.id).values(photo_name=os.path.basename(photo)))
    db.session.commit()
    erase(admin_client, tenant, person)
    assert not os.path.exists(photo)


def journal_files(app) -> list:
    from pathlib import Path
    folder = Path(app.config["UPLOAD_FOLDER"]) / "_instance" / "erasures"
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def test_erasure_is_written_to_the_journal_outside_the_database_without_the_identity(app, admin_client, tenant,
                                                                                      person):
    assert erase(admin_client, tenant, person).status_code == 302
    [entry] = journal_files(app)
    assert entry.name == f"{tenant.id}-{person.id}.json"
    text = entry.read_text()
    for identity in (NAME, "Sopheap", NAME_KM, PHONE, EMAIL):
        assert identity not in text
    # The database loses the erasure (an older backup restored): the journal still erases the person.
    db.session.execute(ContactErasure.__table__.delete())
    restore_identity_as_an_older_backup_would(person)
    assert reapply_erasures() == 1
    db.session.commit()
    with tenant_scope(tenant.id):
        contact = db.session.get(Contact, person.id)
        db.session.refresh(contact)
        assert (contact.name_latin, contact.phone) == ("", "") and contact.is_erased
        assert db.session.execute(select(ContactErasure.contact_id)).scalars().all() == [person.id]


def test_a_rolled_back_erasure_leaves_no_journal_entry(app, tenant, person, admin_user):
    from core.registers.erasure import erase_contact
    with tenant_scope(tenant.id):
        erase_contact(db.session.get(Contact, person.id), erased_by_id=admin_user.id)
        assert len(journal_files(app)) == 1
        db.session.rollback()
        assert journal_files(app) == []
        assert db.session.get(Contact, person.id).name_latin == NAME
    assert reapply_erasures() == 0


def test_a_journal_entry_never_erases_a_later_contact_given_the_same_id(app, tenant, person):
    from datetime import UTC, datetime

    from core.registers.erasure import JournalEntry
    before_it_existed = JournalEntry(tenant.id, person.id, datetime(2020, 1, 1, tzinfo=UTC))
    assert reapply_erasures([before_it_existed]) == 0
    db.session.commit()
    with tenant_scope(tenant.id):
        assert db.session.get(Contact, person.id).name_latin == NAME


def test_with_s3_the_journal_entry_is_an_object_every_app_host_reads(app, admin_client, tenant, person, bucket,
                                                                     s3_endpoint):
    from core.instance_state import instance_id
    from tests.core.test_storage import keys
    assert erase(admin_client, tenant, person).status_code == 302
    assert f"_instance/erasures/{instance_id()}/{tenant.id}-{person.id}.json" in keys(s3_endpoint, bucket)
    assert journal_files(app) == []                                   # nothing on this host's disk


def test_an_erasure_is_refused_with_a_clear_error_while_the_store_cannot_be_reached(
        app, admin_client, tenant, person, aws_credentials, monkeypatch):
    from tests.core.test_storage import UNREACHABLE, free_port
    monkeypatch.setitem(app.config, "STORAGE", "s3")
    monkeypatch.setitem(app.config, "S3_BUCKET", "samaki-files")
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")   # nobody listens
    response = erase(admin_client, tenant, person)
    assert response.status_code == 422 and UNREACHABLE in response.text
    with tenant_scope(tenant.id):
        contact = db.session.get(Contact, person.id)
        assert contact.name_latin == NAME and not contact.is_erased
        assert db.session.execute(select(ContactErasure)).first() is None
