"""Protected identities encrypted at rest (core.data_key): the table holds no clear text of a
protected person, only sealed values and keyed hashes; people allowed to see the identity still
see it, duplicates are still found by exact name and phone, unprotecting restores clear text, a
key rotation re-seals everything under the new key, and a missing or wrong key is a clear error."""
from __future__ import annotations

import base64
import os

import pytest
from sqlalchemy import select, text

from core.audit import verify_chains
from core.data_key import DataKeyError, key_id, open_sealed, seal
from core.extensions import db
from core.models import AuditEvent, User
from core.registers.contacts import update_contact
from core.registers.duplicates import STRONG, candidate_pairs, find_duplicates
from core.registers.models import Contact
from core.tenancy import tenant_scope
from tests.core.registers.contact_factories import add_contact
from tests.helpers import token_for

NAME = "Srey Mom Secret"
KHMER = "ស្រីមុំ"
PHONE = "012 777 888"
EMAIL = "mom@example.org"
CLEAR_TEXTS = (NAME, KHMER, "777", "mom@", "Srey", "srey", "012777888")


def protected_person(tenant, **fields) -> Contact:
    return add_contact(tenant, **{"name_latin": NAME, "name_km": KHMER, "phone": PHONE, "email": EMAIL,
                                  "address": "Street 7, house 12", "id_number": "010203040", "notes": "Met at the forum",
                                  "protected": True, **fields})


def raw_row(contact_id: int) -> dict:
    """The contact's row as the database holds it (what a dump would show)."""
    row = db.session.execute(text(
        "SELECT name_km, name_latin, phone, email, address, id_number, notes, match_name, match_latin, match_phone "
        "FROM core_contact WHERE id = :id"), {"id": contact_id}).mappings().one()
    return dict(row)


def assert_no_clear_text(row: dict) -> None:
    dump = " ".join(str(value) for value in row.values())
    for clear in CLEAR_TEXTS:
        assert clear not in dump, f"{clear!r} is stored in clear"


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def data_keys(app):
    """Lets a test change the app's data keys; puts them back afterwards."""
    saved = {name: app.config.get(name, "") for name in ("DATA_KEY", "DATA_KEYS_OLD")}
    yield app.config
    app.config.update(saved)


def test_raw_table_holds_no_clear_text_of_a_protected_person(tenant):
    person = protected_person(tenant)
    row = raw_row(person.id)
    assert_no_clear_text(row)
    assert row["name_latin"].startswith("enc1:") and row["match_phone"].startswith("hmac1:")
    assert open_sealed(row["name_latin"]) == NAME
    # The ORM still gives the plain text.
    db.session.expire_all()
    assert db.session.get(Contact, person.id).name_km == KHMER


def test_the_same_person_in_two_organisations_is_not_linkable_in_a_dump(tenant, other_tenant):
    first, second = protected_person(tenant), protected_person(other_tenant)
    first_row, second_row = raw_row(first.id), raw_row(second.id)
    for name in ("name_latin", "match_name", "match_phone"):
        assert first_row[name] != second_row[name]


def test_an_ordinary_contact_stays_in_clear(tenant):
    person = add_contact(tenant, name_latin="Keo Bopha", phone="012 345 678")
    row = raw_row(person.id)
    assert row["name_latin"] == "Keo Bopha" and row["match_phone"] == "012345678"


def test_allowed_users_see_the_identity_on_the_page_and_in_the_api(client, admin_client, tenant, admin_user):
    person = protected_person(tenant)
    page = admin_client.get(f"/t/{tenant.slug}/contacts/{person.id}").text
    assert NAME in page and PHONE in page and EMAIL in page
    answer = client.get(f"/api/v1/t/{tenant.slug}/contacts/{person.id}", headers=token_for(admin_user, tenant)).json
    assert answer["name_latin"] == NAME and answer["name_km"] == KHMER and answer["phone"] == PHONE


def test_an_edit_of_a_protected_identity_is_stored_sealed(admin_client, tenant):
    person = protected_person(tenant)
    with tenant_scope(tenant.id):
        update_contact(db.session.get(Contact, person.id), name_latin="Srey Mom Renamed", phone="097 555 4444")
        db.session.commit()
    row = raw_row(person.id)
    assert "Renamed" not in str(row) and "555" not in str(row)
    assert open_sealed(row["phone"]) == "097 555 4444"
    assert "Srey Mom Renamed" in admin_client.get(f"/t/{tenant.slug}/contacts/{person.id}").text


