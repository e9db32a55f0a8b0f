"""Curricula and manuals: created and edited by editors, versions with their files (checked, stored
outside the web root, downloaded by members), the courses that used each version, and other
tenants kept out."""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.training_registry import curricula
from plugins.training_registry.models import Curriculum, CurriculumFile, CurriculumVersion, VersionStatus
from tests.helpers import login, make_member, statements_for
from tests.plugins.training_registry.conftest import add_course

PDF = b"%PDF-1.4\n% facilitator manual, 2nd edition\n"
PPTX = b"PK\x03\x04" + b"\x00" * 40


def counted(client, url: str) -> int:
    """statements_for after a commit, so that every measure starts from the same expired session."""
    db.session.commit()
    return statements_for(client, url)


def base(tenant) -> str:
    return f"/t/{tenant.slug}/training/curricula"


def add_curriculum(tenant, title_en="Access to information for commune councils", versions=("1st edition 2023",),
                   files=False, **fields) -> Curriculum:
    with tenant_scope(tenant.id):
        curriculum = curricula.create_curriculum(title_en=title_en, title_km=fields.pop("title_km", ""),
                                                 topic=fields.pop("topic", "Access to information"), **fields)
        for number, label in enumerate(versions):
            curricula.add_version(curriculum, label=label, released_on=date(2023 + number, 1, 15),
                                  status=VersionStatus.APPROVED,
                                  files=[curricula.Upload(f"manual-{number}.pdf", PDF)] if files else None)
        db.session.commit()
    return curriculum


def test_an_editor_creates_and_edits_a_curriculum(staff_client, tenant):
    assert staff_client.get(f"{base(tenant)}/new").status_code == 200
    response = staff_client.post(f"{base(tenant)}/new", data={
        "title_en": "Social accountability basics", "title_km": "មូលដ្ឋានគ្រឹះគណនេយ្យភាពសង្គម",
        "topic": "Social accountability", "language": "km,en", "description": "Three days for CBO leaders."})
    assert response.status_code == 302
    curriculum = db.session.scalar(select(Curriculum))
    assert curriculum.title_km == "មូលដ្ឋានគ្រឹះគណនេយ្យភាពសង្គម" and curriculum.language == "km,en"
    html = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Social accountability basics" in html and "Khmer and English" in html
    assert "Three days for CBO leaders." in html

    response = staff_client.post(f"{base(tenant)}/{curriculum.id}/edit", data={
        "title_en": "Social accountability: the basics", "title_km": "", "topic": "Social accountability",
        "language": "en", "description": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Curriculum, curriculum.id).title_en == "Social accountability: the basics"
    listing = staff_client.get(f"{base(tenant)}/").get_data(as_text=True)
    assert "Social accountability: the basics" in listing


def test_a_curriculum_without_a_title_or_a_duplicate_is_refused_with_a_message(staff_client, tenant):
    add_curriculum(tenant, title_en="Budget monitoring")
    response = staff_client.post(f"{base(tenant)}/new", data={"title_en": "", "language": "km"})
    assert response.status_code == 422
    response = staff_client.post(f"{base(tenant)}/new", data={"title_en": "budget monitoring", "language": "km"})
    assert response.status_code == 422
    assert "already in the list" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Curriculum.id))) == 1


