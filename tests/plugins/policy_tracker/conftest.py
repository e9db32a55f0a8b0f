"""Shared fixtures of the policy tracker tests: the stage lists seeded, a ministry in the shared
institutions register, an official law of the register, and a working group convened by `tenant`
that follows it (its managers then edit the official history)."""
from __future__ import annotations

import pytest

from core.extensions import db
from core.models import WorkingGroup, WorkingGroupMember
from core.registers.models import Institution, InstitutionKind
from plugins.policy_tracker.models import GroupLaw, InstrumentType, Law, LawInstitution
from plugins.policy_tracker.stages import ensure_default_stages


@pytest.fixture
def stages_seeded(app) -> None:
    ensure_default_stages()
    db.session.commit()


@pytest.fixture
def ministry(app) -> Institution:
    body = Institution(code="MINFO", kind=InstitutionKind.MINISTRY, name_en="Ministry of Information",
                       name_km="ក្រសួងព័ត៌មាន")
    db.session.add(body)
    db.session.commit()
    return body


@pytest.fixture
def law(stages_seeded, ministry) -> Law:
    """The official draft Access to Information law (written outside any tenant, as operators do)."""
    entry = Law(title_en="Law on Access to Information", title_km="ច្បាប់ស្តីពីការទទួលបានព័ត៌មាន",
                short_name="A2I law", instrument_type=InstrumentType.LAW, tags="a2i, transparency")
    entry.lead_institutions.append(LawInstitution(law=entry, institution=ministry))
    db.session.add(entry)
    db.session.commit()
    return entry


@pytest.fixture
def group(tenant, other_tenant) -> WorkingGroup:
    """A2IWG, convened by `tenant`, with `other_tenant` as a member."""
    working_group = WorkingGroup(slug="a2iwg", name="A2IWG", convening_tenant_id=tenant.id)
    working_group.members += [WorkingGroupMember(tenant_id=tenant.id), WorkingGroupMember(tenant_id=other_tenant.id)]
    db.session.add(working_group)
    db.session.commit()
    return working_group


@pytest.fixture
def followed_law(law, group) -> Law:
    """The law, followed by A2IWG (so `tenant`'s managers are its conveners)."""
    db.session.add(GroupLaw(group_id=group.id, law=law))
    db.session.commit()
    return law