def test_admin_finds_a_protected_person_by_part_of_the_name_and_by_phone(admin_client, tenant):
    person = protected_person(tenant)
    for query in ("mom secret", "ស្រី", "+85512777888"):
        listing = admin_client.get(f"/t/{tenant.slug}/contacts/", query_string={"q": query}).text
        assert f"Protected person #{person.id}" in listing, query      # lists never show the name
    assert NAME in admin_client.get(f"/t/{tenant.slug}/search", query_string={"q": "mom secret"}).text


def test_a_protected_duplicate_is_found_by_exact_name_and_phone(tenant):
    person = protected_person(tenant)
    with tenant_scope(tenant.id):
        by_both = {c.contact.id: c for c in find_duplicates(name_latin="srey  mom secret", phone="+855 12 777 888")}
        by_phone = {c.contact.id for c in find_duplicates(phone="012777888")}
        by_khmer = {c.contact.id for c in find_duplicates(name_km=KHMER)}
    assert by_both[person.id].strength == STRONG
    assert person.id in by_phone and person.id in by_khmer


def test_a_new_entry_page_offers_the_protected_duplicate_to_an_admin(admin_client, tenant):
    person = protected_person(tenant)
    entry = {"kind": "person", "name_latin": NAME, "phone": PHONE, "sex": "female", "age_group": "not_recorded"}
    page = admin_client.post(f"/t/{tenant.slug}/contacts/new", data=entry).text
    assert f"/contacts/{person.id}" in page


def test_review_pairs_a_protected_person_with_an_ordinary_duplicate(tenant):
    person = protected_person(tenant)
    other = add_contact(tenant, name_latin="Srey Mom Secret", phone="012777888")
    second = protected_person(tenant, email="")
    with tenant_scope(tenant.id):
        pairs = {(pair.first.id, pair.second.id): pair.strength for pair in candidate_pairs()}
    assert pairs[(person.id, other.id)] == STRONG and pairs[(person.id, second.id)] == STRONG


def test_protecting_seals_and_unprotecting_restores_clear_text(tenant):
    person = add_contact(tenant, name_latin="Sok Dara", phone="012 345 678", email="dara@example.org")
    with tenant_scope(tenant.id):
        update_contact(db.session.get(Contact, person.id), protected=True)
        db.session.commit()
    row = raw_row(person.id)
    assert "Dara" not in str(row) and "dara@" not in str(row) and row["match_name"].startswith("hmac1:")
    with tenant_scope(tenant.id):
        update_contact(db.session.get(Contact, person.id), protected=False)
        db.session.commit()
    row = raw_row(person.id)
    assert (row["name_latin"], row["email"], row["match_name"], row["match_phone"]) == (
        "Sok Dara", "dara@example.org", "la:sokdara", "012345678")


def test_withdrawing_consent_seals_the_identity(staff_client, tenant):
    person = add_contact(tenant, name_latin="Chan Sophy", phone="012 111 222")
    response = staff_client.post(f"/t/{tenant.slug}/contacts/{person.id}/withdraw-consent",
                                 data={"withdrawn_on": "2026-04-02"})
    assert response.status_code == 302
    row = raw_row(person.id)
    assert "Sophy" not in str(row) and "111" not in str(row) and open_sealed(row["name_latin"]) == "Chan Sophy"


def test_erasing_a_protected_person_leaves_nothing_sealed(admin_client, tenant):
    person = protected_person(tenant)
    admin_client.post(f"/t/{tenant.slug}/contacts/{person.id}/erase", data={"confirm": "y"})
    with tenant_scope(tenant.id):
        db.session.expire_all()
        assert db.session.get(Contact, person.id).is_erased
    assert set(raw_row(person.id).values()) == {""}


def test_the_audit_log_holds_no_identity_and_verifies(tenant):
    person = protected_person(tenant)
    with tenant_scope(tenant.id):
        update_contact(db.session.get(Contact, person.id), protected=False)
        db.session.commit()
    changes = " ".join(str(event.changes) for event in db.session.scalars(select(AuditEvent)))
    assert "Srey" not in changes and "enc1:" not in changes and "hmac1:" not in changes
    assert verify_chains(db.session) == []


def test_a_two_factor_secret_is_not_stored_in_clear(tenant, staff):
    from core.auth import two_factor
    secret = two_factor.start_enrolment(staff)
    db.session.commit()
    stored = db.session.execute(text("SELECT totp_secret FROM core_user WHERE id = :id"), {"id": staff.id}).scalar()
    assert secret not in stored and stored.startswith("enc1:") and open_sealed(stored) == secret
    db.session.expire_all()
    assert db.session.get(User, staff.id).totp_secret == secret


