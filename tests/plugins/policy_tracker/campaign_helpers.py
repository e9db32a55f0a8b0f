"""Small factories for the campaign tests: an official law, an institution, a contact, a campaign."""
from __future__ import annotations

from datetime import date

from core.extensions import db
from core.registers.models import Contact, ContactKind, Institution, InstitutionKind
from core.tenancy import tenant_scope
from plugins.policy_tracker import campaigns
from plugins.policy_tracker.models import InstrumentType, Law, LawVersion


def make_law(title: str = "Access to Information law", owner_tenant_id: int | None = None) -> Law:
    """An official law (outside any tenant, as operators' seeds write it) or a tenant's private one."""
    law = Law(title_en=title, title_km="ច្បាប់ស្តីពីសិទ្ធិទទួលបានព័ត៌មាន", instrument_type=InstrumentType.LAW,
              owner_tenant_id=owner_tenant_id)
    law.versions.append(LawVersion(label="Draft 2", dated_on=date(2025, 3, 1)))
    db.session.add(law)
    db.session.commit()
    return law


def make_institution(code: str = "MOI", name: str = "Ministry of Information") -> Institution:
    body = Institution(code=code, kind=InstitutionKind.MINISTRY, name_en=name, name_km="ក្រសួងព័ត៌មាន")
    db.session.add(body)
    db.session.commit()
    return body


def make_contact(tenant, name: str = "Sok Dara", *, kind=ContactKind.PERSON, protected: bool = False) -> Contact:
    with tenant_scope(tenant.id):
        contact = Contact(tenant_id=tenant.id, kind=kind, name_latin=name, name_km="", protected=protected)
        db.session.add(contact)
        db.session.commit()
    return contact


def make_campaign(tenant, title: str = "A2I law now", **fields):
    with tenant_scope(tenant.id):
        campaign = campaigns.create_campaign(tenant.id, title=title, **fields)
        db.session.commit()
    return campaign


def make_recommendation(tenant, law, **fields):
    fields.setdefault("text_en", "Make the exemptions narrow and time-limited.")
    with tenant_scope(tenant.id):
        rec = campaigns.create_recommendation(tenant.id, law_id=law.id, **fields)
        db.session.commit()
    return rec
