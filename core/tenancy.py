"""Tenant scoping, enforced centrally: every query on a TenantScoped model is filtered to the
current tenant, and every flush checks that rows stay in the tenant they belong to."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from flask import g, has_app_context, has_request_context
from sqlalchemy import ForeignKey, event, false
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, declared_attr, mapped_column, with_loader_criteria


class TenantViolation(RuntimeError):
    """A write would put a row into a tenant other than the current one."""


class TenantScoped:
    """Mixin for every tenant-owned model: an indexed, non-null tenant_id and the central filter."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("core_tenant.id", ondelete="CASCADE"), index=True, nullable=False)


_UNSCOPED = object()
ALL_TENANTS = "all"     # database_scope() where the ORM lets every tenant's rows through


def current_tenant_id() -> int | None:
    """The tenant whose rows queries may see, or None when no tenant is chosen."""
    if not has_app_context():
        return None
    scope = g.get("samaki_scope")
    return None if scope is None or scope is _UNSCOPED else scope


def _scope_is_open() -> bool:
    """Outside a request (CLI, jobs, tests) queries are unscoped unless a tenant is set;
    inside a request they see nothing tenant-owned until the request's tenant is resolved."""
    if not has_app_context():
        return True
    scope = g.get("samaki_scope")
    if scope is _UNSCOPED:
        return True
    return scope is None and not has_request_context()


def database_scope() -> str:
    """The same scope for the database's own wall (core.rls): "all" where the ORM lets every
    tenant's rows through, else the current tenant's id, or "" for none."""
    if _scope_is_open():
        return ALL_TENANTS
    tenant_id = current_tenant_id()
    return "" if tenant_id is None else str(tenant_id)


def set_request_tenant(tenant_id: int | None) -> None:
    g.samaki_scope = tenant_id


@contextmanager
def tenant_scope(tenant_id: int) -> Iterator[None]:
    """Run a block as if the request's tenant were `tenant_id` (jobs, CLI, demo data)."""
    previous = g.get("samaki_scope")
    g.samaki_scope = tenant_id
    try:
        yield
    finally:
        g.samaki_scope = previous


@contextmanager
def unscoped() -> Iterator[None]:
    """Explicit cross-tenant access (network admin, audit verify, bench). Use sparingly."""
    previous = g.get("samaki_scope")
    g.samaki_scope = _UNSCOPED
    try:
        yield
    finally:
        g.samaki_scope = previous


def _add_tenant_criteria(state: ORMExecuteState) -> None:
    if state.is_column_load or not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get("samaki_unscoped") or _scope_is_open():
        return
    tenant_id = current_tenant_id()
    if tenant_id is None:
        criteria = with_loader_criteria(TenantScoped, lambda cls: false(), include_aliases=True)
    else:
        criteria = with_loader_criteria(
            TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)
    state.statement = state.statement.options(criteria)


def _check_tenant_on_flush(session: Session, flush_context, instances) -> None:
    tenant_id = current_tenant_id()
    for obj in session.new:
        if not isinstance(obj, TenantScoped):
            continue
        if obj.tenant_id is None:
            if tenant_id is None:
                raise TenantViolation(f"{type(obj).__name__} has no tenant and no tenant is current")
            obj.tenant_id = tenant_id
        elif tenant_id is not None and obj.tenant_id != tenant_id:
            raise TenantViolation(f"{type(obj).__name__} belongs to another tenant")
    for obj in session.dirty:
        if isinstance(obj, TenantScoped):
            history = _attribute_history(obj, "tenant_id")
            if history.deleted and history.deleted[0] is not None:
                raise TenantViolation(f"{type(obj).__name__} cannot move to another tenant")
            if tenant_id is not None and obj.tenant_id != tenant_id:
                raise TenantViolation(f"{type(obj).__name__} belongs to another tenant")
    for obj in session.deleted:
        if isinstance(obj, TenantScoped) and tenant_id is not None and obj.tenant_id != tenant_id:
            raise TenantViolation(f"{type(obj).__name__} belongs to another tenant")


def _attribute_history(obj, name: str):
    from sqlalchemy import inspect
    return inspect(obj).attrs[name].history


def install_tenant_guards() -> None:
    """Attach the listeners to every Session (idempotent)."""
    if not event.contains(Session, "do_orm_execute", _add_tenant_criteria):
        event.listen(Session, "do_orm_execute", _add_tenant_criteria)
        event.listen(Session, "before_flush", _check_tenant_on_flush)
