"""Shared fixtures of the A2I tests: a ministry in the shared public-bodies register."""
from __future__ import annotations

import pytest

from core.extensions import db
from plugins.a2i_requests.models import BodyKind, PublicBody


@pytest.fixture
def ministry(app) -> PublicBody:
    body = PublicBody(code="MOI", kind=BodyKind.MINISTRY, name_en="Ministry of Information", name_km="ក្រសួងព័ត៌មាន")
    db.session.add(body)
    db.session.commit()
    return body
