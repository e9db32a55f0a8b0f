"""Proposals for an opportunity: created from the opportunity, versions with checked files stored
outside the web root, budget lines and totals (riel also in dollars at the opportunity's rate), the
team proposed from the pool, submission (which the "submitted" stage needs), result and feedback;
bad input refused with nothing half-saved; other tenants, viewers and switched-off tenants kept out."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from core.errors import DomainError
from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.consulting_crm import proposals, services
from plugins.consulting_crm.models import (BudgetLine, Currency, Proposal, ProposalFile, ProposalResult,
                                           ProposalVersion, ProposedMember)
from tests.helpers import login, make_member, make_tenant, statements_for
from tests.plugins.consulting_crm.conftest import add_consultant, add_opportunity, stage, switch_off

PDF = b"%PDF-1.7\n% technical proposal\n"
DOCX = b"PK\x03\x04" + b"\x00" * 40


def base(tenant) -> str:
    return f"/t/{tenant.slug}/consulting/proposals"


def add_proposal(tenant, opportunity, title="Technical and financial proposal", currency=Currency.USD) -> Proposal:
    with tenant_scope(tenant.id):
        proposal = proposals.create_proposal(proposals.get_opportunity(opportunity.id), title=title,
                                             currency=currency)
        db.session.commit()
    return proposal


def test_an_editor_creates_a_proposal_from_the_opportunity(staff_client, tenant, opportunity):
    page = staff_client.get(f"{base(tenant)}/new?opportunity={opportunity.id}")
    assert page.status_code == 200 and opportunity.title in page.get_data(as_text=True)
    response = staff_client.post(f"{base(tenant)}/new?opportunity={opportunity.id}",
                                 data={"title": "", "currency": "USD"})
    assert response.status_code == 302
    proposal = db.session.scalar(select(Proposal))
    assert proposal.opportunity_id == opportunity.id and proposal.title == opportunity.title
    assert proposal.result is ProposalResult.PENDING
    html = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Not submitted yet" in html and "Proposals for this opportunity" in html
    assert staff_client.get(f"{base(tenant)}/new?opportunity=999999").status_code == 404
    assert staff_client.get(f"{base(tenant)}/new?opportunity=99999999999999999999").status_code == 404


def test_versions_carry_checked_files_that_members_download(staff_client, tenant, opportunity, app):
    proposal = add_proposal(tenant, opportunity)
    response = staff_client.post(f"{base(tenant)}/{proposal.id}/versions/new", data={
        "label": "Final", "note": "After the clarification meeting",
        "file": (io.BytesIO(PDF), "proposal-final.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    stored = db.session.scalar(select(ProposalFile))
    assert stored.display_name == "proposal-final.pdf" and stored.content_type == "application/pdf"
    path = proposals.file_path(stored)
    assert path.is_file() and "consulting" in str(path) and str(tenant.id) in str(path)
    version = db.session.scalar(select(ProposalVersion))
    response = staff_client.post(f"{base(tenant)}/{proposal.id}/versions/{version.id}/files/new", data={
        "file": (io.BytesIO(DOCX), "budget-notes.docx")}, content_type="multipart/form-data")
    assert response.status_code == 302
    html = staff_client.get(f"{base(tenant)}/{proposal.id}").get_data(as_text=True)
    assert "Final" in html and "proposal-final.pdf" in html and "budget-notes.docx" in html
    download = staff_client.get(f"{base(tenant)}/{proposal.id}/files/{stored.id}")
    assert download.status_code == 200 and download.data == PDF
    # A file whose content is not what its name says, an unknown type, a duplicate label: refused.
    response = staff_client.post(f"{base(tenant)}/{proposal.id}/versions/new", data={
        "label": "Revised", "file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "proposal.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 422 and "does not match its name" in response.get_data(as_text=True)
    response = staff_client.post(f"{base(tenant)}/{proposal.id}/versions/new", data={
        "label": "Revised", "file": (io.BytesIO(b"hello"), "virus.exe")}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Upload a PDF" in response.get_data(as_text=True)
    response = staff_client.post(f"{base(tenant)}/{proposal.id}/versions/new", data={"label": "final"})
    assert response.status_code == 422 and "already has a version" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ProposalVersion.id))) == 1
    assert db.session.scalar(select(func.count(ProposalFile.id))) == 2
    # Removing a file deletes the stored file once committed.
    response = staff_client.post(f"{base(tenant)}/{proposal.id}/files/{stored.id}/remove")
    assert response.status_code == 302 and not path.exists()


def test_a_file_over_20_mb_is_refused(tenant, opportunity):
    proposal = add_proposal(tenant, opportunity)
    with tenant_scope(tenant.id):
        big = proposals.Upload("annexes.zip", b"PK\x03\x04" + b"\x00" * (20 * 1024 * 1024))
        try:
            proposals.add_version(proposals.get_proposal(proposal.id), label="Annexes", files=[big])
        except DomainError as error:
            assert "larger than 20 MB" in str(error.message)
        else:
            raise AssertionError("a 20 MB + 4 bytes file was accepted")
        db.session.rollback()
    assert db.session.scalar(select(func.count(ProposalVersion.id))) == 0


def test_budget_lines_add_up_and_riel_is_shown_in_dollars_at_the_opportunity_rate(staff_client, tenant, client_org):
    opportunity = add_opportunity(tenant, "Provincial budget literacy", client=client_org, currency=Currency.KHR,
                                  value=Decimal("205000000"), khr_per_usd=Decimal("4100"))
    proposal = add_proposal(tenant, opportunity, currency=Currency.KHR)
    for description, quantity, cost in (("Trainer days", "12", "1,025,000"), ("Workshop venue", "3", "2050000")):
        response = staff_client.post(f"{base(tenant)}/{proposal.id}/budget/new", data={
            "line-description": description, "line-unit": "day", "line-quantity": quantity,
            "line-unit_cost": cost})
        assert response.status_code == 302
    # 12 × 1,025,000 + 3 × 2,050,000 = 18,450,000 riel = 4,500 US dollars at 4,100.
    with tenant_scope(tenant.id):
        loaded = proposals.get_proposal(proposal.id, full=True)
        assert proposals.budget_total(loaded) == Decimal("18450000.00")
        assert proposals.total_in_usd(loaded) == Decimal("4500.00")
    html = staff_client.get(f"{base(tenant)}/{proposal.id}").get_data(as_text=True)
    assert "18,450,000" in html and "$4,500.00" in html and "4,100" in html
    line = db.session.scalar(select(BudgetLine).where(BudgetLine.description == "Workshop venue"))
    response = staff_client.post(f"{base(tenant)}/{proposal.id}/budget/{line.id}/edit", data={
        "line-description": "Workshop venue", "line-unit": "day", "line-quantity": "2", "line-unit_cost": "2050000"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(BudgetLine, line.id).quantity == Decimal("2")


def test_negative_or_unreadable_amounts_are_refused_and_nothing_saved(staff_client, tenant, opportunity):
    proposal = add_proposal(tenant, opportunity)
    for quantity, cost, message in (("-1", "100", "cannot be negative"), ("2", "-5", "cannot be negative"),
                                    ("two", "100", "Give a number"), ("1", "1e20", "too large"),
                                    ("1", "10.555", "two decimals")):
        response = staff_client.post(f"{base(tenant)}/{proposal.id}/budget/new", data={
            "line-description": "Travel", "line-quantity": quantity, "line-unit_cost": cost})
        assert response.status_code == 422, (quantity, cost)
        assert message in response.get_data(as_text=True)
    response = staff_client.post(f"{base(tenant)}/{proposal.id}/budget/new", data={
        "line-description": "", "line-quantity": "1", "line-unit_cost": "5"})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(BudgetLine.id))) == 0


def test_the_team_is_proposed_from_the_pool_with_roles_and_days(staff_client, tenant, opportunity, consultants,
                                                                  other_tenant):
    proposal = add_proposal(tenant, opportunity)
    response = staff_client.post(f"{base(tenant)}/{proposal.id}/team/new", data={
        "consultant_id": str(consultants[0].id), "role": "Team leader", "days": "12.5"})
    assert response.status_code == 302
    html = staff_client.get(f"{base(tenant)}/{proposal.id}").get_data(as_text=True)
    assert "Srey Pov" in html and "Team leader" in html and "12.5" in html
    # Twice the same consultant, negative days, a consultant of another tenant: refused.
    stranger = add_consultant(other_tenant, "Chan Lina")
    for data, message in (({"consultant_id": str(consultants[0].id)}, "already in the proposed team"),
                          ({"consultant_id": str(consultants[1].id), "days": "-2"}, "cannot be negative"),
                          ({"consultant_id": str(stranger.id)}, "Choose a consultant of your pool")):
        response = staff_client.post(f"{base(tenant)}/{proposal.id}/team/new", data=data)
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ProposedMember.id))) == 1
    member = db.session.scalar(select(ProposedMember))
    assert staff_client.post(f"{base(tenant)}/{proposal.id}/team/{member.id}/remove").status_code == 302
    assert db.session.scalar(select(func.count(ProposedMember.id))) == 0


def test_submitting_lets_the_opportunity_enter_the_submitted_stage(staff_client, tenant, opportunity):
    proposal = add_proposal(tenant, opportunity)
    submitted = stage(tenant, "submitted")
    with tenant_scope(tenant.id):
        loaded = proposals.get_opportunity(opportunity.id)
        assert ("stage", services.REQUIREMENTS["proposal_submitted"][1]) in services.missing_for(loaded, submitted)
    response = staff_client.post(f"{base(tenant)}/{proposal.id}/submit", data={"submitted_on": "2099-01-01"})
    assert response.status_code == 422 and "between 2000 and today" in response.get_data(as_text=True)
    response = staff_client.post(f"{base(tenant)}/{proposal.id}/submit", data={"submitted_on": "2026-11-30"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).submitted_on == date(2026, 11, 30)
    with tenant_scope(tenant.id):
        loaded = proposals.get_opportunity(opportunity.id)
        assert services.missing_for(loaded, submitted) == []


def test_result_and_feedback_are_recorded_and_won_needs_a_submission(staff_client, tenant, opportunity):
    proposal = add_proposal(tenant, opportunity)
    edit = f"{base(tenant)}/{proposal.id}/edit"
    assert staff_client.get(edit).status_code == 200
    response = staff_client.post(edit, data={"title": "Proposal", "currency": "USD", "result": "won",
                                             "submitted_on": "", "feedback": ""})
    assert response.status_code == 422 and "only after it was submitted" in response.get_data(as_text=True)
    response = staff_client.post(edit, data={"title": "Proposal", "currency": "USD", "result": "lost",
                                             "submitted_on": "2026-10-01",
                                             "feedback": "Strong methodology; the budget was 20 % above others."})
    assert response.status_code == 302
    html = staff_client.get(f"{base(tenant)}/{proposal.id}").get_data(as_text=True)
    assert "Lost" in html and "the budget was 20 % above others" in html


def test_the_proposal_page_costs_the_same_queries_with_more_rows(staff_client, tenant, opportunity, consultants):
    proposal = add_proposal(tenant, opportunity)
    url = f"{base(tenant)}/{proposal.id}"

    def add_rows(numbers, team):
        with tenant_scope(tenant.id):
            loaded = proposals.get_proposal(proposal.id)
            for number in numbers:
                proposals.add_budget_line(loaded, description=f"Line {number}", quantity="1", unit_cost="10")
                proposals.add_version(loaded, label=f"Draft {number}",
                                      files=[proposals.Upload(f"draft-{number}.pdf", PDF)])
            for consultant in team:
                proposals.add_member(loaded, consultant_id=consultant.id, role="Trainer")
            db.session.commit()

    add_rows([0], consultants[:1])
    one_of_each = statements_for(staff_client, url)
    add_rows(range(1, 6), consultants[1:])
    assert statements_for(staff_client, url) == one_of_each


def test_other_tenants_viewers_and_switched_off_tenants_are_kept_out(client, tenant, opportunity):
    proposal = add_proposal(tenant, opportunity)
    viewer = make_member(tenant, Role.VIEWER)
    login(client, viewer.email)
    assert client.get(f"{base(tenant)}/{proposal.id}").status_code == 200
    assert client.get(f"{base(tenant)}/new?opportunity={opportunity.id}").status_code == 403
    assert client.post(f"{base(tenant)}/{proposal.id}/budget/new", data={}).status_code == 403
    other = make_tenant("ngo-forum")
    outsider = make_member(other, Role.ADMIN, email="admin@ngo-forum.example")
    client.post("/logout")
    login(client, outsider.email)
    assert client.get(f"/t/{other.slug}/consulting/proposals/{proposal.id}").status_code == 404
    assert client.get(f"/t/{other.slug}/consulting/proposals/new?opportunity={opportunity.id}").status_code == 404
    switch_off(other)
    assert client.get(f"/t/{other.slug}/consulting/proposals/{proposal.id}").status_code == 404
