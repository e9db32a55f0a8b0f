"""Ratings (1–5 with a comment, optionally for an engagement, averaged) and CV files (PDF, docx or
odt checked by their first bytes, 10 MB at most, stored outside the web root): managers only —
staff and viewers get 403 on these routes and never see them."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.errors import DomainError
from core.extensions import db
from core.models import AuditEvent, Role
from core.tenancy import tenant_scope
from core.uploads import Upload
from plugins.consulting_crm import pool
from plugins.consulting_crm.models import Consultant, ConsultantCV, Rating
from tests.helpers import login, make_member

PDF = b"%PDF-1.7\n% curriculum vitae\n"
DOCX = b"PK\x03\x04" + b"\x00" * 60


def base(tenant) -> str:
    return f"/t/{tenant.slug}/consulting/consultants"


def test_a_manager_rates_a_consultant_for_an_engagement_and_sees_the_average(admin_client, tenant, consultants,
                                                                            engagement):
    srey = consultants[0]
    url = f"{base(tenant)}/{srey.id}/ratings"
    response = admin_client.post(url, data={"score": "5", "engagement_id": str(engagement.id),
                                            "comment": "Excellent facilitation in Kampot."})
    assert response.status_code == 302
    assert admin_client.post(url, data={"score": "2", "engagement_id": "", "comment": "Late report."}
                             ).status_code == 302
    html = admin_client.get(f"{base(tenant)}/{srey.id}").get_data(as_text=True)
    assert "3.5 out of 5" in html and "2 ratings" in html
    assert "Excellent facilitation in Kampot." in html and "Digital rights curriculum update" in html
    assert f'href="/t/{tenant.slug}/consulting/engagements/{engagement.id}"' in html
    listing = admin_client.get(f"{base(tenant)}/").get_data(as_text=True)
    assert "3.5 out of 5" in listing
    rating = db.session.scalar(select(Rating).where(Rating.score == 5))
    assert rating.rated_by_id is not None and rating.engagement_id == engagement.id

    assert admin_client.post(f"{base(tenant)}/{srey.id}/ratings/{rating.id}/remove").status_code == 302
    assert db.session.scalar(select(func.count(Rating.id))) == 1


def test_bad_ratings_are_refused_and_nothing_is_saved(admin_client, tenant, consultants, engagement,
                                                      other_tenant):
    srey = consultants[0]
    url = f"{base(tenant)}/{srey.id}/ratings"
    assert admin_client.post(url, data={"score": "5", "engagement_id": str(engagement.id)}).status_code == 302
    for data, message in [({"score": "6"}, "valid choice"), ({"score": "0"}, "valid choice"),
                          ({"score": ""}, "required"),
                          ({"score": "4", "engagement_id": str(engagement.id)}, "already rated for this engagement"),
                          ({"score": "4", "engagement_id": "99999"}, "valid choice"),
                          ({"score": "4", "comment": "x" * 5001}, "5000")]:
        response = admin_client.post(url, data=data)
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), data
    assert db.session.scalar(select(func.count(Rating.id))) == 1
    # The service refuses what the form would not offer (another tenant's engagement, a score out of range).
    with tenant_scope(tenant.id):
        consultant = db.session.get(Consultant, srey.id)
        for score, engagement_id, field in [(9, None, "score"), ("x", None, "score"), (3, 424242, "engagement_id")]:
            with pytest.raises(DomainError) as refused:
                pool.add_rating(consultant, score, engagement_id=engagement_id)
            assert refused.value.field == field
        db.session.rollback()


def test_a_cv_is_uploaded_downloaded_and_removed(admin_client, tenant, consultants, app):
    srey = consultants[0]
    response = admin_client.post(f"{base(tenant)}/{srey.id}/cvs", data={
        "file": (io.BytesIO(PDF), "ស្រី ពៅ CV 2026.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    cv = db.session.scalar(select(ConsultantCV))
    assert cv.content_type == "application/pdf" and cv.size_bytes == len(PDF)
    path = Path(app.config["UPLOAD_FOLDER"]) / str(tenant.id) / "consulting" / cv.storage_name
    assert path.read_bytes() == PDF
    html = admin_client.get(f"{base(tenant)}/{srey.id}").get_data(as_text=True)
    assert "ស្រី ពៅ CV 2026.pdf" in html
    download = admin_client.get(f"{base(tenant)}/{srey.id}/cvs/{cv.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download.headers["Cache-Control"]
    download.close()
    # A CV is reached only through its own consultant.
    assert admin_client.get(f"{base(tenant)}/{consultants[1].id}/cvs/{cv.id}").status_code == 404

    assert admin_client.post(f"{base(tenant)}/{srey.id}/cvs/{cv.id}/remove").status_code == 302
    assert db.session.scalar(select(func.count(ConsultantCV.id))) == 0
    assert not path.exists()


def test_a_docx_cv_is_accepted_and_wrong_files_are_refused_with_a_message(admin_client, tenant, consultants, app):
    srey = consultants[0]
    url = f"{base(tenant)}/{srey.id}/cvs"
    assert admin_client.post(url, data={"file": (io.BytesIO(DOCX), "cv.docx")},
                             content_type="multipart/form-data").status_code == 302
    for data, name, message in [(b"MZ\x90\x00 not a pdf", "cv.pdf", "does not match its name"),
                                (PDF, "cv.exe", "PDF, Word (docx) or OpenDocument (odt)"),
                                (b"", "cv.pdf", "The file is empty."),
                                (b"%PDF-" + b"0" * 10, "cv.odt", "does not match its name")]:
        response = admin_client.post(url, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
        assert response.status_code == 422, name
        assert message in response.get_data(as_text=True), name
    response = admin_client.post(url, data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose a file to upload." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ConsultantCV.id))) == 1
    stored = list((Path(app.config["UPLOAD_FOLDER"]) / str(tenant.id) / "consulting").iterdir())
    assert len(stored) == 1                     # refused files leave nothing behind


def test_a_cv_over_10_mb_is_refused(tenant, consultants, app):
    with tenant_scope(tenant.id):
        consultant = db.session.get(Consultant, consultants[0].id)
        with pytest.raises(DomainError) as refused:
            pool.add_cv(consultant, Upload("cv.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024)))
        assert "larger than 10 MB" in str(refused.value.message)
        db.session.rollback()
    assert not (Path(app.config["UPLOAD_FOLDER"]) / str(tenant.id) / "consulting").exists()


def test_staff_and_viewers_get_403_on_ratings_and_cvs(client, tenant, consultants, engagement):
    srey = consultants[0]
    with tenant_scope(tenant.id):
        consultant = db.session.get(Consultant, srey.id)
        cv = pool.add_cv(consultant, Upload("cv.pdf", PDF))
        rating = pool.add_rating(consultant, 4, comment="Strong on budgets")
        db.session.commit()
        cv_id, rating_id = cv.id, rating.id
    for role in (Role.STAFF, Role.VIEWER):
        user = make_member(tenant, role)
        login(client, user.email)
        detail = client.get(f"{base(tenant)}/{srey.id}").get_data(as_text=True)
        assert "cv.pdf" not in detail and "Strong on budgets" not in detail and "out of 5" not in detail
        assert client.get(f"{base(tenant)}/{srey.id}/cvs/{cv_id}").status_code == 403
        assert client.post(f"{base(tenant)}/{srey.id}/cvs", data={"file": (io.BytesIO(PDF), "x.pdf")},
                           content_type="multipart/form-data").status_code == 403
        assert client.post(f"{base(tenant)}/{srey.id}/cvs/{cv_id}/remove").status_code == 403
        assert client.post(f"{base(tenant)}/{srey.id}/ratings", data={"score": "1"}).status_code == 403
        assert client.post(f"{base(tenant)}/{srey.id}/ratings/{rating_id}/remove").status_code == 403
        client.post("/logout")
    assert db.session.scalar(select(func.count(Rating.id))) == 1
    assert db.session.scalar(select(func.count(ConsultantCV.id))) == 1


def test_changes_to_the_pool_are_audited(admin_client, tenant, consultants):
    srey = consultants[0]
    assert admin_client.post(f"{base(tenant)}/{srey.id}/availability", data={
        "starts_on": "2026-07-01", "ends_on": "2026-07-31", "note": "after Pchum Ben planning"}).status_code == 302
    assert admin_client.post(f"{base(tenant)}/{srey.id}/edit", data={
        "expertise": "training", "languages": ["km"], "day_rate": "275", "rate_currency": "USD",
        "is_active": "y"}).status_code == 302
    models = set(db.session.scalars(select(AuditEvent.model).where(AuditEvent.tenant_id == tenant.id)))
    assert {"Availability", "Consultant"} <= models
    update = db.session.scalars(select(AuditEvent).where(AuditEvent.model == "Consultant",
                                                         AuditEvent.action == "update")).all()[-1]
    assert "expertise" in update.changes and "day_rate" in update.changes


def test_an_availability_period_is_added_merged_and_removed_on_the_page(staff_client, tenant, consultants):
    srey = consultants[0]
    url = f"{base(tenant)}/{srey.id}/availability"
    assert staff_client.post(url, data={"starts_on": "2026-03-01", "ends_on": "2026-03-15"}).status_code == 302
    assert staff_client.post(url, data={"starts_on": "2026-03-16", "ends_on": "2026-03-31"}).status_code == 302
    html = staff_client.get(f"{base(tenant)}/{srey.id}").get_data(as_text=True)
    assert "Mar 1, 2026 – Mar 31, 2026" in html
    response = staff_client.post(url, data={"starts_on": "2026-04-10", "ends_on": "2026-04-01"})
    assert response.status_code == 422
    assert "The last day cannot be before the first day." in response.get_data(as_text=True)
    response = staff_client.post(url, data={"starts_on": "", "ends_on": "2026-04-01"})
    assert response.status_code == 422
    from plugins.consulting_crm.models import Availability
    period = db.session.scalar(select(Availability))
    assert staff_client.post(f"{url}/{period.id}/remove").status_code == 302
    assert staff_client.post(f"{url}/{period.id}/remove").status_code == 404
    assert db.session.scalar(select(func.count(Availability.id))) == 0
