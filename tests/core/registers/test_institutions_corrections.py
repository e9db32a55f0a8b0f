"""A tenant proposes a correction to a shared institution; instance operators see every proposal,
accept it (the institution changes for everyone, audited) or reject it (nothing changes)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.errors import DomainError
from core.extensions import db
from core.models import AuditEvent
from core.registers.institutions import accept_correction, propose_correction
from core.registers.models import CorrectionStatus, InstitutionCorrection, InstitutionKind
from core.tenancy import tenant_scope, unscoped
from tests.core.registers.institution_factories import make_institution, make_operator, reload
from tests.helpers import login, logout


def _corrections() -> list[InstitutionCorrection]:
    with unscoped():
        return list(db.session.scalars(select(InstitutionCorrection)))


def test_proposal_then_operator_accepts_and_the_change_is_audited(client, tenant, staff):
    ministry = make_institution("MOI", "Ministry of Information", phone="023 000 000")
    login(client, staff.email)
    form = client.get(f"/t/{tenant.slug}/institutions/{ministry.id}/correction")
    assert form.status_code == 200 and "023 000 000" in form.get_data(as_text=True)
    sent = client.post(f"/t/{tenant.slug}/institutions/{ministry.id}/correction", data={
        "name_en": "Ministry of Information", "phone": "023 724 159",
        "note": "The number on the ministry's website changed in 2025."})
    assert sent.status_code == 302
    assert reload(ministry.id).phone == "023 000 000"          # nothing changes before an operator decides
    [proposal] = _corrections()
    assert proposal.proposed == {"phone": "023 724 159"} and proposal.tenant_id == tenant.id
    assert proposal.proposed_by_id == staff.id
    detail = client.get(f"/t/{tenant.slug}/institutions/{ministry.id}").get_data(as_text=True)
    assert "Corrections we proposed" in detail and "023 724 159" in detail
    logout(client)

    operator = make_operator()
    login(client, operator.email)
    review = client.get("/admin/institutions/corrections").get_data(as_text=True)
    assert "Ministry of Information" in review and "023 724 159" in review and tenant.name in review
    assert "The number on the ministry&#39;s website changed" in review
    accepted = client.post(f"/admin/institutions/corrections/{proposal.id}/accept")
    assert accepted.status_code == 302
    assert reload(ministry.id).phone == "023 724 159"
    [proposal] = _corrections()
    assert proposal.status == CorrectionStatus.ACCEPTED and proposal.decided_by_id == operator.id
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.model == "Institution",
                                                        AuditEvent.action == "update")).one()
    assert event.actor_id == operator.id and event.tenant_id is None
    assert event.changes["phone"] == ["023 000 000", "023 724 159"]
    assert "No correction is waiting." in client.get("/admin/institutions/corrections").get_data(as_text=True)


def test_operator_rejects_a_proposal_and_nothing_changes(client, tenant):
    ministry = make_institution("MOI", "Ministry of Information")
    with tenant_scope(tenant.id):
        proposal = propose_correction(ministry, {"name_en": "Ministry of Misinformation"}, note="typo?")
        db.session.commit()
        proposal_id = proposal.id
    login(client, make_operator().email)
    assert client.post(f"/admin/institutions/corrections/{proposal_id}/reject").status_code == 302
    assert reload(ministry.id).name_en == "Ministry of Information"
    assert _corrections()[0].status == CorrectionStatus.REJECTED
    # A decided proposal cannot be decided again.
    again = client.post(f"/admin/institutions/corrections/{proposal_id}/accept", follow_redirects=True)
    assert "This correction was already decided." in again.get_data(as_text=True)
    assert reload(ministry.id).name_en == "Ministry of Information"


def test_a_proposal_without_a_change_is_refused(staff_client, tenant):
    ministry = make_institution("MOI", "Ministry of Information")
    response = staff_client.post(f"/t/{tenant.slug}/institutions/{ministry.id}/correction", data={
        "name_en": "Ministry of Information", "note": "Looks fine"})
    assert response.status_code == 422
    assert "Change at least one value before sending the correction." in response.get_data(as_text=True)
    assert _corrections() == []


def test_private_institutions_are_edited_not_corrected(app, tenant):
    own = make_institution("OWN-1", "Desk", InstitutionKind.OTHER, owner=tenant)
    with tenant_scope(tenant.id), pytest.raises(DomainError):
        propose_correction(own, {"name_en": "Desk 2"})


def test_a_tenant_cannot_accept_a_proposal(app, tenant):
    ministry = make_institution("MOI", "Ministry of Information")
    with tenant_scope(tenant.id):
        proposal = propose_correction(ministry, {"ncdd_member": True}, note="NCDD member since 2019")
        db.session.commit()
        with pytest.raises(DomainError):
            accept_correction(proposal)
    db.session.rollback()
    assert reload(ministry.id).ncdd_member is False


def test_tenants_see_only_their_own_proposals(client, tenant, other_tenant, staff):
    ministry = make_institution("MOI", "Ministry of Information")
    with tenant_scope(other_tenant.id):
        propose_correction(ministry, {"email": "secret-proposal@example.org"}, note="theirs")
        db.session.commit()
    login(client, staff.email)
    page = client.get(f"/t/{tenant.slug}/institutions/{ministry.id}").get_data(as_text=True)
    assert "secret-proposal@example.org" not in page
