"""Migrations: every branch (core, each plugin, the test plugin) upgrades an empty database to
exactly the schema the models describe, on SQLite and PostgreSQL; a database that is behind the
code is refused with the command to run."""
import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Index, create_engine, inspect, text

from core import create_app
from core.extensions import db
from core.migrations import pending_heads, upgrade_all
from tests.conftest import app_config


@pytest.fixture
def empty_database_url(tmp_path):
    """A brand-new database: a SQLite file, or a PostgreSQL database created for this test."""
    server = os.environ.get("SAMAKI_TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server = server.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"samaki_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def fresh_app(empty_database_url, tmp_path):
    app = create_app(app_config(tmp_path, empty_database_url, CHECK_PENDING_MIGRATIONS=True))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _expression_indexes(this_database_only: bool = True) -> list[Index]:
    """Indexes on expressions (that this database creates: an index may be for one dialect only)."""
    dialect = db.engine.dialect.name
    return [index for table in db.metadata.tables.values() for index in table.indexes
            if any(not isinstance(part, Column) for part in index.expressions)
            and (not this_database_only or getattr(index._ddl_if, "dialect", None) in (None, dialect))]


def _comparable(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic cannot compare an index on an expression (e.g. `id DESC`); such indexes are checked
    by name instead."""
    return not (type_ == "index" and name in {index.name for index in _expression_indexes(False)})


@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_upgrade_from_empty_matches_the_models(fresh_app):
    with fresh_app.app_context():
        upgrade_all()
        assert pending_heads() == set()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"include_object": _comparable})
            differences = compare_metadata(context, db.metadata)
            tables = set(inspect(connection).get_table_names())
            missing = [(index.table.name, index.name) for index in _expression_indexes() if index.name not in
                       {found["name"] for found in inspect(connection).get_indexes(index.table.name)}]
    assert differences == [], f"models and migrations differ: {differences}"
    assert missing == [], f"indexes the migrations do not create: {missing}"
    assert {"core_tenant", "core_audit_event", "visits_field_visit"} <= tables


def test_each_plugin_has_its_own_branch(fresh_app):
    from core.migrations import script_directory
    with fresh_app.app_context():
        labels = {label for rev in script_directory().walk_revisions() for label in rev.branch_labels}
    assert {"core", "field_visits"} <= labels


def test_app_refuses_to_serve_a_database_with_pending_migrations(fresh_app):
    response = fresh_app.test_client().get("/login")
    assert response.status_code == 503
    assert "flask --app wsgi init" in response.get_data(as_text=True)
    with fresh_app.app_context():
        upgrade_all()
    assert fresh_app.test_client().get("/login").status_code == 200


def test_init_command_applies_every_branch(fresh_app):
    result = fresh_app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    with fresh_app.app_context():
        assert pending_heads() == set()
