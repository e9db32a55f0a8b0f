"""The shared training rules: youth at the session date, the completion rule, idempotent attendance
and learning gain."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.errors import DomainError
from core.extensions import db
from core.registers.models import AgeGroup, Contact, Sex
from core.tenancy import tenant_scope
from plugins.training_registry import services
from plugins.training_registry.models import Attendance, EnrolmentStatus


def test_youth_from_birth_year_at_the_date_else_from_the_age_group():
    born_1996 = Contact(birth_year=1996, age_group=AgeGroup.NOT_RECORDED, sex=Sex.FEMALE)
    assert services.is_youth(born_1996, date(2026, 3, 2)) is True       # 30
    assert services.is_youth(born_1996, date(2027, 3, 2)) is False      # 31
    assert services.is_youth(Contact(age_group=AgeGroup.FROM_18_TO_30), date(2026, 1, 1)) is True
    assert services.is_youth(Contact(age_group=AgeGroup.FROM_31_TO_59), date(2026, 1, 1)) is False
    assert services.is_youth(Contact(age_group=AgeGroup.UNDER_18), date(2026, 1, 1)) is None   # 0–17 straddles 15
    assert services.is_youth(Contact(age_group=AgeGroup.NOT_RECORDED), date(2026, 1, 1)) is None
    # A tenant's own band: 15–35.
    assert services.is_youth(born_1996, date(2027, 3, 2), (15, 35)) is True


def test_completion_needs_the_share_of_sessions_and_every_mandatory_one(tenant, enrolled):
    with tenant_scope(tenant.id):
        day1, day2, day3 = enrolled.sessions
        first, second, third = enrolled.enrolments[:3]
        for session in (day1, day2, day3):
            services.record_attendance(session, first, True)
        for session in (day1, day3):             # 67 % and missed the mandatory day 2
            services.record_attendance(session, second, True)
        enrolled.completion_percent = 60
        services.record_attendance(day2, third, True)
        services.record_attendance(day3, third, True)
        db.session.commit()
        standing = services.completions(enrolled)
        assert standing[first.id].met and standing[third.id].met
        assert not standing[second.id].met and standing[second.id].missing_mandatory == (day2.id,)
        assert services.close_course(enrolled) == 2
        assert first.status is EnrolmentStatus.COMPLETED and second.status is EnrolmentStatus.ATTENDED


def test_attendance_sent_twice_counts_once_and_needs_an_enrolment_in_the_course(tenant, enrolled, people):
    from tests.plugins.training_registry.conftest import add_course
    with tenant_scope(tenant.id):
        session = enrolled.sessions[0]
        enrolment = enrolled.enrolments[0]
        services.record_attendance(session, enrolment, True)
        services.record_attendance(session, enrolment, True)
        db.session.commit()
        assert db.session.query(Attendance).filter_by(session_id=session.id).count() == 1
        other = add_course(tenant, title_en="Budget monitoring")
    with tenant_scope(tenant.id), pytest.raises(DomainError):
        services.record_attendance(other.sessions[0], enrolment, True)


def test_learning_gain_in_points_and_normalised(tenant, enrolled):
    assert services.gain(8, 14, 20) == services.Gain(6.0, 0.5)
    assert services.gain(20, 20, 20).normalised is None
    assert services.average_gain([(8, 14, 20), (10, 20, 20), (None, 12, 20)]) == services.Gain(8.0, 0.75)
    with tenant_scope(tenant.id), pytest.raises(DomainError) as refused:
        services.set_scores(enrolled.enrolments[0], Decimal("5"), Decimal("21"))
    assert refused.value.field == "post_score"
