"""Contacts: people and organisations of a tenant. Plain services (no Flask): create and change
contacts with their rules (names, birth year, e-mail, place, consent of a minor's guardian,
withdrawal) and their match keys kept in step, for pages, API, import and modules alike; the
contacts list and search; where a contact appears (the core's links and every module's)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, event, func, literal, literal_column, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from core.cache import forget, kept_a_minute
from core.errors import DomainError
from core.extensions import db
from core.registers import matching
from core.registers.contact_photos import forget_photo_file
from core.registers.models import (AGE_GROUP_YEARS, AgeGroup, ConsentMethod, Contact, ContactAffiliation, ContactKind,
                                   OrganisationType, Place, Project, Sex)
from core.search import any_contains, normalise

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
WEBSITE = re.compile(r"^(https?://)?[^\s/]+\.[^\s]+$", re.IGNORECASE)
OLDEST_BIRTH_YEAR = 1900
ORGANISATION_ONLY = ("organisation_type", "institution_id", "website", "tax_number")
PERSON_ONLY = ("birth_year", "id_number")
MINOR_GROUPS = {AgeGroup.UNDER_15, AgeGroup.FROM_15_TO_17, AgeGroup.UNDER_18}
# Columns a caller may set (the rest are kept by the register itself).
WRITABLE = frozenset({
    "kind", "name_km", "name_latin", "phone", "email", "address", "id_number", "photo_name", "notes",
    "sex", "birth_year", "age_group", "disability", "idpoor", "indigenous", "place_id", "languages", "tags",
    "organisation_type", "institution_id", "website", "tax_number", "protected", "consent_scope", "consent_on",
    "consent_method", "guardian_consent", "consent_withdrawn_on", "tenant_id",
})
ENUMS = {"kind": ContactKind, "sex": Sex, "age_group": AgeGroup, "organisation_type": OrganisationType,
         "consent_method": ConsentMethod}
# The texts' own limits (a sealed column is wider: core.data_key.SealedString).
TEXT_LENGTHS = {name: getattr(Contact.__table__.c[name].type, "plain_length", Contact.__table__.c[name].type.length)
                for name in (
    "name_km", "name_latin", "phone", "email", "address", "id_number", "photo_name", "languages", "tags",
    "website", "tax_number", "consent_scope")}


# --- match keys ---------------------------------------------------------------------------------

def refresh_match_keys(contact: Contact) -> None:
    """Recompute the duplicate-detection keys from the names and phone (call after any change)."""
    contact.name_km = matching.clean_text(contact.name_km)
    contact.name_latin = matching.clean_text(contact.name_latin)
    contact.match_name = matching.name_key(contact.name_km, contact.name_latin)
    contact.match_latin = matching.latin_name_key(contact.name_latin)
    contact.match_phone = matching.phone_key(contact.phone)


# --- rules --------------------------------------------------------------------------------------

def age_group_for(birth_year: int | None, today: date | None = None) -> AgeGroup | None:
    """The age group a birth year falls in this year (None without a birth year)."""
    if birth_year is None:
        return None
    age = (today or date.today()).year - birth_year
    for group in (AgeGroup.UNDER_15, AgeGroup.FROM_15_TO_17, AgeGroup.FROM_18_TO_30, AgeGroup.FROM_31_TO_59,
                  AgeGroup.FROM_60):
        youngest, oldest = AGE_GROUP_YEARS[group]
        if age >= youngest and (oldest is None or age <= oldest):
            return group
    return AgeGroup.UNDER_15


def is_minor(contact: Contact, today: date | None = None) -> bool:
    """Under 18 by the birth year when known, else by the age group."""
    if contact.kind == ContactKind.ORGANISATION:
        return False
    if contact.birth_year is not None:
        return (today or date.today()).year - contact.birth_year < 18
    return contact.age_group in MINOR_GROUPS


def _tag_text(value) -> str:
    items = value if isinstance(value, (list, tuple, set)) else str(value or "").split(",")
    seen: list[str] = []
    for item in (matching.clean_text(str(tag)) for tag in items):
        if item and item.casefold() not in {tag.casefold() for tag in seen}:
            seen.append(item)
    return ", ".join(seen)


def _coerce(name: str, value: Any) -> Any:
    """One field's value in the column's type, or a DomainError naming the field."""
    if name in ENUMS:
        if value in (None, ""):
            return None
        try:
            return ENUMS[name](getattr(value, "value", value))
        except ValueError:
            raise DomainError(_l("Choose one of the listed values."), name) from None
    if name in ("tags", "languages"):
        return _tag_text(value) if name == "tags" else _tag_text(value).replace(" ", "")
    if name in TEXT_LENGTHS:
        text = matching.clean_text(value) if name not in ("notes",) else (value or "").strip()
        if len(text) > TEXT_LENGTHS[name]:
            raise DomainError(_l("Use at most %(max)d characters.", max=TEXT_LENGTHS[name]), name)
        return text
    if name == "notes":
        return (value or "").strip()
    if name in ("birth_year", "place_id", "institution_id", "tenant_id"):
        if value in (None, ""):
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise DomainError(_l("Give a whole number."), name) from None
    if name in ("consent_on", "consent_withdrawn_on"):
        if value in (None, ""):
            return None
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                raise DomainError(_l("Give a date as YYYY-MM-DD."), name) from None
        return value
    return value


def apply_fields(contact: Contact, fields: dict) -> None:
    unknown = sorted(set(fields) - WRITABLE)
    if unknown:
        raise DomainError(_l("A contact has no field %(name)s.", name=unknown[0]), unknown[0])
    for name, value in fields.items():
        value = _coerce(name, value)
        if name == "kind" and value is None:
            value = ContactKind.PERSON
        if name in ("sex", "age_group") and value is None:
            value = Sex.NOT_RECORDED if name == "sex" else AgeGroup.NOT_RECORDED
        if name in ("protected", "guardian_consent"):
            value = bool(value)
        setattr(contact, name, value)


def validate_contact(contact: Contact, today: date | None = None) -> None:
    """The register's rules on the contact as it would be saved (DomainError: first fault found)."""
    today = today or date.today()
    if not (contact.name_km or contact.name_latin):
        raise DomainError(_l("Give a name in Khmer or in Latin script."), "name_latin")
    if contact.kind == ContactKind.PERSON:
        for name in ORGANISATION_ONLY:
            if getattr(contact, name) not in (None, ""):
                raise DomainError(_l("Only an organisation has this field."), name)
    else:
        for name in PERSON_ONLY:
            if getattr(contact, name) not in (None, ""):
                raise DomainError(_l("Only a person has this field."), name)
    if contact.birth_year is not None and not OLDEST_BIRTH_YEAR <= contact.birth_year <= today.year:
        raise DomainError(_l("Give a birth year between %(first)d and %(last)d.",
                             first=OLDEST_BIRTH_YEAR, last=today.year), "birth_year")
    if contact.email and not EMAIL.match(contact.email):
        raise DomainError(_l("Give an e-mail address such as name@example.org."), "email")
    if contact.website and not WEBSITE.match(contact.website):
        raise DomainError(_l("Give a web address such as https://example.org."), "website")
    if contact.phone and not matching.phone_key(contact.phone):
        raise DomainError(_l("Give a phone number with at least 6 digits."), "phone")
    if contact.place_id is not None and db.session.get(Place, contact.place_id) is None:
        raise DomainError(_l("Choose a place from the gazetteer."), "place_id")
    if contact.institution_id is not None:
        from core.registers.institutions import get_visible_institution
        if get_visible_institution(contact.institution_id) is None:
            raise DomainError(_l("Choose an institution from the register."), "institution_id")
    for name in ("consent_on", "consent_withdrawn_on"):
        day = getattr(contact, name)
        if day is not None and not date(2000, 1, 1) <= day <= today:
            raise DomainError(_l("Give a date between 2000 and today."), name)
    consent_recorded = bool(contact.consent_on or contact.consent_method or contact.consent_scope)
    if consent_recorded and is_minor(contact, today) and not contact.guardian_consent:
        raise DomainError(_l("This person is under 18: record their parent's or guardian's consent too."),
                          "guardian_consent")
    if contact.consent_withdrawn_on is not None:
        if contact.consent_on is not None and contact.consent_withdrawn_on < contact.consent_on:
            raise DomainError(_l("Consent cannot be withdrawn before it was given."), "consent_withdrawn_on")
        contact.protected = True      # withdrawal of consent protects the person from then on


