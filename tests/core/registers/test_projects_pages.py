"""The projects pages as a user sees them: list with filters and pages, a project with its donor and
budget in the reader's language, creating and editing with clear errors, permissions and isolation."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEvent, Role
from core.registers.contacts import create_contact
from core.registers.models import ContactKind, Currency, OrganisationType, Project, ProjectStatus
from core.registers.projects import create_project
from core.tenancy import tenant_scope
from tests.helpers import login, make_member, statements_for


def make_organisation(tenant, name: str = "Mekong Civic Fund", name_km: str = "មូលនិធិពលរដ្ឋមេគង្គ") -> int:
    with tenant_scope(tenant.id):
        contact = create_contact(kind=ContactKind.ORGANISATION, name_latin=name, name_km=name_km,
                                 organisation_type=OrganisationType.DEVELOPMENT_PARTNER)
        db.session.commit()
        return contact.id


def make_person(tenant, name: str = "Sok Dara") -> int:
    with tenant_scope(tenant.id):
        contact = create_contact(kind=ContactKind.PERSON, name_latin=name)
        db.session.commit()
        return contact.id


def make_project(tenant, code: str = "A2I-2025", **fields) -> int:
    fields.setdefault("title_en", "Access to information in Kampot")
    with tenant_scope(tenant.id):
        project = create_project(tenant.id, code=code, **fields)
        db.session.commit()
        return project.id


def url(tenant, path: str = "") -> str:
    return f"/t/{tenant.slug}/projects/{path}"


def valid_form(**overrides) -> dict:
    form = {"code": "SNA-2026", "title_en": "Citizens and commune councils", "title_km": "ពលរដ្ឋ និងក្រុមប្រឹក្សាឃុំ",
            "donor_id": "", "starts_on": "2026-01-01", "ends_on": "2026-12-31", "budget": "25,000.50",
            "currency": "USD", "status": "active", "description": ""}
    form.update(overrides)
    return form


def test_list_shows_projects_with_donor_period_and_budget(client, tenant, viewer):
    donor = make_organisation(tenant)
    make_project(tenant, donor_id=donor, starts_on=date(2025, 1, 1), ends_on=date(2026, 6, 30),
                 budget=Decimal("450000"), currency=Currency.USD)
    login(client, viewer.email)
    page = client.get(url(tenant)).text
    assert "A2I-2025" in page and "Access to information in Kampot" in page
    assert "Mekong Civic Fund" in page and "$450,000.00" in page
    assert "New project" not in page   # viewers see, they do not add


def test_list_filters_by_status_and_text(staff_client, tenant):
    make_project(tenant, "A2I-2025", title_en="Access to information")
    make_project(tenant, "YTH-2024", title_en="Youth digital rights", status=ProjectStatus.CLOSED)
    page = staff_client.get(url(tenant, "?status=closed")).text
    assert "YTH-2024" in page and "A2I-2025" not in page
    page = staff_client.get(url(tenant, "?q=access")).text
    assert "A2I-2025" in page and "YTH-2024" not in page


def test_list_pages_through_many_projects(staff_client, tenant):
    with tenant_scope(tenant.id):
        for number in range(30):
            create_project(tenant.id, code=f"P-{number:02d}", title_en=f"Project {number}")
        db.session.commit()
    first = staff_client.get(url(tenant)).text
    second = staff_client.get(url(tenant, "?page=2")).text
    assert "30 projects" in first and "Page 1 of 2" in first
    assert first.count('href="/t/kampot-network/projects/') - second.count('href="/t/kampot-network/projects/') == 20


def test_list_costs_the_same_number_of_queries_for_more_projects(staff_client, tenant):
    def statements_with(rows: int) -> int:
        with tenant_scope(tenant.id):
            while db.session.scalar(select(func.count()).select_from(Project)) < rows:
                number = db.session.scalar(select(func.count()).select_from(Project))
                donor = create_contact(kind=ContactKind.ORGANISATION, name_latin=f"Partner {number}")
                create_project(tenant.id, code=f"P-{number:02d}", title_en=f"Project {number}", donor_id=donor.id)
            db.session.commit()
        return statements_for(staff_client, url(tenant))

    assert statements_with(2) == statements_with(25)


def test_khmer_page_shows_khmer_title_and_riel_without_cents(client, tenant):
    user = make_member(tenant, Role.STAFF, locale="km")
    project_id = make_project(tenant, title_km="សិទ្ធិទទួលបានព័ត៌មាន", budget=Decimal("180000000"),
                              currency=Currency.KHR)
    login(client, user.email)
    page = client.get(url(tenant, str(project_id))).text
    assert "សិទ្ធិទទួលបានព័ត៌មាន" in page
    assert "180,000,000៛" in page


def test_editor_creates_a_project_and_it_is_audited(admin_client, tenant):
    donor = make_organisation(tenant)
    response = admin_client.post(url(tenant, "new"), data=valid_form(donor_id=str(donor)))
    assert response.status_code == 302
    page = admin_client.get(response.headers["Location"]).text
    assert "SNA-2026" in page and "Mekong Civic Fund" in page and "$25,000.50" in page
    with tenant_scope(tenant.id):
        project = db.session.scalar(select(Project))
        assert project.budget == Decimal("25000.50") and project.donor_id == donor
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.model == "Project",
                                                          AuditEvent.action == "insert")) is not None


def test_duplicate_code_is_a_form_error(admin_client, tenant):
    make_project(tenant, "SNA-2026")
    response = admin_client.post(url(tenant, "new"), data=valid_form(code="sna-2026"))
    assert response.status_code == 422
    assert "Another project already has the code sna-2026." in response.text


def test_bad_period_budget_and_person_donor_are_form_errors(admin_client, tenant):
    person = make_person(tenant)
    cases = [({"ends_on": "2025-12-31"}, "The end date must not be before the start date."),
             ({"budget": "-5"}, "The budget cannot be negative."),
             ({"budget": "lots"}, "Give the budget as a number"),
             ({"donor_id": str(person)}, "Not a valid choice")]
    for change, message in cases:
        response = admin_client.post(url(tenant, "new"), data=valid_form(**change))
        assert response.status_code == 422, change
        assert message in response.text, change
    with tenant_scope(tenant.id):
        assert db.session.scalar(select(Project)) is None


def test_editor_changes_a_project(admin_client, tenant):
    project_id = make_project(tenant)
    form = admin_client.get(url(tenant, f"{project_id}/edit")).text
    assert 'value="A2I-2025"' in form
    response = admin_client.post(url(tenant, f"{project_id}/edit"),
                                 data=valid_form(code="A2I-2025", status="closed", budget=""))
    assert response.status_code == 302
    with tenant_scope(tenant.id):
        project = db.session.get(Project, project_id)
        assert project.status == ProjectStatus.CLOSED and project.budget is None


def test_staff_cannot_create_or_edit(staff_client, tenant):
    project_id = make_project(tenant)
    assert staff_client.get(url(tenant, "new")).status_code == 403
    assert staff_client.post(url(tenant, f"{project_id}/edit"), data=valid_form()).status_code == 403


def test_another_tenants_project_is_not_found(client, tenant, other_tenant):
    project_id = make_project(tenant, title_en="Secret grant")
    owner_b = make_member(other_tenant, Role.OWNER, email="owner@b.example")
    login(client, owner_b.email)
    assert client.get(url(other_tenant, str(project_id))).status_code == 404
    assert client.post(url(other_tenant, f"{project_id}/edit"), data=valid_form()).status_code == 404
    assert "Secret grant" not in client.get(url(other_tenant)).text
