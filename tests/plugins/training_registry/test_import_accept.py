"""Accepting a participants import: new people become contacts and are enrolled (source import)
with their status, scores and attendance in one transaction; possible duplicates are enrolled as
the existing contact, added as new people or skipped as the user chose; importing the same file
again enrols nobody twice and counts no attendance twice; an Excel file works as a CSV does."""
from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent
from core.registers.contacts import create_contact
from core.registers.models import Contact, ContactKind, Sex
from core.tenancy import tenant_scope
from plugins.training_registry import services
from plugins.training_registry.models import Attendance, Enrolment, EnrolmentSource, EnrolmentStatus
from tests.helpers import login
from tests.plugins.training_registry.test_import_preview import csv_file, preview_url, upload, written

ROWS = [
    {"name_km": "សុខ ដារា", "name_latin": "Sok Dara", "sex": "female", "birth_year": "1996", "phone": "012 345 678",
     "status": "registered", "pre_score": "8", "post_score": "15.5", "2026-03-02": "yes", "2026-03-03": "1",
     "Day 3": "✓"},
    {"name_latin": "Chan Vuthy", "sex": "m", "status": "បានចុះឈ្មោះ", "2026-03-02": "no", "2026-03-03": "yes"},
    {"name_latin": "Lim Sophea", "sex": "f", "status": "dropped", "pre_score": "5"},
]


def accept(client, url: str, mode: str = "valid_only", **decisions):
    data = {"mode": mode, **{f"decision-{line.removeprefix('line')}": value for line, value in decisions.items()}}
    return client.post(f"{url}/accept", data=data)


def enrolments(tenant, course) -> dict[str, tuple]:
    """name -> (status, source, pre, post, {session day: present})."""
    db.session.expire_all()
    with tenant_scope(tenant.id):
        found = {}
        for enrolment in db.session.scalars(select(Enrolment).where(Enrolment.course_id == course.id)):
            marks = {row.session.starts_on.day: row.present for row in db.session.scalars(
                select(Attendance).where(Attendance.enrolment_id == enrolment.id))}
            found[enrolment.contact.name_latin] = (enrolment.status, enrolment.source, enrolment.pre_score,
                                                   enrolment.post_score, marks)
        return found


def test_accepting_enrols_the_people_with_status_scores_and_attendance(staff_client, tenant, course):
    url = preview_url(upload(staff_client, tenant, course, csv_file(ROWS)))
    response = accept(staff_client, url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/training/courses/{course.id}")
    found = enrolments(tenant, course)
    assert found["Sok Dara"] == (EnrolmentStatus.ATTENDED, EnrolmentSource.IMPORT, Decimal("8.00"),
                                 Decimal("15.50"), {2: True, 3: True, 4: True})
    assert found["Chan Vuthy"] == (EnrolmentStatus.ATTENDED, EnrolmentSource.IMPORT, None, None, {2: False, 3: True})
    assert found["Lim Sophea"] == (EnrolmentStatus.DROPPED, EnrolmentSource.IMPORT, Decimal("5.00"), None, {})
    assert written(tenant) == (3, 3, 5, 0)
    with tenant_scope(tenant.id):
        dara = db.session.scalar(select(Contact).where(Contact.name_latin == "Sok Dara"))
        assert (dara.name_km, dara.sex, dara.birth_year, dara.match_phone) == ("សុខ ដារា", Sex.FEMALE, 1996, "012345678")
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "training.import"))
        assert event.changes["rows_imported"] == 3 and event.changes["contacts_added"] == 3
        completed = services.completions(course)
        assert completed[db.session.scalar(select(Enrolment.id).where(Enrolment.contact_id == dara.id))].met