# --- create, change, withdraw ---------------------------------------------------------------------

def create_contact(**fields) -> Contact:
    """Add a contact to the current tenant (flushes; the caller commits). Fields are Contact's
    column names; bad input raises DomainError(message, field) and nothing is added."""
    contact = Contact(kind=ContactKind.PERSON, sex=Sex.NOT_RECORDED, age_group=AgeGroup.NOT_RECORDED, name_km="",
                      name_latin="", phone="", email="", address="", id_number="", photo_name="", notes="",
                      languages="", tags="", website="", tax_number="", consent_scope="", protected=False,
                      guardian_consent=False)
    apply_fields(contact, fields)
    refresh_match_keys(contact)
    validate_contact(contact)
    db.session.add(contact)
    db.session.flush()
    return contact


def update_contact(contact: Contact, **fields) -> Contact:
    """Change a contact (flushes; the caller commits). Same rules as create_contact; an erased
    person cannot be changed. On a DomainError the caller rolls back."""
    if contact.is_erased:
        raise DomainError(_l("This person was erased and can no longer be changed."))
    apply_fields(contact, fields)
    refresh_match_keys(contact)
    validate_contact(contact)
    db.session.flush()
    return contact


def withdraw_consent(contact: Contact, on: date | None = None) -> Contact:
    """Record that the person withdrew their consent (dated): from then on they are protected,
    and may be erased on request."""
    if contact.kind != ContactKind.PERSON:
        raise DomainError(_l("Only a person gives or withdraws consent."))
    if contact.consent_withdrawn_on is not None:
        raise DomainError(_l("Consent was already withdrawn on %(day)s.", day=contact.consent_withdrawn_on.isoformat()),
                          "consent_withdrawn_on")
    return update_contact(contact, consent_withdrawn_on=on or date.today(), protected=True)


