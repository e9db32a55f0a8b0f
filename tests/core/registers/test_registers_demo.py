"""The registers' demo data: after `flask demo` each demo tenant has invented contacts with a
realistic mix, organisations with members, and projects funded by development partners; loading
again adds nothing, and the same tenant always gets the same people."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from core.extensions import db
from core.models import Tenant
from core.registers.demo import PEOPLE, load_register_demo
from core.registers.models import (AGE_GROUP_YEARS, AgeGroup, Contact, ContactAffiliation, ContactKind,
                                   OrganisationType, Place, PlaceKind, Project, Sex)
from core.tenancy import tenant_scope

DEMO_SLUGS = ("demo-lead", "demo-cso")


def is_youth(person: Contact) -> bool:
    if person.birth_year:
        return 15 <= 2026 - person.birth_year <= 30
    return person.age_group == AgeGroup.FROM_18_TO_30


def contacts_of(tenant) -> list[Contact]:
    with tenant_scope(tenant.id):
        return list(db.session.scalars(select(Contact).order_by(Contact.id)))


def test_flask_demo_gives_each_tenant_a_realistic_register(app):
    result = app.test_cli_runner().invoke(args=["demo", "--password", "demo-pass-2026!"])
    assert result.exit_code == 0, result.output
    for slug in DEMO_SLUGS:
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
        contacts = contacts_of(tenant)
        people = [c for c in contacts if c.kind == ContactKind.PERSON]
        organisations = [c for c in contacts if c.kind == ContactKind.ORGANISATION]
        # Modules' demo data may add people of their own (A2I requesters); the register's are 40.
        assert len(people) >= PEOPLE and 8 <= len(organisations), slug
        women = sum(person.sex == Sex.FEMALE for person in people)
        assert 0.4 <= women / len(people) <= 0.6, slug
        assert sum(is_youth(person) for person in people) >= 5
        assert sum(bool(person.idpoor) for person in people) >= 3
        assert sum(bool(person.disability) for person in people) >= 1
        assert sum(bool(person.indigenous) for person in people) >= 1
        assert 1 <= sum(person.protected for person in people) <= len(people) // 5
        keys = Counter(contact.match_name for contact in contacts)
        assert keys.most_common(1)[0][1] == 1, keys.most_common(3)
        phones = Counter(contact.match_phone for contact in contacts if contact.match_phone)
        assert phones.most_common(1)[0][1] == 1
        with tenant_scope(tenant.id):
            projects = list(db.session.scalars(select(Project)))
            assert 3 <= len(projects) <= 4
            assert all(project.donor.organisation_type == OrganisationType.DEVELOPMENT_PARTNER
                       for project in projects)
            assert {project.currency.value for project in projects} == {"USD", "KHR"}
            assert db.session.scalar(select(func.count()).select_from(ContactAffiliation)) >= 5
    names = {slug: {c.name_latin for c in contacts_of(db.session.scalar(select(Tenant).where(Tenant.slug == slug)))}
             for slug in DEMO_SLUGS}
    assert names["demo-lead"] != names["demo-cso"]


def test_every_person_has_both_scripts_consent_and_one_kind_of_age(tenant):
    with tenant_scope(tenant.id):
        load_register_demo(tenant)
        db.session.commit()
    people = [c for c in contacts_of(tenant) if c.kind == ContactKind.PERSON]
    assert len(people) == PEOPLE
    assert all(person.name_km and person.name_latin and person.consent_on and person.consent_scope
               for person in people)
    assert all(person.birth_year is None or person.age_group == AgeGroup.NOT_RECORDED for person in people)
    # (a protected person's match keys are keyed hashes: core.data_key)
    assert all(person.phone == "" or person.protected or len(person.match_phone) == 9 for person in people)
    assert 3 <= sum(person.protected for person in people) <= 4


def test_loading_twice_adds_nothing_and_gives_the_same_people(tenant, other_tenant):
    def load(target) -> list[tuple[str, str]]:
        with tenant_scope(target.id):
            load_register_demo(target)
            db.session.commit()
        return [(c.name_latin, c.phone) for c in contacts_of(target)]

    first = load(tenant)
    assert load(tenant) == first
    with tenant_scope(tenant.id):
        db.session.execute(ContactAffiliation.__table__.delete().where(ContactAffiliation.tenant_id == tenant.id))
        db.session.execute(Project.__table__.delete().where(Project.tenant_id == tenant.id))
        db.session.execute(Contact.__table__.delete().where(Contact.tenant_id == tenant.id))
        db.session.commit()
    assert load(tenant) == first


def test_people_live_in_communes_of_the_gazetteer_when_it_is_loaded(tenant):
    province = Place(code="05", kind=PlaceKind.PROVINCE, name_en="Kampong Speu", name_km="កំពង់ស្ពឺ")
    district = Place(code="0501", kind=PlaceKind.DISTRICT, name_en="Basedth", name_km="បរសេដ្ឋ", parent=province)
    communes = [Place(code=f"05010{n}", kind=PlaceKind.COMMUNE, name_en=f"Commune {n}", parent=district,
                      province=province) for n in range(1, 4)]
    db.session.add_all([province, district, *communes])
    db.session.commit()
    with tenant_scope(tenant.id):
        load_register_demo(tenant)
        db.session.commit()
    people = [c for c in contacts_of(tenant) if c.kind == ContactKind.PERSON]
    assert len(people) == PEOPLE
    assert {person.place_id for person in people} <= {commune.id for commune in communes}
    assert all(person.place_id for person in people)


def test_youth_ages_fall_inside_their_group(tenant):
    with tenant_scope(tenant.id):
        load_register_demo(tenant)
        db.session.commit()
    youngest, oldest = AGE_GROUP_YEARS[AgeGroup.FROM_18_TO_30]
    for person in contacts_of(tenant):
        if person.birth_year:
            assert youngest <= 2026 - person.birth_year <= 70
