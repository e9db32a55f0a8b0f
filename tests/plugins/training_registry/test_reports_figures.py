"""The training report's figures, each checked against a count made by hand on a small data set
(tests/plugins/training_registry/reports_data.py), with its filters, tenant isolation and a
constant number of SQL statements."""
from __future__ import annotations

from datetime import date

import pytest

from core.extensions import db
from core.tenancy import tenant_scope
from plugins.training_registry import services
from plugins.training_registry.reports import ReportFilters, compute
from tests.helpers import StatementCounter
from tests.plugins.training_registry.conftest import add_course, add_people
from tests.plugins.training_registry.reports_data import build

# The people (youth band 15–30, told at the start of the person's first course in the period):
#   P1 woman, born 2001 (25): young, no disability, IDPoor          — courses A and B, Kampot CBO
#   P2 man, born 1980 (46): not young, disability, not IDPoor        — courses A and B, Youth CSO
#   P3 woman, age group 18–30: young, disability, not IDPoor         — course A, Kampot CBO
#   P4 man, age group 31–59: not young, no disability, IDPoor        — course A (dropped), Pepper Company
#   P5 woman, born 1999 (27), protected: young, disability and IDPoor not recorded — course A
#   P6 woman, age group under 18: youth not known, disability not recorded, not IDPoor — course B
# Course A (2026-03-02, 3 sessions, day 2 mandatory, 80 %, tests out of 20, Kampot district):
#   P1 days 1–3: met · P2 days 1, 3: missed the mandatory day · P3 days 2, 3 (67 %) but marked completed
#   by hand · P4 dropped · P5 days 1–3: met  →  completed 3 of 4 not dropped.
#   Scores: P1 10→15 (5 points, 5/10 = 0.5), P2 8→14 (6, 6/12 = 0.5), P3 12→20 (8, 8/8 = 1.0),
#   P5 20→20 (0 points; no normalised gain, nothing left to gain), P4 pre only (left out).
# Course B (2026-05-04, 2 sessions, none mandatory, 80 %, first session in Takeo, project P-12):
#   P1 both: met · P2 one (50 %) · P6 both: met  →  completed 2 of 3.
# Course C: historical (2025-11-10, Kampot, 2nd edition of the curriculum): 4 sessions, 20 participants,
#   12 women, 8 youth, 3 IDPoor, 2 with a disability, 5 organisations, 18 completed.


def test_every_figure_is_what_we_counted_by_hand(tenant, other_tenant):
    build(tenant, other_tenant)
    report = compute(ReportFilters(), tenant.id)
    named = report.named
    assert named.courses == 2                       # A, B
    assert named.sessions == 5                      # 3 + 2
    assert named.enrolments == 8                    # 5 in A + 3 in B
    assert named.people == 6                        # P1–P6, P1 and P2 once each
    assert named.dropped == 1                       # P4
    assert named.women == 4                         # P1, P3, P5, P6
    assert named.women_percent == 66.7              # 4 / 6
    assert named.women_enrolments == 5              # A: P1, P3, P5; B: P1, P6
    assert named.women_enrolments_percent == 62.5   # 5 / 8
    assert (named.youth, named.youth_known, named.youth_unknown) == (3, 5, 1)   # P1, P3, P5 of 5; P6 unknown
    assert named.youth_percent == 60.0
    assert (named.idpoor, named.idpoor_known, named.idpoor_unknown) == (2, 5, 1)   # P1, P4 of 5; P5 unknown
    assert named.idpoor_percent == 40.0
    assert (named.disability, named.disability_known, named.disability_unknown) == (2, 4, 2)  # P2, P3 of 4
    assert named.disability_percent == 50.0
    assert (named.completed, named.completion_base) == (5, 7)     # A 3 of 4, B 2 of 3
    assert named.completion_percent == 71.4
    assert named.organisations == 3                 # Kampot CBO, Youth CSO, Pepper Company (not Other CBO)
    assert named.scored == 4
    assert named.gain_points == pytest.approx(4.75)           # (5 + 6 + 8 + 0) / 4
    assert named.gain_percent == 66.7                         # (0.5 + 0.5 + 1.0) / 3

    totals = report.from_totals
    assert (totals.courses, totals.sessions, totals.people, totals.women, totals.youth, totals.idpoor,
            totals.disability, totals.organisations, totals.completed) == (1, 4, 20, 12, 8, 3, 2, 5, 18)

    total = report.total
    assert (total.courses, total.sessions, total.people, total.enrolments) == (3, 9, 26, 28)
    assert total.women_percent == 61.5              # 16 / 26
    assert total.youth_percent == 44.0              # (3 + 8) / (5 + 20)
    assert total.idpoor_percent == 20.0             # (2 + 3) / (5 + 20)
    assert total.disability_percent == 16.7         # (2 + 2) / (4 + 20)
    assert total.completion_percent == 85.2         # (5 + 18) / (7 + 20)
    assert total.organisations == 8                 # 3 + 5 (cannot be de-duplicated)
    assert total.gain_percent == 66.7               # named records only

    cells = {(row.sex, row.youth): (row.with_disability, row.without_disability, row.disability_unknown)
             for row in report.crosstab}
    assert cells[("women", "young")] == (1, 1, 1)          # P3 / P1 / P5
    assert cells[("women", "unknown")] == (0, 0, 1)        # P6
    assert cells[("men", "not_young")] == (1, 1, 0)        # P2 / P4
    assert sum(sum(cell) for cell in cells.values()) == 6
    assert report.young_women_with_disability == 1         # P3
    assert sorted((value, count) for value, _label, count in report.organisations_by_type) == [
        ("cbo", 1), ("company", 1), ("cso", 1)]