def add_affiliation(person: Contact, organisation_id: int, role: str = "") -> ContactAffiliation:
    """Link a person to an organisation of the same tenant with a role (changes the role if linked)."""
    if person.kind != ContactKind.PERSON:
        raise DomainError(_l("Only a person belongs to an organisation."), "organisation_id")
    organisation = db.session.get(Contact, organisation_id) if organisation_id else None
    if organisation is None or organisation.kind != ContactKind.ORGANISATION \
            or organisation.tenant_id != person.tenant_id:
        raise DomainError(_l("Choose one of your organisation contacts."), "organisation_id")
    role = matching.clean_text(role)
    if len(role) > 200:
        raise DomainError(_l("Use at most %(max)d characters.", max=200), "role")
    existing = next((a for a in person.affiliations if a.organisation_id == organisation.id), None)
    if existing is not None:
        existing.role = role
        db.session.flush()
        return existing
    affiliation = ContactAffiliation(tenant_id=person.tenant_id, person=person, organisation=organisation, role=role)
    db.session.add(affiliation)
    db.session.flush()
    return affiliation


def remove_affiliation(person: Contact, affiliation_id: int) -> None:
    affiliation = next((a for a in person.affiliations if a.id == affiliation_id), None)
    if affiliation is None:
        raise DomainError(_l("This person has no such affiliation."))
    person.affiliations.remove(affiliation)
    db.session.flush()


def delete_contact(contact: Contact) -> None:
    """Delete a contact no record points to (its affiliations go with it). A linked contact is
    merged or erased instead, so no module is left pointing at nothing."""
    linked = db.session.scalar(select(func.count()).select_from(Project).where(Project.donor_id == contact.id))
    if linked or module_links(contact):
        raise DomainError(_l("This contact appears in other records: merge it with another contact or erase it "
                             "instead."))
    for affiliation in db.session.execute(select(ContactAffiliation).where(
            ContactAffiliation.organisation_id == contact.id)).scalars():
        db.session.delete(affiliation)
    forget_photo_file(contact)          # the photo's file goes with the commit
    db.session.delete(contact)
    db.session.flush()


# --- lists and search ---------------------------------------------------------------------------

def get_contact(contact_id: int) -> Contact | None:
    """One contact of the current tenant with what its page shows (tenant scoping hides others)."""
    return db.session.execute(select(Contact).where(Contact.id == contact_id).options(
        joinedload(Contact.place), selectinload(Contact.affiliations).joinedload(ContactAffiliation.organisation))
    ).unique().scalar_one_or_none()


