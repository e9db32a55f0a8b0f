"""The app on a fresh database (SQLite by default, PostgreSQL with SAMAKI_TEST_DATABASE_URL),
emptied after every test, plus the tenants and users most tests need."""
from __future__ import annotations

import atexit
import re
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine

from core import create_app
from core.extensions import db
from core.models import Role
from tests.helpers import login, make_member, make_tenant

BUILTIN_PLUGINS = ["plugins.a2i_requests", "plugins.training_registry", "plugins.consulting_crm",
                   "plugins.policy_tracker", "plugins.results_framework"]
TEST_PLUGIN = "tests.example_plugin"


def on_postgresql() -> bool:
    return bool(os.environ.get("SAMAKI_TEST_DATABASE_URL"))


def pytest_collection_modifyitems(config, items) -> None:
    """Tests of what only PostgreSQL has (row-level security, app servers sharing one database)
    are left out of the SQLite run: `.ci/run` runs them in its PostgreSQL pass."""
    if on_postgresql():
        return
    left_out = [item for item in items if item.get_closest_marker("postgresql")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("postgresql")]


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("SAMAKI_TEST_DATABASE_URL")
    if url:
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        return worker_database(url, worker) if worker else url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'samaki-test.db'}"


def worker_database(url: str, worker: str) -> str:
    """A PostgreSQL database of this pytest-xdist worker's own, next to the given one (emptied
    tables would otherwise be pulled from under the other workers' tests); dropped at the end."""
    server, name = url.rsplit("/", 1)
    own = f"{name}_{worker}"
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{own}"'))
    admin.dispose()
    atexit.register(_drop_database, server, own)
    return f"{server}/{own}"


def _drop_database(server: str, name: str) -> None:
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def app_config(tmp_path: Path, url: str, **overrides) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_CHEAP": True,
        "CHECK_PENDING_MIGRATIONS": False,
        "PLUGINS": BUILTIN_PLUGINS + [TEST_PLUGIN],
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "SERVER_NAME": None,
        # Many tests call the API with token ids that repeat: tests/core/test_rate_limits.py sets its own.
        "API_RATE_LIMITS_ENABLED": False,
        **overrides,
    }


@pytest.fixture(scope="session")
def db_url(tmp_path_factory) -> str:
    return database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def app(db_url, tmp_path_factory):
    app = create_app(app_config(tmp_path_factory.mktemp("instance"), db_url))
    with app.app_context():
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


# Tables a test wrote to, seen on the engine: emptying only those keeps PostgreSQL's per-test cleanup
# to a few quick DELETEs, where a TRUNCATE of every table costs about half a second per test.
_INSERT = re.compile(r'\s*INSERT\s+INTO\s+"?(\w+)"?', re.IGNORECASE)
_written_tables: set[str] = set()


def _remember_written_table(conn, cursor, statement, parameters, context, executemany) -> None:
    found = _INSERT.match(statement)
    if found:
        _written_tables.add(found.group(1))


# Every engine of the process: a test may build a second app on the same database.
event.listen(Engine, "before_cursor_execute", _remember_written_table)


def empty_all_tables() -> None:
    """Delete every row the test wrote (children before parents) and restart the ids of those tables."""
    tables = [table for table in reversed(db.metadata.sorted_tables) if table.name in _written_tables]
    for table in tables:
        db.session.execute(table.delete())
    if db.engine.dialect.name == "postgresql":
        for table in tables:
            if "id" in table.c and table.c.id.autoincrement is not False:
                db.session.execute(text("SELECT setval(pg_get_serial_sequence(:table, 'id'), 1, false)"),
                                   {"table": table.name})
    db.session.commit()
    _written_tables.difference_update(table.name for table in tables)


@pytest.fixture(autouse=True)
def app_context(request):
    """Tests that use the app run inside its context and leave an empty database behind."""
    if "app" not in request.fixturenames:
        yield None
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        yield app
        db.session.rollback()
        empty_all_tables()
        # Uploaded files outlive rows: the next test starts with an empty upload folder too.
        shutil.rmtree(app.config["UPLOAD_FOLDER"], ignore_errors=True)
        db.session.remove()
        app.extensions.pop("console_mail", None)


@pytest.fixture
def orm_wall_off(app):
    """The ORM's tenant filter switched off, so that PostgreSQL's row-level security stands alone."""
    from sqlalchemy.orm import Session

    from core.tenancy import _add_tenant_criteria
    event.remove(Session, "do_orm_execute", _add_tenant_criteria)
    try:
        yield
    finally:
        event.listen(Session, "do_orm_execute", _add_tenant_criteria)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def tenant(app):
    return make_tenant("kampot-network", "Kampot CSO Network")


@pytest.fixture
def other_tenant(app):
    return make_tenant("battambang-youth", "Battambang Youth Network")


@pytest.fixture
def staff(tenant):
    return make_member(tenant, Role.STAFF)


@pytest.fixture
def admin_user(tenant):
    return make_member(tenant, Role.ADMIN)


@pytest.fixture
def viewer(tenant):
    return make_member(tenant, Role.VIEWER)


@pytest.fixture
def staff_client(client, staff):
    login(client, staff.email)
    return client


@pytest.fixture
def admin_client(client, admin_user):
    login(client, admin_user.email)
    return client
