"""The training JSON API as a script sees it: curricula with versions, courses with sessions and
trainers, attendance batches sent twice, enrolments with scores and certificate codes, protected
participants, permissions, tenant isolation and list cost."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.api import BUSINESS_RULE_TYPE
from core.extensions import db
from core.models import AuditEvent, Role
from core.registers.models import AgeGroup, Contact, ContactKind, Place, PlaceKind, Project, Sex
from core.tenancy import tenant_scope
from plugins.training_registry import services
from plugins.training_registry.models import (Attendance, Certificate, Course, CourseKind, Curriculum,
                                              CurriculumVersion, Enrolment, EnrolmentStatus, HistoricalTotals,
                                              Trainer, TrainingSession, VersionStatus)
from tests.helpers import StatementCounter, make_member, token_for
from tests.plugins.training_registry.conftest import add_course, add_people

PROBLEM = "application/problem+json"


def api(tenant, path: str) -> str:
    return f"/api/v1/t/{tenant.slug}/training{path}"


@pytest.fixture
def staff_auth(staff, tenant):
    return token_for(staff, tenant)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model).execution_options(samaki_unscoped=True))


def make_curriculum(tenant, title="Access to information basics", labels=(("1st edition 2024", VersionStatus.APPROVED),)):
    with tenant_scope(tenant.id):
        curriculum = Curriculum(tenant_id=tenant.id, title_en=title, title_km="មូលដ្ឋានសិទ្ធិទទួលបានព័ត៌មាន",
                                topic="A2I")
        for label, status in labels:
            curriculum.versions.append(CurriculumVersion(tenant_id=tenant.id, label=label, status=status,
                                                         released_on=date(2024, 1, 15)))
        db.session.add(curriculum)
        db.session.commit()
        return curriculum.id, [version.id for version in curriculum.versions]


def make_trainer(tenant, name="Pich Sophea") -> int:
    with tenant_scope(tenant.id):
        contact = Contact(tenant_id=tenant.id, kind=ContactKind.PERSON, name_latin=name, sex=Sex.FEMALE)
        trainer = Trainer(tenant_id=tenant.id, contact=contact, topics="A2I")
        db.session.add(trainer)
        db.session.commit()
        return trainer.id


def make_project(tenant, code="A2I-2024") -> int:
    with tenant_scope(tenant.id):
        project = Project(tenant_id=tenant.id, code=code, title_en="Access to information at sub-national level")
        db.session.add(project)
        db.session.commit()
        return project.id


def enrolment_ids(tenant, course) -> list[int]:
    with tenant_scope(tenant.id):
        return list(db.session.scalars(select(Enrolment.id).where(Enrolment.course_id == course.id)
                                       .order_by(Enrolment.id)))


# --- curricula ----------------------------------------------------------------------------------------

def test_token_adds_a_curriculum_with_versions_and_reads_it(client, tenant, staff_auth):
    created = client.post(api(tenant, "/curricula/"), headers=staff_auth, json={
        "title_en": "Social accountability", "title_km": "គណនេយ្យភាពសង្គម", "language": "km,en",
        "versions": [{"label": "1st edition 2023", "status": "retired", "released_on": "2023-02-01"},
                     {"label": "2nd edition 2025", "status": "approved", "change_note": "New budget module.",
                      "released_on": "2025-01-20"}]})
    assert created.status_code == 201, created.json
    versions = created.json["versions"]
    assert [(v["label"], v["status"]) for v in versions] == [("1st edition 2023", "retired"),
                                                            ("2nd edition 2025", "approved")]
    assert created.json["latest_approved_version_id"] == versions[1]["id"]
    read = client.get(api(tenant, f"/curricula/{created.json['id']}"), headers=staff_auth).json
    assert read["versions"][1]["change_note"] == "New budget module." and read["versions"][0]["files"] == []
    listed = client.get(api(tenant, "/curricula/?status=retired"), headers=staff_auth).json
    assert [item["title"] for item in listed["items"]] == ["Social accountability"]


def test_two_versions_with_the_same_label_are_a_422_naming_the_second(client, tenant, staff_auth):
    response = client.post(api(tenant, "/curricula/"), headers=staff_auth, json={
        "title_en": "Social accountability", "versions": [{"label": "2025"}, {"label": "2025"}]})
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert list(response.json["errors"]) == ["versions"] and list(response.json["errors"]["versions"]) == ["1"]
    assert count(Curriculum) == 0


# --- courses ------------------------------------------------------------------------------------------

def test_token_creates_a_course_with_trainers_and_sessions(client, tenant, staff_auth):
    _curriculum_id, (version_id,) = make_curriculum(tenant)
    trainer_id, project_id = make_trainer(tenant), make_project(tenant)
    created = client.post(api(tenant, "/courses/"), headers=staff_auth, json={
        "title_en": "A2I for commune councils", "curriculum_version_id": version_id, "project_id": project_id,
        "starts_on": "2025-01-06", "ends_on": "2025-01-08", "test_max_score": 20,
        "trainers": [{"trainer_id": trainer_id, "role": "lead trainer"}]})
    assert created.status_code == 201, created.json
    course = created.json
    assert course["kind"] == "named" and course["completion_percent"] == 80 and course["test_max_score"] == 20.0
    assert course["trainers"] == [{"trainer_id": trainer_id, "contact_id": course["trainers"][0]["contact_id"],
                                   "name": "Pich Sophea", "role": "lead trainer"}]
    sessions_url = api(tenant, f"/courses/{course['id']}/sessions/")
    first = client.post(sessions_url, headers=staff_auth, json={"starts_on": "2025-01-06", "title": "Day 1",
                                                                "start_time": "08:30", "is_mandatory": True})
    holiday = client.post(sessions_url, headers=staff_auth, json={"starts_on": "2025-01-07", "title": "Day 2"})
    assert first.status_code == 201 and first.json["warning"] is None and first.json["present"] == 0
    # A session on a public holiday is kept, with a warning.
    assert holiday.status_code == 201
    assert "public holiday" in holiday.json["warning"] and "Genocidal Regime" in holiday.json["warning"]
    detail = client.get(api(tenant, f"/courses/{course['id']}"), headers=staff_auth).json
    assert [s["title"] for s in detail["sessions"]] == ["Day 1", "Day 2"] and detail["totals"] is None
    listed = client.get(sessions_url, headers=staff_auth).json
    assert [s["start_time"] for s in listed["items"]] == ["08:30:00", None]


def test_a_session_outside_the_course_dates_is_a_422_on_starts_on(client, tenant, course, staff_auth):
    response = client.post(api(tenant, f"/courses/{course.id}/sessions/"), headers=staff_auth,
                           json={"starts_on": "2026-04-01"})
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert response.json["errors"] == {"starts_on": ["The session must be between the course's first and last day."]}
    assert count(TrainingSession) == 3


def test_a_course_ending_before_it_starts_and_unknown_references_are_refused(client, tenant, other_tenant,
                                                                             staff_auth):
    theirs = make_project(other_tenant)
    valid = {"title_en": "Budget monitoring", "starts_on": "2026-05-01", "ends_on": "2026-05-02"}
    for change, errors in [
            ({"ends_on": "2026-04-30"}, {"ends_on": ["The course cannot end before it starts."]}),
            ({"project_id": theirs}, {"project_id": ["Choose one of your organisation's projects."]}),
            ({"title_en": " "}, {"title_en": ["Give the course a title in English or in Khmer."]}),
            ({"test_max_score": 0}, {"test_max_score": ["The maximum score must be a number above 0."]}),
            ({"trainers": [{"trainer_id": 12345}]},
             {"trainers": {"0": {"trainer_id": ["Choose one of your organisation's active trainers."]}}}),
            ({"kind": "historical", "project_id": theirs}, {"project_id": ["Choose one of your organisation's projects."]})]:
        response = client.post(api(tenant, "/courses/"), headers=staff_auth, json={**valid, **change})
        assert response.status_code == 422 and response.mimetype == PROBLEM, change
        assert response.json["errors"] == errors
    assert count(Course) == 0


def test_a_historical_course_is_created_without_sessions(client, tenant, staff_auth):
    created = client.post(api(tenant, "/courses/"), headers=staff_auth, json={
        "kind": "historical", "title_en": "Commune planning training (2019)", "starts_on": "2019-08-20",
        "ends_on": "2019-08-22", "objectives": "Planning with citizens."})
    assert created.status_code == 201, created.json
    assert created.json["kind"] == "historical" and created.json["objectives"] == "Planning with citizens."
    assert created.json["totals"]["participants"] == 0
    response = client.post(api(tenant, f"/courses/{created.json['id']}/sessions/"), headers=staff_auth,
                           json={"starts_on": "2019-08-20"})
    assert response.status_code == 422 and list(response.json["errors"]) == ["starts_on"]
    url = api(tenant, f"/courses/{created.json['id']}")
    etag = client.get(url, headers=staff_auth).headers["ETag"]
    changed = client.patch(url, json={"ends_on": "2019-08-23"}, headers={**staff_auth, "If-Match": etag})
    assert changed.status_code == 200 and changed.json["ends_on"] == "2019-08-23"


def test_course_list_filters_by_period_project_curriculum_and_kind(client, tenant, staff_auth):
    curriculum_id, (version_id,) = make_curriculum(tenant)
    project_id = make_project(tenant)
    with tenant_scope(tenant.id):
        spring = add_course(tenant, title_en="Spring course", starts_on=date(2025, 3, 3))
        autumn = add_course(tenant, title_en="Autumn course", starts_on=date(2025, 10, 6))
        old = Course(tenant_id=tenant.id, kind=CourseKind.HISTORICAL, title_en="2012 course",
                     starts_on=date(2012, 5, 1), ends_on=date(2012, 5, 3))
        old.totals = HistoricalTotals(tenant_id=tenant.id, participants=40, women=22, source="2012 annual report")
        db.session.add(old)
        autumn.project_id, autumn.curriculum_version_id = project_id, version_id
        db.session.commit()
        spring_id, autumn_id, old_id = spring.id, autumn.id, old.id

    def titles(query: str) -> list[str]:
        response = client.get(api(tenant, f"/courses/?{query}"), headers=staff_auth)
        assert response.status_code == 200, response.json
        return [item["title"] for item in response.json["items"]]

    assert titles("") == ["Autumn course", "Spring course", "2012 course"]
    assert titles("date_from=2025-03-04&date_to=2025-06-30") == ["Spring course"]
    assert titles(f"project_id={project_id}") == titles(f"curriculum_id={curriculum_id}") == ["Autumn course"]
    assert titles("kind=historical") == ["2012 course"]
    assert titles("sort=starts_on") == ["2012 course", "Spring course", "Autumn course"]
    detail = client.get(api(tenant, f"/courses/{old_id}"), headers=staff_auth).json
    assert detail["totals"]["participants"] == 40 and detail["totals"]["source"] == "2012 annual report"
    # A mistyped filter is reported, not ignored.
    assert client.get(api(tenant, "/courses/?kind=other"), headers=staff_auth).status_code == 400
    assert client.get(api(tenant, "/courses/?from=2025-01-01"), headers=staff_auth).status_code == 400
    reversed_period = client.get(api(tenant, "/courses/?date_from=2025-06-01&date_to=2025-01-01"), headers=staff_auth)
    # Two valid dates in the wrong order: a rule refuses them (422 of the business-rule type).
    assert reversed_period.status_code == 422 and reversed_period.json["type"] == BUSINESS_RULE_TYPE
    assert reversed_period.json["errors"] == {"date_to": ["The end date must not be before the start date."]}
    assert len({spring_id, autumn_id, old_id}) == 3


def test_course_patch_needs_if_match_and_keeps_sessions_inside_the_dates(client, tenant, course, staff_auth):
    url = api(tenant, f"/courses/{course.id}")
    etag = client.get(url, headers=staff_auth).headers["ETag"]
    assert client.patch(url, json={"title_en": "B"}, headers=staff_auth).status_code == 428
    too_short = client.patch(url, json={"ends_on": "2026-03-03"}, headers={**staff_auth, "If-Match": etag})
    assert too_short.status_code == 422
    assert too_short.json["errors"] == {"ends_on": [("A session of this course is on 2026-03-04, outside these "
                                                     "dates: move or delete it first.")]}
    changed = client.patch(url, json={"title_en": "A2I for councillors", "ends_on": "2026-03-06",
                                      "completion_percent": 100}, headers={**staff_auth, "If-Match": etag})
    assert changed.status_code == 200, changed.json
    assert (changed.json["title_en"], changed.json["ends_on"], changed.json["completion_percent"]) == (
        "A2I for councillors", "2026-03-06", 100)
    stale = client.patch(url, json={"title_en": "C"}, headers={**staff_auth, "If-Match": etag})
    assert stale.status_code == 412 and stale.mimetype == PROBLEM


def test_the_test_maximum_cannot_drop_below_recorded_scores(client, tenant, enrolled, staff_auth):
    with tenant_scope(tenant.id):
        services.set_scores(enrolled.enrolments[0], Decimal(8), Decimal("17.5"))
        db.session.commit()
    url = api(tenant, f"/courses/{enrolled.id}")
    etag = client.get(url, headers=staff_auth).headers["ETag"]
    response = client.patch(url, json={"test_max_score": 15}, headers={**staff_auth, "If-Match": etag})
    assert response.status_code == 422 and list(response.json["errors"]) == ["test_max_score"]


# --- attendance ---------------------------------------------------------------------------------------

def test_the_same_attendance_batch_twice_counts_once(client, tenant, enrolled, staff_auth):
    session = enrolled.sessions[0]
    first, second, third = enrolment_ids(tenant, enrolled)[:3]
    batch = {"items": [{"enrolment_id": first, "present": True}, {"enrolment_id": second, "present": True},
                       {"enrolment_id": third, "present": False}]}
    url = api(tenant, f"/sessions/{session.id}/attendance")
    sent = client.put(url, headers=staff_auth, json=batch)
    assert sent.status_code == 200, sent.json
    assert sent.json == {"session_id": session.id, "received": 3, "changed": 3, "present": 2, "absent": 1}
    again = client.post(url, headers=staff_auth, json=batch)       # the offline queue replayed
    assert again.json == {"session_id": session.id, "received": 3, "changed": 0, "present": 2, "absent": 1}
    assert count(Attendance) == 3
    roster = client.get(url, headers=staff_auth).json
    assert [row["present"] for row in roster["items"]] == [True, True, False, None, None]
    assert [row["status"] for row in roster["items"]][:3] == ["attended", "attended", "registered"]
    detail = client.get(api(tenant, f"/sessions/{session.id}"), headers=staff_auth).json
    assert (detail["present"], detail["absent"]) == (2, 1)


def test_a_mark_for_someone_not_enrolled_is_a_422_naming_the_item_and_saves_nothing(client, tenant, enrolled,
                                                                                    people, staff_auth):
    other = add_course(tenant, title_en="Another course")
    with tenant_scope(tenant.id):
        elsewhere = services.enrol(other, people[0])
        db.session.commit()
        elsewhere_id = elsewhere.id
    first = enrolment_ids(tenant, enrolled)[0]
    response = client.put(api(tenant, f"/sessions/{enrolled.sessions[0].id}/attendance"), headers=staff_auth,
                          json={"items": [{"enrolment_id": first, "present": True},
                                          {"enrolment_id": elsewhere_id, "present": True},
                                          {"enrolment_id": 99999, "present": False}]})
    assert response.status_code == 422 and response.mimetype == PROBLEM
    message = ["This person is not enrolled in the session's course."]
    assert response.json["errors"] == {"items": {"1": {"enrolment_id": message}, "2": {"enrolment_id": message}}}
    assert count(Attendance) == 0


def test_a_dropped_participant_cannot_be_marked_present(client, tenant, enrolled, staff_auth):
    with tenant_scope(tenant.id):
        enrolled.enrolments[0].status = EnrolmentStatus.DROPPED
        db.session.commit()
    first = enrolment_ids(tenant, enrolled)[0]
    response = client.put(api(tenant, f"/sessions/{enrolled.sessions[0].id}/attendance"), headers=staff_auth,
                          json={"items": [{"enrolment_id": first, "present": True}]})
    assert response.status_code == 422 and list(response.json["errors"]["items"]["0"]) == ["present"]


# --- enrolments ---------------------------------------------------------------------------------------

def test_token_enrols_a_person_and_records_scores(client, tenant, course, people, staff_auth):
    created = client.post(api(tenant, "/enrolments/"), headers=staff_auth,
                          json={"course_id": course.id, "contact_id": people[0].id})
    assert created.status_code == 201, created.json
    assert (created.json["name"], created.json["status"], created.json["source"]) == (
        "Sok Sreyny / សុខ ស្រីនី", "registered", "form")
    again = client.post(api(tenant, "/enrolments/"), headers=staff_auth,
                        json={"course_id": course.id, "contact_id": people[0].id, "status": "invited"})
    assert again.json["id"] == created.json["id"] and again.json["status"] == "registered"
    url = api(tenant, f"/enrolments/{created.json['id']}")
    etag = client.get(url, headers=staff_auth).headers["ETag"]
    too_high = client.patch(url, json={"post_score": 25}, headers={**staff_auth, "If-Match": etag})
    assert too_high.status_code == 422
    assert too_high.json["errors"] == {"post_score": ["A score must be between 0 and the test's maximum, 20."]}
    scored = client.patch(url, json={"pre_score": 8, "post_score": "15.5", "status": "completed"},
                          headers={**staff_auth, "If-Match": etag})
    assert scored.status_code == 200, scored.json
    assert (scored.json["pre_score"], scored.json["post_score"], scored.json["gain"], scored.json["status"]) == (
        8.0, 15.5, 7.5, "completed")
    listed = client.get(api(tenant, f"/enrolments/?course_id={course.id}"), headers=staff_auth).json
    assert [item["id"] for item in listed["items"]] == [created.json["id"]]


def test_organisations_and_other_tenants_people_cannot_be_enrolled(client, tenant, other_tenant, course,
                                                                   staff_auth):
    with tenant_scope(other_tenant.id):
        outsider = Contact(tenant_id=other_tenant.id, kind=ContactKind.PERSON, name_latin="Ros Vanny")
        db.session.add(outsider)
        db.session.commit()
    with tenant_scope(tenant.id):
        organisation = Contact(tenant_id=tenant.id, kind=ContactKind.ORGANISATION, name_latin="Budget Watch")
        db.session.add(organisation)
        db.session.commit()
    response = client.post(api(tenant, "/enrolments/"), headers=staff_auth,
                           json={"course_id": course.id, "contact_id": outsider.id})
    assert response.status_code == 422
    assert response.json["errors"] == {"contact_id": ["Choose a person from your contacts."]}
    response = client.post(api(tenant, "/enrolments/"), headers=staff_auth,
                           json={"course_id": course.id, "contact_id": organisation.id})
    assert response.json["errors"] == {"contact_id": ["Only people can be enrolled in a course."]}
    assert count(Enrolment) == 0


def test_an_enrolment_carries_its_valid_certificate_code(client, tenant, enrolled, staff_auth):
    from datetime import UTC, datetime
    first, second = enrolment_ids(tenant, enrolled)[:2]
    with tenant_scope(tenant.id):
        db.session.add_all([
            Certificate(tenant_id=tenant.id, enrolment_id=first, code="OLD-CODE-1", issued_on=date(2026, 3, 4),
                        revoked_at=datetime(2026, 3, 5, tzinfo=UTC), revoked_reason="Name misspelt"),
            Certificate(tenant_id=tenant.id, enrolment_id=first, code="KH7Q-2M4X", issued_on=date(2026, 3, 5))])
        db.session.commit()
    items = client.get(api(tenant, f"/enrolments/?course_id={enrolled.id}"), headers=staff_auth).json["items"]
    codes = {item["id"]: item["certificate_code"] for item in items}
    assert codes[first] == "KH7Q-2M4X" and codes[second] is None
    assert client.get(api(tenant, f"/enrolments/{first}"), headers=staff_auth).json["certificate_code"] == "KH7Q-2M4X"


# --- protection, permissions, isolation ---------------------------------------------------------------

def test_a_protected_participant_is_hidden_from_staff_and_in_lists(client, tenant, enrolled, staff_auth):
    protected_id = enrolment_ids(tenant, enrolled)[4]           # Sean Pisey, protected
    detail = client.get(api(tenant, f"/enrolments/{protected_id}"), headers=staff_auth)
    assert detail.json["identity_hidden"] is True and detail.json["name"].startswith("Protected person #")
    assert "Pisey" not in detail.text
    for url in (f"/enrolments/?course_id={enrolled.id}", f"/sessions/{enrolled.sessions[0].id}/attendance"):
        assert "Pisey" not in client.get(api(tenant, url), headers=staff_auth).text


def test_a_protected_participant_is_shown_to_an_admin_and_the_view_logged(client, tenant, enrolled):
    admin = token_for(make_member(tenant, Role.ADMIN), tenant)
    protected_id = enrolment_ids(tenant, enrolled)[4]
    detail = client.get(api(tenant, f"/enrolments/{protected_id}"), headers=admin).json
    assert detail["identity_hidden"] is False and detail["name"] == "Sean Pisey / ស៊ាន ពិសី"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "view_identity")) == 1
    listed = client.get(api(tenant, f"/enrolments/?course_id={enrolled.id}"), headers=admin).text
    assert "Pisey" not in listed


def test_viewer_reads_but_cannot_write(client, tenant, viewer, enrolled, people):
    auth = token_for(viewer, tenant)
    assert client.get(api(tenant, "/courses/"), headers=auth).status_code == 200
    for path, body in [("/courses/", {"title_en": "X", "starts_on": "2026-01-01", "ends_on": "2026-01-02"}),
                       ("/curricula/", {"title_en": "X"}),
                       (f"/courses/{enrolled.id}/sessions/", {"starts_on": "2026-03-02"}),
                       ("/enrolments/", {"course_id": enrolled.id, "contact_id": people[0].id}),
                       (f"/sessions/{enrolled.sessions[0].id}/attendance",
                        {"items": [{"enrolment_id": 1, "present": True}]})]:
        response = client.post(api(tenant, path), headers=auth, json=body)
        assert response.status_code == 403 and response.mimetype == PROBLEM, path


def test_another_tenants_ids_are_not_found(client, tenant, other_tenant, staff_auth):
    course = add_course(other_tenant)
    (person,) = add_people(other_tenant, rows=[("", "Ros Vanny", Sex.FEMALE, 2000, AgeGroup.NOT_RECORDED, False, False, False)])
    curriculum_id, _versions = make_curriculum(other_tenant)
    with tenant_scope(other_tenant.id):
        enrolment = services.enrol(course, person)
        db.session.commit()
        enrolment_id, session_id = enrolment.id, course.sessions[0].id
    for path in (f"/courses/{course.id}", f"/courses/{course.id}/sessions/", f"/sessions/{session_id}",
                 f"/sessions/{session_id}/attendance", f"/enrolments/{enrolment_id}", f"/curricula/{curriculum_id}"):
        assert client.get(api(tenant, path), headers=staff_auth).status_code == 404, path
    assert client.put(api(tenant, f"/sessions/{session_id}/attendance"), headers=staff_auth,
                      json={"items": [{"enrolment_id": enrolment_id, "present": True}]}).status_code == 404
    assert client.get(api(tenant, f"/enrolments/?course_id={course.id}"), headers=staff_auth).json["total"] == 0
    assert count(Attendance) == 0


def test_writes_are_audited_with_the_token(client, tenant, staff_auth):
    client.post(api(tenant, "/courses/"), headers=staff_auth,
                json={"title_en": "Budget monitoring", "starts_on": "2026-05-01", "ends_on": "2026-05-02"})
    event = db.session.execute(select(AuditEvent).where(AuditEvent.model == "Course",
                                                        AuditEvent.action == "insert")).scalar_one()
    assert "token" in event.actor_label


# --- list cost ----------------------------------------------------------------------------------------

def test_lists_cost_the_same_statements_for_few_and_many_rows(client, tenant, staff_auth):
    many = add_people(tenant, rows=[("", f"Person {n}", Sex.FEMALE, 1990, AgeGroup.NOT_RECORDED, False, False, n % 3 == 0)
                                    for n in range(30)])
    course = add_course(tenant)

    def statements(rows: int) -> tuple[int, ...]:
        with tenant_scope(tenant.id):
            while db.session.scalar(select(func.count()).select_from(Enrolment)) < rows:
                enrolment = services.enrol(course, many[db.session.scalar(
                    select(func.count()).select_from(Enrolment))])
                db.session.add(Certificate(tenant_id=tenant.id, enrolment_id=enrolment.id,
                                           code=f"CODE-{enrolment.id}", issued_on=date(2026, 3, 4)))
            db.session.commit()
        counted = []
        for path in (f"/enrolments/?course_id={course.id}&per_page=100", "/courses/",
                     f"/sessions/{course.sessions[0].id}/attendance?per_page=100"):
            with StatementCounter() as counter:
                assert client.get(api(tenant, path), headers=staff_auth).status_code == 200
            counted.append(counter.count)
        return tuple(counted)

    client.get("/api/v1/me", headers=staff_auth)    # records the token's use (once a minute)
    assert statements(3) == statements(30)


# --- reports ------------------------------------------------------------------------------------------

def test_the_report_counts_people_by_province_with_historical_totals(client, tenant, enrolled, staff_auth):
    kampot = Place(code="07", kind=PlaceKind.PROVINCE, name_en="Kampot", name_km="កំពត")
    kratie = Place(code="10", kind=PlaceKind.PROVINCE, name_en="Kratie", name_km="ក្រចេះ")
    db.session.add_all([kampot, kratie])
    db.session.commit()
    with tenant_scope(tenant.id):
        enrolled.place_id = kampot.id
        old = Course(tenant_id=tenant.id, kind=CourseKind.HISTORICAL, title_en="2015 course", place_id=kratie.id,
                     starts_on=date(2015, 5, 1), ends_on=date(2015, 5, 3))
        old.totals = HistoricalTotals(tenant_id=tenant.id, participants=40, women=22, completed=30)
        db.session.add(old)
        db.session.commit()
    everything = client.get(api(tenant, "/reports"), headers=staff_auth)
    assert everything.status_code == 200, everything.json
    report = everything.json
    assert (report["named"]["people"], report["named"]["women"]) == (5, 3)
    assert (report["from_totals"]["people"], report["total"]["people"], report["total"]["women"]) == (40, 45, 25)
    assert [(row["key"], row["label"], row["total"]["people"]) for row in report["by_province"]] == [
        ("07", "Kampot", 5), ("10", "Kratie", 40)]
    kampot_only = client.get(api(tenant, "/reports?province=07&date_from=2026-01-01"), headers=staff_auth).json
    assert kampot_only["province_name"] == "Kampot" and [c["title"] for c in kampot_only["courses"]] == [
        "Access to information for commune councils"]
    assert "Pisey" not in everything.text and "Sreyny" not in everything.text
    bad = client.get(api(tenant, "/reports?province=Kampot"), headers=staff_auth)
    assert bad.status_code in (400, 422) and list(bad.json["errors"]["query"]) == ["province"]
