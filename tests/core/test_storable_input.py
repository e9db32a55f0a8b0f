"""Text no database column can hold (a NUL character, a lone surrogate) is cleaned from every form,
query string and JSON body before validation: PostgreSQL would refuse it with a server error."""
from sqlalchemy import select

from core.extensions import db
from core.models import Role
from core.registers.models import Contact
from core.tenancy import tenant_scope
from tests.helpers import login, make_member


def test_a_nul_in_a_form_post_is_dropped_and_the_contact_saved(client, tenant):
    login(client, make_member(tenant, Role.OWNER).email)
    response = client.post(f"/t/{tenant.slug}/contacts/new", data={
        "kind": "person", "name_latin": "Sok\x00 Dara", "sex": "female", "save_anyway": "y"})
    assert response.status_code == 302
    with tenant_scope(tenant.id):
        assert db.session.scalars(select(Contact.name_latin)).all() == ["Sok Dara"]


def test_a_nul_or_lone_surrogate_in_a_query_string_is_an_ordinary_search(client, tenant):
    login(client, make_member(tenant, Role.OWNER).email)
    for url in (f"/t/{tenant.slug}/contacts/?q=So%00k", f"/t/{tenant.slug}/search?q=%ED%A0%80Sok",
                f"/t/{tenant.slug}/institutions/?q=Ka%00mpot"):
        assert client.get(url).status_code == 200, url
