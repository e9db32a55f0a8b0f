"""The second tenant wall: PostgreSQL's row-level security, under the ORM filter (core/rls.py).
Raw SQL through the app's own connection, inside one tenant, sees and changes nothing of another.
Run as `.ci/run` runs them: connected as a role that does not bypass row-level security."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from core.extensions import db
from core.models import Role
from core.registers.models import Contact, Project
from core.rls import check_role, install_policies, unprotected_tables
from core.tenancy import set_request_tenant, tenant_scope, unscoped
from tests.core.test_migrations import empty_database_url, fresh_app  # noqa: F401 (fixtures)
from tests.helpers import login, make_member

pytestmark = pytest.mark.postgresql


def two_tenants_with_people(tenant, other_tenant) -> None:
    for owner, names in ((tenant, ["Sok Dara", "Chan Sophea"]), (other_tenant, ["Hidden Activist"])):
        with tenant_scope(owner.id):
            for name in names:
                db.session.add(Contact(name_latin=name))
            db.session.add(Project(code=f"P-{owner.slug}", title_en=f"Project of {owner.slug}"))
            db.session.commit()


def raw_names() -> list[str]:
    return sorted(db.session.execute(text("SELECT name_latin FROM core_contact")).scalars())


def test_the_app_connects_as_a_role_that_does_not_bypass_row_level_security(app):
    assert check_role(db.session.connection()) is None


def test_every_tenant_owned_table_has_its_policy_forced(app):
    assert unprotected_tables(db.session.connection()) == []
    forced = db.session.execute(text(
        "SELECT count(*) FROM pg_class WHERE relname = 'a2i_request' AND relforcerowsecurity")).scalar()
    assert forced == 1


def test_raw_sql_inside_one_tenant_sees_no_row_of_another(tenant, other_tenant):
    two_tenants_with_people(tenant, other_tenant)
    with tenant_scope(tenant.id):
        assert raw_names() == ["Chan Sophea", "Sok Dara"]
        assert db.session.execute(text("SELECT DISTINCT tenant_id FROM core_project")).scalars().all() == [tenant.id]
        # Even asking for the other tenant by id finds nothing.
        assert db.session.execute(text("SELECT count(*) FROM core_contact WHERE tenant_id = :other"),
                                  {"other": other_tenant.id}).scalar() == 0
    with tenant_scope(other_tenant.id):
        assert raw_names() == ["Hidden Activist"]


def test_raw_sql_cannot_change_or_plant_rows_in_another_tenant(tenant, other_tenant):
    two_tenants_with_people(tenant, other_tenant)
    with tenant_scope(tenant.id):
        changed = db.session.execute(text("UPDATE core_contact SET name_latin = 'Overwritten'"))
        assert changed.rowcount == 2
        deleted = db.session.execute(text("DELETE FROM core_project WHERE tenant_id = :other"),
                                     {"other": other_tenant.id})
        assert deleted.rowcount == 0
        db.session.commit()
    with tenant_scope(tenant.id), pytest.raises(ProgrammingError, match="row-level security"):
        db.session.execute(text(
            "INSERT INTO core_contact (tenant_id, kind, name_latin, name_km, phone, email, address, id_number, "
            "photo_name, notes, match_name, match_latin, match_phone, sex, age_group, languages, tags, website, "
            "tax_number, protected, consent_scope, guardian_consent, created_at, updated_at) VALUES "
            "(:other, 'PERSON', 'Planted', '', '', '', '', '', '', '', '', '', '', 'NOT_RECORDED', 'NOT_RECORDED', "
            "'', '', '', '', false, '', false, now(), now())"), {"other": other_tenant.id})
    db.session.rollback()
    with tenant_scope(other_tenant.id):
        assert raw_names() == ["Hidden Activist"]
        assert db.session.execute(text("SELECT count(*) FROM core_project")).scalar() == 1


def test_a_request_without_a_tenant_sees_no_tenants_rows(app, tenant, other_tenant):
    two_tenants_with_people(tenant, other_tenant)
    with app.test_request_context("/"):
        set_request_tenant(None)
        assert raw_names() == []
        with unscoped():    # the explicit cross-tenant path (network admin, audit verify)
            assert len(raw_names()) == 3


def test_a_statement_marked_unscoped_crosses_tenants_and_the_next_one_does_not(tenant, other_tenant):
    two_tenants_with_people(tenant, other_tenant)
    with tenant_scope(tenant.id):
        everyone = db.session.execute(text("SELECT count(*) FROM core_contact").execution_options(
            samaki_unscoped=True)).scalar()
        assert everyone == 3
        assert len(raw_names()) == 2


def test_a_connection_that_sets_no_scope_sees_nothing(app, tenant, other_tenant):
    """psql as the app's role, or any connection that bypasses the app, reads no tenant's rows."""
    two_tenants_with_people(tenant, other_tenant)
    from sqlalchemy import create_engine
    stray = create_engine(db.engine.url)
    try:
        with stray.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM core_contact")).scalar() == 0
    finally:
        stray.dispose()


def test_policies_are_installed_again_without_harm(app):
    with db.engine.begin() as connection:
        tables = install_policies(connection)
    assert "core_contact" in tables and "a2i_request" in tables
    assert unprotected_tables(db.session.connection()) == []


def test_a_page_served_with_the_orm_filter_off_still_shows_one_tenant(app, client, tenant, other_tenant,
                                                                      orm_wall_off):
    two_tenants_with_people(tenant, other_tenant)
    member = make_member(tenant, Role.STAFF)
    login(client, member.email)
    page = client.get(f"/t/{tenant.slug}/contacts/")
    assert page.status_code == 200
    assert "Sok Dara" in page.text and "Hidden Activist" not in page.text


def test_migrations_put_the_policy_on_every_tenant_owned_table(fresh_app):
    """`flask init` on an empty database: the policies come with the schema, no create_all involved."""
    from core.migrations import upgrade_all
    with fresh_app.app_context():
        upgrade_all()
        with db.engine.connect() as connection:
            assert unprotected_tables(connection) == []


# Every place that steps over the tenant walls on purpose, and why (ARCHITECTURE.md: cross-tenant
# access is only ever explicit). A new crossing fails this test until it is named here, so each one
# is looked at; each listed path has tests of its own that run on PostgreSQL under the policies.
CROSSINGS = {
    "core/registers/erasure.py": "re-applying erasures after a restore, and scrubbing a person from every group's feed",
    "core/registers/contact_import.py": "the job that purges every tenant's stale contact imports",
    "core/registers/institution_views.py": "operators reviewing corrections that tenants proposed to the shared register",
    "plugins/training_registry/certificates.py": "the public certificate check by its code, and the job over all tenants",
    "plugins/a2i_requests/statistics.py": "working-group statistics and the public scoreboard over members' published requests",
    "plugins/a2i_requests/demo.py": "demo data reading the instance-wide institutions register",
    "plugins/policy_tracker/subscriptions.py": "the digest job over every tenant's subscriptions to laws",
    "plugins/policy_tracker/campaigns.py": "joint recommendations co-submitted by partner organisations",
    "plugins/policy_tracker/reports.py": "counting joint recommendations once for each co-submitter",
    "plugins/policy_tracker/demo.py": "demo data seeding the instance-wide laws register",
}


def test_every_cross_tenant_path_is_named():
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    found = set()
    for path in [*root.glob("core/**/*.py"), *root.glob("plugins/**/*.py")]:
        relative = path.relative_to(root).as_posix()
        if relative in {"core/tenancy.py", "core/rls.py"}:
            continue
        text = path.read_text(encoding="utf-8")
        if "unscoped()" in text or "samaki_unscoped=True" in text:
            found.add(relative)
    assert found == set(CROSSINGS)