def test_versions_are_added_edited_and_retired_keeping_their_history(staff_client, tenant):
    curriculum = add_curriculum(tenant, versions=("1st edition 2023",))
    response = staff_client.post(f"{base(tenant)}/{curriculum.id}/versions/new", data={
        "label": "2nd edition 2025", "released_on": "2025-02-01", "status": "approved",
        "change_note": "New chapter on the A2I law.", "file": (io.BytesIO(PDF), "សៀវភៅណែនាំ ២០២៥.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    first = db.session.scalar(select(CurriculumVersion).where(CurriculumVersion.label == "1st edition 2023"))
    assert staff_client.post(f"{base(tenant)}/{curriculum.id}/versions/{first.id}/edit", data={
        "label": "1st edition 2023", "released_on": "2023-01-15", "status": "retired",
        "change_note": "Replaced by the 2nd edition."}).status_code == 302
    html = staff_client.get(f"{base(tenant)}/{curriculum.id}").get_data(as_text=True)
    assert "2nd edition 2025" in html and "New chapter on the A2I law." in html and "សៀវភៅណែនាំ ២០២៥.pdf" in html
    assert "1st edition 2023" in html and "Retired" in html and "Approved" in html
    assert db.session.scalar(select(func.count(CurriculumVersion.id))) == 2
    # The same label twice is refused on the label.
    response = staff_client.post(f"{base(tenant)}/{curriculum.id}/versions/new", data={
        "label": "2nd Edition 2025", "status": "draft"})
    assert response.status_code == 422
    assert "already has a version called" in response.get_data(as_text=True)


def test_a_file_is_uploaded_downloaded_and_removed(staff_client, tenant, app):
    curriculum = add_curriculum(tenant)
    version = db.session.scalar(select(CurriculumVersion))
    url = f"{base(tenant)}/{curriculum.id}/versions/{version.id}/files/new"
    response = staff_client.post(url, data={"file": (io.BytesIO(PPTX), "slides.pptx")},
                                 content_type="multipart/form-data")
    assert response.status_code == 302
    stored = db.session.scalar(select(CurriculumFile))
    assert stored.content_type.endswith("presentationml.presentation") and stored.size_bytes == len(PPTX)
    path = Path(app.config["UPLOAD_FOLDER"]) / str(tenant.id) / "training" / stored.storage_name
    assert path.read_bytes() == PPTX
    download = staff_client.get(f"{base(tenant)}/{curriculum.id}/files/{stored.id}")
    assert download.status_code == 200 and download.data == PPTX
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "slides.pptx" in download.headers["Content-Disposition"]
    download.close()

    assert staff_client.post(f"{base(tenant)}/{curriculum.id}/files/{stored.id}/remove").status_code == 302
    assert db.session.scalar(select(func.count(CurriculumFile.id))) == 0
    assert not path.exists()
    assert "No file yet." in staff_client.get(f"{base(tenant)}/{curriculum.id}").get_data(as_text=True)


def test_a_file_that_is_not_what_it_says_is_refused_and_nothing_saved(staff_client, tenant, app):
    curriculum = add_curriculum(tenant, versions=())
    folder = Path(app.config["UPLOAD_FOLDER"]) / str(tenant.id) / "training"
    files_before = set(folder.iterdir()) if folder.exists() else set()    # other tests' files may be there
    response = staff_client.post(f"{base(tenant)}/{curriculum.id}/versions/new", data={
        "label": "Draft", "status": "draft", "file": (io.BytesIO(b"MZ\x90 not a pdf"), "manual.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "does not match its name" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CurriculumVersion.id))) == 0
    response = staff_client.post(f"{base(tenant)}/{curriculum.id}/versions/new", data={
        "label": "Draft", "status": "draft", "file": (io.BytesIO(b"#!/bin/sh"), "setup.exe")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Upload a PDF" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CurriculumFile.id))) == 0
    assert (set(folder.iterdir()) if folder.exists() else set()) == files_before


def test_the_refusal_is_in_khmer_for_a_khmer_reader(staff_client, tenant):
    curriculum = add_curriculum(tenant)
    version = db.session.scalar(select(CurriculumVersion))
    tenant.default_locale = "km"
    db.session.commit()
    response = staff_client.post(f"{base(tenant)}/{curriculum.id}/versions/{version.id}/files/new",
                                 data={"file": (io.BytesIO(b"not an image"), "photo.png")},
                                 content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "ខ្លឹមសារនៃឯកសារមិនត្រូវនឹងឈ្មោះរបស់វា (.png)" in html and "does not match its name" not in html
    assert db.session.scalar(select(func.count(CurriculumFile.id))) == 0


def test_a_too_large_file_is_refused(tenant):
    big = curricula.Upload("manual.pdf", b"%PDF-" + b"0" * curricula.MAX_FILE_BYTES)
    try:
        curricula.check_file(big)
    except curricula.DomainError as error:
        assert "larger than 20 MB" in str(error.message) and error.field == "file"
    else:
        raise AssertionError("a file over 20 MB was accepted")


def test_the_curriculum_page_lists_the_courses_of_each_version(staff_client, tenant):
    curriculum = add_curriculum(tenant, versions=("1st edition 2023", "2nd edition 2024"))
    first, second = curriculum.versions
    course = add_course(tenant, title_en="Kampot commune councils, March", starts_on=date(2026, 3, 2))
    other = add_course(tenant, title_en="Kep youth leaders", starts_on=date(2024, 6, 10), days=1)
    add_course(tenant, title_en="Course from no curriculum")
    with tenant_scope(tenant.id):
        db.session.get(type(course), course.id).curriculum_version_id = second.id
        db.session.get(type(other), other.id).curriculum_version_id = first.id
        db.session.commit()
    html = staff_client.get(f"{base(tenant)}/{curriculum.id}").get_data(as_text=True)
    second_part = html[html.index(f'id="version-{second.id}"'):html.index(f'id="version-{first.id}"')]
    first_part = html[html.index(f'id="version-{first.id}"'):]
    assert "Kampot commune councils, March" in second_part and "Kep youth leaders" not in second_part
    assert "Kep youth leaders" in first_part and "Kampot commune councils, March" not in first_part
    assert "Course from no curriculum" not in html
    assert f"/training/courses/{course.id}" in second_part
    assert "2 Mar 2026" in second_part or "Mar 2, 2026" in second_part
    assert f"/curricula/{curriculum.id}/learning-gain" in html


def test_the_curriculum_page_costs_the_same_queries_for_more_versions_files_and_courses(staff_client, tenant):
    curriculum = add_curriculum(tenant, versions=("v1",), files=True)
    course = add_course(tenant, title_en="Course one")
    with tenant_scope(tenant.id):
        db.session.get(type(course), course.id).curriculum_version_id = curriculum.versions[0].id
        db.session.commit()
    url = f"{base(tenant)}/{curriculum.id}"
    staff_client.get(url)
    few = counted(staff_client, url)
    with tenant_scope(tenant.id):
        loaded = curricula.get_curriculum(curriculum.id)
        for number in range(2, 7):
            version = curricula.add_version(loaded, label=f"v{number}", status="draft",
                                            files=[curricula.Upload("a.pdf", PDF), curricula.Upload("b.png",
                                                   b"\x89PNG\r\n\x1a\n" + b"0" * 10)])
            db.session.flush()
            for index in range(3):
                added = add_course(tenant, title_en=f"Course {number}.{index}", days=1)
                db.session.get(type(added), added.id).curriculum_version_id = version.id
        db.session.commit()
    assert counted(staff_client, url) == few


def test_the_list_searches_filters_and_costs_the_same_queries_for_more_rows(staff_client, tenant):
    add_curriculum(tenant, title_en="Budget monitoring", topic="Public finance")
    with tenant_scope(tenant.id):
        curricula.create_curriculum(title_en="Gender in local planning", topic="Gender", language="en")
        db.session.commit()
    listing = staff_client.get(f"{base(tenant)}/?q=finance").get_data(as_text=True)
    assert "Budget monitoring" in listing and "Gender in local planning" not in listing
    listing = staff_client.get(f"{base(tenant)}/?status=approved").get_data(as_text=True)
    assert "Budget monitoring" in listing and "Gender in local planning" not in listing
    few = counted(staff_client, f"{base(tenant)}/")
    for number in range(8):
        add_curriculum(tenant, title_en=f"Curriculum {number}", versions=("a", "b"))
    assert counted(staff_client, f"{base(tenant)}/") == few


def test_the_list_has_pages(staff_client, tenant):
    with tenant_scope(tenant.id):
        for number in range(30):
            curricula.create_curriculum(title_en=f"Curriculum {number:02d}")
        db.session.commit()
    first = staff_client.get(f"{base(tenant)}/").get_data(as_text=True)
    assert "Curriculum 00" in first and "Curriculum 29" not in first and "Page 1 of 2" in first
    assert "Curriculum 29" in staff_client.get(f"{base(tenant)}/?page=2").get_data(as_text=True)


def test_a_viewer_reads_and_downloads_but_cannot_edit(client, tenant):
    curriculum = add_curriculum(tenant, files=True)
    stored = db.session.scalar(select(CurriculumFile))
    version = stored.version_id
    login(client, make_member(tenant, Role.VIEWER).email)
    html = client.get(f"{base(tenant)}/{curriculum.id}").get_data(as_text=True)
    assert "manual-0.pdf" in html and "Add a version" not in html
    download = client.get(f"{base(tenant)}/{curriculum.id}/files/{stored.id}")
    assert download.status_code == 200 and download.data == PDF
    download.close()
    assert client.get(f"{base(tenant)}/new").status_code == 403
    assert client.post(f"{base(tenant)}/new", data={"title_en": "Mine", "language": "km"}).status_code == 403
    assert client.post(f"{base(tenant)}/{curriculum.id}/edit", data={"title_en": "X"}).status_code == 403
    assert client.post(f"{base(tenant)}/{curriculum.id}/versions/new", data={"label": "v9"}).status_code == 403
    assert client.post(f"{base(tenant)}/{curriculum.id}/versions/{version}/edit",
                       data={"label": "v9", "status": "retired"}).status_code == 403
    assert client.post(f"{base(tenant)}/{curriculum.id}/files/{stored.id}/remove").status_code == 403
    assert db.session.scalar(select(func.count(CurriculumFile.id))) == 1
    assert db.session.scalar(select(func.count(Curriculum.id))) == 1


def test_another_tenant_cannot_see_or_download(client, tenant, other_tenant):
    curriculum = add_curriculum(other_tenant, title_en="Their private manual", files=True)
    stored = db.session.scalar(select(CurriculumFile))
    login(client, make_member(tenant, Role.OWNER).email)
    assert client.get(f"{base(tenant)}/{curriculum.id}").status_code == 404
    assert client.get(f"{base(tenant)}/{curriculum.id}/files/{stored.id}").status_code == 404
    assert client.post(f"{base(tenant)}/{curriculum.id}/files/{stored.id}/remove").status_code == 404
    assert client.get(f"{base(tenant)}/{curriculum.id}/edit").status_code == 404
    assert "Their private manual" not in client.get(f"{base(tenant)}/").get_data(as_text=True)
    # Not through the tenant's own curriculum either.
    own = add_curriculum(tenant, title_en="Our manual")
    assert client.get(f"{base(tenant)}/{own.id}/files/{stored.id}").status_code == 404
    assert db.session.scalar(select(func.count(CurriculumFile.id))) == 1


def test_the_pages_render_in_khmer(staff_client, tenant):
    curriculum = add_curriculum(tenant, title_km="សិទ្ធិទទួលបានព័ត៌មាន", files=True)
    version = db.session.scalar(select(CurriculumVersion))
    tenant.default_locale = "km"
    db.session.commit()
    for url in (f"{base(tenant)}/", f"{base(tenant)}/?q=ព័ត៌មាន&status=approved", f"{base(tenant)}/{curriculum.id}",
                f"{base(tenant)}/new", f"{base(tenant)}/{curriculum.id}/edit", f"{base(tenant)}/{curriculum.id}/versions/new",
                f"{base(tenant)}/{curriculum.id}/versions/{version.id}/edit",
                f"{base(tenant)}/{curriculum.id}/versions/{version.id}/files/new"):
        response = staff_client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert 'lang="km"' in html, url
        assert url.endswith("/new") and "/versions/" not in url or "សិទ្ធិទទួលបានព័ត៌មាន" in html, url
