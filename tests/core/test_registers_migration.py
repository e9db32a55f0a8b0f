"""The registers data migration (a2i_requests_0005 on top of core_0002), run on the demo database as
the previous code left it (tests/core/data/demo_before_registers.json, dumped at core_0001 +
a2i_requests_0004): public bodies become institutions with the same ids, closure days move to the
core calendar, requesters become contacts with the same sex, age group and protection, nothing is
lost, the audit chains stay whole and the A2I statistics are exactly what the old code computed.
Runs on SQLite, and on PostgreSQL when SAMAKI_TEST_DATABASE_URL is set."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa

from core.extensions import db
from core.migrations import pending_heads, upgrade_all
from core.models import Tenant
from core.tenancy import tenant_scope
from tests.core.test_migrations import empty_database_url, fresh_app  # noqa: F401  (fixtures)

DUMP = json.loads((Path(__file__).parent / "data" / "demo_before_registers.json").read_text(encoding="utf-8"))
TABLES = DUMP["tables"]
GROUPINGS = ("body", "kind", "province")
MOVED_TABLES = {"a2i_public_body", "a2i_closure_day"}


def _value(value, column_type, dialect: str):
    """An ISO string of the dump as the column wants it (dates, aware datetimes)."""
    if value is None or not isinstance(value, str):
        return value
    if isinstance(column_type, sa.DateTime) or getattr(column_type, "impl", None).__class__.__name__ == "DateTime":
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        if dialect == "sqlite" and not hasattr(column_type, "process_bind_param"):
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
        return moment
    if isinstance(column_type, sa.Date):
        return date.fromisoformat(value[:10])
    return value


def _load_dump(connection) -> None:
    """Insert every row of the dump, parents first, with the model's column types where the model
    still has the column (so stored values are exactly what the app writes) and the database's
    otherwise; then move PostgreSQL's id sequences past the inserted ids."""
    reflected = sa.MetaData()
    reflected.reflect(bind=connection)
    dialect = connection.dialect.name
    for table in reflected.sorted_tables:
        rows = TABLES.get(table.name)
        if not rows:
            continue
        model_table = db.metadata.tables.get(table.name)
        types = {column.name: (model_table.c[column.name].type if model_table is not None
                               and column.name in model_table.c else column.type) for column in table.columns}
        target = sa.table(table.name, *(sa.column(name, type_) for name, type_ in types.items()))
        connection.execute(target.insert(), [
            {name: _value(value, types[name], dialect) for name, value in row.items() if name in types}
            for row in rows])
        if dialect == "postgresql" and "id" in table.c:
            connection.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                       f"(SELECT MAX(id) FROM {table.name}))"))


def _stat_rows(rows, total) -> list[list]:
    def key_of(row):
        key = row.key.value if hasattr(row.key, "value") else row.key
        return str(key)
    return [[key_of(row), row.label, row.requests, row.answered_full, row.answered_part, row.refused, row.extended,
             row.transferred, row.on_time, row.complaints, row.mean_days, row.median_days] for row in [*rows, total]]


@pytest.fixture
def migrated(fresh_app):
    """The app on a database holding the old demo data, upgraded to every head."""
    with fresh_app.app_context():
        flask_migrate.upgrade(revision="a2i_requests@a2i_requests_0004")
        with db.engine.begin() as connection:
            _load_dump(connection)
        upgrade_all()
        assert pending_heads() == set()
        yield fresh_app


def _count(table: str) -> int:
    return db.session.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one()


def test_statistics_are_identical_after_the_migration(migrated):
    from plugins.a2i_requests import statistics
    tenants = {tenant.slug: tenant.id for tenant in db.session.scalars(sa.select(Tenant))}
    assert set(DUMP["statistics"]) <= set(tenants)
    for slug, expected in DUMP["statistics"].items():
        with migrated.test_request_context(), tenant_scope(tenants[slug]):
            for group_by in GROUPINGS:
                rows, total = statistics.statistics_table(group_by, locale="en")
                assert _stat_rows(rows, total) == expected[group_by], (slug, group_by)
            period = (date(2024, 1, 1), date(2026, 12, 31))
            assert statistics.active_disclosers(*period, "district") == expected["active_districts_2024_2026"]
            assert statistics.active_disclosers(*period, "ministry") == expected["active_ministries_2024_2026"]


