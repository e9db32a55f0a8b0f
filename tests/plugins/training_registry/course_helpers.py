"""Small builders for the course page tests: places, projects, curricula, trainers, a holiday-free
course of the tenant, and the URL of the course pages."""
from __future__ import annotations

from datetime import date

from core.extensions import db
from core.registers.models import Contact, ContactKind, Place, PlaceKind, Project
from core.tenancy import tenant_scope
from plugins.training_registry.models import (Course, CourseKind, Curriculum, CurriculumVersion, HistoricalTotals,
                                              Trainer, VersionStatus)


def base(tenant) -> str:
    return f"/t/{tenant.slug}/training/courses"


def make_place(code: str, name_en: str, parent: Place | None = None) -> Place:
    kind = {2: PlaceKind.PROVINCE, 4: PlaceKind.DISTRICT, 6: PlaceKind.COMMUNE}[len(code)]
    province = None if parent is None else (parent.province or parent)
    place = Place(code=code, kind=kind, name_en=name_en, name_km="", parent=parent, province=province)
    db.session.add(place)
    db.session.commit()
    return place


def make_project(tenant, code: str = "A2I-2026", title: str = "Access to information 2026") -> Project:
    with tenant_scope(tenant.id):
        project = Project(tenant_id=tenant.id, code=code, title_en=title)
        db.session.add(project)
        db.session.commit()
    return project


def make_curriculum(tenant, title: str = "A2I for commune councils", labels=("1st edition 2024",)) -> Curriculum:
    with tenant_scope(tenant.id):
        curriculum = Curriculum(tenant_id=tenant.id, title_en=title)
        for label in labels:
            curriculum.versions.append(CurriculumVersion(tenant_id=tenant.id, label=label,
                                                         status=VersionStatus.APPROVED))
        db.session.add(curriculum)
        db.session.commit()
    return curriculum


def make_contact(tenant, name: str, *, kind=ContactKind.PERSON, protected: bool = False, **fields) -> Contact:
    with tenant_scope(tenant.id):
        contact = Contact(tenant_id=tenant.id, kind=kind, name_latin=name, name_km="", protected=protected, **fields)
        db.session.add(contact)
        db.session.commit()
    return contact


def make_trainer(tenant, name: str = "Pen Sokha", topics: str = "A2I, budget") -> Trainer:
    contact = make_contact(tenant, name)
    with tenant_scope(tenant.id):
        trainer = Trainer(tenant_id=tenant.id, contact_id=contact.id, topics=topics)
        db.session.add(trainer)
        db.session.commit()
    return trainer


def make_historical(tenant, title: str = "Budget literacy 2019", **totals) -> Course:
    with tenant_scope(tenant.id):
        course = Course(tenant_id=tenant.id, kind=CourseKind.HISTORICAL, title_en=title, starts_on=date(2019, 5, 6),
                        ends_on=date(2019, 5, 8))
        course.totals = HistoricalTotals(tenant_id=tenant.id, **{"participants": 120, "women": 64, "youth": 30,
                                                                 "sessions": 3, **totals})
        db.session.add(course)
        db.session.commit()
    return course


def get_course(course_id: int) -> Course | None:
    db.session.expire_all()
    from core.tenancy import unscoped
    with unscoped():
        return db.session.get(Course, course_id)
