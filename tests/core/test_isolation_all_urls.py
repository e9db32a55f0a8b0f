"""The generic isolation proof: walk every registered URL rule (core, built-in plugins and the test
plugin, pages and API) and show that a member of tenant B gets 404 — never 200 with A's data — for
tenant A's lists and records. A new plugin is covered without writing a test for it."""
import io
import zipfile
from datetime import date

import pytest
from werkzeug.routing import Rule

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from tests.example_plugin.models import FieldVisit
from tests.helpers import login, make_member

SECRET = "Confidential-visit-to-Kampong-Speu"


@pytest.fixture(autouse=True, params=["orm-and-database-walls",
                                      pytest.param("database-wall-alone", marks=pytest.mark.postgresql)])
def walls(request):
    """On PostgreSQL every proof runs a second time with the ORM's tenant filter switched off: the
    database's row-level security (core/rls.py) must hold on its own."""
    if request.param == "database-wall-alone":
        request.getfixturevalue("orm_wall_off")
    return request.param


def tenant_rules(app) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if "tenant_slug" in rule.arguments]


def fill_arguments(rule: Rule, tenant_slug: str, record_id: int) -> str | None:
    values = {}
    for name in rule.arguments:
        if name == "tenant_slug":
            values[name] = tenant_slug
        elif name.endswith("_id") or name == "id":
            values[name] = record_id
        else:
            values[name] = "x"
    try:
        return rule.build(values, append_unknown=False)[1]
    except Exception:
        return None


def test_every_tenant_url_is_covered(app):
    rules = tenant_rules(app)
    assert any(rule.endpoint.startswith("visits.") for rule in rules), "the test plugin's routes must be walked"
    assert len(rules) >= 5


def token_headers(user, tenant) -> dict:
    from sqlalchemy import select

    from core.auth.tokens import issue_token
    from core.models import Membership
    membership = db.session.execute(select(Membership).where(Membership.user_id == user.id,
                                                             Membership.tenant_id == tenant.id)).scalar_one()
    _token, secret = issue_token(membership, "walker", 1)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "DELETE"])
def test_member_of_another_tenant_never_reaches_tenant_a(app, client, tenant, other_tenant, method):
    owner_b = make_member(other_tenant, Role.OWNER, email="owner@b.example")
    make_member(tenant, Role.OWNER, email="owner@a.example")
    with tenant_scope(tenant.id):
        visit = FieldVisit(title=SECRET, visited_on=date(2026, 2, 1), notes=SECRET)
        db.session.add(visit)
        db.session.commit()
        record_id = visit.id
    login(client, owner_b.email)
    api_headers = token_headers(owner_b, other_tenant)   # the API takes tokens, not the session
    checked = 0
    for rule in tenant_rules(app):
        if method not in rule.methods:
            continue
        url = fill_arguments(rule, tenant.slug, record_id)
        if url is None:
            continue
        headers = {"Accept": "text/html", **(api_headers if url.startswith("/api/") else {})}
        response = client.open(url, method=method, headers=headers)
        body = response.get_data(as_text=True)
        assert SECRET not in body, f"{method} {url} leaked tenant A's data"
        if getattr(app.view_functions[rule.endpoint], "samaki_public", False):
            continue   # published pages are public by design; they still must not leak unpublished data
        assert response.status_code == 404, f"{method} {url} answered {response.status_code}, expected 404"
        checked += 1
    assert checked > 0
    # Tenant A's record is untouched by every POST.
    with tenant_scope(tenant.id):
        assert db.session.get(FieldVisit, record_id).title == SECRET


def readable_text(response) -> str:
    """The response as text; an Excel file unzipped first (its cells are compressed)."""
    body = response.get_data()
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as workbook:
            return "".join(workbook.read(name).decode("utf-8", "replace") for name in workbook.namelist())
    return body.decode("utf-8", "replace")


def tenant_a_records(tenant, owner_a) -> set[int]:
    """One record of each tenant-owned kind the core registers hold, in tenant A, carrying SECRET;
    returns their ids (the walk tries each in tenant B's URL space)."""
    from core.registers.models import (ClosureDay, Contact, ContactImport, Institution, InstitutionKind, Project)
    with tenant_scope(tenant.id):
        records = [FieldVisit(title=SECRET, visited_on=date(2026, 2, 1)),
                   Contact(name_latin=SECRET, notes=SECRET),
                   Project(code="SECRET-1", title_en=SECRET),
                   Institution(code="SECRET-INST", kind=InstitutionKind.OTHER, name_en=SECRET),
                   ClosureDay(day=date(2026, 2, 2), label=SECRET),
                   ContactImport(file_name=SECRET, rows=[{"name_latin": SECRET}], created_by_id=owner_a.id)]
        db.session.add_all(records)
        db.session.commit()
        return {record.id for record in records}


def test_member_of_tenant_b_sees_own_record_ids_only(app, client, tenant, other_tenant):
    """The same record id inside tenant B's URL space finds nothing: ids are not a way across."""
    owner_b = make_member(other_tenant, Role.OWNER, email="owner@b.example")
    owner_a = make_member(tenant, Role.OWNER, email="owner@a.example")
    record_ids = tenant_a_records(tenant, owner_a)
    # Memberships are numbered across tenants: A's is walked too; B's own are B's to see.
    from sqlalchemy import select

    from core.models import Membership
    memberships = dict(db.session.execute(select(Membership.id, Membership.tenant_id)).all())
    record_ids |= {number for number, tenant_id in memberships.items() if tenant_id == tenant.id}
    login(client, owner_b.email)
    headers = token_headers(owner_b, other_tenant)
    for record_id in sorted(record_ids):
        for rule in tenant_rules(app):
            if "GET" not in rule.methods or not any(a.endswith("_id") for a in rule.arguments):
                continue
            if "membership_id" in rule.arguments and memberships.get(record_id) == other_tenant.id:
                continue
            url = fill_arguments(rule, other_tenant.slug, record_id)
            if url is None:
                continue
            response = client.get(url, headers=headers if url.startswith("/api/") else {})
            assert SECRET not in response.get_data(as_text=True), f"GET {url} leaked tenant A's data"
            assert response.status_code in (404, 302, 403, 405), f"GET {url} answered {response.status_code}"


def test_tenant_b_lists_exports_and_searches_show_nothing_of_tenant_a(app, client, tenant, other_tenant):
    """Every list, export and search page of tenant B (no record id in the URL) is free of A's rows."""
    owner_b = make_member(other_tenant, Role.OWNER, email="owner@b.example")
    owner_a = make_member(tenant, Role.OWNER, email="owner@a.example")
    tenant_a_records(tenant, owner_a)
    login(client, owner_b.email)
    headers = token_headers(owner_b, other_tenant)
    walked = 0
    for rule in tenant_rules(app):
        if "GET" not in rule.methods or any(a != "tenant_slug" for a in rule.arguments):
            continue
        url = fill_arguments(rule, other_tenant.slug, 0)
        for query in ("", "?q=Confidential", "?q=SECRET"):
            response = client.get(url + query, headers=headers if url.startswith("/api/") else {})
            assert SECRET not in readable_text(response), f"GET {url}{query} leaked tenant A's data"
        walked += 1
    assert walked >= 20
