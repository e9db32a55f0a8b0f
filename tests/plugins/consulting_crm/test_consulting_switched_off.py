"""The consulting module is invisible where it is switched off: every consulting route (pages and API,
every method, walked from the URL map by the blueprints the module owns) and every consulting path of
the OpenAPI document answers 404 to the tenant's own owner, even with the ids of real records; and a
consulting tenant's ids answer 404 in another consulting tenant's URL space."""
from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from flask import current_app
from werkzeug.routing import Rule

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.consulting_crm.models import (Assignment, Availability, BudgetLine, ConsultantCV, Deliverable,
                                           Engagement, ExchangeRate, Invoice, InvoiceStatus, Proposal, ProposalFile,
                                           ProposalVersion, ProposedMember, Rating, Tranche)
from tests.helpers import login, make_member, token_for
from tests.plugins.consulting_crm.conftest import (add_consultant, add_opportunity, add_organisation, stage,
                                                    switch_off)

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
SECRET = "Confidential-consulting-bid"


def consulting_rules(app) -> list[Rule]:
    owners = app.extensions["samaki"].blueprint_plugin
    rules = [rule for rule in app.url_map.iter_rules()
             if owners.get(rule.endpoint.rpartition(".")[0]) == "consulting_crm"]
    assert any(rule.rule.startswith("/api/") for rule in rules) and any(rule.rule.startswith("/t/") for rule in rules)
    return rules


def real_records(tenant) -> dict[str, int]:
    """One record of each consulting kind in `tenant`, by the URL parameter that names it."""
    client = add_organisation(tenant, SECRET)
    consultant = add_consultant(tenant, "Chea Sokha")
    opportunity = add_opportunity(tenant, SECRET, client=client)
    won = add_opportunity(tenant, "Won bid", client=client, code="won")
    with tenant_scope(tenant.id):
        proposal = Proposal(tenant_id=tenant.id, opportunity_id=opportunity.id, title=SECRET)
        version = ProposalVersion(tenant_id=tenant.id, proposal=proposal, label="final")
        stored = ProposalFile(tenant_id=tenant.id, version=version, display_name="bid.pdf", storage_name=f"a{tenant.id:031d}",
                              content_type="application/pdf", size_bytes=10)
        line = BudgetLine(tenant_id=tenant.id, proposal=proposal, description="Team leader", quantity=Decimal(1),
                          unit_cost=Decimal(100))
        member = ProposedMember(tenant_id=tenant.id, proposal=proposal, consultant_id=consultant.id)
        availability = Availability(tenant_id=tenant.id, consultant_id=consultant.id, starts_on=date(2026, 1, 1),
                                    ends_on=date(2026, 2, 1))
        cv = ConsultantCV(tenant_id=tenant.id, consultant_id=consultant.id, display_name="cv.pdf",
                          storage_name=f"b{tenant.id:031d}", content_type="application/pdf", size_bytes=10)
        engagement = Engagement(tenant_id=tenant.id, opportunity_id=won.id, client_id=client.id, title=SECRET,
                                contract_value=Decimal(1000))
        deliverable = Deliverable(tenant_id=tenant.id, engagement=engagement, title="Report", due_on=date(2026, 3, 1))
        assignment = Assignment(tenant_id=tenant.id, engagement=engagement, consultant_id=consultant.id)
        tranche = Tranche(tenant_id=tenant.id, engagement=engagement, label="All", amount=Decimal(1000))
        invoice = Invoice(tenant_id=tenant.id, engagement=engagement, number="INV-0001", status=InvoiceStatus.ISSUED,
                          buyer_name=SECRET)
        rate = ExchangeRate(tenant_id=tenant.id, rate_on=date(2026, 1, 5), khr_per_usd=Decimal(4100))
        db.session.add_all([proposal, version, stored, line, member, availability, cv, engagement, deliverable,
                            assignment, tranche, invoice, rate])
        db.session.flush()
        rating = Rating(tenant_id=tenant.id, consultant_id=consultant.id, engagement_id=engagement.id, score=5)
        db.session.add(rating)
        db.session.commit()
        return {"client_id": client.id, "consultant_id": consultant.id, "opportunity_id": opportunity.id,
                "proposal_id": proposal.id, "version_id": version.id, "file_id": stored.id, "line_id": line.id,
                "member_id": member.id, "availability_id": availability.id, "cv_id": cv.id,
                "engagement_id": engagement.id, "deliverable_id": deliverable.id, "assignment_id": assignment.id,
                "tranche_id": tranche.id, "invoice_id": invoice.id, "rate_id": rate.id, "rating_id": rating.id,
                "stage_id": stage(tenant, "lead").id}