# --- the key -------------------------------------------------------------------------------------

def test_rotation_reseals_under_the_new_key_and_old_data_stays_readable(app, tenant, staff, data_keys):
    from core.auth import two_factor
    old = new_key()
    data_keys.update(DATA_KEY=old, DATA_KEYS_OLD="")
    person = protected_person(tenant)
    secret = two_factor.start_enrolment(staff)
    db.session.commit()
    before = raw_row(person.id)
    old_id = key_id(base64.b64decode(old))
    assert before["name_latin"].split(":")[1] == old_id

    new = new_key()
    data_keys.update(DATA_KEY=new, DATA_KEYS_OLD=old)
    result = app.test_cli_runner().invoke(args=["contacts", "rotate-data-key"])
    assert result.exit_code == 0, result.output
    assert "1 contacts, 1 two-factor secrets and 0 webhook secrets re-encrypted" in result.output

    after = raw_row(person.id)
    new_id = key_id(base64.b64decode(new))
    for name in ("name_km", "name_latin", "phone", "email", "address", "id_number", "notes"):
        assert after[name] != before[name] and after[name].split(":")[1] == new_id
    for name in ("match_name", "match_latin", "match_phone"):
        assert after[name] != before[name] and after[name].split(":")[1] == new_id
    assert_no_clear_text(after)
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "data_key.rotate"))
    assert event.tenant_id is None and event.changes["contacts"] == 1 and event.record_id == new_id

    # With only the new key, everything reads, and duplicates are still found.
    data_keys.update(DATA_KEY=new, DATA_KEYS_OLD="")
    db.session.expire_all()
    with tenant_scope(tenant.id):
        assert db.session.get(Contact, person.id).name_latin == NAME
        assert person.id in {c.contact.id for c in find_duplicates(phone=PHONE)}
    assert db.session.get(User, staff.id).totp_secret == secret


def test_rotation_seals_identities_stored_in_clear_before_the_upgrade(app, tenant):
    person = protected_person(tenant)
    db.session.execute(text("UPDATE core_contact SET name_latin = :name, match_phone = '012777888' WHERE id = :id"),
                       {"name": NAME, "id": person.id})
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["contacts", "rotate-data-key"])
    assert result.exit_code == 0, result.output
    assert_no_clear_text(raw_row(person.id))


def test_a_value_sealed_with_an_unknown_key_is_a_clear_error(app, tenant, data_keys):
    data_keys.update(DATA_KEY=new_key(), DATA_KEYS_OLD="")
    person = protected_person(tenant)
    data_keys.update(DATA_KEY=new_key(), DATA_KEYS_OLD="")
    db.session.expire_all()
    with tenant_scope(tenant.id), pytest.raises(DataKeyError, match="not configured"):
        db.session.get(Contact, person.id).name_latin
    db.session.rollback()
    result = app.test_cli_runner().invoke(args=["contacts", "rotate-data-key"])
    assert result.exit_code != 0 and "SAMAKI_DATA_KEYS_OLD" in result.output


def test_an_altered_sealed_value_is_a_clear_error_not_garbage(app):
    sealed = seal("Srey Mom")
    altered = sealed[:-2] + ("AA" if not sealed.endswith("AA") else "BB")
    with pytest.raises(DataKeyError, match="could not be decrypted"):
        open_sealed(altered)


def test_a_malformed_key_is_refused_with_the_setting_named(data_keys):
    data_keys.update(DATA_KEY="too-short", DATA_KEYS_OLD="")
    with pytest.raises(DataKeyError, match="SAMAKI_DATA_KEY must be 32 random bytes"):
        seal("x")


def test_production_requires_a_data_key(monkeypatch, tmp_path):
    from core import create_app
    from core.config import UnsafeConfiguration
    monkeypatch.setenv("SAMAKI_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SAMAKI_ENV", "production")
    monkeypatch.setenv("SAMAKI_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("SAMAKI_DATABASE_URL", "postgresql://samaki@db.internal/samaki")
    monkeypatch.setenv("SAMAKI_SECURE_COOKIES", "1")
    monkeypatch.delenv("SAMAKI_DATA_KEY", raising=False)
    with pytest.raises(UnsafeConfiguration, match="SAMAKI_DATA_KEY"):
        create_app()
    monkeypatch.setenv("SAMAKI_DATA_KEY", new_key())
    assert create_app().config["DATA_KEY"]
