"""The projects API as a script sees it: list with filters, read, create, change with ETags, delete,
problem+json errors naming the field, permissions, isolation and a flat query count."""
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
from tests.helpers import StatementCounter, make_member, token_for

PROBLEM = "application/problem+json"




def api(tenant, path: str = "") -> str:
    return f"/api/v1/t/{tenant.slug}/projects/{path}"


def make_contact(tenant, kind=ContactKind.ORGANISATION, name="Nordic Democracy Partnership") -> int:
    with tenant_scope(tenant.id):
        fields = {"organisation_type": OrganisationType.DEVELOPMENT_PARTNER} if kind == ContactKind.ORGANISATION else {}
        contact = create_contact(kind=kind, name_latin=name, **fields)
        db.session.commit()
        return contact.id


def make_project(tenant, code="A2I-2025", **fields) -> int:
    fields.setdefault("title_en", "Access to information")
    with tenant_scope(tenant.id):
        project = create_project(tenant.id, code=code, **fields)
        db.session.commit()
        return project.id


def count_projects(tenant) -> int:
    with tenant_scope(tenant.id):
        return db.session.scalar(select(func.count()).select_from(Project))


def test_create_read_and_list_a_project(client, tenant, admin_user):
    headers = token_for(admin_user, tenant)
    donor = make_contact(tenant)
    response = client.post(api(tenant), headers=headers, json={
        "code": "SNA-2026", "title_en": "Citizens and commune councils", "title_km": "ពលរដ្ឋ និងក្រុមប្រឹក្សាឃុំ",
        "donor_id": donor, "starts_on": "2026-01-01", "ends_on": "2026-12-31", "budget": "125000.5",
        "currency": "USD", "status": "planned"})
    assert response.status_code == 201, response.json
    created = response.json
    assert created["budget"] == "125000.50" and created["budget_text"] == "$125,000.50"
    assert created["donor_name"] == "Nordic Democracy Partnership" and created["status"] == "planned"
    read = client.get(api(tenant, str(created["id"])), headers=headers)
    assert read.json == created and read.headers["ETag"]
    listed = client.get(api(tenant), headers=headers).json
    assert listed["total"] == 1 and listed["items"][0]["code"] == "SNA-2026"
    with tenant_scope(tenant.id):
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.model == "Project")) is not None


def test_list_filters_by_text_status_and_donor(client, tenant, staff):
    headers = token_for(staff, tenant)
    donor = make_contact(tenant)
    make_project(tenant, "A2I-2025", title_en="Access to information", donor_id=donor)
    make_project(tenant, "YTH-2024", title_en="Youth digital rights", status=ProjectStatus.CLOSED)
    codes = lambda query: [item["code"] for item in client.get(api(tenant, query), headers=headers).json["items"]]  # noqa: E731
    assert codes("?q=youth") == ["YTH-2024"]
    assert codes("?status=closed") == ["YTH-2024"]
    assert codes(f"?donor={donor}") == ["A2I-2025"]
    assert codes("?sort=-code") == ["YTH-2024", "A2I-2025"]
    bad = client.get(api(tenant, "?colour=blue"), headers=headers)
    assert bad.status_code == 400 and bad.content_type == PROBLEM


def test_invalid_input_is_a_problem_naming_the_field(client, tenant, admin_user):
    headers = token_for(admin_user, tenant)
    person = make_contact(tenant, ContactKind.PERSON, "Sok Dara")
    make_project(tenant, "A2I-2025")
    cases = [({"code": "a2i-2025"}, "code", "Another project already has the code"),
             ({"donor_id": person}, "donor_id", "must be an organisation"),
             ({"donor_id": 99999}, "donor_id", "Choose a donor"),
             ({"starts_on": "2026-06-01", "ends_on": "2026-01-01"}, "ends_on", "must not be before"),
             ({"budget": -1}, "budget", "The budget cannot be negative."),
             ({"budget": "1e20"}, "budget", "The budget is too large."),
             ({"budget": "12.345"}, "budget", "at most two decimals"),
             ({"currency": "EUR"}, "currency", "")]
    for change, field, message in cases:
        body = {"code": "NEW-1", "title_en": "New", **change}
        response = client.post(api(tenant), headers=headers, json=body)
        assert response.status_code == 422, change
        assert response.content_type == PROBLEM
        errors = response.json["errors"]
        messages = errors.get("json", errors).get(field) or errors.get(field)
        assert messages and message in " ".join(messages), (change, errors)
    assert count_projects(tenant) == 1


