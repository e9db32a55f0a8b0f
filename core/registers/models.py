"""The registers every module links to: Cambodia's places (the official gazetteer), institutions
(public bodies), each tenant's closure days, projects and grants, and contacts (people and
organisations) with their consent and protection. Modules store ids, never copies."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint,
                        event, inspect, select, text, update)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audited
from core.columns import UTCDateTime, utcnow
from core.data_key import SealedString, SealedText, SealOnWrite, is_keyed_hash, keyed_hash
from core.enums import LabelledEnum, enum_column, register_labels
from core.extensions import db
from core.search import needs_trigrams, trigram_indexes
from core.tenancy import TenantScoped


def name_in_language(name_en: str, name_km: str | None, locale: str) -> str:
    """The Khmer name on Khmer pages when there is one, else the English name."""
    return name_km if locale == "km" and name_km else name_en


# --- places ---------------------------------------------------------------------------------------

class PlaceKind(LabelledEnum):
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"
    VILLAGE = "village"


class Place(db.Model):
    """One unit of the official gazetteer (instance-wide). Codes are the Ministry of Economy and
    Finance's: 2 digits for a province, 4 for a district, 6 for a commune, 8 for a village. A unit
    is never deleted: when it splits, moves or is abolished it gets `valid_to` and a successor, and
    records made earlier keep pointing to it. Not audited row by row: a gazetteer load is one
    audited event (14,500 villages would otherwise be 14,500 events)."""

    __tablename__ = "core_place"
    __table_args__ = (
        Index("ix_core_place_kind_parent", "kind", "parent_id"),
        Index("ix_core_place_kind_name", "kind", "name_en"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[PlaceKind] = enum_column(PlaceKind)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("core_place.id"), index=True)
    # The province above a district, commune or village (lists filter by province in one comparison).
    province_id: Mapped[int | None] = mapped_column(ForeignKey("core_place.id"), index=True)
    name_en: Mapped[str] = mapped_column(String(255))
    name_km: Mapped[str] = mapped_column(String(255), default="")
    # Code and both names, lower-cased without zero-width spaces: what the place picker searches.
    search_text: Mapped[str] = mapped_column(String(600), default="")
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("core_place.id"))
    source: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    parent: Mapped["Place | None"] = relationship(remote_side=[id], foreign_keys=[parent_id])
    province: Mapped["Place | None"] = relationship(remote_side=[id], foreign_keys=[province_id])
    successor: Mapped["Place | None"] = relationship(remote_side=[id], foreign_keys=[successor_id])

    def name_in(self, locale: str) -> str:
        return name_in_language(self.name_en, self.name_km, locale)

    @property
    def is_current(self) -> bool:
        return self.valid_to is None or self.valid_to >= date.today()

    def __repr__(self) -> str:
        return f"<Place {self.code} {self.name_en}>"


# --- institutions ----------------------------------------------------------------------------------

class InstitutionKind(LabelledEnum):
    MINISTRY = "ministry"
    NATIONAL_INSTITUTION = "national_institution"
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"
    ONE_WINDOW_OFFICE = "one_window_office"
    OTHER = "other"


class Institution(Audited, db.Model):
    """A ministry, provincial or district administration, commune, office… (a public body).

    Deliberately NOT TenantScoped: the register is shared reference data (owner_tenant_id NULL,
    changed only by instance operators) plus private additions of one tenant (owner_tenant_id
    set). Every read goes through core.registers.institutions.visible_institutions() and every
    write is checked by core.registers.guards."""

    __tablename__ = "core_institution"
    __table_args__ = (Index("ix_core_institution_kind_name", "kind", "name_en"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("core_tenant.id", ondelete="CASCADE"),
                                                        index=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[InstitutionKind] = enum_column(InstitutionKind)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("core_institution.id", ondelete="SET NULL"),
                                                  index=True)
    # The provincial administration above a district, commune or office (denormalised so that
    # lists and statistics filter by province with one indexed comparison).
    province_id: Mapped[int | None] = mapped_column(ForeignKey("core_institution.id", ondelete="SET NULL"),
                                                    index=True)
    # The place a sub-national administration governs (or where a national body sits).
    place_id: Mapped[int | None] = mapped_column(ForeignKey("core_place.id"), index=True)
    name_en: Mapped[str] = mapped_column(String(255))
    name_km: Mapped[str] = mapped_column(String(255), default="")
    ncdd_member: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    address_en: Mapped[str] = mapped_column(String(500), default="")
    website: Mapped[str] = mapped_column(String(255), default="")
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("core_institution.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped["Institution | None"] = relationship(remote_side=[id], foreign_keys=[parent_id])
    province: Mapped["Institution | None"] = relationship(remote_side=[id], foreign_keys=[province_id])
    successor: Mapped["Institution | None"] = relationship(remote_side=[id], foreign_keys=[successor_id])
    place: Mapped[Place | None] = relationship(foreign_keys=[place_id])

    @property
    def tenant_id(self) -> int | None:
        # Read by the audit log only: a private institution's changes belong in its owner's audit
        # chain, shared rows in the instance chain.
        return self.owner_tenant_id

    @property
    def is_shared(self) -> bool:
        return self.owner_tenant_id is None

    def name_in(self, locale: str) -> str:
        return name_in_language(self.name_en, self.name_km, locale)

    def __repr__(self) -> str:
        return f"<Institution {self.code}>"


class CorrectionStatus(LabelledEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class InstitutionCorrection(TenantScoped, Audited, db.Model):
    """A tenant's proposal to correct a shared institution; instance operators accept or reject it."""

    __tablename__ = "core_institution_correction"
    __table_args__ = (Index("ix_core_institution_correction_status", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("core_institution.id", ondelete="CASCADE"), index=True)
    proposed: Mapped[dict] = mapped_column(JSON, default=dict)     # field name -> proposed value
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[CorrectionStatus] = enum_column(CorrectionStatus, default=CorrectionStatus.OPEN)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    institution: Mapped[Institution] = relationship()


# --- the working-day calendar ----------------------------------------------------------------------

class ClosureDay(TenantScoped, Audited, db.Model):
    """A day the tenant counts as non-working (a local holiday, an office closure), next to the
    public holidays; every module's deadlines use the same calendar (core.registers.calendar)."""

    __tablename__ = "core_closure_day"
    __table_args__ = (UniqueConstraint("tenant_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(200), default="")


# --- projects and grants ---------------------------------------------------------------------------

class ProjectStatus(LabelledEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Currency(LabelledEnum):
    USD = "USD"
    KHR = "KHR"


class Project(TenantScoped, Audited, db.Model):
    """A project or grant that trainings, campaigns, engagements and indicators refer to."""

    __tablename__ = "core_project"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),
                      Index("ix_core_project_tenant_status", "tenant_id", "status", "code"))

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    title_en: Mapped[str] = mapped_column(String(300))
    title_km: Mapped[str] = mapped_column(String(300), default="")
    donor_id: Mapped[int | None] = mapped_column(ForeignKey("core_contact.id", ondelete="SET NULL"), index=True)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    budget: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    currency: Mapped[Currency] = enum_column(Currency, default=Currency.USD)
    status: Mapped[ProjectStatus] = enum_column(ProjectStatus, default=ProjectStatus.ACTIVE)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    donor: Mapped["Contact | None"] = relationship(foreign_keys=[donor_id])

    def title_in(self, locale: str) -> str:
        return name_in_language(self.title_en, self.title_km, locale)


# --- contacts ----------------------------------------------------------------------------------------

class ContactKind(LabelledEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


class Sex(LabelledEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    NOT_RECORDED = "not_recorded"


class AgeGroup(LabelledEnum):
    """Recorded when the birth year is not known. Each group spans AGE_GROUP_YEARS, so a module can
    tell whether the person is inside an age band (youth 15–30 by default) or cannot say."""

    UNDER_15 = "under_15"
    FROM_15_TO_17 = "15_17"
    UNDER_18 = "under_18"       # when only "a minor" is known (older A2I records)
    FROM_18_TO_30 = "18_30"
    FROM_31_TO_59 = "31_59"
    FROM_60 = "60_plus"
    NOT_RECORDED = "not_recorded"


# Youngest and oldest age of each group (None: open-ended or unknown).
AGE_GROUP_YEARS: dict[AgeGroup, tuple[int | None, int | None]] = {
    AgeGroup.UNDER_15: (0, 14), AgeGroup.FROM_15_TO_17: (15, 17), AgeGroup.UNDER_18: (0, 17),
    AgeGroup.FROM_18_TO_30: (18, 30), AgeGroup.FROM_31_TO_59: (31, 59), AgeGroup.FROM_60: (60, None),
    AgeGroup.NOT_RECORDED: (None, None),
}


class OrganisationType(LabelledEnum):
    CSO = "cso"
    CBO = "cbo"
    INSTITUTION = "institution"
    DEVELOPMENT_PARTNER = "development_partner"
    COMPANY = "company"
    MEDIA = "media"
    ACADEMIC = "academic"
    OTHER = "other"


class ConsentMethod(LabelledEnum):
    WRITTEN = "written"
    VERBAL = "verbal"
    ONLINE = "online"
    THUMBPRINT = "thumbprint"


# A person's identity fields (Do No Harm): shown only to those allowed, never shared, published,
# exported or written into audit diffs, and removed when the person is erased. `match_*` are
# derived from them (duplicate detection) and so are identity too.
IDENTITY_FIELDS = frozenset({"name_km", "name_latin", "phone", "email", "address", "id_number",
                             "photo_name", "notes", "match_name", "match_latin", "match_phone"})
# Stored encrypted while the contact is protected; its match keys are then stored as keyed hashes.
SEALED_FIELDS = ("name_km", "name_latin", "phone", "email", "address", "id_number", "photo_name", "notes")
MATCH_FIELDS = ("match_name", "match_latin", "match_phone")


class Contact(TenantScoped, Audited, db.Model):
    """A person or an organisation the tenant works with. One person is one contact, with one
    consent and one protection flag, whichever modules they appear in (requester, participant,
    trainer, consultant, client contact, stakeholder)."""

    __tablename__ = "core_contact"
    __table_args__ = (
        Index("ix_core_contact_tenant_kind_name", "tenant_id", "kind", "name_latin"),
        Index("ix_core_contact_tenant_match_name", "tenant_id", "match_name"),
        Index("ix_core_contact_tenant_match_latin", "tenant_id", "match_latin"),
        Index("ix_core_contact_tenant_match_phone", "tenant_id", "match_phone"),
        # The list's order (core.registers.contacts.LIST_ORDER: protected people as if nameless), so a
        # page of 200,000 contacts is read from the index, not sorted, and with the names included a
        # deep page's ids come from the index alone (bench/analysis.md, registers). PostgreSQL only:
        # SQLite cannot reflect an index on expressions, which migrations do.
        Index("ix_core_contact_tenant_list_order", "tenant_id",
              text("(CASE WHEN protected IS true THEN '' ELSE name_latin END)"),
              text("(CASE WHEN protected IS true THEN '' ELSE name_km END)"), "id",
              postgresql_include=["protected", "name_latin", "name_km"]).ddl_if(dialect="postgresql"),
        # Searching names and e-mails for a word (global search, the contacts list, pickers, the
        # modules' own searches): a protected contact's values are sealed and never match here.
        *trigram_indexes("core_contact", "name_latin", "name_km", "email"),
    )
    __sensitive__ = set(IDENTITY_FIELDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ContactKind] = enum_column(ContactKind, default=ContactKind.PERSON)

    # Identity (for a person; an organisation's name and phone are public facts).
    # Sealed (core.data_key) while the contact is protected: the lengths are the texts' own limits.
    name_km: Mapped[str] = mapped_column(SealedString(200), default="")
    name_latin: Mapped[str] = mapped_column(SealedString(200), default="")
    phone: Mapped[str] = mapped_column(SealedString(50), default="")
    email: Mapped[str] = mapped_column(SealedString(254), default="")
    address: Mapped[str] = mapped_column(SealedString(300), default="")        # below commune level
    id_number: Mapped[str] = mapped_column(SealedString(64), default="")
    photo_name: Mapped[str] = mapped_column(SealedString(64), default="")      # storage name of an uploaded photo
    notes: Mapped[str] = mapped_column(SealedText(), default="")
    # core.registers.matching; a protected contact's are keyed hashes (core.data_key.keyed_hash).
    match_name: Mapped[str] = mapped_column(String(200), default="")
    match_latin: Mapped[str] = mapped_column(String(200), default="")     # the Latin spelling's key alone
    match_phone: Mapped[str] = mapped_column(String(64), default="")

    # What statistics need; kept after an erasure.
    sex: Mapped[Sex] = enum_column(Sex, default=Sex.NOT_RECORDED)
    birth_year: Mapped[int | None] = mapped_column(Integer)
    age_group: Mapped[AgeGroup] = enum_column(AgeGroup, default=AgeGroup.NOT_RECORDED)
    disability: Mapped[bool | None] = mapped_column(Boolean)              # None: not recorded
    idpoor: Mapped[bool | None] = mapped_column(Boolean)
    indigenous: Mapped[bool | None] = mapped_column(Boolean)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("core_place.id"), index=True)  # commune of residence
    languages: Mapped[str] = mapped_column(String(100), default="")      # comma-separated codes: km,en
    tags: Mapped[str] = mapped_column(String(500), default="")

    # Organisation
    organisation_type: Mapped[OrganisationType | None] = enum_column(OrganisationType, nullable=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("core_institution.id", ondelete="SET NULL"))
    website: Mapped[str] = mapped_column(String(255), default="")
    tax_number: Mapped[str] = mapped_column(String(64), default="")

    # Consent and protection
    protected: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_scope: Mapped[str] = mapped_column(String(300), default="")
    consent_on: Mapped[date | None] = mapped_column(Date)
    consent_method: Mapped[ConsentMethod | None] = enum_column(ConsentMethod, nullable=True)
    guardian_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_withdrawn_on: Mapped[date | None] = mapped_column(Date)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    place: Mapped[Place | None] = relationship(foreign_keys=[place_id])
    institution: Mapped[Institution | None] = relationship(foreign_keys=[institution_id])
    affiliations: Mapped[list["ContactAffiliation"]] = relationship(
        foreign_keys="ContactAffiliation.person_id", back_populates="person", cascade="all, delete-orphan")

    def audit_identity_fields(self) -> frozenset[str]:
        """Fields replaced by a marker in audit diffs (core.audit): a person's identity."""
        return IDENTITY_FIELDS if self.kind != ContactKind.ORGANISATION else frozenset({"notes"})

    @property
    def is_person(self) -> bool:
        return self.kind == ContactKind.PERSON

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in (t.strip() for t in self.tags.split(",")) if tag]

    def __repr__(self) -> str:
        return f"<Contact {self.id} {self.kind.value}>"


def plain_match_keys(name_km: str, name_latin: str, phone: str) -> dict[str, str]:
    """The duplicate-detection keys of a name and phone, in clear (core.registers.matching)."""
    from core.registers import matching
    return {"match_name": matching.name_key(name_km, name_latin), "match_latin": matching.latin_name_key(name_latin),
            "match_phone": matching.phone_key(phone)}


# --- encryption at rest of a protected identity ------------------------------------------------------
# At flush, a protected contact's changed identity fields are marked SealOnWrite (their column type
# encrypts them) and its match keys become keyed hashes; after the write the objects hold plain text
# again. When protection is switched on or off, the row's whole identity is rewritten, sealed or in
# clear. Application code only ever sees plain text.

@event.listens_for(Contact, "before_insert")
@event.listens_for(Contact, "before_update")
def _seal_before_write(mapper, connection, contact: Contact) -> None:
    values = inspect(contact).dict
    for name in SEALED_FIELDS:
        value = values.get(name)
        if value and contact.protected and not isinstance(value, SealOnWrite):
            values[name] = SealOnWrite(value)       # no attribute event: what changed is written, sealed
        elif isinstance(value, SealOnWrite) and not contact.protected:
            values[name] = str(value)
    present = [name for name in MATCH_FIELDS if values.get(name)]
    if contact.protected:
        for name in present:
            if not is_keyed_hash(values[name]):
                setattr(contact, name, keyed_hash(values[name], str(contact.tenant_id)))
    elif any(is_keyed_hash(values[name]) for name in present) and all(
            name in values for name in ("name_km", "name_latin", "phone")):
        for name, key in plain_match_keys(contact.name_km, contact.name_latin, contact.phone).items():
            setattr(contact, name, key)


@event.listens_for(Contact, "after_insert")
@event.listens_for(Contact, "after_update")
def _plain_after_write(mapper, connection, contact: Contact) -> None:
    values = inspect(contact).dict
    for name in SEALED_FIELDS:
        if isinstance(values.get(name), SealOnWrite):
            values[name] = str(values[name])
    history = inspect(contact).attrs.protected.history
    if history.deleted and bool(history.deleted[0]) != bool(contact.protected):
        _rewrite_identity(connection, contact.id, contact.tenant_id, bool(contact.protected))


def _rewrite_identity(connection, contact_id: int, tenant_id: int, protected: bool) -> None:
    """Write the row's identity again, sealed when `protected`, else in clear (read from the row
    itself: the object may not hold every field)."""
    table = Contact.__table__
    row = connection.execute(select(*(table.c[name] for name in SEALED_FIELDS)).where(table.c.id == contact_id)).one()
    plain = dict(zip(SEALED_FIELDS, row))
    values = {name: SealOnWrite(value) if protected and value else value for name, value in plain.items()}
    keys = plain_match_keys(plain["name_km"], plain["name_latin"], plain["phone"])
    values.update({name: keyed_hash(key, str(tenant_id)) if protected else key for name, key in keys.items()})
    connection.execute(update(table).where(table.c.id == contact_id).values(values))


needs_trigrams(Contact.__table__)


class ContactAffiliation(TenantScoped, Audited, db.Model):
    """A person's place in an organisation (staff, member, focal point…), both contacts of the tenant."""

    __tablename__ = "core_contact_affiliation"
    __table_args__ = (UniqueConstraint("tenant_id", "person_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("core_contact.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("core_contact.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(200), default="")

    person: Mapped[Contact] = relationship(foreign_keys=[person_id], back_populates="affiliations")
    organisation: Mapped[Contact] = relationship(foreign_keys=[organisation_id])


class ContactNotDuplicate(TenantScoped, db.Model):
    """Two contacts a person reviewed and found to be different people, so they are not offered
    as duplicates again (lower id first). Bookkeeping; the decision itself is audited."""

    __tablename__ = "core_contact_not_duplicate"
    __table_args__ = (UniqueConstraint("tenant_id", "first_id", "second_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    first_id: Mapped[int] = mapped_column(ForeignKey("core_contact.id", ondelete="CASCADE"), index=True)
    second_id: Mapped[int] = mapped_column(ForeignKey("core_contact.id", ondelete="CASCADE"), index=True)


class ContactErasure(TenantScoped, Audited, db.Model):
    """That a person was erased: who did it and when, without the identity, so the erasure can be
    applied again after a backup is restored (`flask --app wsgi contacts reapply-erasures`)."""

    __tablename__ = "core_contact_erasure"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(Integer, index=True)    # no foreign key: kept if the row goes
    erased_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContactImport(TenantScoped, db.Model):
    """An uploaded contacts file waiting for the user to accept its preview. It holds identities, so
    it is deleted when accepted or cancelled and purged after a day by a job; not audited (the
    accepted contacts are)."""

    __tablename__ = "core_contact_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255), default="")
    rows: Mapped[list] = mapped_column(JSON, default=list)       # parsed rows, one dict each
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


register_labels([
    (PlaceKind.PROVINCE, _l("Province or capital")),
    (PlaceKind.DISTRICT, _l("District, khan or municipality")),
    (PlaceKind.COMMUNE, _l("Commune or sangkat")),
    (PlaceKind.VILLAGE, _l("Village")),
    (InstitutionKind.MINISTRY, _l("Ministry")),
    (InstitutionKind.NATIONAL_INSTITUTION, _l("National institution")),
    (InstitutionKind.PROVINCE, _l("Province or capital")),
    (InstitutionKind.DISTRICT, _l("District, khan or municipality")),
    (InstitutionKind.COMMUNE, _l("Commune or sangkat")),
    (InstitutionKind.ONE_WINDOW_OFFICE, _l("One-window service office")),
    (InstitutionKind.OTHER, _l("Other body")),
    (CorrectionStatus.OPEN, _l("Open")),
    (CorrectionStatus.ACCEPTED, _l("Accepted")),
    (CorrectionStatus.REJECTED, _l("Rejected")),
    (ProjectStatus.PLANNED, _l("Planned")),
    (ProjectStatus.ACTIVE, _l("Active")),
    (ProjectStatus.CLOSED, _l("Closed")),
    (ProjectStatus.CANCELLED, _l("Cancelled")),
    (Currency.USD, _l("US dollar (USD)")),
    (Currency.KHR, _l("Riel (KHR)")),
    (ContactKind.PERSON, _l("Person")),
    (ContactKind.ORGANISATION, _l("Organisation")),
    (Sex.FEMALE, _l("Female")),
    (Sex.MALE, _l("Male")),
    (Sex.OTHER, _l("Other")),
    (Sex.NOT_RECORDED, _l("Not recorded")),
    (AgeGroup.UNDER_15, _l("Under 15")),
    (AgeGroup.FROM_15_TO_17, _l("15 to 17")),
    (AgeGroup.UNDER_18, _l("Under 18")),
    (AgeGroup.FROM_18_TO_30, _l("18 to 30 (youth)")),
    (AgeGroup.FROM_31_TO_59, _l("31 to 59")),
    (AgeGroup.FROM_60, _l("60 or older")),
    (AgeGroup.NOT_RECORDED, _l("Not recorded")),
    (OrganisationType.CSO, _l("Civil-society organisation")),
    (OrganisationType.CBO, _l("Community-based organisation")),
    (OrganisationType.INSTITUTION, _l("Public institution")),
    (OrganisationType.DEVELOPMENT_PARTNER, _l("Development partner")),
    (OrganisationType.COMPANY, _l("Company")),
    (OrganisationType.MEDIA, _l("Media")),
    (OrganisationType.ACADEMIC, _l("Academic or research")),
    (OrganisationType.OTHER, _l("Other organisation")),
    (ConsentMethod.WRITTEN, _l("Written form")),
    (ConsentMethod.VERBAL, _l("Verbal, noted by staff")),
    (ConsentMethod.ONLINE, _l("Online form")),
    (ConsentMethod.THUMBPRINT, _l("Thumbprint")),
])
