"""Fixtures of the working-group tests (pages, API, webhooks): the A2IWG of the two test tenants
and a field visit of the first tenant to share with it. Import them into a test module."""
from datetime import date

import pytest

from core.extensions import db
from core.models import WorkingGroup, WorkingGroupMember
from core.tenancy import tenant_scope
from tests.example_plugin.models import FieldVisit


@pytest.fixture
def a2iwg(tenant, other_tenant):
    group = WorkingGroup(slug="a2iwg", name="Access to Information Working Group", convening_tenant_id=tenant.id)
    group.members += [WorkingGroupMember(tenant_id=tenant.id), WorkingGroupMember(tenant_id=other_tenant.id)]
    db.session.add(group)
    db.session.commit()
    return group


@pytest.fixture
def visit(tenant):
    with tenant_scope(tenant.id):
        record = FieldVisit(title="Budget hearing in Kampot", visited_on=date(2026, 3, 2),
                            notes="Met Ms. Secret Source at the market")
        db.session.add(record)
        db.session.commit()
        return record
