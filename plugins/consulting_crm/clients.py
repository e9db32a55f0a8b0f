"""Clients and partners of the consulting enterprise: a client profile (type, sector, country, notes)
on a core contact organisation, whose tax number stays the contact's own. The client list with its
filters, one client with its contact people, opportunities and engagements, and where a contact
appears in the module (samaki_contact_links). No Flask requests here: rules raise DomainError."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, joinedload

from core.errors import DomainError
from core.extensions import db
from core.registers import contacts as contact_register
from core.registers.models import Contact, ContactAffiliation, ContactKind, OrganisationType
from core.search import any_contains
from core.tenancy import current_tenant_id
from plugins.consulting_crm.models import (ClientProfile, ClientType, ConsortiumPartner, Engagement, Opportunity,
                                           Proposal, ProposedMember)

DEFAULT_COUNTRY = "KH"
LIMITS = {"sector": 200, "notes": 20000, "name": 200, "tax_number": 64}
# Babel's territories that are not countries a client is registered in.
NOT_COUNTRIES = {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"}
# The core contact's organisation type a new client organisation gets from its client type.
ORGANISATION_TYPES = {
    ClientType.DEVELOPMENT_PARTNER: OrganisationType.DEVELOPMENT_PARTNER,
    ClientType.NGO: OrganisationType.CSO,
    ClientType.INSTITUTION: OrganisationType.INSTITUTION,
    ClientType.COMPANY: OrganisationType.COMPANY,
    ClientType.OTHER: OrganisationType.OTHER,
}


# --- countries ------------------------------------------------------------------------------------

@lru_cache(maxsize=8)
def country_choices(locale: str) -> tuple[tuple[str, str], ...]:
    """(ISO 3166-1 alpha-2 code, name in `locale`) of every country, by name."""
    try:
        names = Locale.parse(locale).territories
    except (ValueError, TypeError):
        names = Locale("en").territories
    english = Locale("en").territories
    codes = [code for code in english if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES]
    return tuple(sorted(((code, names.get(code, english[code])) for code in codes), key=lambda pair: pair[1]))


def country_name(code: str, locale: str) -> str:
    return dict(country_choices(locale)).get(code or "", code or "")


def _country(value) -> str:
    code = (value or DEFAULT_COUNTRY).strip().upper()
    if code not in dict(country_choices("en")):
        raise DomainError(_l("Choose a country from the list."), "country")
    return code


def _client_type(value) -> ClientType:
    try:
        return ClientType(getattr(value, "value", value) or ClientType.OTHER.value)
    except ValueError:
        raise DomainError(_l("Choose one of the listed client types."), "client_type") from None


def _text(value, field: str) -> str:
    text = unicodedata.normalize("NFC", str(value or "")).strip()
    if len(text) > LIMITS[field]:
        raise DomainError(_l("Use at most %(max)d characters.", max=LIMITS[field]), field)
    return text


# --- reading ----------------------------------------------------------------------------------------

def client_list_query(*, q: str = "", client_type: str = "", country: str = "") -> Select:
    """The tenant's client profiles with their organisation (one query for a page), by name:
    `q` searches the names, sector and tax number; `client_type` and `country` filter."""
    query = select(ClientProfile).join(Contact, Contact.id == ClientProfile.contact_id).options(
        contains_eager(ClientProfile.contact)).where(Contact.erased_at.is_(None))
    if (q or "").strip():
        query = query.where(any_contains([Contact.name_latin, Contact.name_km, ClientProfile.sector,
                                          Contact.tax_number], q))
    if client_type:
        query = query.where(ClientProfile.client_type == _client_type(client_type))
    if country:
        query = query.where(ClientProfile.country == country.strip().upper()[:2])
    return query.order_by(func.lower(Contact.name_latin), Contact.name_km, ClientProfile.id)


def get_organisation(contact_id: int) -> Contact | None:
    """An organisation contact of the current tenant (the central filter hides others)."""
    contact = db.session.scalar(select(Contact).where(Contact.id == contact_id))
    if contact is None or contact.kind != ContactKind.ORGANISATION or contact.is_erased:
        return None
    return contact


def profile_of(contact_id: int) -> ClientProfile | None:
    return db.session.scalar(select(ClientProfile).where(ClientProfile.contact_id == contact_id))


def contact_people(organisation: Contact) -> list[ContactAffiliation]:
    """The people of the organisation with their role (one query)."""
    return list(db.session.scalars(select(ContactAffiliation).where(
        ContactAffiliation.organisation_id == organisation.id).join(
        Contact, Contact.id == ContactAffiliation.person_id).options(contains_eager(ContactAffiliation.person))
        .order_by(Contact.name_latin, Contact.name_km, ContactAffiliation.id)))


@dataclass
class ClientWork:
    """What the firm did or bid for with a client: opportunities as client, as consortium partner,
    and engagements."""

    as_client: list[Opportunity]
    as_partner: list[tuple[Opportunity, ConsortiumPartner]]
    engagements: list[Engagement]


def client_work(organisation: Contact) -> ClientWork:
    """Three queries whatever the number of rows."""
    as_client = list(db.session.scalars(select(Opportunity).where(Opportunity.client_id == organisation.id).options(
        joinedload(Opportunity.stage)).order_by(Opportunity.created_at.desc(), Opportunity.id.desc())))
    as_partner = list(db.session.execute(select(Opportunity, ConsortiumPartner).join(
        ConsortiumPartner, ConsortiumPartner.opportunity_id == Opportunity.id).where(
        ConsortiumPartner.partner_id == organisation.id).options(joinedload(Opportunity.stage)).order_by(
        Opportunity.created_at.desc(), Opportunity.id.desc())).all())
    engagements = list(db.session.scalars(select(Engagement).where(Engagement.client_id == organisation.id).order_by(
        Engagement.starts_on.desc(), Engagement.id.desc())))
    return ClientWork(as_client, [tuple(row) for row in as_partner], engagements)


# --- create and change ---------------------------------------------------------------------------

def _profile_fields(fields: dict) -> dict:
    return {"client_type": _client_type(fields.get("client_type")), "sector": _text(fields.get("sector"), "sector"),
            "country": _country(fields.get("country")), "notes": _text(fields.get("notes"), "notes")}


def create_client(*, contact_id: int | None = None, name: str = "", tax_number: str = "", **fields) -> ClientProfile:
    """A client profile on an organisation of the tenant's contacts (`contact_id`) or on a new one
    named `name`; the tax number goes on the contact. Flushes; the caller commits or rolls back."""
    clean = _profile_fields(fields)
    tax_number = _text(tax_number, "tax_number")
    name = _text(name, "name")
    if contact_id:
        organisation = get_organisation(int(contact_id))
        if organisation is None:
            raise DomainError(_l("Choose one of your organisation contacts."), "contact_id")
        if profile_of(organisation.id) is not None:
            raise DomainError(_l("This organisation is already in the client list."), "contact_id")
        if tax_number != organisation.tax_number:
            contact_register.update_contact(organisation, tax_number=tax_number)
    elif name:
        duplicate = db.session.scalar(select(Contact.id).where(
            Contact.kind == ContactKind.ORGANISATION, func.lower(Contact.name_latin) == name.lower()).limit(1))
        if duplicate is not None:
            raise DomainError(_l("An organisation with this name is already among your contacts: choose it above."),
                              "name")
        organisation = contact_register.create_contact(kind=ContactKind.ORGANISATION, name_latin=name,
                                                       organisation_type=ORGANISATION_TYPES[clean["client_type"]],
                                                       tax_number=tax_number, tenant_id=current_tenant_id())
    else:
        raise DomainError(_l("Choose an organisation of your contacts or give the name of a new one."), "contact_id")
    profile = ClientProfile(tenant_id=organisation.tenant_id, contact=organisation, **clean)
    db.session.add(profile)
    db.session.flush()
    return profile


def update_client(profile: ClientProfile, *, tax_number: str | None = None, **fields) -> ClientProfile:
    """Change the profile (type, sector, country, notes) and the organisation's tax number."""
    merged = {name: fields.get(name, getattr(profile, name)) for name in ("client_type", "sector", "country", "notes")}
    clean = _profile_fields(merged)
    if tax_number is not None:
        tax_number = _text(tax_number, "tax_number")
        if tax_number != profile.contact.tax_number:
            contact_register.update_contact(profile.contact, tax_number=tax_number)
    for name, value in clean.items():
        setattr(profile, name, value)
    db.session.flush()
    return profile


