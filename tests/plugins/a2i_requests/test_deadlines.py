"""The deadline engine: working days, Khmer New Year, fee acceptance, extensions, clarification pauses and
each tenant's own periods."""
from __future__ import annotations

from datetime import date

import pytest

from core.errors import DomainError
from core.extensions import db
from core.tenancy import tenant_scope
from core.registers.models import ClosureDay
from plugins.a2i_requests import services
from plugins.a2i_requests.models import DueRule, InitialReply, RequestStatus

S = RequestStatus
MONDAY = date(2026, 7, 6)   # no public holiday in July 2026



def submitted(tenant, staff, ministry, on=MONDAY):
    req = services.create_request(tenant.id, subject="Commune budget", question="What was spent on roads?",
                                  body_id=ministry.id, actor=staff)
    services.transition(req, S.SUBMITTED, actor=staff, on=on)
    return req


def test_initial_reply_is_due_five_working_days_after_receipt(tenant, staff, ministry):
    with tenant_scope(tenant.id):
        req = submitted(tenant, staff, ministry)
    assert (req.due_on, req.due_rule) == (date(2026, 7, 13), DueRule.INITIAL_REPLY)


def test_due_date_skips_khmer_new_year(tenant, staff, ministry):
    thursday_before_new_year = date(2026, 4, 9)
    with tenant_scope(tenant.id):
        req = submitted(tenant, staff, ministry, on=thursday_before_new_year)
    # Fri 10, Mon 13, (14-16 April Khmer New Year), Fri 17, Mon 20, Tue 21
    assert req.due_on == date(2026, 4, 21)


def test_tenant_closure_day_moves_the_due_date(tenant, staff, ministry):
    with tenant_scope(tenant.id):
        db.session.add(ClosureDay(tenant_id=tenant.id, day=date(2026, 7, 8), label="Office retreat"))
        db.session.flush()
        req = submitted(tenant, staff, ministry)
    assert req.due_on == date(2026, 7, 14)


def test_fee_acceptance_gives_fifteen_working_days_for_the_information(tenant, staff, ministry):
    with tenant_scope(tenant.id):
        req = submitted(tenant, staff, ministry)
        services.transition(req, S.INITIAL_REPLY, actor=staff, on=date(2026, 7, 8),
                            initial_reply=InitialReply.FEE_STATED, fee_amount="$5")
        waiting_for_requester = (req.due_on, req.due_rule)
        services.transition(req, S.FEE_ACCEPTED, actor=staff, on=date(2026, 7, 10))
    assert waiting_for_requester == (None, None)
    assert (req.due_on, req.due_rule, req.fee_accepted_on) == (date(2026, 7, 31), DueRule.INFORMATION,
                                                               date(2026, 7, 10))


def test_initial_reply_without_fee_starts_the_information_period(tenant, staff, ministry):
    with tenant_scope(tenant.id):
        req = submitted(tenant, staff, ministry)
        services.transition(req, S.INITIAL_REPLY, actor=staff, on=date(2026, 7, 8), initial_reply=InitialReply.HELD)
    assert (req.due_on, req.due_rule) == (date(2026, 7, 29), DueRule.INFORMATION)
    assert S.FEE_ACCEPTED not in services.allowed_transitions(req)


def test_extension_beyond_forty_working_days_from_receipt_is_refused(tenant, staff, ministry):
    with tenant_scope(tenant.id):
        req = submitted(tenant, staff, ministry)
        with pytest.raises(DomainError) as too_long:
            services.transition(req, S.EXTENDED, actor=staff, on=date(2026, 7, 10),
                                extension_reason="Records are in the provinces", extended_to=date(2026, 9, 1))
        services.transition(req, S.EXTENDED, actor=staff, on=date(2026, 7, 10),
                            extension_reason="Records are in the provinces", extended_to=date(2026, 8, 31))
    assert too_long.value.field == "extended_to"
    assert "40 working days" in str(too_long.value.message)
    assert (req.status, req.due_on, req.due_rule, req.was_extended) == (S.EXTENDED, date(2026, 8, 31),
                                                                        DueRule.EXTENSION, True)


