"""project_choices: what a module's form offers when a user picks a project — the tenant's open
projects in the reader's language, a closed one only when the record already points to it."""
from __future__ import annotations

from core.extensions import db
from core.registers.models import ProjectStatus
from core.registers.projects import create_project, project_choices
from core.tenancy import tenant_scope


def make(tenant, code: str, **fields) -> int:
    with tenant_scope(tenant.id):
        project = create_project(tenant.id, code=code, **fields)
        db.session.commit()
        return project.id


def test_open_projects_are_offered_by_code_in_the_readers_language(tenant, other_tenant):
    active = make(tenant, "B-2025", title_en="Budget forums", title_km="វេទិកាថវិកា")
    planned = make(tenant, "A-2026", title_en="Access to information", status=ProjectStatus.PLANNED)
    make(tenant, "C-2024", title_en="Closed grant", status=ProjectStatus.CLOSED)
    make(other_tenant, "A-2025", title_en="Another organisation's grant")
    with tenant_scope(tenant.id):
        assert project_choices(tenant) == [(planned, "A-2026 · Access to information"),
                                           (active, "B-2025 · Budget forums")]
        assert project_choices(tenant, "km")[1] == (active, "B-2025 · វេទិកាថវិកា")


def test_a_closed_project_is_kept_for_the_record_that_uses_it(tenant):
    make(tenant, "B-2025", title_en="Budget forums")
    closed = make(tenant, "C-2024", title_en="Closed grant", status=ProjectStatus.CLOSED)
    with tenant_scope(tenant.id):
        assert closed not in dict(project_choices(tenant))
        assert closed in dict(project_choices(tenant, keep_id=closed))
        assert len(project_choices(tenant, include_closed=True)) == 2