# --- where a contact appears (samaki_contact_links) ---------------------------------------------

def contact_links(contact: Contact, url=None) -> list:
    """A contact's places in the module, one query per kind: client profile, client of
    opportunities and engagements, consortium partner, proposed team member (through the pool).
    `url(endpoint, **values)` builds links (none without a request)."""
    from flask_babel import gettext as _

    from core.plugins import ContactLink
    from plugins.consulting_crm.models import Consultant

    url = url or (lambda endpoint, **values: "")
    links = []
    for profile in db.session.scalars(select(ClientProfile).where(ClientProfile.contact_id == contact.id)):
        links.append(ContactLink(record=profile, attribute="contact_id", role=_l("Consulting client"),
                                 title=profile.client_type.label,
                                 url=url("consulting_clients.detail", client_id=contact.id),
                                 review_on_erasure=(_("Client notes: %(text)s", text=profile.notes),)
                                 if profile.notes else (),
                                 unique_with=("tenant_id",)))
    for opportunity in db.session.scalars(select(Opportunity).where(Opportunity.client_id == contact.id).order_by(
            Opportunity.id)):
        links.append(ContactLink(record=opportunity, attribute="client_id", role=_l("Client of an opportunity"),
                                 title=opportunity.title,
                                 url=url("consulting_opportunities.detail", opportunity_id=opportunity.id)))
    for partner, opportunity in db.session.execute(select(ConsortiumPartner, Opportunity).join(
            Opportunity, Opportunity.id == ConsortiumPartner.opportunity_id).where(
            ConsortiumPartner.partner_id == contact.id).order_by(Opportunity.id)).all():
        links.append(ContactLink(record=partner, attribute="partner_id", role=_l("Consortium partner"),
                                 title=opportunity.title,
                                 url=url("consulting_opportunities.detail", opportunity_id=opportunity.id),
                                 unique_with=("opportunity_id",)))
    for engagement in db.session.scalars(select(Engagement).where(Engagement.client_id == contact.id).order_by(
            Engagement.id)):
        links.append(ContactLink(record=engagement, attribute="client_id", role=_l("Client of an engagement"),
                                 title=engagement.title,
                                 url=url("consulting_engagements.detail", engagement_id=engagement.id)))
    # A proposed team member is a consultant of the pool: the consultant row is what points at the
    # contact (the pool's own link covers merging it); here the proposals name the person.
    members = db.session.execute(select(ProposedMember, Proposal, Consultant).join(
        Proposal, Proposal.id == ProposedMember.proposal_id).join(
        Consultant, Consultant.id == ProposedMember.consultant_id).where(
        Consultant.contact_id == contact.id).order_by(Proposal.id)).all()
    for member, proposal, consultant in members:
        links.append(ContactLink(record=consultant, attribute="contact_id", role=_l("Proposed team member"),
                                 title=f"{proposal.title} · {member.role}" if member.role else proposal.title,
                                 url=url("consulting_proposals.detail", proposal_id=proposal.id),
                                 unique_with=("tenant_id",)))
    return links

