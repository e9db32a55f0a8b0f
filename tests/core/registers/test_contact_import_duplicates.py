"""Possible duplicates in an import — of contacts the organisation already has, and of earlier lines
of the same file — are offered for review: left out unless the user ticks them."""
from __future__ import annotations

from core.registers.models import ContactKind
from tests.core.registers.contact_io_helpers import (accept, add_contact, contact_names, csv_bytes, import_id_from,
                                                     upload)


def preview_html(client, tenant, import_id: int) -> str:
    return client.get(f"/t/{tenant.slug}/contacts/io/import/{import_id}").get_data(as_text=True)


def test_an_existing_contact_is_offered_as_a_possible_duplicate_and_skipped(staff_client, tenant):
    existing = add_contact(tenant, name_latin="Sok Dara", phone="012 345 678")
    rows = [{"name_latin": "SOKH Dara", "phone": "+855 12 345 678"}, {"name_latin": "Chan Vuthy"}]
    import_id = import_id_from(upload(staff_client, tenant, csv_bytes(rows)))
    html = preview_html(staff_client, tenant, import_id)
    assert "possible duplicate of Sok Dara" in html and "Same phone" in html
    assert f'/contacts/{existing.id}"' in html
    assert 'name="import_line" value="2"' in html
    accept(staff_client, tenant, import_id)
    assert contact_names(tenant) == ["Chan Vuthy", "Sok Dara"]


def test_a_ticked_duplicate_is_imported_anyway(staff_client, tenant):
    add_contact(tenant, name_latin="Sok Dara", birth_year=1990)
    rows = [{"name_latin": "Sok Dara", "birth_year": "1990"}, {"name_latin": "Chan Vuthy", "phone": "097 111 2222"},
            {"name_latin": "Chan Vuthy", "phone": "097 111 2222"}]
    import_id = import_id_from(upload(staff_client, tenant, csv_bytes(rows)))
    html = preview_html(staff_client, tenant, import_id)
    assert "possible duplicate of line 3 of this file" in html
    accept(staff_client, tenant, import_id, lines=[2])
    assert contact_names(tenant) == ["Chan Vuthy", "Sok Dara", "Sok Dara"]


def test_every_duplicate_can_be_imported_at_once(staff_client, tenant):
    add_contact(tenant, name_latin="Sok Dara")
    rows = [{"name_latin": "Sok Dara"}, {"name_latin": "Chan Vuthy"}, {"name_latin": "Chan Vuthy"}]
    import_id = import_id_from(upload(staff_client, tenant, csv_bytes(rows)))
    accept(staff_client, tenant, import_id, all_duplicates=True)
    assert contact_names(tenant) == ["Chan Vuthy", "Chan Vuthy", "Sok Dara", "Sok Dara"]


def test_a_protected_duplicate_is_not_named_to_a_user_without_the_permission(staff_client, tenant):
    protected = add_contact(tenant, name_latin="Hidden Person", phone="012 999 888", protected=True)
    import_id = import_id_from(upload(staff_client, tenant, csv_bytes([{"name_latin": "Hidden Person"}])))
    html = preview_html(staff_client, tenant, import_id)
    assert f"possible duplicate of Protected person #{protected.id}" in html


def test_a_person_and_an_organisation_with_one_name_are_not_duplicates(staff_client, tenant):
    add_contact(tenant, kind=ContactKind.ORGANISATION, name_latin="Sok Dara")
    import_id = import_id_from(upload(staff_client, tenant, csv_bytes([{"name_latin": "Sok Dara"}])))
    assert "possible duplicate" not in preview_html(staff_client, tenant, import_id)
