"""The global search finds courses and curricula by their English or Khmer title, in the tenant only."""
from __future__ import annotations

from core.extensions import db
from core.tenancy import tenant_scope
from plugins.training_registry.models import Curriculum
from tests.plugins.training_registry.conftest import add_course


def search(client, tenant, query):
    response = client.get(f"/t/{tenant.slug}/search", query_string={"q": query})
    assert response.status_code == 200
    return response.text


def test_courses_and_curricula_are_found_by_title_in_english_and_khmer(staff_client, tenant, other_tenant):
    course = add_course(tenant, title_en="Budget monitoring", title_km="ការតាមដានថវិកា")
    add_course(other_tenant, title_en="Budget hearings of another tenant")
    with tenant_scope(tenant.id):
        curriculum = Curriculum(tenant_id=tenant.id, title_en="Budget literacy manual", title_km="សៀវភៅណែនាំថវិកា",
                                topic="Public finance")
        db.session.add(curriculum)
        db.session.commit()
    page = search(staff_client, tenant, "budget")
    assert "Budget monitoring" in page and f"/t/{tenant.slug}/training/courses/{course.id}" in page
    assert "Budget literacy manual" in page and f"/t/{tenant.slug}/training/curricula/{curriculum.id}" in page
    assert "another tenant" not in page
    khmer = search(staff_client, tenant, "ថវិកា")
    assert f"/training/courses/{course.id}" in khmer and f"/training/curricula/{curriculum.id}" in khmer
    assert f"/training/courses/{course.id}" not in search(staff_client, tenant, "pepper")
