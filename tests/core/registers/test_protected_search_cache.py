"""Searching protected people's names (sealed in the table, matched after decryption): each worker
keeps the decrypted values a minute (core.registers.contacts.protected_identities), and that never
shows a stale name after a write in the same worker, nor one tenant's people to another."""
from __future__ import annotations

from core.extensions import db
from core.registers.contacts import protected_matching, update_contact
from core.registers.models import Contact
from core.tenancy import tenant_scope
from tests.core.registers.contact_factories import add_contact


def found(tenant, text: str) -> list[int]:
    with tenant_scope(tenant.id):
        return protected_matching(text)


def test_a_renamed_protected_person_is_found_by_the_new_name_at_once(tenant):
    dara = add_contact(tenant, name_latin="Sok Dara", protected=True)
    assert found(tenant, "dara") == [dara.id]            # now kept
    with tenant_scope(tenant.id):
        update_contact(db.session.get(Contact, dara.id), name_latin="Keo Dalin", protected=True)
        db.session.commit()
    assert found(tenant, "dalin") == [dara.id] and found(tenant, "dara") == []
    newcomer = add_contact(tenant, name_latin="Chan Dara", protected=True)
    assert found(tenant, "dara") == [newcomer.id]


def test_each_tenant_matches_only_its_own_protected_people(tenant, other_tenant):
    ours = add_contact(tenant, name_latin="Sok Dara", protected=True)
    theirs = add_contact(other_tenant, name_latin="Sok Dara", protected=True)
    assert found(tenant, "sok dara") == [ours.id]
    assert found(other_tenant, "sok dara") == [theirs.id]
    assert found(tenant, "sok dara") == [ours.id]        # from the kept values, still only ours
