"""Importing a course's participants: the preview shows each row's problems in the reader's
language (contact columns, status, scores against the course's maximum, attendance cells, columns
that are no session of the course) and nothing is written until the user accepts."""
from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from core.extensions import db
from core.models import Role
from core.registers.models import Contact, ContactImport
from core.tenancy import tenant_scope
from plugins.training_registry.models import Attendance, Enrolment
from tests.helpers import login, make_member

HEADER = ["name_km", "name_latin", "sex", "birth_year", "phone", "status", "pre_score", "post_score",
          "2026-03-02", "2026-03-03", "Day 3"]


def csv_file(rows: list[dict], header=HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return ("\ufeff" + buffer.getvalue()).encode()


def upload(client, tenant, course, content: bytes, name: str = "participants.csv"):
    return client.post(f"/t/{tenant.slug}/training/import/courses/{course.id}",
                       data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def preview_url(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return response.headers["Location"]


def written(tenant) -> tuple[int, int, int, int]:
    """(contacts, enrolments, attendance rows, pending imports) of the tenant."""
    db.session.expire_all()
    with tenant_scope(tenant.id):
        return tuple(db.session.scalar(select(func.count(model.id)))
                     for model in (Contact, Enrolment, Attendance, ContactImport))


BAD_ROWS = [
    {"name_latin": "Sok Dara", "sex": "female", "birth_year": "1996", "status": "registered", "pre_score": "8",
     "post_score": "25", "2026-03-02": "yes"},
    {"name_latin": "Chan Vuthy", "sex": "boy", "status": "graduated", "2026-03-03": "maybe"},
    {"name_latin": "Lim Sophea", "sex": "f", "pre_score": "eight", "Day 3": "✓"},
]


def test_preview_names_each_rows_problems_in_english_and_writes_nothing(staff_client, tenant, course):
    content = csv_file(BAD_ROWS, HEADER + ["2026-03-09"])
    url = preview_url(upload(staff_client, tenant, course, content))
    page = staff_client.get(url)
    html = page.get_data(as_text=True).replace("&#34;", '"').replace("&#39;", "'")
    assert page.status_code == 200
    assert "Nothing has been imported yet." in html
    assert "Line 2, column post_score: A score must be between 0 and the test's maximum, 20." in html
    assert 'Line 3: sex cannot be "boy"' in html
    assert ('Line 3: status cannot be "graduated"; use one of: invited, registered, attended, completed, '
            "dropped.") in html
    assert 'Line 3: 2026-03-03 must be yes or no, not "maybe".' in html
    assert 'Line 4: pre_score "eight" is not a number.' in html
    assert written(tenant) == (0, 0, 0, 1)


def test_a_column_that_is_no_session_of_the_course_is_an_error_on_the_rows_filling_it(staff_client, tenant, course):
    header = ["name_latin", "2026-03-02", "2026-03-09", "Field visit"]
    rows = [{"name_latin": "Sok Dara", "2026-03-02": "1", "2026-03-09": "1"},
            {"name_latin": "Chan Vuthy", "2026-03-02": "0", "Field visit": "yes"},
            {"name_latin": "Lim Sophea", "2026-03-02": "1"}]
    html = staff_client.get(preview_url(upload(staff_client, tenant, course, csv_file(rows, header)))).get_data(
        as_text=True).replace("&#34;", '"')
    assert ('Line 2: the column "2026-03-09" is a date on which this course has no session '
            "(its sessions: 2026-03-02, 2026-03-03, 2026-03-04).") in html
    assert 'Line 3: the column "Field visit" is neither a column of the import nor a session of this course.' in html
    assert "Line 4" not in html.split("Rows with errors")[-1].split("Valid rows")[0]


def test_preview_errors_are_in_khmer_for_a_khmer_reader(client, tenant, course):
    user = make_member(tenant, Role.STAFF, locale="km")
    login(client, user.email)
    url = preview_url(upload(client, tenant, course, csv_file(BAD_ROWS)))
    html = client.get(url).get_data(as_text=True).replace("&#34;", '"')
    # worded by the core contacts import
    assert "ជួរទី 3៖ sex មិនអាចជា «boy» បានទេ។" in html
    assert "ជួរទី 3៖ status មិនអាចជា «graduated» បានទេ។" in html
    assert "ជួរទី 3៖ 2026-03-03 ត្រូវតែជា yes ឬ no មិនមែន «maybe» ទេ។" in html
    # worded by the training import and the training rules
    assert "ជួរទី 4៖ pre_score «eight» មិនមែនជាលេខទេ។" in html
    assert "ជួរទី 2 ជួរឈរ post_score៖" in html and "A score must be between" not in html
    assert "is not a number" not in html and "Line 3" not in html


def test_nothing_is_imported_before_accepting_and_cancel_deletes_the_upload(staff_client, tenant, course):
    url = preview_url(upload(staff_client, tenant, course, csv_file([{"name_latin": "Sok Dara",
                                                                      "2026-03-02": "yes"}])))
    assert written(tenant) == (0, 0, 0, 1)
    response = staff_client.post(f"{url}/cancel")
    assert response.status_code == 302
    assert written(tenant) == (0, 0, 0, 0)
    assert staff_client.get(url).status_code == 404


def test_the_template_file_heads_a_column_with_each_session_date(staff_client, tenant, course):
    response = staff_client.get(f"/t/{tenant.slug}/training/import/courses/{course.id}/template.csv")
    assert response.status_code == 200
    header = response.get_data(as_text=True).lstrip("\ufeff").splitlines()[0].split(",")
    assert header[:2] == ["name_km", "name_latin"] and "kind" not in header
    assert header[-6:] == ["status", "pre_score", "post_score", "2026-03-02", "2026-03-03", "2026-03-04"]
    page = staff_client.get(f"/t/{tenant.slug}/training/import/courses/{course.id}").get_data(as_text=True)
    assert "2026-03-03" in page and f"/training/courses/{course.id}" in page