def test_importing_the_same_file_again_enrols_nobody_twice(staff_client, tenant, course):
    content = csv_file(ROWS)
    accept(staff_client, preview_url(upload(staff_client, tenant, course, content)))
    before = enrolments(tenant, course)
    url = preview_url(upload(staff_client, tenant, course, content))
    page = staff_client.get(url).get_data(as_text=True)
    assert "already enrolled in this course" in page
    assert accept(staff_client, url).status_code == 302          # the defaults: the people already enrolled
    assert enrolments(tenant, course) == before
    assert written(tenant) == (3, 3, 5, 0)
    # ...and choosing them by hand does the same
    with tenant_scope(tenant.id):
        dara_id = db.session.scalar(select(Contact.id).where(Contact.name_latin == "Sok Dara"))
    url = preview_url(upload(staff_client, tenant, course, content))
    assert accept(staff_client, url, line2=f"contact-{dara_id}").status_code == 302
    assert enrolments(tenant, course) == before and written(tenant) == (3, 3, 5, 0)


def test_a_possible_duplicate_is_enrolled_created_or_skipped_as_chosen(staff_client, tenant, course):
    with tenant_scope(tenant.id):
        dara = create_contact(kind=ContactKind.PERSON, name_latin="Sok Dara", phone="012345678")
        vuthy = create_contact(kind=ContactKind.PERSON, name_latin="Chan Vuthy")
        sophea = create_contact(kind=ContactKind.PERSON, name_latin="Lim Sophea")
        db.session.commit()
        ids = dara.id, vuthy.id, sophea.id
    url = preview_url(upload(staff_client, tenant, course, csv_file(ROWS)))
    page = staff_client.get(url).get_data(as_text=True)
    assert f'value="contact-{ids[0]}"' in page and 'name="decision-2"' in page
    assert 'value="skip" id="decision-3-skip" checked' in page      # nothing enrolled unless chosen
    assert written(tenant)[:2] == (3, 0)
    response = accept(staff_client, url, line2=f"contact-{ids[0]}", line3="new", line4="skip")
    assert response.status_code == 302
    found = enrolments(tenant, course)
    assert set(found) == {"Sok Dara", "Chan Vuthy"}
    with tenant_scope(tenant.id):
        enrolled = dict(db.session.execute(select(Contact.name_latin, Enrolment.contact_id).join(
            Enrolment, Enrolment.contact_id == Contact.id)).all())
        assert enrolled["Sok Dara"] == ids[0]                  # the existing contact
        assert enrolled["Chan Vuthy"] not in ids               # a new person
        assert db.session.scalar(select(Enrolment).where(Enrolment.contact_id == ids[2])) is None
    assert written(tenant)[:2] == (4, 2)


def test_a_choice_that_is_not_offered_is_refused(staff_client, tenant, course, people):
    with tenant_scope(tenant.id):
        create_contact(kind=ContactKind.PERSON, name_latin="Sok Dara")
        db.session.commit()
    url = preview_url(upload(staff_client, tenant, course, csv_file([{"name_latin": "Sok Dara"}])))
    response = accept(staff_client, url, line2=f"contact-{people[1].id}")     # not one of the row's matches
    assert response.status_code == 422
    assert "Choose what to do with line 2" in response.get_data(as_text=True)
    assert written(tenant)[1] == 0


