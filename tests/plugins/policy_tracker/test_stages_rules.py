"""Stage history rules: the stage belongs to the law's type, dates never go backwards, nothing
follows an ending, skipping and repeating are allowed; the current stage follows the history."""
from datetime import date

import pytest
from sqlalchemy import func, select

from core.errors import DomainError
from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.policy_tracker import services
from plugins.policy_tracker.models import InstrumentType, PolicyStage, StageChange
from plugins.policy_tracker.stages import ensure_default_stages, stages_for
from tests.helpers import make_member


def stage(kind: InstrumentType, code: str) -> PolicyStage:
    return db.session.scalar(select(PolicyStage).where(PolicyStage.instrument_type == kind, PolicyStage.code == code))


def test_default_lists_are_seeded_once_and_a_prakas_never_passes_the_assembly(stages_seeded):
    assert ensure_default_stages() == 0
    law_codes = [s.code for s in stages_for(InstrumentType.LAW)]
    assert law_codes[:3] == ["drafting", "public_consultation", "inter_ministerial_review"]
    assert "national_assembly" in law_codes and law_codes[-3:] == ["returned", "withdrawn", "superseded"]
    prakas = [s.code for s in stages_for(InstrumentType.PRAKAS)]
    assert "national_assembly" not in prakas and "senate" not in prakas
    assert [s.code for s in stages_for(InstrumentType.POLICY)][:5] == [
        "drafting", "consultation", "adopted_council", "implementation", "review"]
    assert stage(InstrumentType.LAW, "senate").name_km == "ព្រឹទ្ធសភា"


def test_skipping_and_repeating_stages_is_allowed(law):
    services.record_stage_change(law, stage(InstrumentType.LAW, "drafting"), date(2019, 5, 1), actor=None)
    services.record_stage_change(law, stage(InstrumentType.LAW, "council_of_ministers"), date(2020, 1, 1), actor=None)
    services.record_stage_change(law, stage(InstrumentType.LAW, "public_consultation"), date(2020, 1, 1), actor=None)
    services.record_stage_change(law, stage(InstrumentType.LAW, "public_consultation"), date(2021, 3, 1), actor=None)
    db.session.commit()
    assert [c.stage.code for c in law.stage_changes] == ["drafting", "council_of_ministers", "public_consultation",
                                                          "public_consultation"]
    assert law.current_stage.code == "public_consultation" and law.current_stage_on == date(2021, 3, 1)


def test_a_stage_of_another_type_is_refused(law):
    with pytest.raises(DomainError) as refused:
        services.record_stage_change(law, stage(InstrumentType.PRAKAS, "adopted"), date(2020, 1, 1), actor=None)
    assert refused.value.field == "stage_id"
    assert "not in the list" in str(refused.value.message)


def test_an_inactive_stage_is_refused(law):
    senate = stage(InstrumentType.LAW, "senate")
    senate.is_active = False
    db.session.commit()
    with pytest.raises(DomainError):
        services.record_stage_change(law, senate, date(2020, 1, 1), actor=None)


def test_dates_never_go_backwards(law):
    services.record_stage_change(law, stage(InstrumentType.LAW, "drafting"), date(2020, 6, 1), actor=None)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        services.record_stage_change(law, stage(InstrumentType.LAW, "senate"), date(2020, 5, 31), actor=None)
    assert "2020-05-31" in str(refused.value.message) and "2020-06-01" in str(refused.value.message)
    assert refused.value.field == "occurred_on"
    db.session.rollback()
    assert db.session.scalar(select(func.count(StageChange.id))) == 1


def test_nothing_follows_an_ending(law):
    services.record_stage_change(law, stage(InstrumentType.LAW, "withdrawn"), date(2021, 1, 1), actor=None)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        services.record_stage_change(law, stage(InstrumentType.LAW, "drafting"), date(2022, 1, 1), actor=None)
    assert "ended" in str(refused.value.message)


def test_a_member_cannot_write_the_official_history_but_a_convener_and_an_operator_can(
        tenant, other_tenant, followed_law):
    member = make_member(other_tenant, Role.OWNER, email="owner@other.example")
    convener = make_member(tenant, Role.ADMIN, email="admin@convener.example")
    staff = make_member(tenant, Role.STAFF, email="staff@convener.example")
    operator = make_member(other_tenant, Role.VIEWER, email="op@example", is_superadmin=True)
    drafting = stage(InstrumentType.LAW, "drafting")
    with tenant_scope(other_tenant.id):
        for user in (member,):
            with pytest.raises(DomainError) as refused:
                services.record_stage_change(followed_law, drafting, date(2020, 1, 1), actor=user)
            assert "official" in str(refused.value.message)
            db.session.rollback()
        services.record_stage_change(followed_law, drafting, date(2020, 1, 1), actor=operator)
        db.session.commit()
    with tenant_scope(tenant.id):
        with pytest.raises(DomainError):
            services.record_stage_change(followed_law, drafting, date(2020, 2, 1), actor=staff)
        db.session.rollback()
        services.record_stage_change(followed_law, drafting, date(2020, 2, 1), actor=convener)
        db.session.commit()
    assert db.session.scalar(select(func.count(StageChange.id))) == 2
