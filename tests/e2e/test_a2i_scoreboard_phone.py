"""A working group's public disclosure scoreboard on a 360 px phone, without logging in: the cards and
the filters never make the page scroll sideways, whichever grouping is shown."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page

from core.extensions import db
from core.models import WorkingGroup, WorkingGroupMember
from core.registers.models import InstitutionKind
from plugins.a2i_requests.models import RequestStatus
from tests.plugins.a2i_requests.test_scoreboard import add_body, filed

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}


def test_the_scoreboard_fits_a_phone(new_page, tenant, other_tenant):
    province = add_body("KH-15", InstitutionKind.PROVINCE, "Pursat Province")
    # A long name: a card's title must wrap, not widen the page.
    district = add_body("KH-D-1501", InstitutionKind.DISTRICT, "Bakan District Administration, Office of "
                        "Planning, Investment and Commune-Sangkat Support", province_id=province.id)
    ministry = add_body("MLMUPC", InstitutionKind.MINISTRY, "Ministry of Land Management, Urban Planning and "
                        "Construction")
    filed(tenant, district, (RequestStatus.ANSWERED_FULL, date(2026, 8, 5)))
    filed(other_tenant, ministry, (RequestStatus.REFUSED, date(2026, 8, 6)))
    group = WorkingGroup(slug="a2iwg", name="Access to Information Working Group", convening_tenant_id=tenant.id,
                         public_scoreboard=True)
    group.members += [WorkingGroupMember(tenant_id=tenant.id), WorkingGroupMember(tenant_id=other_tenant.id)]
    db.session.add(group)
    db.session.commit()

    page: Page = new_page(PHONE)
    for query in ("", "?group_by=body", "?group_by=province", "?kind=planet"):
        page.goto(f"/groups/a2iwg/disclosure/{query}")
        assert "Disclosure scoreboard of Access to Information Working Group" in page.content()
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"], f"{query or 'default'} is {width}px wide at {PHONE['width']}px"
