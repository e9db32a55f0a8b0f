"""The app on a fresh database (SQLite by default, PostgreSQL with SAMAKI_TEST_DATABASE_URL),
emptied after every test, plus the tenants and users most tests need."""
from __future__ import annotations

import atexit
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from core import create_app
from core.extensions import db
from core.models import Role
from tests.helpers import login, make_member, make_tenant

BUILTIN_PLUGINS = ["plugins.a2i_requests", "plugins.training_registry", "plugins.consulting_crm",
                   "plugins.policy_tracker", "plugins.results_framework"]
TEST_PLUGIN = "tests.example_plugin"


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


def empty_all_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


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
