"""Alembic helpers: which migration heads the database still lacks, and upgrading to all heads."""
from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from core.extensions import db


def plugin_version_branches(config):
    """Each plugin owns an Alembic version branch in its own package; tell Alembic where they are
    (a Flask-Migrate configure callback, registered by the app factory)."""
    import os

    from core.plugins import migration_dirs

    config.set_main_option("path_separator", "os")
    config.set_main_option("version_path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(migration_dirs(current_app.extensions["samaki"].pm)))
    return config


def script_directory() -> ScriptDirectory:
    migrate_ext = current_app.extensions["migrate"]
    config = migrate_ext.migrate.get_config(migrate_ext.directory)
    return ScriptDirectory.from_config(config)


def pending_heads() -> set[str]:
    """Heads of the code's version branches that the database has not reached."""
    script = script_directory()
    with db.engine.connect() as connection:
        applied = set(MigrationContext.configure(connection).get_current_heads())
    missing = set()
    for head in script.get_heads():
        reached = any(head == rev or head in {r.revision for r in script.iterate_revisions(rev, "base")}
                      for rev in applied)
        if not reached:
            missing.add(head)
    return missing


def upgrade_all() -> None:
    from flask_migrate import upgrade
    upgrade(revision="heads")
