"""Errors: translated HTML pages and problem+json for the API; never a half-written change."""
from datetime import date

import pytest
from sqlalchemy import func, select

from core import create_app
from core.extensions import db
from core.models import AuditEvent
from core.tenancy import tenant_scope
from tests.conftest import app_config
from tests.example_plugin.models import FieldVisit


def test_unknown_page_gets_a_translated_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)
    khmer = client.get("/no/such/page", headers={"Accept-Language": "km"}).get_data(as_text=True)
    assert "Not found" not in khmer and '<html lang="km"' in khmer


def test_unknown_api_path_gets_problem_json(client):
    response = client.get("/api/v1/t/nowhere/visits/")
    assert response.status_code in (401, 404)
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == response.status_code and response.json["title"]


def test_oversized_request_gets_413_with_a_clear_message(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = client.post("/login", data={"email": "x@example.org", "password": "p" * 5000})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 10 * 1024 * 1024
    assert response.status_code == 413
    assert "larger than the limit" in response.get_data(as_text=True)


@pytest.fixture
def failing_app(db_url, tmp_path, app):
    """An app whose one extra page writes a row and then crashes, as a bug would."""
    failing = create_app(app_config(tmp_path, db_url, PROPAGATE_EXCEPTIONS=False, TESTING=False))

    @failing.get("/t/<tenant_slug>/crash")
    def crash():
        db.session.add(FieldVisit(title="Half-written", visited_on=date(2026, 1, 1)))
        db.session.flush()
        raise RuntimeError("bug in the middle of a change")

    return failing


def test_a_crash_rolls_back_everything_and_shows_a_500_page(failing_app, tenant, staff):
    staff.locale = "en"
    db.session.commit()
    client = failing_app.test_client()
    client.post("/login", data={"email": staff.email, "password": "correct-horse-battery-42"})
    response = client.get(f"/t/{tenant.slug}/crash")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)
    with tenant_scope(tenant.id):
        assert db.session.scalar(select(func.count()).select_from(FieldVisit)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.model == "FieldVisit")) == 0


def test_record_id_beyond_the_database_range_is_not_found(staff_client, tenant):
    assert staff_client.get(f"/t/{tenant.slug}/visits/{2**31}").status_code == 404
    assert staff_client.get(f"/t/{tenant.slug}/visits/{2**31 - 1}").status_code == 404
