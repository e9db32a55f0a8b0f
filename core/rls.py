"""Row-level security on PostgreSQL: the second tenant wall, under the ORM's (core.tenancy).

Every TenantScoped table gets one policy: a row is seen or written only when its `tenant_id` is
the transaction's `samaki.tenant_id`, or when the transaction is explicitly cross-tenant
(`samaki.all_tenants = on`: the CLI, jobs, `unscoped()` blocks and statements marked
`samaki_unscoped`, the same narrow paths the ORM wall lets through). The app sets both settings,
local to the transaction, before the first statement of each transaction and again whenever the
scope changes, so raw SQL through the app's connection is walled as well as the ORM's queries.
Neither setting given (a stray connection, psql as the app's role) means no tenant's rows.

FORCE makes the policies hold for the tables' owner too; a superuser or a role with BYPASSRLS
still passes through them, so the app connects as an ordinary role (README, `.ci/run`).
`check_role` says when it does not. SQLite has no row-level security: the ORM wall stands alone.
"""
from __future__ import annotations

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, Engine

from core.tenancy import ALL_TENANTS, TenantScoped, database_scope

POLICY = "samaki_tenant_wall"
_SCOPE_SET = "samaki_rls_scope"     # Connection.info: the scope this transaction was given

CONDITION = ("current_setting('samaki.all_tenants', true) = 'on' OR "
             "tenant_id = NULLIF(current_setting('samaki.tenant_id', true), '')::integer")


def tenant_scoped_tables(metadata) -> list[str]:
    """Names of the tables of TenantScoped models in `metadata`."""
    from core.extensions import db

    return sorted({mapper.local_table.name for mapper in db.Model.registry.mappers
                   if issubclass(mapper.class_, TenantScoped) and mapper.local_table.name in metadata.tables})


def install_policies(connection: Connection, metadata=None, tables=None) -> list[str]:
    """Enable and force row-level security with the tenant policy on each TenantScoped table that
    exists (idempotent: run after every migration and every create_all). Returns the tables."""
    if connection.dialect.name != "postgresql":
        return []
    if metadata is None:
        from core.extensions import db
        metadata = db.metadata
    existing = set(inspect(connection).get_table_names())
    names = [name for name in tenant_scoped_tables(metadata)
             if name in existing and (tables is None or name in tables)]
    for name in names:
        connection.execute(text(f'ALTER TABLE "{name}" ENABLE ROW LEVEL SECURITY'))
        connection.execute(text(f'ALTER TABLE "{name}" FORCE ROW LEVEL SECURITY'))
        connection.execute(text(f'DROP POLICY IF EXISTS {POLICY} ON "{name}"'))
        connection.execute(text(f'CREATE POLICY {POLICY} ON "{name}" USING ({CONDITION}) WITH CHECK ({CONDITION})'))
    return names


def unprotected_tables(connection: Connection, metadata=None) -> list[str]:
    """TenantScoped tables lacking forced row-level security or the policy (empty when all is well)."""
    from core.extensions import db

    rows = connection.execute(text(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relrowsecurity AND c.relforcerowsecurity "
        "AND EXISTS (SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname AND p.policyname = :policy)"),
        {"policy": POLICY}).scalars().all()
    return sorted(set(tenant_scoped_tables(metadata or db.metadata)) - set(rows))


def check_role(connection: Connection) -> str | None:
    """Why row-level security would not hold for this connection's role, or None."""
    role, superuser, bypass = connection.execute(text(
        "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
    if superuser or bypass:
        return (f"The database role {role!r} bypasses "
                "row-level security (superuser or BYPASSRLS): connect as an ordinary role (see README).")
    return None


def _wanted_scope(context) -> str:
    if context is not None and context.execution_options.get("samaki_unscoped"):
        return ALL_TENANTS
    return database_scope()


def _set_scope(conn, cursor, statement, parameters, context, executemany) -> None:
    wanted = _wanted_scope(context)
    if conn.info.get(_SCOPE_SET) == wanted:
        return
    all_tenants, tenant_id = ("on", "") if wanted == ALL_TENANTS else ("off", wanted)
    # A cursor of its own: the statement's may be a server-side one, which would only declare this.
    with cursor.connection.cursor() as setter:
        setter.execute("SELECT set_config('samaki.all_tenants', %s, true), set_config('samaki.tenant_id', %s, true)",
                       (all_tenants, tenant_id))
    conn.info[_SCOPE_SET] = wanted


def _forget_scope(conn, *args) -> None:
    """A new transaction, or a rolled-back savepoint, starts without the settings."""
    conn.info.pop(_SCOPE_SET, None)


def _policies_after_create(metadata, connection, tables=(), **kwargs) -> None:
    install_policies(connection, metadata, tables={table.name for table in tables})


def install(engine: Engine, metadata) -> None:
    """Set the scope on every transaction of `engine` and protect tables that create_all makes."""
    if engine.dialect.name != "postgresql" or event.contains(engine, "before_cursor_execute", _set_scope):
        return
    event.listen(engine, "before_cursor_execute", _set_scope)
    event.listen(engine, "begin", _forget_scope)
    event.listen(engine, "rollback_savepoint", _forget_scope)
    if not event.contains(metadata, "after_create", _policies_after_create):
        event.listen(metadata, "after_create", _policies_after_create)