def test_extension_must_end_after_the_current_due_date_and_give_reasons(tenant, staff, ministry):
    with tenant_scope(tenant.id):
        req = submitted(tenant, staff, ministry)
        with pytest.raises(DomainError) as too_early:
            services.transition(req, S.EXTENDED, actor=staff, on=date(2026, 7, 10),
                                extension_reason="Busy", extended_to=date(2026, 7, 13))
        with pytest.raises(DomainError) as no_reason:
            services.transition(req, S.EXTENDED, actor=staff, on=date(2026, 7, 10),
                                extension_reason=" ", extended_to=date(2026, 7, 20))
    assert too_early.value.field == "extended_to"
    assert no_reason.value.field == "extension_reason"


def test_clarification_stops_the_clock_and_resumes_it_shifted(tenant, staff, ministry):
    with tenant_scope(tenant.id):
        req = submitted(tenant, staff, ministry)
        services.transition(req, S.AWAITING_CLARIFICATION, actor=staff, on=date(2026, 7, 8),
                            note="Which communes?")
        stopped = (req.due_on, req.due_rule, services.allowed_transitions(req))
        resumed = services.transition(req, S.SUBMITTED, actor=staff, on=date(2026, 7, 13))
    assert stopped == (None, None, [S.SUBMITTED, S.WITHDRAWN])
    # 3 working days waited (Thu 9, Fri 10, Mon 13): due Mon 13 July becomes Thu 16 July.
    assert resumed.details == {"paused_working_days": 3}
    assert (req.due_on, req.due_rule, req.paused_from) == (date(2026, 7, 16), DueRule.INITIAL_REPLY, None)
    assert req.submitted_on == MONDAY


def test_tenant_custom_three_day_period_is_used(tenant, staff, ministry):
    with tenant_scope(tenant.id):
        services.rules_for(tenant.id).initial_reply_days = 3
        db.session.flush()
        req = submitted(tenant, staff, ministry)
    assert req.due_on == date(2026, 7, 9)


def test_calendar_day_period_rolls_forward_to_a_working_day(tenant, staff, ministry):
    with tenant_scope(tenant.id):
        rules = services.rules_for(tenant.id)
        rules.initial_reply_days, rules.initial_reply_working = 5, False
        db.session.flush()
        req = submitted(tenant, staff, ministry)   # Monday + 5 days = Saturday 11 July
    assert req.due_on == date(2026, 7, 13)


def test_days_left_counts_working_days_and_goes_negative_when_late(tenant):
    with tenant_scope(tenant.id):
        calendar = services.calendar_for(tenant.id)
    due = date(2026, 7, 13)  # a Monday
    assert services.days_left(due, date(2026, 7, 9), calendar) == 2
    assert services.days_left(due, due, calendar) == 0
    assert services.days_left(due, date(2026, 7, 15), calendar) == -2


def test_overdue_and_due_soon_lists(tenant, staff, ministry):
    with tenant_scope(tenant.id):
        early = submitted(tenant, staff, ministry, on=date(2026, 7, 1))   # due 8 July
        later = submitted(tenant, staff, ministry, on=MONDAY)              # due 13 July
        db.session.flush()
        overdue = db.session.execute(services.overdue_requests(date(2026, 7, 10))).scalars().all()
        soon = db.session.execute(services.due_soon(date(2026, 7, 9))).scalars().all()
    assert overdue == [early]
    assert soon == [later]


def test_rules_default_to_the_draft_law(tenant):
    with tenant_scope(tenant.id):
        rules = services.rules_for(tenant.id)
        db.session.flush()
        again = services.rules_for(tenant.id)
    assert again is rules
    assert (rules.initial_reply_days, rules.information_days, rules.extension_cap_days) == (5, 15, 40)
