"""The training demo data: the designed counts for the lead NGO and the smaller set for other demo
tenants, a realistic mix of participants (about half women, youth, IDPoor, a few with a disability,
a few protected), closed courses with certificates, a session on a public holiday, historical totals,
and nothing duplicated when it runs twice (also through `flask demo`)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core.extensions import db
from core.models import Tenant
from core.registers.demo import load_register_demo
from core.registers.models import Contact, Place, Sex
from core.tenancy import tenant_scope
from core.workdays import WorkingCalendar
from plugins.training_registry import services
from plugins.training_registry.demo import LEAD_PLAN, SMALL_PLAN, load_demo_data
from plugins.training_registry.models import (Attendance, Certificate, Course, CourseKind, Curriculum,
                                              CurriculumVersion, Enrolment, EnrolmentStatus, HistoricalTotals,
                                              Trainer, TrainingSession, VersionStatus)
from plugins.training_registry.reports import ReportFilters, compute
from tests.core.registers.places_helpers import load_places
from tests.helpers import make_tenant

MODELS = (Curriculum, CurriculumVersion, Trainer, Course, TrainingSession, Enrolment, Attendance, Certificate,
          HistoricalTotals, Contact)


def load(tenant) -> None:
    with tenant_scope(tenant.id):
        load_register_demo(tenant)          # `flask demo` runs the registers' demo first
        load_demo_data(tenant)
        db.session.commit()


def counts(tenant) -> dict[str, int]:
    with tenant_scope(tenant.id):
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in MODELS}


def test_the_lead_demo_has_the_designed_courses_and_a_realistic_mix_of_people(app):
    load_places()
    lead = make_tenant("demo-lead", "Advocacy and Policy Institute (demo)")
    load(lead)
    found = counts(lead)
    named = [course for course in LEAD_PLAN.courses]
    assert found["Curriculum"] == 4 and found["Trainer"] == 5
    assert found["Course"] == len(named) + 2 == 12 and found["HistoricalTotals"] == 2
    assert found["TrainingSession"] == sum(course.days for course in named) == 27
    assert found["Enrolment"] == sum(course.participants for course in named) == 299
    with tenant_scope(lead.id):
        assert set(db.session.scalars(select(CurriculumVersion.status))) == set(VersionStatus)
        people = db.session.scalars(select(Contact).where(Contact.id.in_(select(Enrolment.contact_id)))).all()
        assert 220 <= len(people) <= 299           # a few people came back for a second course
        women = sum(person.sex is Sex.FEMALE for person in people)
        assert 0.45 <= women / len(people) <= 0.55
        youth = sum(services.is_youth(person, date(2025, 6, 1)) is True
                    for person in people)
        assert 0.25 <= youth / len(people) <= 0.6
        assert 0.1 <= sum(person.idpoor is True for person in people) / len(people) <= 0.35
        assert 1 <= sum(person.disability is True for person in people) <= 0.1 * len(people)
        assert 1 <= sum(person.protected for person in people) <= 8
        # Courses in several provinces, 2024 to 2026.
        courses = db.session.scalars(select(Course).where(Course.kind == CourseKind.NAMED)).all()
        provinces = {db.session.get(Place, course.place_id).code for course in courses}
        assert {"07", "17", "02", "12", "10", "05"} <= provinces
        assert {course.starts_on.year for course in courses} == {2024, 2025, 2026}
        # One session on a public holiday (shown with its warning), attendance, scores, certificates.
        calendar = WorkingCalendar()
        holidays = [s for s in db.session.scalars(select(TrainingSession)) if calendar.holiday_name(s.starts_on)]
        assert len(holidays) == 1 and holidays[0].starts_on.isoformat() == "2025-01-07"
        assert found["Attendance"] > 500
        assert db.session.scalar(select(func.count()).select_from(Enrolment).where(
            Enrolment.post_score.is_not(None))) > 150
        completed = db.session.scalar(select(func.count()).select_from(Enrolment).where(
            Enrolment.status == EnrolmentStatus.COMPLETED))
        assert 100 < found["Certificate"] <= completed
        certified = db.session.scalars(select(Certificate).join(Enrolment)).all()
        assert all(services.has_completed(certificate.enrolment) for certificate in certified)
        # The report adds the historical totals and sees about half women among the named records.
        report = compute(ReportFilters(), lead.id)
    assert report.named.people == len(people) and report.from_totals.people == 145
    assert 45 <= report.named.women_percent <= 55 and report.named.gain_points > 0


def test_other_demo_tenants_get_the_smaller_set(app):
    cso = make_tenant("demo-cso", "Kampong Speu Community Network (demo)")
    load(cso)
    found = counts(cso)
    assert found["Curriculum"] == 1 and found["Trainer"] == 2 and found["HistoricalTotals"] == 1
    assert found["Course"] == len(SMALL_PLAN.courses) + 1
    assert found["Enrolment"] == sum(course.participants for course in SMALL_PLAN.courses)
    assert found["Certificate"] > 10


def test_loading_twice_adds_nothing_and_invents_different_people(app):
    cso = make_tenant("demo-cso")
    load(cso)
    first = counts(cso)
    with tenant_scope(cso.id):
        names = sorted(db.session.scalars(select(Contact.name_latin).where(Contact.tags == "training")))
    load(cso)
    assert counts(cso) == first
    assert len(names) == SMALL_PLAN.new_people and len(set(names)) == len(names)


def test_flask_demo_twice_does_not_duplicate_the_training_demo(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "--password", "demo-pass-2026!"]).exit_code == 0
    lead = db.session.scalar(select(Tenant).where(Tenant.slug == "demo-lead"))
    first = counts(lead)
    assert first["Course"] == 12 and first["Enrolment"] == 299
    again = runner.invoke(args=["demo", "--password", "demo-pass-2026!"])
    assert again.exit_code == 0 and "already exists" in again.output
    assert counts(lead) == first