def _tag_condition(tag: str):
    tags = literal(",") + func.lower(func.replace(Contact.tags, ", ", ",")) + literal(",")
    return tags.contains(f",{matching.clean_text(tag).casefold()},", autoescape=True)


# Protected people sort as if nameless (by id): their place in an alphabetical list would hint at the name.
# The '' is written inline, not bound, so that PostgreSQL matches the expressions to the index
# ix_core_contact_tenant_list_order (models.Contact) whatever plan it caches.
SORT_NAME = case((Contact.protected.is_(True), literal_column("''")), else_=Contact.name_latin)
LIST_ORDER = (SORT_NAME, case((Contact.protected.is_(True), literal_column("''")), else_=Contact.name_km), Contact.id)


def contact_list_query(*, q: str = "", kind=None, tag: str = "", protected: bool | None = None,
                       may_see_protected: bool = False) -> Select:
    """The contacts list with its filters. Protected people are matched by name, phone or e-mail
    only for users allowed to see them (Do No Harm: search must not reveal who is protected)."""
    query = select(Contact).options(joinedload(Contact.place))
    if kind:
        query = query.where(Contact.kind == ContactKind(getattr(kind, "value", kind)))
    if tag and tag.strip():
        query = query.where(_tag_condition(tag))
    if protected is not None:
        query = query.where(Contact.protected.is_(bool(protected)))
    text = (q or "").strip()
    if text:
        condition = any_contains([Contact.name_km, Contact.name_latin, Contact.email], text)
        phone = matching.phone_key(text)
        if phone:
            from core.registers.duplicates import match_key_forms     # a protected contact's is hashed
            condition = or_(condition, Contact.match_phone.in_(match_key_forms(phone)))
        if not may_see_protected:
            condition = and_(condition, Contact.protected.is_(False))
        query = query.where(condition, Contact.erased_at.is_(None))
    return query


def protected_matching(text: str, *, fields=("name_km", "name_latin"), kind: ContactKind | None = None) -> list[int]:
    """Ids of the protected contacts one of whose `fields` contains `text`. Their identity is
    encrypted in the table, so it is matched here, decrypted, as core.search matches a column (see
    protected_identities for what that costs). The caller decides who may find them
    (core.search.any_contains uses this for every search on contacts' names)."""
    needle = normalise(text)
    if not needle:
        return []
    # One kept set per tenant for the usual searches (names, names and e-mail): one decryption.
    loaded = tuple(sorted(set(fields) | set(SEARCHED_IDENTITY_FIELDS)))
    wanted = [loaded.index(name) for name in fields]
    return [contact_id for contact_id, kept_kind, values in protected_identities(loaded)
            if (kind is None or kept_kind == kind) and any(needle in values[i] for i in wanted)]


# Decrypting and normalising every protected contact of a large tenant costs ≈ 0.2–0.5 s (10,000
# in the benchmark), and a global search matches them several times. Each worker therefore keeps
# the normalised values a minute per database and tenant (core.cache), and forgets a tenant's as
# soon as it writes one of its contacts; another worker's edit shows within the minute. Only ids
# leave this cache: every search still reads the rows themselves from the database, tenant-scoped,
# so an erased or moved contact is never shown from it. The values stay in the worker's memory,
# which holds the data key anyway.
SEARCHED_IDENTITY_FIELDS = ("email", "name_km", "name_latin")
PROTECTED_IDENTITIES = "protected_identities"


def protected_identities(fields: tuple[str, ...]) -> list[tuple[int, ContactKind, tuple[str, ...]]]:
    """(id, kind, normalised `fields`) of the current tenant's protected, not erased contacts."""
    def compute() -> list[tuple[int, ContactKind, tuple[str, ...]]]:
        query = select(Contact.id, Contact.kind, *(getattr(Contact, name) for name in fields)).where(
            Contact.protected.is_(True), Contact.erased_at.is_(None))
        return [(contact_id, contact_kind, tuple(normalise(value or "") for value in values))
                for contact_id, contact_kind, *values in db.session.execute(query)]
    return kept_a_minute((PROTECTED_IDENTITIES, fields), compute)


