"""The request workflow: reference numbers, the state machine, required details and the facts it records."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.errors import DomainError
from core.extensions import db
from core.models import AuditEvent, User
from core.tenancy import tenant_scope
from core.registers.models import Institution, InstitutionKind
from plugins.a2i_requests import services
from plugins.a2i_requests.models import ComplaintOutcome, ExemptionGround, InitialReply, RequestStatus
from tests.helpers import make_tenant

S = RequestStatus



def draft(tenant, staff, ministry, **fields):
    return services.create_request(tenant.id, subject="Budget of the commune", question="What was spent on roads?",
                                   body_id=ministry.id, actor=staff, **fields)


def submitted(tenant, staff, ministry, on=date(2026, 7, 6)):
    req = draft(tenant, staff, ministry)
    services.transition(req, S.SUBMITTED, actor=staff, on=on, receipt_number="R-12")
    return req


def test_reference_numbers_increment_per_tenant_and_year(tenant):
    other = make_tenant("takeo-women", "Takeo Women's Network")
    with tenant_scope(tenant.id):
        first = services.next_reference(tenant.id, 2026)
        second = services.next_reference(tenant.id, 2026)
        next_year = services.next_reference(tenant.id, 2027)
    with tenant_scope(other.id):
        others_first = services.next_reference(other.id, 2026)
    assert (first, second, next_year, others_first) == ("A2I-2026-0001", "A2I-2026-0002", "A2I-2027-0001",
                                                        "A2I-2026-0001")


def test_requests_saved_at_the_same_moment_never_share_a_reference(app, tenant, staff, ministry):
    """Four officers press Save together: the locked counter row hands each a different number."""
    officers = 4
    start_together = threading.Barrier(officers)
    references, errors = [], []

    def officer(number: int) -> None:
        with app.app_context(), tenant_scope(tenant.id):
            try:
                start_together.wait()
                req = services.create_request(tenant.id, subject=f"Budget question {number}", question="How much?",
                                              body_id=ministry.id, actor=db.session.get(User, staff.id))
                db.session.commit()
                references.append(req.reference)
            except Exception as error:   # reported below: a thread's exception would otherwise vanish
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=officer, args=(number,)) for number in range(officers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    year = services.tenant_today(tenant.id).year
    assert sorted(references) == [f"A2I-{year}-{number:04d}" for number in range(1, officers + 1)]


def test_new_request_is_a_draft_with_a_reference_assigned_to_its_author(tenant, staff, ministry):
    with tenant_scope(tenant.id):
        req = draft(tenant, staff, ministry)
        db.session.commit()
        assert req.status == S.DRAFT
        assert req.reference.startswith("A2I-") and req.reference.endswith("-0001")
        assert req.assignee_id == staff.id
        assert services.allowed_transitions(req) == [S.SUBMITTED, S.WITHDRAWN]


def test_draft_cannot_be_answered_and_the_message_names_both_states(tenant, staff, ministry):
    with tenant_scope(tenant.id):
        req = draft(tenant, staff, ministry)
        with pytest.raises(DomainError) as error:
            services.transition(req, S.ANSWERED_FULL, actor=staff, on=date(2026, 7, 6))
    assert str(error.value.message) == "A request that is Draft cannot become Answered in full."
    assert req.status == S.DRAFT and req.events == []


def test_full_happy_path_records_events_and_audit_rows(tenant, staff, ministry):
    with tenant_scope(tenant.id):
        req = submitted(tenant, staff, ministry)
        services.transition(req, S.INITIAL_REPLY, actor=staff, on=date(2026, 7, 8),
                            initial_reply=InitialReply.FEE_STATED, fee_amount="20,000 KHR")
        services.transition(req, S.FEE_ACCEPTED, actor=staff, on=date(2026, 7, 9), fee_waived=False)
        services.transition(req, S.ANSWERED_FULL, actor=staff, on=date(2026, 7, 20),
                            disclosed_summary="Road budget 2025 by commune")
        services.transition(req, S.CLOSED, actor=staff, on=date(2026, 7, 21), note="Shared with the network")
        db.session.commit()

        assert [(e.from_status, e.to_status) for e in req.events] == [
            (S.DRAFT, S.SUBMITTED), (S.SUBMITTED, S.INITIAL_REPLY), (S.INITIAL_REPLY, S.FEE_ACCEPTED),
            (S.FEE_ACCEPTED, S.ANSWERED_FULL), (S.ANSWERED_FULL, S.CLOSED)]
        assert req.events[0].details == {"receipt_number": "R-12"}
        assert req.events[1].details == {"initial_reply": "fee_stated", "fee_amount": "20,000 KHR"}
        assert req.events[-1].note == "Shared with the network"
        assert all(e.actor_id == staff.id for e in req.events)
        assert (req.submitted_on, req.receipt_number, req.fee_amount) == (date(2026, 7, 6), "R-12", "20,000 KHR")
        assert (req.outcome, req.answered_on, req.closed_on) == (S.ANSWERED_FULL, date(2026, 7, 20),
                                                                 date(2026, 7, 21))
        assert req.working_days_to_answer == 10
        assert (req.due_on, req.due_rule) == (None, None)

        audited = db.session.execute(select(AuditEvent.model, AuditEvent.action).where(
            AuditEvent.tenant_id == tenant.id, AuditEvent.model.in_(["InfoRequest", "RequestEvent"]))).all()
    assert ("InfoRequest", "insert") in audited
    assert sum(1 for model, action in audited if model == "RequestEvent" and action == "insert") == 5


def test_refusing_needs_an_active_exemption_ground(tenant, staff, ministry):
    with tenant_scope(tenant.id):
        req = submitted(tenant, staff, ministry)
        with pytest.raises(DomainError) as missing:
            services.transition(req, S.REFUSED, actor=staff, on=date(2026, 7, 8))
        services.ensure_exemption_grounds(tenant.id)
        db.session.execute(select(ExemptionGround).where(ExemptionGround.code == "commercial_secrets")
                           ).scalar_one().is_active = False
        with pytest.raises(DomainError) as inactive:
            services.transition(req, S.REFUSED, actor=staff, on=date(2026, 7, 8),
                                exemption_ground_code="commercial_secrets")
        services.transition(req, S.REFUSED, actor=staff, on=date(2026, 7, 8),
                            exemption_ground_code="personal_privacy")
    assert missing.value.field == inactive.value.field == "exemption_ground_code"
    assert (req.status, req.exemption_ground_code, req.outcome) == (S.REFUSED, "personal_privacy", S.REFUSED)


def test_default_exemption_grounds_are_created_once_with_khmer_labels(tenant):
    with tenant_scope(tenant.id):
        services.ensure_exemption_grounds(tenant.id)
        db.session.flush()
        grounds = services.ensure_exemption_grounds(tenant.id)
        db.session.commit()
        count = len(db.session.execute(select(ExemptionGround)).scalars().all())
    codes = {g.code for g in grounds}
    assert {"national_security", "personal_privacy", "investigation_or_court", "commercial_secrets",
            "internal_deliberation", "cabinet_confidentiality"} <= codes
    assert count == len(services.default_exemption_grounds())
    assert all(g.label_km for g in grounds)


def test_transfer_names_the_receiving_body(tenant, staff, ministry):
    province = Institution(code="KAMPOT", kind=InstitutionKind.PROVINCE, name_en="Kampot Provincial Administration")
    db.session.add(province)
    db.session.commit()
    with tenant_scope(tenant.id):
        req = submitted(tenant, staff, ministry)
        with pytest.raises(DomainError) as error:
            services.transition(req, S.TRANSFERRED, actor=staff, on=date(2026, 7, 7))
        services.transition(req, S.TRANSFERRED, actor=staff, on=date(2026, 7, 7), transferred_to_id=province.id)
    assert error.value.field == "transferred_to_id"
    assert (req.transferred_to_id, req.was_transferred) == (province.id, True)
    assert services.allowed_transitions(req) == [S.CLOSED]


def test_complaint_needs_an_outcome_and_then_can_be_re_requested(tenant, staff, ministry):
    with tenant_scope(tenant.id):
        req = submitted(tenant, staff, ministry)
        services.transition(req, S.NO_RESPONSE, actor=staff, on=date(2026, 7, 20))
        services.transition(req, S.COMPLAINED, actor=staff, on=date(2026, 7, 21))
        with pytest.raises(DomainError) as error:
            services.transition(req, S.COMPLAINT_DECIDED, actor=staff, on=date(2026, 8, 3))
        services.transition(req, S.COMPLAINT_DECIDED, actor=staff, on=date(2026, 8, 3),
                            complaint_outcome=ComplaintOutcome.UPHELD)
        services.transition(req, S.RE_REQUESTED, actor=staff, on=date(2026, 8, 4), receipt_number="R-99")
    assert error.value.field == "complaint_outcome"
    assert (req.complained, req.complaint_outcome, req.on_time) == (True, ComplaintOutcome.UPHELD, False)
    assert (req.clock_start_on, req.receipt_number, req.submitted_on) == (date(2026, 8, 4), "R-99",
                                                                          date(2026, 7, 6))
    assert req.due_on == date(2026, 8, 11)


def test_no_response_cannot_be_recorded_before_the_due_date(tenant, staff, ministry):
    with tenant_scope(tenant.id):
        req = submitted(tenant, staff, ministry)
        with pytest.raises(DomainError) as error:
            services.transition(req, S.NO_RESPONSE, actor=staff, on=date(2026, 7, 13))
    assert error.value.field == "occurred_on"
    assert req.status == S.SUBMITTED


def test_withdrawn_is_final(tenant, staff, ministry):
    with tenant_scope(tenant.id):
        req = submitted(tenant, staff, ministry)
        services.transition(req, S.WITHDRAWN, actor=staff, on=date(2026, 7, 7))
        assert services.allowed_transitions(req) == []
        with pytest.raises(DomainError) as error:
            services.transition(req, S.SUBMITTED, actor=staff, on=date(2026, 7, 8))
    assert "Withdrawn" in str(error.value.message)
    assert (req.closed_on, req.due_on) == (date(2026, 7, 7), None)


def test_answer_by_the_due_date_is_on_time_and_after_it_is_late(tenant, staff, ministry):
    with tenant_scope(tenant.id):
        punctual = submitted(tenant, staff, ministry)
        services.transition(punctual, S.ANSWERED_PART, actor=staff, on=date(2026, 7, 13))
        late = submitted(tenant, staff, ministry)
        services.transition(late, S.ANSWERED_FULL, actor=staff, on=date(2026, 7, 14))
    assert (punctual.on_time, punctual.working_days_to_answer) == (True, 5)
    assert (late.on_time, late.working_days_to_answer) == (False, 6)


def test_step_dated_before_the_previous_one_or_in_the_future_is_refused(tenant, staff, ministry):
    with tenant_scope(tenant.id):
        req = submitted(tenant, staff, ministry)
        with pytest.raises(DomainError) as earlier:
            services.transition(req, S.ANSWERED_FULL, actor=staff, on=date(2026, 7, 3))
        with pytest.raises(DomainError) as future:
            services.transition(req, S.ANSWERED_FULL, actor=staff, on=date.today() + timedelta(days=2))
    assert earlier.value.field == future.value.field == "occurred_on"
    assert req.status == S.SUBMITTED


def test_initial_reply_needs_what_the_body_said(tenant, staff, ministry):
    with tenant_scope(tenant.id):
        req = submitted(tenant, staff, ministry)
        with pytest.raises(DomainError) as error:
            services.transition(req, S.INITIAL_REPLY, actor=staff, on=date(2026, 7, 8))
    assert error.value.field == "initial_reply"
