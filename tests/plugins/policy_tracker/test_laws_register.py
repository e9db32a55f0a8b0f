"""The register: official entries plus the tenant's own private ones (never another tenant's),
duplicates refused, lead institutions from the visible register only, and search hits."""
import pytest
from sqlalchemy import func, select

from core.errors import DomainError
from core.extensions import db
from core.models import Role
from core.registers.models import Institution, InstitutionKind
from core.tenancy import tenant_scope
from plugins.policy_tracker import services
from plugins.policy_tracker.models import Law
from tests.helpers import login, make_member


def test_a_tenant_sees_official_entries_and_its_own_private_ones_only(law, tenant, other_tenant):
    staff = make_member(tenant, Role.STAFF)
    with tenant_scope(other_tenant.id):
        secret = services.create_law(title_en="Other network's draft prakas", instrument_type="prakas", actor=None)
        db.session.commit()
        secret_id = secret.id
    with tenant_scope(tenant.id):
        mine = services.create_law(title_en="Our own watch list entry", instrument_type="decision", actor=staff)
        db.session.commit()
        titles = {row.title_en for row in db.session.scalars(services.visible_laws())}
        assert titles == {"Law on Access to Information", "Our own watch list entry"}
        assert services.get_visible_law(secret_id) is None
        assert mine.owner_tenant_id == tenant.id and not mine.is_official


def test_same_type_and_title_in_either_language_is_refused(law, tenant):
    with tenant_scope(tenant.id):
        with pytest.raises(DomainError) as refused:
            services.create_law(title_en="  law on access to INFORMATION ", instrument_type="law", actor=None)
        assert refused.value.field == "title_en" and "already in the register" in str(refused.value.message)
        db.session.rollback()
        with pytest.raises(DomainError):
            services.create_law(title_en="A2I", title_km="ច្បាប់ស្តីពីការទទួលបានព័ត៌មាន", instrument_type="law",
                                actor=None)
        db.session.rollback()
        # Another type with the same title is another instrument.
        services.create_law(title_en="Law on Access to Information", instrument_type="policy", actor=None)
        db.session.commit()
    assert db.session.scalar(select(func.count(Law.id))) == 2


def test_another_tenants_private_entry_is_no_duplicate(law, tenant, other_tenant):
    with tenant_scope(other_tenant.id):
        services.create_law(title_en="Watch list", instrument_type="law", actor=None)
        db.session.commit()
    with tenant_scope(tenant.id):
        services.create_law(title_en="Watch list", instrument_type="law", actor=None)
        db.session.commit()


def test_lead_institutions_come_from_the_visible_register(law, tenant, other_tenant, ministry):
    with tenant_scope(other_tenant.id):
        private = Institution(code="OTHER-1", kind=InstitutionKind.OTHER, name_en="Other body", owner_tenant_id=other_tenant.id)
        db.session.add(private)
        db.session.commit()
        private_id = private.id
    with tenant_scope(tenant.id):
        with pytest.raises(DomainError) as refused:
            services.create_law(title_en="Prakas on fees", instrument_type="prakas", actor=None,
                                institution_ids=[private_id])
        assert refused.value.field == "institution_ids"
        db.session.rollback()
        entry = services.create_law(title_en="Prakas on fees", instrument_type="prakas", actor=None,
                                    institution_ids=[ministry.id, ministry.id])
        db.session.commit()
        assert [link.institution_id for link in entry.lead_institutions] == [ministry.id]


def test_a_member_cannot_edit_an_official_entry_nothing_is_saved(law, tenant):
    staff = make_member(tenant, Role.OWNER)
    with tenant_scope(tenant.id):
        with pytest.raises(DomainError):
            services.update_law(law, actor=staff, title_en="Renamed")
        db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Law, law.id).title_en == "Law on Access to Information"


def test_search_finds_official_and_own_entries(app, client, law, tenant):
    staff = make_member(tenant, Role.STAFF)
    login(client, staff.email)
    page = client.get(f"/t/{tenant.slug}/search?q=Access")
    if page.status_code == 404:
        pytest.skip("no global search page")
    assert "Law on Access to Information" in page.get_data(as_text=True)


def test_search_laws_hits(app, law, tenant):
    staff = make_member(tenant, Role.STAFF)
    with app.test_request_context(f"/t/{tenant.slug}/"):
        from flask import g

        from core.models import Membership
        g.tenant = tenant
        g.membership = db.session.scalar(select(Membership).where(Membership.user_id == staff.id))
        with tenant_scope(tenant.id):
            hits = services.search_laws("a2i")
            assert [hit.title for hit in hits] == ["Law on Access to Information"]
            assert hits[0].url == f"/t/{tenant.slug}/policy/laws/{law.id}"
            assert services.search_laws("nothing like it") == []