@event.listens_for(Session, "after_flush")
def _forget_written_protected(session: Session, _context) -> None:
    """A contact written in this worker (added, changed, erased, deleted) refreshes its tenant's kept values."""
    written = {record.tenant_id for record in (*session.new, *session.dirty, *session.deleted)
               if isinstance(record, Contact)}
    for tenant_id in written:       # once per tenant: an import flushes thousands of contacts at once
        forget(tenant_id, PROTECTED_IDENTITIES)


def search_contacts(query: str, user=None, *, may_see_protected: bool | None = None, limit: int = 20) -> list[Contact]:
    """Contacts for the global search box (rows search_hits turns into SearchHits). `user` is the
    current user (permissions come from the request's membership)."""
    if may_see_protected is None:
        from core.permissions import can
        from core.registers.protection import PROTECTED_PERMISSION
        may_see_protected = can(PROTECTED_PERMISSION)
    statement = contact_list_query(q=query, may_see_protected=may_see_protected)
    return list(db.session.execute(statement.order_by(*LIST_ORDER).limit(limit)).unique().scalars())


def get_pickable(contact_id: int, kind: ContactKind | None = None) -> Contact | None:
    """One contact of the current tenant a picker may offer (not erased; of `kind` when given)."""
    query = select(Contact).where(Contact.id == contact_id, Contact.erased_at.is_(None))
    if kind is not None:
        query = query.where(Contact.kind == kind)
    return db.session.scalar(query)


def search_for_picker(text: str, *, kind: ContactKind | None = None, include_protected: bool = False,
                      limit: int = 10) -> list[Contact]:
    """Contacts whose Khmer or Latin name contains `text`, for a type-ahead picker. A protected
    person is matched by name only for users who may see identities (`include_protected`)."""
    needle = matching.clean_text(text)
    if not needle:
        return []
    by_name = or_(Contact.name_latin.icontains(needle, autoescape=True), Contact.name_km.contains(needle, autoescape=True))
    if include_protected:
        by_name = or_(by_name, Contact.id.in_(protected_matching(needle, kind=kind)))
    query = select(Contact).where(Contact.erased_at.is_(None), by_name)
    if kind is not None:
        query = query.where(Contact.kind == kind)
    if not include_protected:
        query = query.where(Contact.protected.is_(False))
    return list(db.session.scalars(query.order_by(Contact.name_latin, Contact.id).limit(limit)))


# --- where a contact appears --------------------------------------------------------------------

@dataclass
class CoreLink:
    """A core record pointing at a contact (same shape as core.plugins.ContactLink)."""

    record: Any
    attribute: str
    role: Any
    title: str
    url: str = ""
    review_on_erasure: tuple = ()


def core_links(contact: Contact, url_for=None) -> list[CoreLink]:
    """The core's own records pointing at `contact`: projects it funds, affiliations both ways."""
    def link(endpoint: str, **values) -> str:
        try:
            return url_for(endpoint, **values) if url_for else ""
        except Exception:   # a page another part of the registers has not written yet
            return ""
    links = [CoreLink(project, "donor_id", _l("Donor"), f"{project.code} · {project.title_en}",
                      link("projects.detail", project_id=project.id))
             for project in db.session.execute(select(Project).where(Project.donor_id == contact.id)
                                               .order_by(Project.code)).scalars()]
    affiliations = db.session.execute(select(ContactAffiliation).where(or_(
        ContactAffiliation.person_id == contact.id, ContactAffiliation.organisation_id == contact.id)).options(
        joinedload(ContactAffiliation.person), joinedload(ContactAffiliation.organisation))).unique().scalars()
    for affiliation in affiliations:
        if affiliation.person_id == contact.id:
            links.append(CoreLink(affiliation, "person_id", _l("Member of an organisation"),
                                  _display_name(affiliation.organisation),
                                  link("contacts.detail", contact_id=affiliation.organisation_id)))
        else:
            links.append(CoreLink(affiliation, "organisation_id", _l("Has a member or staff"),
                                  _display_name(affiliation.person, reveal=False),
                                  link("contacts.detail", contact_id=affiliation.person_id)))
    return links


def _display_name(contact: Contact, reveal: bool = True) -> str:
    from core.registers.protection import shown_name
    from core.i18n import current_locale
    return shown_name(contact, current_locale(), reveal=reveal)


