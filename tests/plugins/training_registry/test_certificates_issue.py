"""Issuing, re-issuing and revoking certificates (the rules in plugins/training_registry/certificates.py)."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from core.errors import DomainError
from core.extensions import db
from core.models.audit import AuditEvent
from core.tenancy import tenant_scope
from plugins.training_registry import certificates
from plugins.training_registry.models import Certificate, EnrolmentStatus
from tests.plugins.training_registry.certificate_helpers import attend, enrolment_of, issue_for


def certificate_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Certificate))


def test_certificate_refused_to_someone_who_did_not_complete(tenant, enrolled, people):
    attend(tenant, enrolled, [people[0]], days=[1, 2])      # 2 of 3 sessions: below 80 %
    with tenant_scope(tenant.id):
        with pytest.raises(DomainError) as refused:
            certificates.issue(enrolment_of(enrolled, people[0]))
        db.session.rollback()
    assert "did not complete the course" in str(refused.value.message)
    assert certificate_count() == 0


def test_certificate_refused_when_a_mandatory_session_was_missed(tenant, enrolled, people):
    enrolled.completion_percent = 60
    db.session.commit()
    attend(tenant, enrolled, [people[0]], days=[1, 3])      # 67 %, but day 2 is mandatory
    with tenant_scope(tenant.id), pytest.raises(DomainError):
        certificates.issue(enrolment_of(enrolled, people[0]))


def test_certificate_has_a_grouped_unguessable_code(tenant, enrolled, people):
    attend(tenant, enrolled, [people[0]])
    with tenant_scope(tenant.id):
        certificate = certificates.issue(enrolment_of(enrolled, people[0]), on=date(2026, 3, 5))
        db.session.commit()
    assert len(certificate.code) == 12 and set(certificate.code) <= set(certificates.CODE_ALPHABET)
    assert not set("01OILS5") & set(certificates.CODE_ALPHABET)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", certificates.format_code(certificate.code))
    assert certificate.issued_on == date(2026, 3, 5) and certificate.is_valid
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.model == "Certificate",
                                                       AuditEvent.action == "insert"))
    assert audit is not None and audit.tenant_id == tenant.id


def test_codes_differ(tenant, enrolled, people):
    attend(tenant, enrolled, people[:4])
    issued = issue_for(tenant, enrolled, people[:4])
    assert len({c.code for c in issued}) == 4


def test_issuing_again_returns_the_valid_certificate(tenant, enrolled, people):
    attend(tenant, enrolled, [people[1]])
    first, = issue_for(tenant, enrolled, [people[1]])
    again, = issue_for(tenant, enrolled, [people[1]])
    assert again.id == first.id and certificate_count() == 1


def test_a_person_marked_completed_by_hand_gets_one_but_not_one_who_dropped_out(tenant, enrolled, people):
    with tenant_scope(tenant.id):
        enrolment_of(enrolled, people[2]).status = EnrolmentStatus.COMPLETED
        db.session.commit()
    issue_for(tenant, enrolled, [people[2]])
    attend(tenant, enrolled, [people[3]])
    with tenant_scope(tenant.id):
        enrolment_of(enrolled, people[3]).status = EnrolmentStatus.DROPPED
        db.session.commit()
        with pytest.raises(DomainError):
            certificates.issue(enrolment_of(enrolled, people[3]))
    assert certificate_count() == 1


def test_issue_all_gives_everyone_eligible_one_certificate(tenant, enrolled, people):
    attend(tenant, enrolled, people[:3])
    attend(tenant, enrolled, [people[3]], days=[2])
    issue_for(tenant, enrolled, [people[0]])
    with tenant_scope(tenant.id):
        issued = certificates.issue_all(enrolled, issued_by_id=None)
        db.session.commit()
        assert sorted(c.enrolment.contact_id for c in issued) == sorted(p.id for p in people[1:3])
        assert certificates.issue_all(enrolled) == []
    assert certificate_count() == 3


def test_reissue_gives_a_new_code_and_revokes_the_old_one_with_the_reason(tenant, enrolled, people, admin_user):
    attend(tenant, enrolled, [people[0]])
    old, = issue_for(tenant, enrolled, [people[0]])
    with tenant_scope(tenant.id):
        new = certificates.reissue(old, "  Name misspelt  ", admin_user)
        db.session.commit()
    assert new.id != old.id and new.code != old.code and new.is_valid and new.issued_by_id == admin_user.id
    assert not old.is_valid and old.revoked_reason == "Name misspelt" and old.replaced_by_id == new.id
    with tenant_scope(tenant.id):
        assert certificates.issue(enrolment_of(enrolled, people[0])).id == new.id


def test_revoke_needs_a_reason_and_happens_once(tenant, enrolled, people, admin_user):
    attend(tenant, enrolled, [people[0]])
    certificate, = issue_for(tenant, enrolled, [people[0]])
    with tenant_scope(tenant.id):
        with pytest.raises(DomainError) as no_reason:
            certificates.revoke(certificate, "   ", admin_user)
        assert no_reason.value.field == "reason" and certificate.is_valid
        certificates.revoke(certificate, "Attendance sheet was forged", admin_user)
        db.session.commit()
        with pytest.raises(DomainError):
            certificates.revoke(certificate, "again", admin_user)
        with pytest.raises(DomainError):
            certificates.reissue(certificate, "again", admin_user)
    assert certificate.revoked_at is not None and certificate.replaced_by_id is None
    assert certificate.revoked_reason == "Attendance sheet was forged"


def test_code_lookup_tolerates_dashes_spaces_and_case(tenant, enrolled, people):
    attend(tenant, enrolled, [people[0]])
    certificate, = issue_for(tenant, enrolled, [people[0]])
    grouped = certificates.format_code(certificate.code)
    for typed in (certificate.code, grouped, grouped.lower(), " " + grouped.replace("-", " ") + " "):
        found = certificates.verification(typed)
        assert found is not None and found.name_latin == "Sok Sreyny", typed
    assert certificates.verification("AAAA-AAAA-AAAA") is None
    assert certificates.verification("") is None
