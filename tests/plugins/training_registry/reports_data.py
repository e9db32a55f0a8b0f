"""The hand-countable data set of the training report tests (see test_reports_figures.py for the
counts): the conftest's five people in course A (Kampot), three people in course B (Takeo, project
P-12), a historical course C (Kampot, 2025) known only as totals, organisations the people belong to,
and another tenant's course that must never be counted."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.extensions import db
from core.registers.models import (AgeGroup, Contact, ContactAffiliation, ContactKind, OrganisationType, Place,
                                   PlaceKind, Project, Sex)
from core.tenancy import tenant_scope
from plugins.training_registry import services
from plugins.training_registry.models import (Course, CourseKind, Curriculum, CurriculumVersion, EnrolmentStatus,
                                              HistoricalTotals)
from tests.plugins.training_registry.conftest import add_course, add_people


@dataclass
class ReportData:
    course_a: Course
    course_b: Course
    course_c: Course
    curriculum: Curriculum
    project: Project
    people: list[Contact]


def add_places() -> dict[str, Place]:
    kampot = Place(code="07", kind=PlaceKind.PROVINCE, name_en="Kampot", name_km="កំពត")
    takeo = Place(code="21", kind=PlaceKind.PROVINCE, name_en="Takeo", name_km="តាកែវ")
    db.session.add_all([kampot, takeo])
    db.session.flush()
    tuek_chhou = Place(code="0701", kind=PlaceKind.DISTRICT, name_en="Tuek Chhou", name_km="ទឹកឈូ",
                       parent_id=kampot.id, province_id=kampot.id)
    db.session.add(tuek_chhou)
    db.session.commit()
    return {"07": kampot, "21": takeo, "0701": tuek_chhou}


def build(tenant, other_tenant=None) -> ReportData:
    places = add_places()
    people = add_people(tenant)
    p1, p2, p3, p4, p5 = people
    with tenant_scope(tenant.id):
        # P6: a woman whose youth cannot be told (under 18 straddles 15), disability not recorded.
        p6 = Contact(tenant_id=tenant.id, kind=ContactKind.PERSON, name_km="ម៉ៅ ចន្ទា", name_latin="Mao Chanda",
                     sex=Sex.FEMALE, age_group=AgeGroup.UNDER_18, idpoor=False)
        db.session.add(p6)
        curriculum = Curriculum(tenant_id=tenant.id, title_en="Access to information", title_km="សិទ្ធិទទួលបានព័ត៌មាន")
        first = CurriculumVersion(label="1st edition", curriculum=curriculum, tenant_id=tenant.id)
        second = CurriculumVersion(label="2nd edition", curriculum=curriculum, tenant_id=tenant.id)
        project = Project(tenant_id=tenant.id, code="P-12", title_en="Budget literacy", title_km="ចំណេះដឹងថវិកា")
        db.session.add_all([curriculum, first, second, project])
        db.session.commit()
    people.append(p6)

    course_a = add_course(tenant)                                          # 2026-03-02, 3 sessions, day 2 mandatory
    course_b = add_course(tenant, title_en="Budget monitoring", title_km="ការតាមដានថវិកា",
                          starts_on=date(2026, 5, 4), days=2, test_max_score=None, mandatory_day=0)
    with tenant_scope(tenant.id):
        course_a.place_id = places["0701"].id                               # a district of Kampot
        course_a.curriculum_version_id = first.id
        course_b.project_id = project.id
        course_b.sessions[0].place_id = places["21"].id                     # no course place: its first session's
        course_c = Course(tenant_id=tenant.id, kind=CourseKind.HISTORICAL, title_en="Citizen monitoring 2025",
                          title_km="ការតាមដានរបស់ពលរដ្ឋ ២០២៥", starts_on=date(2025, 11, 10), ends_on=date(2025, 11, 13),
                          place_id=places["07"].id, curriculum_version_id=second.id)
        course_c.totals = HistoricalTotals(tenant_id=tenant.id, sessions=4, participants=20, women=12, youth=8,
                                           idpoor=3, disability=2, organisations=5, completed=18,
                                           source="2025 annual report, p. 12")
        db.session.add(course_c)

        a = {person.id: services.enrol(course_a, person) for person in (p1, p2, p3, p4, p5)}
        day1, day2, day3 = course_a.sessions
        for person, days in ((p1, (day1, day2, day3)), (p2, (day1, day3)), (p3, (day2, day3)),
                             (p5, (day1, day2, day3))):
            for session in days:
                services.record_attendance(session, a[person.id], True)
        a[p3.id].status = EnrolmentStatus.COMPLETED        # make-up session on paper
        a[p4.id].status = EnrolmentStatus.DROPPED
        for person, pre, post in ((p1, "10", "15"), (p2, "8", "14"), (p3, "12", "20"), (p5, "20", "20")):
            services.set_scores(a[person.id], Decimal(pre), Decimal(post))
        services.set_scores(a[p4.id], Decimal(5), None)

        b = {person.id: services.enrol(course_b, person) for person in (p1, p2, p6)}
        b_day1, b_day2 = course_b.sessions
        for person, days in ((p1, (b_day1, b_day2)), (p2, (b_day1,)), (p6, (b_day1, b_day2))):
            for session in days:
                services.record_attendance(session, b[person.id], True)

        organisations = {}
        for name, kind in (("Kampot CBO", OrganisationType.CBO), ("Youth CSO", OrganisationType.CSO),
                           ("Pepper Company", OrganisationType.COMPANY), ("Other CBO", OrganisationType.CBO)):
            organisations[name] = Contact(tenant_id=tenant.id, kind=ContactKind.ORGANISATION, name_latin=name,
                                          organisation_type=kind)
        db.session.add_all(organisations.values())
        db.session.flush()
        outsider = Contact(tenant_id=tenant.id, kind=ContactKind.PERSON, name_latin="Not a participant", sex=Sex.MALE)
        db.session.add(outsider)
        db.session.flush()
        for person, name in ((p1, "Kampot CBO"), (p3, "Kampot CBO"), (p2, "Youth CSO"), (p4, "Pepper Company"),
                             (outsider, "Other CBO")):
            db.session.add(ContactAffiliation(tenant_id=tenant.id, person_id=person.id,
                                              organisation_id=organisations[name].id))
        db.session.commit()

    if other_tenant is not None:
        theirs = add_people(other_tenant)
        their_course = add_course(other_tenant, title_en="Their course", starts_on=date(2026, 3, 2))
        with tenant_scope(other_tenant.id):
            their_course.place_id = places["07"].id
            for person in theirs:
                enrolment = services.enrol(their_course, person)
                services.record_attendance(their_course.sessions[0], enrolment, True)
            db.session.commit()
    return ReportData(course_a, course_b, course_c, curriculum, project, people)
