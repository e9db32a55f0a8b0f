"""Historical courses known only as totals: created and changed with their totals, refused with a
translated reason (and nothing saved) when a part is larger than the participants, a count is
negative or the course ends before it starts; nobody can be enrolled in one."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.errors import DomainError
from core.extensions import db
from core.models import Role
from core.registers.contacts import create_contact
from core.registers.models import ContactKind, Project
from core.tenancy import tenant_scope
from plugins.training_registry import services
from plugins.training_registry.models import Course, CourseKind, Curriculum, CurriculumVersion, HistoricalTotals
from tests.core.registers.contact_io_helpers import make_places
from tests.helpers import login, make_member
from tests.plugins.training_registry.conftest import add_course

TOTALS = {"sessions": "4", "participants": "120", "women": "70", "youth": "45", "idpoor": "30", "disability": "6",
          "organisations": "12", "completed": "100", "source": "2019 annual report, p. 12"}


def form_data(**changes) -> dict:
    data = {"title_en": "Budget literacy for commune councils (2019)", "title_km": "អក្ខរកម្មថវិកា",
            "starts_on": "2019-05-06", "ends_on": "2019-05-09", **TOTALS}
    data.update(changes)
    return data


def historical_courses(tenant) -> list[Course]:
    db.session.expire_all()
    with tenant_scope(tenant.id):
        return list(db.session.scalars(select(Course).where(Course.kind == CourseKind.HISTORICAL)))


def test_new_historical_course_with_its_totals_place_project_and_version(staff_client, tenant):
    commune = make_places()
    with tenant_scope(tenant.id):
        project = Project(tenant_id=tenant.id, code="P-19", title_en="Commune budgets")
        curriculum = Curriculum(tenant_id=tenant.id, title_en="Budget literacy")
        curriculum.versions.append(CurriculumVersion(tenant_id=tenant.id, label="1st edition"))
        db.session.add_all([project, curriculum])
        db.session.commit()
        project_id, version_id = project.id, curriculum.versions[0].id
    page = staff_client.get(f"/t/{tenant.slug}/training/historical/new")
    assert page.status_code == 200 and "Budget literacy — 1st edition" in page.get_data(as_text=True)
    response = staff_client.post(f"/t/{tenant.slug}/training/historical/new", data=form_data(
        place_id=commune.code, project_id=str(project_id), curriculum_version_id=str(version_id)))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    [course] = historical_courses(tenant)
    assert response.headers["Location"].endswith(f"/training/courses/{course.id}")
    with tenant_scope(tenant.id):
        course = db.session.get(Course, course.id)
        assert (course.title_km, course.starts_on, course.ends_on) == ("អក្ខរកម្មថវិកា", date(2019, 5, 6),
                                                                       date(2019, 5, 9))
        assert (course.place_id, course.project_id, course.curriculum_version_id) == (commune.id, project_id,
                                                                                      version_id)
        totals = course.totals
        assert (totals.sessions, totals.participants, totals.women, totals.youth, totals.idpoor, totals.disability,
                totals.organisations, totals.completed) == (4, 120, 70, 45, 30, 6, 12, 100)
        assert totals.source == "2019 annual report, p. 12"
        # nobody can be enrolled by name
        person = create_contact(kind=ContactKind.PERSON, name_latin="Sok Dara")
        with pytest.raises(DomainError):
            services.enrol(course, person)


def test_edit_changes_the_totals(staff_client, tenant):
    staff_client.post(f"/t/{tenant.slug}/training/historical/new", data=form_data())
    [course] = historical_courses(tenant)
    page = staff_client.get(f"/t/{tenant.slug}/training/historical/{course.id}").get_data(as_text=True)
    assert 'value="120"' in page and "2019 annual report" in page and f"/training/courses/{course.id}" in page
    response = staff_client.post(f"/t/{tenant.slug}/training/historical/{course.id}",
                                 data=form_data(participants="130", women="75", title_en="Budget literacy 2019"))
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    [course] = historical_courses(tenant)
    assert course.title_en == "Budget literacy 2019"
    assert (course.totals.participants, course.totals.women) == (130, 75)


def test_a_part_larger_than_the_participants_is_refused_and_nothing_is_saved(staff_client, tenant):
    response = staff_client.post(f"/t/{tenant.slug}/training/historical/new",
                                 data=form_data(women="130", completed="121", sessions="-1"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.count("This count cannot be more than the participants (120).") == 2
    assert "A count cannot be negative." in html
    assert historical_courses(tenant) == []
    with tenant_scope(tenant.id):
        assert db.session.scalar(select(func.count(HistoricalTotals.id))) == 0


def test_a_course_ending_before_it_starts_is_refused_and_the_old_totals_stay(staff_client, tenant):
    staff_client.post(f"/t/{tenant.slug}/training/historical/new", data=form_data())
    [course] = historical_courses(tenant)
    response = staff_client.post(f"/t/{tenant.slug}/training/historical/{course.id}",
                                 data=form_data(ends_on="2019-05-01", participants="200", women="150"))
    assert response.status_code == 422
    assert "The course cannot end before it starts." in response.get_data(as_text=True)
    [course] = historical_courses(tenant)
    assert (course.ends_on, course.totals.participants) == (date(2019, 5, 9), 120)


def test_errors_are_in_khmer_for_a_khmer_reader(client, tenant):
    user = make_member(tenant, Role.STAFF, locale="km")
    login(client, user.email)
    response = client.post(f"/t/{tenant.slug}/training/historical/new", data=form_data(women="130"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "ចំនួននេះមិនអាចលើសចំនួនអ្នកចូលរួម (120) បានទេ។" in html
    assert "cannot be more than the participants" not in html


def test_permissions_other_tenants_and_named_courses(client, tenant, other_tenant, viewer, staff):
    foreign = add_course(other_tenant)
    named = add_course(tenant)
    login(client, viewer.email)
    assert client.get(f"/t/{tenant.slug}/training/historical/new").status_code == 403
    assert client.post(f"/t/{tenant.slug}/training/historical/new", data=form_data()).status_code == 403
    client.post("/logout")
    login(client, staff.email)
    assert client.get(f"/t/{tenant.slug}/training/historical/{foreign.id}").status_code == 404
    assert client.post(f"/t/{tenant.slug}/training/historical/{foreign.id}", data=form_data()).status_code == 404
    assert client.get(f"/t/{tenant.slug}/training/historical/{named.id}").status_code == 404
    assert historical_courses(tenant) == [] and historical_courses(other_tenant) == []
