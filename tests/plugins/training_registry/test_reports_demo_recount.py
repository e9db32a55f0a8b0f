"""The training report on the lead NGO's demo data equals a recount done here the plain way, one
row at a time in Python (people, enrolments, women, youth at their first course, IDPoor,
disability, completion by the rule of services.completions, learning gain and historical totals)."""
from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from core.registers.models import Sex
from core.tenancy import tenant_scope
from plugins.training_registry import services
from plugins.training_registry.models import Course, CourseKind, EnrolmentStatus, HistoricalTotals
from plugins.training_registry.reports import ReportFilters, compute
from tests.core.registers.places_helpers import load_places
from tests.helpers import make_tenant
from tests.plugins.training_registry.test_training_demo import load


def test_the_report_on_demo_data_equals_a_recount_row_by_row(app):
    load_places()
    lead = make_tenant("demo-lead", "Advocacy and Policy Institute (demo)")
    load(lead)
    report = compute(ReportFilters(), lead.id)
    with tenant_scope(lead.id):
        band = services.youth_band(lead.id)
        courses = db.session.scalars(select(Course).where(Course.kind == CourseKind.NAMED)).all()
        enrolments = [enrolment for course in courses for enrolment in course.enrolments]
        first_course = {}
        for enrolment in enrolments:
            start = enrolment.course.starts_on
            if enrolment.contact_id not in first_course or start < first_course[enrolment.contact_id][0]:
                first_course[enrolment.contact_id] = (start, enrolment.contact)
        people = [contact for _start, contact in first_course.values()]
        youth = [services.is_youth(contact, start, band) for start, contact in first_course.values()]
        completed = 0
        for course in courses:
            standing = services.completions(course)
            completed += sum(1 for e in course.enrolments if e.status is not EnrolmentStatus.DROPPED
                             and (e.status is EnrolmentStatus.COMPLETED or standing[e.id].met))
        gain = services.average_gain([(e.pre_score, e.post_score, e.course.test_max_score) for e in enrolments
                                      if e.pre_score is not None and e.post_score is not None])
        totals = db.session.scalars(select(HistoricalTotals)).all()

        named = report.named
        assert named.courses == len(courses) == 10
        assert named.sessions == sum(len(course.sessions) for course in courses)
        assert named.enrolments == len(enrolments)
        assert named.people == len(people)
        assert named.women == sum(person.sex is Sex.FEMALE for person in people)
        assert named.women_enrolments == sum(e.contact.sex is Sex.FEMALE for e in enrolments)
        assert (named.youth, named.youth_known) == (youth.count(True), sum(v is not None for v in youth))
        assert (named.idpoor, named.idpoor_known) == (sum(p.idpoor is True for p in people),
                                                      sum(p.idpoor is not None for p in people))
        assert (named.disability, named.disability_known) == (sum(p.disability is True for p in people),
                                                              sum(p.disability is not None for p in people))
        assert named.dropped == sum(e.status is EnrolmentStatus.DROPPED for e in enrolments)
        assert named.completion_base == len(enrolments) - named.dropped
        assert named.completed == completed
        assert named.scored > 0
        assert round(named.gain_points, 6) == round(gain.points, 6)
        assert round(named.gain_normalised, 6) == round(gain.normalised, 6)
        assert report.from_totals.courses == len(totals) == 2
        assert report.from_totals.people == sum(t.participants for t in totals)
        assert report.from_totals.women == sum(t.women for t in totals)
        assert report.total.people == named.people + sum(t.participants for t in totals)
