"""Shared fixtures of the consulting tests: `tenant` plays the consulting enterprise (every plugin
is on for test tenants), with its default stage list, a development-partner client, a consortium
partner, two consultants of the pool, an opportunity in "lead" and an engagement for a won one."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.extensions import db
from core.models import TenantPlugin
from core.registers.models import Contact, ContactKind, OrganisationType, Sex
from core.tenancy import tenant_scope
from plugins.consulting_crm import services
from plugins.consulting_crm.models import (ClientProfile, ClientType, Consultant, Currency, Engagement, Opportunity,
                                           Stage)


def stage(tenant, code: str) -> Stage:
    with tenant_scope(tenant.id):
        services.ensure_default_stages(tenant.id)
        return db.session.scalar(db.select(Stage).where(Stage.tenant_id == tenant.id, Stage.code == code))


def add_organisation(tenant, name: str, *, client_type: ClientType | None = ClientType.DEVELOPMENT_PARTNER,
                     tax_number: str = "") -> Contact:
    with tenant_scope(tenant.id):
        organisation = Contact(tenant_id=tenant.id, kind=ContactKind.ORGANISATION, name_latin=name,
                               organisation_type=OrganisationType.OTHER, tax_number=tax_number)
        db.session.add(organisation)
        if client_type is not None:
            db.session.add(ClientProfile(tenant_id=tenant.id, contact=organisation, client_type=client_type,
                                         sector="Governance", country="KH"))
        db.session.commit()
    return organisation


def add_consultant(tenant, name_latin: str, *, expertise="access to information, training", languages="km,en",
                   day_rate=Decimal("250"), sex=Sex.FEMALE) -> Consultant:
    with tenant_scope(tenant.id):
        person = Contact(tenant_id=tenant.id, kind=ContactKind.PERSON, name_latin=name_latin, sex=sex)
        consultant = Consultant(tenant_id=tenant.id, contact=person, expertise=expertise, languages=languages,
                                day_rate=day_rate, rate_currency=Currency.USD)
        db.session.add(consultant)
        db.session.commit()
    return consultant


def add_opportunity(tenant, title="Social accountability training for commune councils", *, client=None,
                    code="lead", value=Decimal("48000"), currency=Currency.USD, khr_per_usd=None,
                    submission_due_on=date(2026, 12, 18)) -> Opportunity:
    lead = stage(tenant, code)
    with tenant_scope(tenant.id):
        opportunity = Opportunity(tenant_id=tenant.id, title=title, client_id=client.id if client else None,
                                  stage_id=lead.id, probability=lead.default_probability, currency=currency,
                                  estimated_value=value, khr_per_usd=khr_per_usd,
                                  submission_due_on=submission_due_on, call_reference="CfP-2026-017")
        db.session.add(opportunity)
        db.session.commit()
    return opportunity


def switch_off(tenant, plugin: str = "consulting_crm") -> None:
    db.session.add(TenantPlugin(tenant_id=tenant.id, plugin=plugin, enabled=False))
    db.session.commit()


@pytest.fixture
def client_org(tenant) -> Contact:
    return add_organisation(tenant, "Swiss Agency for Development and Cooperation", tax_number="K001-901234567")


@pytest.fixture
def partner_org(tenant) -> Contact:
    return add_organisation(tenant, "Khmer Research Partners", client_type=ClientType.COMPANY)


@pytest.fixture
def consultants(tenant) -> list[Consultant]:
    return [add_consultant(tenant, "Srey Pov"),
            add_consultant(tenant, "Vuthy Rith", expertise="budget analysis, research", languages="km",
                           day_rate=Decimal("180"), sex=Sex.MALE)]


@pytest.fixture
def opportunity(tenant, client_org) -> Opportunity:
    return add_opportunity(tenant, client=client_org)


@pytest.fixture
def engagement(tenant, client_org) -> Engagement:
    """An engagement worth USD 20,000 for a won opportunity."""
    won = add_opportunity(tenant, "Digital rights curriculum update", client=client_org, code="won",
                          value=Decimal("20000"))
    with tenant_scope(tenant.id):
        engagement = Engagement(tenant_id=tenant.id, opportunity_id=won.id, client_id=client_org.id,
                                title=won.title, currency=Currency.USD, contract_value=Decimal("20000"),
                                starts_on=date(2026, 1, 5), ends_on=date(2026, 6, 30))
        db.session.add(engagement)
        db.session.commit()
    return engagement
