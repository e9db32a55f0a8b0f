"""Contacts: people and organisations of a tenant. Plain services (no Flask): create and change
contacts with their match keys kept in step, for pages, API, import and modules alike."""
from __future__ import annotations

from core.extensions import db
from core.registers import matching
from core.registers.models import Contact


def refresh_match_keys(contact: Contact) -> None:
    """Recompute the duplicate-detection keys from the names and phone (call after any change)."""
    contact.name_km = matching.clean_text(contact.name_km)
    contact.name_latin = matching.clean_text(contact.name_latin)
    contact.match_name = matching.name_key(contact.name_km, contact.name_latin)
    contact.match_phone = matching.phone_key(contact.phone)


def create_contact(**fields) -> Contact:
    """Add a contact to the current tenant (flushes; the caller commits). Fields are Contact's
    column names; being extended with validation (DomainError) by the contacts register."""
    contact = Contact(**fields)
    refresh_match_keys(contact)
    db.session.add(contact)
    db.session.flush()
    return contact
