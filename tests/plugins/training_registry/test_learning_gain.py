"""Learning gain across courses: the shared functions (one query for many courses) and a
curriculum's page, by version and course, with the curriculum-wide average over every participant."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.training_registry import learning, services
from plugins.training_registry.models import (
    Course,
    Curriculum,
    CurriculumVersion,
    VersionStatus,
)
from tests.helpers import StatementCounter, login, make_member, statements_for
from tests.plugins.training_registry.conftest import PEOPLE, add_course, add_people
from tests.plugins.training_registry.test_learning_scores import row_of, text_of


def add_curriculum(tenant, labels=("1st edition 2019", "2nd edition 2025")) -> Curriculum:
    with tenant_scope(tenant.id):
        curriculum = Curriculum(tenant_id=tenant.id, title_en="Access to information for citizens",
                                title_km="សិទ្ធិទទួលបានព័ត៌មានសម្រាប់ប្រជាពលរដ្ឋ")
        for year, label in enumerate(labels, start=2019):
            curriculum.versions.append(CurriculumVersion(tenant_id=tenant.id, label=label, released_on=date(year, 1, 1),
                                                         status=VersionStatus.APPROVED))
        db.session.add(curriculum)
        db.session.commit()
    return curriculum


def scored_course(tenant, people, version, title, scores, *, maximum=Decimal(20), starts_on=date(2026, 3, 2)):
    """A course of `version` with people[i] enrolled and scored (pre, post) = scores[i]."""
    course = add_course(tenant, title_en=title, test_max_score=maximum, starts_on=starts_on)
    with tenant_scope(tenant.id):
        course = db.session.get(Course, course.id)
        course.curriculum_version_id = version.id if version else None
        for person, (pre, post) in zip(people, scores):
            enrolment = services.enrol(course, person)
            enrolment.pre_score = None if pre is None else Decimal(str(pre))
            enrolment.post_score = None if post is None else Decimal(str(post))
        db.session.commit()
    return course


def test_gains_by_course_in_one_query_with_hand_computed_figures(tenant, people):
    first = scored_course(tenant, people, None, "Kampot", [(8, 14), (10, 15), (20, 18), (5, None)])
    second = scored_course(tenant, people, None, "Kep", [(40, 70), (60, 80)], maximum=Decimal(100))
    empty = scored_course(tenant, people, None, "Takeo", [])
    ids = [first.id, second.id, empty.id]
    with tenant_scope(tenant.id), StatementCounter() as counter:
        gains = learning.gains_by_course(ids)
    assert counter.count == 1
    # Kampot: points (6 + 5 − 2) / 3 = 3; normalised (6/12 + 5/10) / 2 = 50 % (pre 20 = max has none).
    assert gains[first.id] == services.Gain(3.0, 0.5)
    # Kep: points (30 + 20) / 2 = 25; normalised (30/60 + 20/40) / 2 = 50 %.
    assert gains[second.id] == services.Gain(25.0, 0.5)
    assert gains[empty.id] == services.Gain(None, None)
    with tenant_scope(tenant.id):
        assert learning.course_gain(second) == services.Gain(25.0, 0.5)
        assert learning.gains_by_course([]) == {}


def test_curriculum_page_shows_each_version_course_and_the_curriculum_wide_average(client, tenant, people):
    curriculum = add_curriculum(tenant)
    old, new = curriculum.versions
    # 1st edition: one course, max 20: 8→14 (+6, 50 %), 10→15 (+5, 50 %).
    scored_course(tenant, people, old, "Kampot 2024", [(8, 14), (10, 15)], starts_on=date(2024, 5, 6))
    # 2nd edition: max 10: 2→10 (+8, 100 %); and max 100: 40→55 (+15, 25 %), 60→50 (−10, −25 %), 30 only.
    scored_course(tenant, people, new, "Kep 2026", [(2, 10)], maximum=Decimal(10), starts_on=date(2026, 1, 5))
    scored_course(tenant, people, new, "Takeo 2026", [(40, 55), (60, 50), (30, None)], maximum=Decimal(100),
                  starts_on=date(2026, 2, 2))
    scored_course(tenant, people, None, "Another curriculum's course", [(1, 19)])
    viewer = make_member(tenant, Role.VIEWER)
    login(client, viewer.email)
    response = client.get(f"/t/{tenant.slug}/training/curricula/{curriculum.id}/learning-gain")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    whole = text_of(page.split("1st edition 2019")[0])
    # Over all five people with both scores: points (6 + 5 + 8 + 15 − 10) / 5 = 4.8;
    # normalised (50 + 50 + 100 + 25 − 25) / 5 = 40 % (not the average of the course averages).
    assert "Participants with both scores 5" in whole
    assert "Average points gained +4.8" in whole and "Average normalised gain 40%" in whole
    assert "Another curriculum" not in page
    assert row_of(page, "Kampot 2024").endswith("20 9 14.5 2 +5.5 50%")
    assert row_of(page, "Kep 2026").endswith("10 2 10 1 +8 100%")
    assert row_of(page, "Takeo 2026").endswith("100 50 52.5 2 +2.5 0%")
    versions = page.split("2nd edition 2025")
    assert text_of(versions[0]).endswith("All courses of this version 2 +5.5 50% Version")
    # 2nd edition: (8 + 15 − 10) / 3 = 4.33 points; (100 + 25 − 25) / 3 = 33.3 %.
    assert "All courses of this version 3 +4.33 33.3%" in text_of(versions[1])


def test_a_version_no_course_used_says_so(staff_client, tenant):
    curriculum = add_curriculum(tenant, labels=("Draft 2026",))
    page = staff_client.get(f"/t/{tenant.slug}/training/curricula/{curriculum.id}/learning-gain").get_data(as_text=True)
    assert "No course used this version." in page and "Participants with both scores 0" in text_of(page)


def test_curriculum_page_costs_the_same_queries_for_one_or_many_courses(staff_client, tenant, people):
    crowd = add_people(tenant, [(km + " ២", latin + " 2", *rest) for km, latin, *rest in PEOPLE])
    single = add_curriculum(tenant, labels=("Only edition",))
    scored_course(tenant, people, single.versions[0], "Alone", [(8, 14)])
    many = add_curriculum(tenant)
    for number, version in enumerate(many.versions * 3):
        scored_course(tenant, people + crowd, version, f"Course {number}", [(number, 15)] * 10)
    url = f"/t/{tenant.slug}/training/curricula/{{}}/learning-gain"
    staff_client.get(url.format(single.id))   # warm the caches
    assert statements_for(staff_client, url.format(single.id)) == statements_for(staff_client, url.format(many.id))


def test_another_organisations_curriculum_is_not_found(client, tenant, other_tenant):
    theirs = add_curriculum(other_tenant)
    add_people(other_tenant)
    staff = make_member(tenant, Role.STAFF)
    login(client, staff.email)
    assert client.get(f"/t/{tenant.slug}/training/curricula/{theirs.id}/learning-gain").status_code == 404


def test_courses_of_another_organisation_never_count(tenant, other_tenant, people):
    curriculum = add_curriculum(tenant)
    scored_course(tenant, people, curriculum.versions[0], "Ours", [(8, 14)])
    theirs = add_people(other_tenant)
    course_id = add_course(other_tenant, title_en="Theirs").id
    with tenant_scope(other_tenant.id):
        enrolment = services.enrol(db.session.get(Course, course_id), theirs[0])
        enrolment.pre_score, enrolment.post_score = Decimal(0), Decimal(20)
        db.session.commit()
    with tenant_scope(tenant.id):   # (on PostgreSQL even reloading their course's id here finds nothing)
        assert learning.gains_by_course([course_id]) == {course_id: services.Gain(None, None)}
        figures = learning.curriculum_gains(db.session.get(Curriculum, curriculum.id))
    assert figures.summary.participants == 1 and figures.summary.gain == services.Gain(6.0, 0.5)