def test_breakdowns_by_province_project_and_curriculum(tenant):
    build(tenant)
    report = compute(ReportFilters(), tenant.id)
    provinces = {row.label: row for row in report.by_province}
    assert set(provinces) == {"Kampot", "Takeo"}
    # Kampot: A (a district's place) + C (totals); Takeo: B (its first session's place).
    assert (provinces["Kampot"].named.people, provinces["Kampot"].from_totals.people) == (5, 20)
    assert provinces["Kampot"].total.courses == 2
    assert (provinces["Takeo"].named.people, provinces["Takeo"].named.women) == (3, 2)   # P1, P2, P6
    projects = {row.label: row.total for row in report.by_project}
    assert projects["P-12 · Budget literacy"].people == 3 and projects["No project"].people == 25   # 5 + 20
    assert [row.label for row in report.by_project][-1] == "No project"
    curricula = {row.label: row.total for row in report.by_curriculum}
    assert curricula["Access to information"].courses == 2 and curricula["No curriculum"].courses == 1
    rows = {course.title: course for course in report.courses}
    assert rows["Budget monitoring"].province == "Takeo" and rows["Budget monitoring"].figures.completed == 2
    assert rows["Citizen monitoring 2025"].is_historical and rows["Citizen monitoring 2025"].figures.people == 20
    assert rows["Access to information for commune councils"].curriculum == "Access to information (1st edition)"


def test_filters_narrow_the_courses(tenant):
    data = build(tenant)
    in_2026 = compute(ReportFilters(date_from=date(2026, 1, 1), date_to=date(2026, 12, 31)), tenant.id)
    assert in_2026.total.courses == 2 and in_2026.from_totals.courses == 0 and in_2026.total.people == 6
    only_b = compute(ReportFilters(project_id=data.project.id), tenant.id)
    assert [course.title for course in only_b.courses] == ["Budget monitoring"]
    assert only_b.total.people == 3 and only_b.total.women_percent == 66.7          # P1, P6 of 3
    any_version = compute(ReportFilters(curriculum_id=data.curriculum.id), tenant.id)
    assert {c.title for c in any_version.courses} == {"Access to information for commune councils",
                                                      "Citizen monitoring 2025"}        # 1st and 2nd edition
    kampot = compute(ReportFilters(province_code="07"), tenant.id)
    assert kampot.named.people == 5 and kampot.from_totals.people == 20 and kampot.province_name == "Kampot"
    takeo_may = compute(ReportFilters(province_code="21", date_from=date(2026, 5, 4), date_to=date(2026, 5, 4)),
                        tenant.id)
    assert takeo_may.named.courses == 1
    assert compute(ReportFilters(province_code="21", date_to=date(2026, 5, 3)), tenant.id).total.courses == 0
    # Youth is told at the course's start: P1 (born 2001) is 31 in a 2032 course, with a 15–30 band.
    later = add_course(tenant, title_en="Refresher", starts_on=date(2032, 2, 2), days=1)
    with tenant_scope(tenant.id):
        services.enrol(later, data.people[0])
        db.session.commit()
    assert compute(ReportFilters(date_from=date(2032, 1, 1)), tenant.id).named.youth_percent == 0.0


def test_another_tenants_courses_are_never_counted(tenant, other_tenant):
    build(tenant, other_tenant)
    assert compute(ReportFilters(), tenant.id).named.people == 6
    theirs = compute(ReportFilters(), other_tenant.id)
    assert (theirs.total.courses, theirs.total.people, theirs.total.organisations) == (1, 5, 0)
    assert compute(ReportFilters(province_code="07"), other_tenant.id).total.courses == 1


def test_the_number_of_statements_does_not_grow_with_the_data(tenant):
    build(tenant)
    with StatementCounter() as few:
        compute(ReportFilters(), tenant.id)
    for number in range(4):
        course = add_course(tenant, title_en=f"More {number}", starts_on=date(2026, 6, number + 1))
        people = add_people(tenant)
        with tenant_scope(tenant.id):
            for person in people:
                enrolment = services.enrol(course, person)
                for session in course.sessions:
                    services.record_attendance(session, enrolment, True)
            db.session.commit()
    with StatementCounter() as many:
        report = compute(ReportFilters(), tenant.id)
    assert report.named.people == 26 and many.count == few.count