def fill(rule: Rule, slug: str, ids: dict[str, int]) -> str:
    values = {}
    for name in rule.arguments:
        if name == "tenant_slug":
            values[name] = slug
        elif name in ids:
            values[name] = ids[name]
        elif name.endswith("_id") or name == "id":
            pytest.fail(f"{rule.rule}: no real record for <{name}>; add one to real_records()")
        elif name == "file_format":
            values[name] = "csv"
        else:
            values[name] = "pipeline"
    return rule.build(values, append_unknown=False)[1]


def openapi_paths(client) -> list[tuple[str, str]]:
    document = client.get("/api/v1/openapi.json").get_json()
    found = [(path, method.upper()) for path, operations in document["paths"].items() if "/consulting/" in path
             for method in operations if method.upper() in METHODS]
    assert len({path for path, _method in found}) >= 12
    return found


@pytest.mark.parametrize("whose", ["own", "ngo"])
def test_every_consulting_route_and_api_path_is_404_where_switched_off(app, client, tenant, other_tenant, whose):
    """`own`: the consulting tenant itself switches the module off and asks for its own real records;
    `ngo`: an NGO tenant without the module asks with the consulting tenant's ids."""
    ids = real_records(tenant)
    asking = tenant if whose == "own" else other_tenant
    switch_off(asking)
    owner = make_member(asking, Role.OWNER, email="owner@asking.example")
    login(client, owner.email)
    headers = token_for(owner, asking)
    walked = 0
    for rule in consulting_rules(current_app):
        url = fill(rule, asking.slug, ids)
        for method in sorted(set(rule.methods) & set(METHODS)):
            response = client.open(url, method=method, headers=headers if url.startswith("/api/") else {},
                                   **({"json": {}} if url.startswith("/api/") and method != "GET" else {}))
            assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
            assert SECRET not in response.get_data(as_text=True)
            walked += 1
    for path, method in openapi_paths(client):
        url = re.sub(r"\{(\w+)\}", lambda m: asking.slug if m.group(1) == "tenant_slug" else str(ids[m.group(1)]),
                     path)
        response = client.open(url, method=method, headers=headers, **({"json": {}} if method != "GET" else {}))
        assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
        walked += 1
    assert walked >= 60
    # Nothing was changed by the walk.
    with tenant_scope(tenant.id):
        assert db.session.get(Invoice, ids["invoice_id"]).buyer_name == SECRET


def test_another_consulting_tenants_ids_answer_404(app, client, tenant, other_tenant):
    ids = real_records(tenant)
    own = real_records(other_tenant)      # the other tenant works with the module too, with records of its own
    foreign = {name: value for name, value in ids.items() if value != own[name]}
    owner = make_member(other_tenant, Role.OWNER, email="owner@other.example")
    login(client, owner.email)
    headers = token_for(owner, other_tenant)
    walked = 0
    for rule in consulting_rules(current_app):
        names = [name for name in rule.arguments if name.endswith("_id")]
        if not names or not all(name in foreign for name in names):
            continue
        url = fill(rule, other_tenant.slug, foreign)
        for method in sorted(set(rule.methods) & {"GET", "POST", "PATCH"}):
            # An API write is checked (If-Match present, a valid body) before its record is looked up,
            # for any id: send what passes those checks so that the lookup is what answers.
            api = url.startswith("/api/")
            body = {"stage": "qualified"} if url.endswith("/stage") else {"title": "Taken over"}
            sent = {"json": body} if api and method != "GET" else {}
            if api and method == "POST" and url.rstrip("/").endswith(("/cvs", "/files")):    # a file upload
                sent = {"data": {"file": (io.BytesIO(b"%PDF-1.4 taken over"), "cv.pdf")},
                        "content_type": "multipart/form-data"}
            response = client.open(url, method=method, headers={**headers, "If-Match": '"0"'} if api else {}, **sent)
            assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
            assert SECRET not in response.get_data(as_text=True)
            walked += 1
    assert walked >= 20
    with tenant_scope(tenant.id):
        assert db.session.get(Invoice, ids["invoice_id"]).buyer_name == SECRET