def test_every_requester_is_a_contact_with_the_same_sex_age_group_and_protection(migrated):
    old = {row["id"]: row for row in TABLES["a2i_request"]}
    found = db.session.execute(sa.text(
        "SELECT r.id, r.tenant_id, c.tenant_id AS contact_tenant, c.kind, c.name_latin, c.name_km, c.phone, "
        "c.email, c.sex, c.age_group, c.protected, c.consent_scope, c.consent_on, c.match_name "
        "FROM a2i_request r LEFT JOIN core_contact c ON c.id = r.requester_contact_id")).all()
    assert len(found) == len(old)
    for row in found:
        before = old[row.id]
        if not (before["requester_name"] or before["requester_user_id"]):
            continue
        assert row.contact_tenant == row.tenant_id and row.kind == "person"
        assert (row.sex, row.age_group, bool(row.protected)) == (
            before["requester_sex"], before["requester_age_group"], bool(before["protected_requester"]))
        assert before["requester_name"] in (row.name_latin, row.name_km)
        assert before["requester_contact"] in (row.phone, row.email)
        assert row.match_name
        if before["consent_recorded"]:
            assert row.consent_scope == "A2I request"
            assert str(row.consent_on)[:10] == before["created_at"][:10]
    old_columns = {column["name"] for column in sa.inspect(db.engine).get_columns("a2i_request")}
    assert not old_columns & {"requester_name", "requester_contact", "requester_user_id", "requester_sex",
                              "requester_age_group", "consent_recorded", "protected_requester"}


def test_institutions_keep_the_ids_and_names_of_the_public_bodies(migrated):
    institutions = {row.id: row for row in db.session.execute(sa.text(
        "SELECT id, code, kind, name_en, name_km, owner_tenant_id, parent_id, province_id, ncdd_member "
        "FROM core_institution")).all()}
    for body in TABLES["a2i_public_body"]:
        moved = institutions[body["id"]]
        assert (moved.code, moved.kind, moved.name_en, moved.name_km, moved.owner_tenant_id, moved.parent_id,
                moved.province_id, bool(moved.ncdd_member)) == (
            body["code"], body["kind"], body["name_en"], body["name_km"], body["owner_tenant_id"],
            body["parent_id"], body["province_id"], bool(body["ncdd_member"]))
    requests = db.session.execute(sa.text("SELECT id, body_id, transferred_to_id FROM a2i_request")).all()
    assert {(row.id, row.body_id, row.transferred_to_id) for row in requests} == {
        (row["id"], row["body_id"], row["transferred_to_id"]) for row in TABLES["a2i_request"]}
    # New institutions get ids after the copied ones (PostgreSQL's sequence was moved past them).
    from core.registers.models import Institution, InstitutionKind
    added = Institution(code="NEW", kind=InstitutionKind.OTHER, name_en="Added after the migration")
    db.session.add(added)
    db.session.commit()
    assert added.id > max(institutions)


def test_closure_days_move_to_the_core_calendar(migrated):
    moved = {(row.tenant_id, str(row.day)[:10], row.label) for row in db.session.execute(sa.text(
        "SELECT tenant_id, day, label FROM core_closure_day")).all()}
    assert moved == {(row["tenant_id"], row["day"], row["label"]) for row in TABLES["a2i_closure_day"]}
    from core.registers.calendar import tenant_calendar
    for row in TABLES["a2i_closure_day"]:
        assert not tenant_calendar(row["tenant_id"]).is_working_day(date.fromisoformat(row["day"]))


def test_nothing_is_lost_and_the_old_tables_are_gone(migrated):
    tables = set(sa.inspect(db.engine).get_table_names())
    assert not tables & MOVED_TABLES
    for table, rows in TABLES.items():
        if table not in MOVED_TABLES:
            assert _count(table) == len(rows), table
    assert _count("core_institution") == len(TABLES["a2i_public_body"])
    assert _count("core_closure_day") == len(TABLES["a2i_closure_day"])
    with_requester = [row for row in TABLES["a2i_request"] if row["requester_name"] or row["requester_user_id"]]
    assert _count("core_contact") == len(with_requester)


def test_audit_chains_are_still_whole(migrated):
    result = migrated.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "broken" not in result.output.lower()