def module_links(contact: Contact) -> list:
    """Every enabled module's ContactLink entries for `contact` (the samaki_contact_links hook)."""
    from flask import current_app
    from core.models import Tenant
    state = current_app.extensions["samaki"]
    tenant = db.session.get(Tenant, contact.tenant_id)
    results = state.hook_for(tenant, "samaki_contact_links")(contact=contact)
    return [link for result in results for link in (result or [])]


def all_links(contact: Contact, url_for=None) -> list:
    return [*core_links(contact, url_for), *module_links(contact)]


def grouped_links(links: list) -> list[tuple[str, list]]:
    """Links grouped by their role (in the order first seen), for the contact page."""
    groups: dict[str, list] = {}
    for link in links:
        groups.setdefault(str(link.role), []).append(link)
    return list(groups.items())


def search_hits(query: str) -> list:
    """SearchHits for the global search box (core.builtin.samaki_search): protected people are
    matched only for users allowed to see them, and named as the protection rules say."""
    from flask import url_for
    from core.i18n import current_locale
    from core.permissions import can
    from core.plugins import SearchHit
    from core.registers.protection import PROTECTED_PERMISSION, shown_name
    locale = current_locale()
    return [SearchHit(title=shown_name(contact, locale), url=url_for("contacts.detail", contact_id=contact.id),
                      kind=contact.kind.label, score=1.0 if contact.protected is False else 0.5)
            for contact in search_contacts(query, may_see_protected=can(PROTECTED_PERMISSION))]


# --- encryption at rest -------------------------------------------------------------------------

RESEAL_CHUNK = 500


def reseal_identities(chunk: int = RESEAL_CHUNK) -> int:
    """Bring every tenant's contacts in line with the current data key (core.data_key): protected
    identities sealed under it (re-sealed if an old key sealed them, sealed if still in clear, as
    after an upgrade) with their match keys hashed under it; anything sealed or hashed on a contact
    that is no longer protected back in clear. Rows are read and written as stored, without the ORM
    (no per-row audit: the caller records one event). Returns the contacts rewritten; the caller
    commits. DataKeyError when a value cannot be opened with the keys given."""
    from sqlalchemy import String, bindparam, type_coerce, update
    from core.data_key import is_keyed_hash, is_sealed, keyed_hash, keyring, open_sealed, seal, sealed_key_id
    from core.registers.models import MATCH_FIELDS, SEALED_FIELDS, plain_match_keys
    table, current = Contact.__table__, keyring().current
    stored_columns = [type_coerce(table.c[name], String()).label(name) for name in SEALED_FIELDS + MATCH_FIELDS]
    needs_look = or_(table.c.protected.is_(True), *(table.c[name].like("enc1:%") for name in SEALED_FIELDS),
                     *(table.c[name].like("hmac1:%") for name in MATCH_FIELDS))
    statement = update(table).where(table.c.id == bindparam("row_id")).values(
        {name: bindparam(f"new_{name}", type_=String()) for name in SEALED_FIELDS + MATCH_FIELDS})
    rewritten, last_id = 0, 0
    while True:
        rows = db.session.execute(select(table.c.id, table.c.tenant_id, table.c.protected, *stored_columns)
                                  .where(needs_look, table.c.id > last_id).order_by(table.c.id).limit(chunk)).all()
        if not rows:
            return rewritten
        changes = []
        for row in rows:
            last_id = row.id
            stored = {name: getattr(row, name) or "" for name in SEALED_FIELDS + MATCH_FIELDS}
            plain = {name: open_sealed(stored[name]) if is_sealed(stored[name]) else stored[name]
                     for name in SEALED_FIELDS}
            keys = plain_match_keys(plain["name_km"], plain["name_latin"], plain["phone"])
            if row.protected:
                wanted = {name: stored[name] if sealed_key_id(stored[name]) == current.id else seal(value, current)
                          for name, value in plain.items() if value}
                wanted.update({name: keyed_hash(key, str(row.tenant_id), current) for name, key in keys.items()})
            else:
                wanted = dict(plain)
                wanted.update({name: keys[name] for name in MATCH_FIELDS if is_keyed_hash(stored[name])})
            if any(stored[name] != value for name, value in wanted.items()):
                changes.append({"row_id": row.id, **{f"new_{name}": wanted.get(name, stored[name])
                                                     for name in SEALED_FIELDS + MATCH_FIELDS}})
        if changes:
            db.session.execute(statement, changes)
            rewritten += len(changes)
