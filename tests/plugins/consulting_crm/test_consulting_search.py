"""The global search finds opportunities (title, call reference), clients (their name, protected
ones only for those allowed) and engagements (title, contract reference), in the tenant only."""
from __future__ import annotations

import re

from core.extensions import db
from core.models import Role
from tests.helpers import login, make_member
from tests.plugins.consulting_crm.conftest import add_organisation, switch_off
from tests.plugins.consulting_crm.figures_data import build


HIT = re.compile(r'/consulting/(opportunities|clients|engagements)/\d+"')


def search(client, tenant, query) -> str:
    response = client.get(f"/t/{tenant.slug}/search", query_string={"q": query})
    assert response.status_code == 200
    return response.text


def test_opportunities_clients_and_engagements_are_found(staff_client, tenant, other_tenant):
    data = build(tenant)
    build(other_tenant)
    base = f"/t/{tenant.slug}/consulting"
    page = search(staff_client, tenant, "digital rights")
    assert f'{base}/opportunities/{data.opportunities["W1"].id}"' in page
    assert f'{base}/engagements/{data.engagements["E1"].id}"' in page
    assert f"/t/{other_tenant.slug}/" not in page
    by_reference = search(staff_client, tenant, "sdc-cfp-2026")
    assert "SDC-CfP-2026-04 · Budget literacy manual update" in by_reference
    assert f'{base}/engagements/{data.engagements["E1"].id}"' in search(staff_client, tenant, "SDC-2026-118")
    clients = search(staff_client, tenant, "ngo forum")
    assert "Kampot NGO Forum" in clients and f'{base}/clients/{data.clients["ngo"].id}"' in clients
    assert not HIT.search(search(staff_client, tenant, "pepper"))


def test_a_protected_client_is_found_only_by_those_allowed(client, tenant):
    hidden = add_organisation(tenant, "Survivors Support Network")
    hidden.protected = True
    db.session.commit()
    staff = make_member(tenant, Role.STAFF)
    login(client, staff.email)
    assert f"/consulting/clients/{hidden.id}" not in search(client, tenant, "survivors")
    client.post("/logout")
    admin = make_member(tenant, Role.ADMIN)
    login(client, admin.email)
    assert f"/consulting/clients/{hidden.id}" in search(client, tenant, "survivors")


def test_nothing_is_found_when_the_module_is_switched_off(staff_client, tenant):
    build(tenant)
    switch_off(tenant)
    assert not HIT.search(search(staff_client, tenant, "digital rights"))