def test_a_row_refused_when_accepting_leaves_nothing_half_written(staff_client, tenant, course):
    """Someone already enrolled who dropped out cannot be marked present: the whole import stops."""
    with tenant_scope(tenant.id):
        dara = create_contact(kind=ContactKind.PERSON, name_latin="Chan Dara")
        enrolment = services.enrol(course, dara, status=EnrolmentStatus.DROPPED)
        db.session.commit()
        dara_id, enrolment_id = dara.id, enrolment.id
    rows = [{"name_latin": "New Person", "2026-03-02": "yes"}, {"name_latin": "Chan Dara", "2026-03-02": "yes"}]
    url = preview_url(upload(staff_client, tenant, course, csv_file(rows)))
    response = accept(staff_client, url, line3=f"contact-{dara_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was imported: line 3 was refused." in html
    assert "Line 3: This person dropped out of the course." in html
    assert written(tenant) == (1, 1, 0, 1)                    # no "New Person", no attendance
    db.session.expire_all()
    with tenant_scope(tenant.id):
        assert db.session.get(Enrolment, enrolment_id).status is EnrolmentStatus.DROPPED


def test_an_excel_file_imports_like_a_csv(staff_client, tenant, course):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    from datetime import datetime
    sheet.append(["name_latin", "sex", "birth_year", "status", "pre_score", "post_score",
                  datetime(2026, 3, 2), datetime(2026, 3, 3)])
    sheet.append(["Sok Dara", "female", 1996, "completed", 8, 19.5, 1, 0])
    sheet.append(["Chan Vuthy", "male", 1980, None, None, 12, "yes", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    url = preview_url(upload(staff_client, tenant, course, buffer.getvalue(), "participants.xlsx"))
    assert "Rows with errors</h2>" not in staff_client.get(url).get_data(as_text=True)
    assert accept(staff_client, url).status_code == 302
    found = enrolments(tenant, course)
    assert found["Sok Dara"] == (EnrolmentStatus.COMPLETED, EnrolmentSource.IMPORT, Decimal("8.00"),
                                 Decimal("19.50"), {2: True, 3: False})
    assert found["Chan Vuthy"] == (EnrolmentStatus.ATTENDED, EnrolmentSource.IMPORT, None, Decimal("12.00"), {2: True})


def test_header_only_columns_of_the_core_are_still_contacts_columns(staff_client, tenant, course):
    """Khmer headers for the training columns are understood, as the core understands its own."""
    content = "\ufeffឈ្មោះឡាតាំង,ភេទ,ស្ថានភាព,ពិន្ទុមុន,Day 2\nSok Dara,ស្រី,បានអញ្ជើញ,7,✓\n".encode()
    url = preview_url(upload(staff_client, tenant, course, content))
    assert accept(staff_client, url).status_code == 302
    assert enrolments(tenant, course)["Sok Dara"] == (EnrolmentStatus.ATTENDED, EnrolmentSource.IMPORT,
                                                      Decimal("7.00"), None, {3: True})


def test_permissions_and_other_tenants_courses(client, tenant, other_tenant, course, viewer, staff):
    from tests.plugins.training_registry.conftest import add_course
    foreign = add_course(other_tenant)
    login(client, viewer.email)
    assert client.get(f"/t/{tenant.slug}/training/import/courses/{course.id}").status_code == 403
    assert upload(client, tenant, course, csv_file(ROWS)).status_code == 403
    client.post("/logout")
    login(client, staff.email)
    assert client.get(f"/t/{tenant.slug}/training/import/courses/{foreign.id}").status_code == 404
    assert upload(client, tenant, foreign, csv_file(ROWS)).status_code == 404
    url = preview_url(upload(client, tenant, course, csv_file(ROWS)))
    import_id = url.rstrip("/").split("/")[-1]
    # the pending import belongs to its course's pages only, not to another course's or the contacts import
    from tests.plugins.training_registry.conftest import add_course as another
    second = another(tenant, title_en="Second course")
    assert client.get(f"/t/{tenant.slug}/training/import/courses/{second.id}/{import_id}").status_code == 404
    assert client.get(f"/t/{tenant.slug}/contacts/io/import/{import_id}").status_code == 404
    assert written(tenant)[:2] == (0, 0)


def test_a_historical_course_takes_no_participants_file(staff_client, tenant, course):
    from plugins.training_registry.models import CourseKind
    with tenant_scope(tenant.id):
        db.session.get(type(course), course.id).kind = CourseKind.HISTORICAL
        db.session.commit()
    page = staff_client.get(f"/t/{tenant.slug}/training/import/courses/{course.id}")
    assert "A historical course has totals only" in page.get_data(as_text=True)
    response = upload(staff_client, tenant, course, csv_file(ROWS))
    assert response.status_code == 422 and written(tenant) == (0, 0, 0, 0)


