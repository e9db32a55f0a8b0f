"""Duplicate contacts: finding likely duplicates of a new entry (pages, API, import), listing
candidate pairs for review with bounded queries (grouped by match key, never every pair in
Python), recording that two contacts are different people, and merging two contacts with every
link re-pointed (the core's own and each module's, through samaki_contact_links). No Flask.

Strength of a candidate:
- strong: same name key and same phone; or same phone and a compatible name (one side has no
  name, or one name key contains the other) - and no conflicting birth years;
- possible: same name key only (or the same Latin spelling), or same name and phone but
  different birth years: offered to a person, never merged automatically.

A protected person's match keys are stored as keyed hashes (core.data_key): a new entry finds them
by the hash of its own keys (exact keys only: "one name inside the other" cannot be seen in a
hash), and once found they are compared in clear, from the decrypted names.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, inspect, or_, select, update

from core.audit import record_event
from core.errors import DomainError
from core.extensions import db
from core.registers import matching
from core.registers.contact_photos import forget_photo_file
from core.data_key import keyed_hashes
from core.registers.models import Contact, ContactAffiliation, ContactNotDuplicate, Project, plain_match_keys
from core.tenancy import current_tenant_id

STRONG = "strong"
POSSIBLE = "possible"
REVIEW_GROUPS = 100          # match keys looked at on the review screen
REVIEW_GROUP_SIZE = 12       # contacts per key compared pairwise (a very common name stays bounded)
REVIEW_PROTECTED = 1000      # protected people whose keys (hashed in the table) are compared in clear on review


@dataclass
class DuplicateCandidate:
    contact: Contact
    reasons: list = field(default_factory=list)      # translatable strings
    strength: str = POSSIBLE

    @property
    def is_strong(self) -> bool:
        return self.strength == STRONG


@dataclass
class DuplicatePair:
    first: Contact
    second: Contact
    reasons: list
    strength: str


@dataclass(frozen=True)
class _Keys:
    name: str
    latin: str
    phone: str
    birth_year: int | None

    @classmethod
    def of(cls, contact: Contact) -> "_Keys":
        if contact.protected:       # the stored keys are keyed hashes: compare the names' keys in clear
            keys = plain_match_keys(contact.name_km, contact.name_latin, contact.phone)
            return cls(keys["match_name"], keys["match_latin"], keys["match_phone"], contact.birth_year)
        return cls(contact.match_name or "", contact.match_latin or "", contact.match_phone or "",
                   contact.birth_year)


def match_key_forms(key: str, tenant_id: int | None = None) -> list[str]:
    """What a contact's match column holds for `key`: the key itself (an ordinary contact) or its
    keyed hash under each readable data key (a protected one) in the tenant (default: the current one)."""
    if not key:
        return []
    tenant_id = tenant_id if tenant_id is not None else current_tenant_id()
    return [key, *(keyed_hashes(key, str(tenant_id)) if tenant_id is not None else [])]


def _compare(new: _Keys, old: _Keys) -> tuple[list, str | None]:
    """Reasons and strength of `old` as a duplicate of `new` (strength None: not a candidate)."""
    reasons = []
    same_name = bool(new.name) and new.name == old.name
    same_latin = bool(new.latin) and new.latin == old.latin
    same_phone = bool(new.phone) and new.phone == old.phone
    if same_name:
        reasons.append(_l("Same name"))
    elif same_latin:
        reasons.append(_l("Same name in Latin script"))
    if same_phone:
        reasons.append(_l("Same phone"))
    if not (same_name or same_latin or same_phone):
        return [], None
    years_differ = new.birth_year is not None and old.birth_year is not None and new.birth_year != old.birth_year
    phones_differ = bool(new.phone) and bool(old.phone) and not same_phone
    if years_differ:
        reasons.append(_l("Different birth years"))
    if phones_differ:
        reasons.append(_l("Different phones"))
    compatible = (same_name or same_latin or not new.name or not old.name
                  or _contains(new.name, old.name))
    strong = same_phone and compatible and not years_differ and (same_name or same_latin or not (new.name and old.name)
                                                                 or _contains(new.name, old.name))
    return reasons, STRONG if strong else POSSIBLE


def _contains(first: str, second: str) -> bool:
    """One name key inside the other, same script (e.g. a given name alone and the full name)."""
    if first[:3] != second[:3]:
        return False
    a, b = first[3:], second[3:]
    return len(min(a, b, key=len)) >= 3 and (a in b or b in a)


def find_duplicates(*, name_km: str = "", name_latin: str = "", phone: str = "", birth_year: int | None = None,
                    exclude_id: int | None = None, limit: int = 10) -> list[DuplicateCandidate]:
    """Contacts of the current tenant that may be the person being entered, strongest first."""
    try:
        birth_year = int(birth_year) if birth_year not in (None, "") else None
    except (TypeError, ValueError):
        birth_year = None
    keys = _Keys(matching.name_key(name_km, name_latin), matching.latin_name_key(name_latin),
                 matching.phone_key(phone), birth_year)
    conditions = []
    if keys.name:
        conditions.append(Contact.match_name.in_(match_key_forms(keys.name)))
    if keys.latin:
        # A Latin spelling also finds people recorded with a Khmer name and a Latin one.
        conditions.append(Contact.match_latin.in_(match_key_forms(keys.latin)))
    if keys.phone:
        conditions.append(Contact.match_phone.in_(match_key_forms(keys.phone)))
    if not conditions:
        return []
    query = select(Contact).where(or_(*conditions), Contact.erased_at.is_(None)).order_by(Contact.id).limit(200)
    if exclude_id is not None:
        query = query.where(Contact.id != exclude_id)
    found = list(db.session.execute(query).scalars())
    not_same = _not_duplicate_partners(exclude_id) if exclude_id is not None else set()
    candidates = []
    for contact in found:
        if contact.id in not_same:
            continue
        reasons, strength = _compare(keys, _Keys.of(contact))
        if strength:
            candidates.append(DuplicateCandidate(contact, reasons, strength))
    candidates.sort(key=lambda c: (c.strength != STRONG, c.contact.id))
    return candidates[:limit]


def _not_duplicate_partners(contact_id: int) -> set[int]:
    rows = db.session.execute(select(ContactNotDuplicate.first_id, ContactNotDuplicate.second_id).where(
        or_(ContactNotDuplicate.first_id == contact_id, ContactNotDuplicate.second_id == contact_id))).all()
    return {second if first == contact_id else first for first, second in rows}


def candidate_pairs(limit: int = 100) -> list[DuplicatePair]:
    """Pairs of contacts of the current tenant that may be duplicates, strongest first. Six
    queries whatever the size of the register: the repeated name keys, Latin keys and phones, the
    protected people (their stored keys are hashes: their keys are taken from their names), the
    contacts carrying any of these keys, and the pairs already found to be different people."""
    def repeated(column) -> list[str]:
        return list(db.session.execute(select(column).where(column != "", Contact.erased_at.is_(None))
                                       .group_by(column).having(func.count() > 1)
                                       .order_by(func.count().desc(), column).limit(REVIEW_GROUPS)).scalars())
    names, latins, phones = (set(repeated(Contact.match_name)), set(repeated(Contact.match_latin)),
                             set(repeated(Contact.match_phone)))
    protected = list(db.session.execute(select(Contact).where(Contact.protected.is_(True), Contact.erased_at.is_(None))
                                        .order_by(Contact.id).limit(REVIEW_PROTECTED)).scalars())
    for keys in map(_Keys.of, protected):
        names.add(keys.name)
        latins.add(keys.latin)
        phones.add(keys.phone)
    names, latins, phones = sorted(names - {""}), sorted(latins - {""}), sorted(phones - {""})
    if not names and not latins and not phones:
        return []
    found = db.session.execute(select(Contact).where(
        or_(Contact.match_name.in_(names), Contact.match_latin.in_(latins), Contact.match_phone.in_(phones)),
        Contact.erased_at.is_(None)).order_by(Contact.id)).scalars()
    contacts = sorted({contact.id: contact for contact in [*found, *protected]}.values(), key=lambda c: c.id)
    groups: dict[tuple[str, str], list[Contact]] = {}
    for contact in contacts:
        keys = _Keys.of(contact)
        for group, key in (("name", keys.name), ("latin", keys.latin), ("phone", keys.phone)):
            if key:
                groups.setdefault((group, key), []).append(contact)
    ids = [contact.id for contact in contacts]
    different = {(first, second) for first, second in db.session.execute(
        select(ContactNotDuplicate.first_id, ContactNotDuplicate.second_id).where(
            ContactNotDuplicate.first_id.in_(ids)))} if ids else set()
    pairs: dict[tuple[int, int], DuplicatePair] = {}
    for members in groups.values():
        for first, second in combinations(members[:REVIEW_GROUP_SIZE], 2):
            key = (first.id, second.id)
            if key in pairs or key in different:
                continue
            reasons, strength = _compare(_Keys.of(first), _Keys.of(second))
            if strength:
                pairs[key] = DuplicatePair(first, second, reasons, strength)
    ordered = sorted(pairs.values(), key=lambda p: (p.strength != STRONG, p.first.id, p.second.id))
    return ordered[:limit]


def mark_not_duplicate(first: Contact, second: Contact) -> ContactNotDuplicate:
    """Record that two contacts are different people (not offered again); audited."""
    if first.id == second.id:
        raise DomainError(_l("Choose two different contacts."))
    low, high = sorted((first.id, second.id))
    existing = db.session.execute(select(ContactNotDuplicate).where(
        ContactNotDuplicate.first_id == low, ContactNotDuplicate.second_id == high)).scalar_one_or_none()
    if existing is not None:
        return existing
    row = ContactNotDuplicate(tenant_id=first.tenant_id, first_id=low, second_id=high)
    db.session.add(row)
    db.session.flush()
    record_event("contact.not_duplicate", tenant_id=first.tenant_id, model="Contact", record_id=f"{low},{high}",
                 changes={"first_id": low, "second_id": high})
    return row


# Fields copied from the merged contact where the kept one has none.
_FILL_IN = ("name_km", "name_latin", "phone", "email", "address", "id_number", "photo_name", "notes", "birth_year",
            "disability", "idpoor", "indigenous", "place_id", "organisation_type", "institution_id", "website",
            "tax_number", "consent_scope", "consent_on", "consent_method")


def merge_contacts(keep: Contact, merged: Contact) -> int:
    """Merge `merged` into `keep`: every link is re-pointed to `keep` (each module's through
    samaki_contact_links, and the core's: project donors, affiliations), blanks of `keep` are
    filled from `merged`, protection and withdrawal carry over, `merged` is deleted, and one
    audit event records it. Returns the number of links re-pointed. The caller commits; on a
    DomainError nothing was changed."""
    from core.registers.contacts import module_links, refresh_match_keys
    if keep.id == merged.id:
        raise DomainError(_l("A contact cannot be merged into itself."), "merged_id")
    if keep.tenant_id != merged.tenant_id:
        raise DomainError(_l("Only contacts of the same organisation can be merged."), "merged_id")
    if keep.is_erased or merged.is_erased:
        raise DomainError(_l("An erased person cannot be merged."), "merged_id")
    if keep.kind != merged.kind:
        raise DomainError(_l("A person and an organisation cannot be merged."), "merged_id")
    moved = 0
    handled = set()         # a record may be listed under several roles: move it once
    for link in module_links(merged):
        if (id(link.record), link.attribute) in handled or getattr(link.record, link.attribute) != merged.id:
            continue
        handled.add((id(link.record), link.attribute))
        if link.unique_with and _already_linked(link, keep.id):
            db.session.delete(link.record)      # the kept contact is there already: one row, not two
        else:
            setattr(link.record, link.attribute, keep.id)
        moved += 1
    moved += db.session.execute(update(Project).where(Project.donor_id == merged.id)
                                .values(donor_id=keep.id)).rowcount or 0
    moved += _move_affiliations(keep, merged)
    for name in _FILL_IN:
        if getattr(keep, name) in (None, "") and getattr(merged, name) not in (None, ""):
            setattr(keep, name, getattr(merged, name))
    for name in ("sex", "age_group"):
        if getattr(keep, name).value == "not_recorded" and getattr(merged, name).value != "not_recorded":
            setattr(keep, name, getattr(merged, name))
    keep.tags = ", ".join(dict.fromkeys(keep.tag_list + merged.tag_list))
    keep.protected = keep.protected or merged.protected
    keep.guardian_consent = keep.guardian_consent or merged.guardian_consent
    if merged.consent_withdrawn_on and not keep.consent_withdrawn_on:
        keep.consent_withdrawn_on = merged.consent_withdrawn_on
    refresh_match_keys(keep)
    db.session.execute(delete(ContactNotDuplicate).where(or_(ContactNotDuplicate.first_id == merged.id,
                                                             ContactNotDuplicate.second_id == merged.id)))
    if merged.photo_name and merged.photo_name != keep.photo_name:
        forget_photo_file(merged)       # the kept contact has its own photo: the other file goes
    merged_id = merged.id
    db.session.delete(merged)
    db.session.flush()
    record_event("contact.merge", tenant_id=keep.tenant_id, model="Contact", record_id=str(keep.id),
                 changes={"kept_id": keep.id, "merged_id": merged_id, "links_moved": moved})
    return moved


def _already_linked(link, contact_id: int) -> bool:
    """Whether the module already has a row like `link.record` (same `unique_with` values) for the contact."""
    model = type(link.record)
    same = [getattr(model, name) == getattr(link.record, name) for name in link.unique_with]
    return db.session.execute(select(model.id).where(getattr(model, link.attribute) == contact_id, *same)
                              .limit(1)).first() is not None


def _move_affiliations(keep: Contact, merged: Contact) -> int:
    """Affiliations of the merged contact move to the kept one, unless the kept one already has
    the same (then the duplicate row goes)."""
    rows = list(db.session.execute(select(ContactAffiliation).where(or_(
        ContactAffiliation.person_id.in_((keep.id, merged.id)),
        ContactAffiliation.organisation_id.in_((keep.id, merged.id))))).scalars())
    existing = {(row.person_id, row.organisation_id) for row in rows}
    moved = 0
    for row in rows:
        person = keep.id if row.person_id == merged.id else row.person_id
        organisation = keep.id if row.organisation_id == merged.id else row.organisation_id
        if (person, organisation) == (row.person_id, row.organisation_id):
            continue
        if (person, organisation) in existing or person == organisation:
            db.session.delete(row)
            continue
        existing.add((person, organisation))
        row.person_id, row.organisation_id = person, organisation
        moved += 1
    db.session.flush()
    # The loaded collections still hold the moved rows: reload them, so deleting the merged
    # contact does not cascade to rows that now belong to the kept one.
    db.session.expire(merged, ["affiliations"])
    db.session.expire(keep, ["affiliations"])
    for row in rows:
        if row in db.session and not inspect(row).deleted:
            db.session.expire(row, ["person", "organisation"])
    return moved
