"""Shared fixtures of the A2I tests: a ministry in the shared institutions register (core)."""
from __future__ import annotations

import pytest

from core.extensions import db
from core.registers.models import Institution, InstitutionKind


@pytest.fixture
def ministry(app) -> Institution:
    body = Institution(code="MOI", kind=InstitutionKind.MINISTRY, name_en="Ministry of Information",
                       name_km="ក្រសួងព័ត៌មាន")
    db.session.add(body)
    db.session.commit()
    return body
