"""Shared fixtures of the training registry tests: people in `tenant`'s contacts register with a
known mix (hand-countable), and a named course with three sessions (the second mandatory), a 20-point
test and the five people enrolled."""
from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest

from core.extensions import db
from core.registers.models import AgeGroup, Contact, ContactKind, Sex
from core.tenancy import tenant_scope
from plugins.training_registry import services
from plugins.training_registry.models import Course, TrainingSession

# name_km, name_latin, sex, birth_year, age_group, disability, idpoor, protected
PEOPLE = [
    ("សុខ ស្រីនី", "Sok Sreyny", Sex.FEMALE, 2001, AgeGroup.NOT_RECORDED, False, True, False),     # youth woman, IDPoor
    ("ចាន់ ដារា", "Chan Dara", Sex.MALE, 1980, AgeGroup.NOT_RECORDED, True, False, False),        # man with disability
    ("កែវ ម៉ាលី", "Keo Mealea", Sex.FEMALE, None, AgeGroup.FROM_18_TO_30, True, False, False),    # youth woman, disability
    ("ហេង វិចិត្រ", "Heng Vichet", Sex.MALE, None, AgeGroup.FROM_31_TO_59, False, True, False),   # IDPoor man
    ("ស៊ាន ពិសី", "Sean Pisey", Sex.FEMALE, 1999, AgeGroup.NOT_RECORDED, None, None, True),        # protected
]


def add_people(tenant, rows=PEOPLE) -> list[Contact]:
    people = []
    with tenant_scope(tenant.id):
        for name_km, name_latin, sex, birth_year, age_group, disability, idpoor, protected in rows:
            person = Contact(tenant_id=tenant.id, kind=ContactKind.PERSON, name_km=name_km, name_latin=name_latin,
                             sex=sex, birth_year=birth_year, age_group=age_group, disability=disability,
                             idpoor=idpoor, protected=protected)
            db.session.add(person)
            people.append(person)
        db.session.commit()
    return people


def add_course(tenant, *, title_en="Access to information for commune councils",
               title_km="សិទ្ធិទទួលបានព័ត៌មានសម្រាប់ក្រុមប្រឹក្សាឃុំ", starts_on=date(2026, 3, 2),
               days=3, test_max_score=Decimal("20"), mandatory_day=2) -> Course:
    """A named course of `days` one-day sessions from `starts_on` (session `mandatory_day` mandatory)."""
    with tenant_scope(tenant.id):
        course = Course(tenant_id=tenant.id, title_en=title_en, title_km=title_km, starts_on=starts_on,
                        ends_on=date.fromordinal(starts_on.toordinal() + days - 1), test_max_score=test_max_score,
                        signatory_name="Pich Sophea", signatory_title="Executive Director")
        for day in range(days):
            course.sessions.append(TrainingSession(
                tenant_id=tenant.id, title=f"Day {day + 1}", starts_on=date.fromordinal(starts_on.toordinal() + day),
                start_time=time(8, 30), end_time=time(16, 30), venue="Commune hall", capacity=30,
                is_mandatory=(day + 1 == mandatory_day)))
        db.session.add(course)
        db.session.commit()
    return course


@pytest.fixture
def people(tenant) -> list[Contact]:
    return add_people(tenant)


@pytest.fixture
def course(tenant) -> Course:
    return add_course(tenant)


@pytest.fixture
def enrolled(tenant, course, people) -> Course:
    """The course with the five people enrolled (registered)."""
    with tenant_scope(tenant.id):
        for person in people:
            services.enrol(course, person)
        db.session.commit()
    return course