def test_patch_needs_the_current_etag(client, tenant, admin_user):
    headers = token_for(admin_user, tenant)
    project_id = make_project(tenant, budget=Decimal("100"), currency=Currency.USD)
    url = api(tenant, str(project_id))
    assert client.patch(url, json={"status": "closed"}, headers=headers).status_code == 428
    etag = client.get(url, headers=headers).headers["ETag"]
    changed = client.patch(url, json={"status": "closed", "budget": 400000, "currency": "KHR"},
                           headers={**headers, "If-Match": etag})
    assert changed.status_code == 200
    assert changed.json["status"] == "closed" and changed.json["budget_text"] == "KHR400,000"
    stale = client.patch(url, json={"title_en": "Other"}, headers={**headers, "If-Match": etag})
    assert stale.status_code == 412 and stale.content_type == PROBLEM
    ends_early = client.patch(url, json={"starts_on": "2026-02-01", "ends_on": "2026-01-01"},
                              headers={**headers, "If-Match": changed.headers["ETag"]})
    assert ends_early.status_code == 422


def test_delete_with_etag(client, tenant, admin_user):
    headers = token_for(admin_user, tenant)
    project_id = make_project(tenant)
    url = api(tenant, str(project_id))
    assert client.delete(url, headers=headers).status_code == 428
    etag = client.get(url, headers=headers).headers["ETag"]
    assert client.delete(url, headers={**headers, "If-Match": etag}).status_code == 204
    assert client.get(url, headers=headers).status_code == 404
    assert count_projects(tenant) == 0


def test_viewer_may_read_but_not_write(client, tenant, viewer):
    headers = token_for(viewer, tenant)
    project_id = make_project(tenant)
    assert client.get(api(tenant, str(project_id)), headers=headers).status_code == 200
    response = client.post(api(tenant), headers=headers, json={"code": "X", "title_en": "X"})
    assert response.status_code == 403 and response.content_type == PROBLEM


def test_another_tenants_project_is_not_found(client, tenant, other_tenant):
    project_id = make_project(tenant, title_en="Secret grant")
    owner_b = make_member(other_tenant, Role.OWNER, email="owner@b.example")
    headers = token_for(owner_b, other_tenant)
    assert client.get(api(other_tenant, str(project_id)), headers=headers).status_code == 404
    assert client.patch(api(other_tenant, str(project_id)), json={"title_en": "Mine"},
                        headers={**headers, "If-Match": "x"}).status_code == 404
    assert client.get(api(other_tenant), headers=headers).json["total"] == 0
    donor_a = make_contact(tenant)
    response = client.post(api(other_tenant), headers=headers, json={"code": "B-1", "title_en": "B",
                                                                     "donor_id": donor_a})
    assert response.status_code == 422   # tenant A's organisation is not a donor tenant B can choose


def test_list_costs_the_same_number_of_queries_for_more_projects(client, tenant, staff):
    headers = token_for(staff, tenant)
    client.get("/api/v1/me", headers=headers)   # records the token's use (once a minute)

    def statements_with(rows: int) -> int:
        with tenant_scope(tenant.id):
            while db.session.scalar(select(func.count()).select_from(Project)) < rows:
                number = db.session.scalar(select(func.count()).select_from(Project))
                donor = create_contact(kind=ContactKind.ORGANISATION, name_latin=f"Partner {number}")
                create_project(tenant.id, code=f"P-{number:02d}", title_en=f"Project {number}", donor_id=donor.id,
                               starts_on=date(2025, 1, 1))
            db.session.commit()
        with StatementCounter() as counter:
            response = client.get(api(tenant, "?per_page=100"), headers=headers)
        assert response.status_code == 200 and response.json["total"] == rows
        return counter.count

    assert statements_with(2) == statements_with(30)
