"""Duplicate detection on entry: what must match (Khmer spellings that differ invisibly, Latin
variants, phone formats) and what is only offered, never taken as the same person."""
from __future__ import annotations

import pytest

from core.registers.duplicates import POSSIBLE, STRONG, find_duplicates
from core.tenancy import tenant_scope
from tests.core.registers.contact_factories import add_contact

# ស្រី + COENG + ... : a Khmer name whose marks can be typed in two canonically equivalent orders.
# X + U+17DD + U+17D2 + Y and X + U+17D2 + U+17DD + Y are the same text after NFC.
NAME_ORDER_A = "សុខ\u17dd\u17d2ស"
NAME_ORDER_B = "សុខ\u17d2\u17dd ស"


def found(tenant, **entry):
    with tenant_scope(tenant.id):
        return {c.contact.id: c for c in find_duplicates(**entry)}


def test_khmer_name_with_zero_width_spaces_is_the_same_name(tenant):
    existing = add_contact(tenant, name_km="សុខ ដារ៉ា", phone="012 345 678")
    candidates = found(tenant, name_km="សុខ\u200bដារ៉ា", phone="012345678")
    assert candidates[existing.id].strength == STRONG
    assert "Same name" in [str(reason) for reason in candidates[existing.id].reasons]


def test_canonically_equivalent_khmer_orders_are_the_same_name(tenant):
    existing = add_contact(tenant, name_km=NAME_ORDER_A)
    assert existing.id in found(tenant, name_km=NAME_ORDER_B)


@pytest.mark.parametrize("spelling", ["sok dara", "SOK  DARA", "Sokh Dara", "Sok-Dara"])
def test_latin_spellings_differing_in_case_spacing_or_sokh_match(tenant, spelling):
    existing = add_contact(tenant, name_latin="Sok Dara")
    assert existing.id in found(tenant, name_latin=spelling)


@pytest.mark.parametrize("phone", ["+855 12 345 678", "012 345 678", "012345678", "00855 12 345 678"])
def test_phone_formats_match_and_with_the_same_name_are_strong(tenant, phone):
    existing = add_contact(tenant, name_latin="Chan Sophy", phone="+855 12 345 678")
    candidate = found(tenant, name_latin="Chan Sophy", phone=phone)[existing.id]
    assert candidate.strength == STRONG


def test_same_phone_and_no_name_conflict_is_strong(tenant):
    existing = add_contact(tenant, name_latin="Chan Sophy", phone="012 345 678")
    assert found(tenant, name_latin="Sophy", phone="+85512345678")[existing.id].strength == STRONG


def test_common_name_with_different_phones_is_only_possible(tenant):
    existing = add_contact(tenant, name_latin="Sok Dara", phone="012 345 678")
    candidate = found(tenant, name_latin="Sok Dara", phone="097 111 2222")[existing.id]
    assert candidate.strength == POSSIBLE
    assert "Different phones" in [str(reason) for reason in candidate.reasons]


def test_common_name_with_different_birth_years_is_only_possible(tenant):
    existing = add_contact(tenant, name_latin="Sok Dara", phone="012 345 678", birth_year=1980)
    candidate = found(tenant, name_latin="Sok Dara", phone="012 345 678", birth_year=1995)[existing.id]
    assert candidate.strength == POSSIBLE


def test_a_latin_spelling_finds_a_person_recorded_in_both_scripts(tenant):
    existing = add_contact(tenant, name_km="សុខ ដារ៉ា", name_latin="Sok Dara")
    candidate = found(tenant, name_latin="SOKH  dara")[existing.id]
    assert "Same name in Latin script" in [str(reason) for reason in candidate.reasons]
    assert candidate.strength == POSSIBLE


def test_latin_key_is_compared_with_contacts_that_have_no_khmer_name(tenant):
    existing = add_contact(tenant, name_latin="Sokh Dara", phone="011 222 333")
    candidate = found(tenant, name_km="សុខ ដារ៉ា", name_latin="Sok Dara", phone="099 888 777")[existing.id]
    assert candidate.strength == POSSIBLE


def test_different_people_are_not_offered(tenant):
    add_contact(tenant, name_latin="Keo Bopha", phone="012 999 888")
    assert found(tenant, name_latin="Sok Dara", phone="012 345 678") == {}


def test_another_tenants_contacts_are_never_offered(tenant, other_tenant):
    add_contact(other_tenant, name_latin="Sok Dara", phone="012 345 678")
    assert found(tenant, name_latin="Sok Dara", phone="012 345 678") == {}
