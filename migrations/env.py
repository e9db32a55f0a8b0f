"""Alembic environment: the app's engine and metadata; one version branch for the core and one
per plugin (folders from the `samaki_migration_dirs` hook, see core/migrations.py)."""
import logging
import os

from alembic import context
from flask import current_app

config = context.config
logger = logging.getLogger("alembic.env")

migrate_ext = current_app.extensions["migrate"]
engine = migrate_ext.db.engine
target_metadata = migrate_ext.db.metadata
# When writing a new revision for one branch, compare only that branch's tables:
# SAMAKI_MIGRATION_TABLES=a2i_ flask --app wsgi db revision --autogenerate --head a2i_requests@head -m "…"
table_prefix = os.environ.get("SAMAKI_MIGRATION_TABLES", "")


def include_object(obj, name, type_, reflected, compare_to):
    if table_prefix and type_ == "table":
        return name.startswith(table_prefix)
    if table_prefix and hasattr(obj, "table"):
        return obj.table.name.startswith(table_prefix)
    return True


def process_revision_directives(context_, revision, directives):
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_online() -> None:
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, include_object=include_object,
                          process_revision_directives=process_revision_directives,
                          render_as_batch=connection.dialect.name == "sqlite",
                          **{k: v for k, v in migrate_ext.configure_args.items() if k not in {"process_revision_directives", "render_as_batch"}})
        with context.begin_transaction():
            context.run_migrations()
            # The second tenant wall on every tenant-owned table, new ones included (core/rls.py).
            if not getattr(config.cmd_opts, "autogenerate", False):
                from core.rls import install_policies
                install_policies(connection, target_metadata)


if context.is_offline_mode():
    raise SystemExit("Samaki migrations run online only: flask --app wsgi init")
run_migrations_online()
