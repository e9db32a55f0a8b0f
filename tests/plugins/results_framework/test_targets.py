"""Targets on the indicator's page: set per year, quarter or fiscal year of the plan (Khmer digits
accepted), set again to change, removed; a period that is not one or lies outside the plan's years is
refused on the field (422) with nothing saved; viewers and other tenants cannot touch them."""
from __future__ import annotations

import html
from decimal import Decimal

from sqlalchemy import select

from core.extensions import db
from core.models import Role
from plugins.results_framework.models import Target
from tests.helpers import login, make_member
from tests.plugins.results_framework.conftest import make_indicator


def base(tenant) -> str:
    return f"/t/{tenant.slug}/results/framework"


def shown(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def targets() -> dict[str, Decimal]:
    db.session.expire_all()
    return {target.period_key: target.value for target in db.session.scalars(select(Target))}


def test_an_editor_sets_changes_and_removes_targets(staff_client, tenant, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1")
    url = f"{base(tenant)}/indicators/{indicator.id}/targets"
    assert staff_client.post(url, data={"period_key": "2026", "value": "30"}).status_code == 302
    assert staff_client.post(url, data={"period_key": "2026-q3", "value": "១២"}).status_code == 302
    assert staff_client.post(url, data={"period_key": "fy2025-07", "value": "1,250.5"}).status_code == 302
    assert targets() == {"2026": 30, "2026-Q3": 12, "FY2025-07": Decimal("1250.5")}
    page = shown(staff_client.get(f"{base(tenant)}/indicators/{indicator.id}/edit"))
    assert "Q3 2026" in page and "1,250.5" in page and "FY 2025–2026 (July–June)" in page
    # Set again: the period's target changes, no second row.
    assert staff_client.post(url, data={"period_key": "2026", "value": "35"}).status_code == 302
    assert targets()["2026"] == 35 and len(targets()) == 3
    target_id = db.session.scalar(select(Target.id).where(Target.period_key == "2026"))
    response = staff_client.post(f"{url}/{target_id}/remove")
    assert response.status_code == 302 and response.headers["Location"].endswith("#targets")
    assert "2026" not in targets()
    assert staff_client.post(f"{url}/{target_id}/remove").status_code == 404


def test_a_target_for_an_unknown_period_is_refused_on_the_field(staff_client, tenant, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1", targets={"2026": 30})
    url = f"{base(tenant)}/indicators/{indicator.id}/targets"
    response = staff_client.post(url, data={"period_key": "2031", "value": "40"})
    assert response.status_code == 422
    assert "2031 is outside the plan's years 2024–2028." in shown(response)
    assert 'id="period_key-error"' in shown(response)
    response = staff_client.post(url, data={"period_key": "2026-Q5", "value": "40"})
    assert response.status_code == 422
    assert "“2026-Q5” is not a period. Write a year (2026), a quarter (2026-Q3)" in shown(response)
    response = staff_client.post(url, data={"period_key": "2027", "value": "many"})
    assert response.status_code == 422 and "Enter a number." in shown(response)
    response = staff_client.post(url, data={"period_key": "2027", "value": ""})
    assert response.status_code == 422 and "Give the target." in shown(response)
    assert targets() == {"2026": 30}
    # The page shown with the error still holds the indicator form, filled in.
    assert 'value="1.1.1"' in shown(response)


def test_the_targets_are_shown_in_khmer(client, tenant, outcome):
    reader = make_member(tenant, Role.STAFF, email="khmer@kampot.example", locale="km")
    indicator = make_indicator(tenant, outcome, "1.1.1")
    login(client, reader.email)
    response = client.post(f"{base(tenant)}/indicators/{indicator.id}/targets",
                           data={"period_key": "2031", "value": "40"})
    assert response.status_code == 422 and '<html lang="km"' in response.get_data(as_text=True)


def test_viewer_cannot_set_or_remove_a_target(client, tenant, viewer, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1", targets={"2026": 30})
    login(client, viewer.email)
    url = f"{base(tenant)}/indicators/{indicator.id}/targets"
    assert client.post(url, data={"period_key": "2027", "value": "40"}).status_code == 403
    target_id = db.session.scalar(select(Target.id))
    assert client.post(f"{url}/{target_id}/remove").status_code == 403
    assert "2026: 30" in shown(client.get(f"{base(tenant)}/"))
    assert targets() == {"2026": 30}


def test_another_tenant_cannot_set_or_remove_a_target(client, tenant, other_tenant, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1", targets={"2026": 30})
    outsider = make_member(other_tenant, Role.OWNER, email="owner@battambang.example")
    login(client, outsider.email)
    target_id = db.session.scalar(select(Target.id))
    for slug in (tenant.slug, other_tenant.slug):
        url = f"/t/{slug}/results/framework/indicators/{indicator.id}/targets"
        assert client.post(url, data={"period_key": "2026", "value": "99"}).status_code == 404
        assert client.post(f"{url}/{target_id}/remove").status_code == 404
    assert targets() == {"2026": 30}
