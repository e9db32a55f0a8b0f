"""Write guards for the instance-wide registers, which the central tenant filter cannot express
("shared OR mine"): inside a tenant only that tenant's private institutions may be written; shared
rows and places only outside any tenant (operators' commands and pages, which run unscoped)."""
from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from core.registers.models import Institution, Place
from core.tenancy import TenantViolation, current_tenant_id


def _check_register_writes(session: Session, flush_context, instances) -> None:
    tenant_id = current_tenant_id()
    if tenant_id is None:
        return
    for obj in session.new:
        if isinstance(obj, Institution):
            if obj.owner_tenant_id is None:
                obj.owner_tenant_id = tenant_id
            elif obj.owner_tenant_id != tenant_id:
                raise TenantViolation("Institution belongs to another tenant")
        elif isinstance(obj, Place):
            raise TenantViolation("Places are written by instance operators only")
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, Institution):
            history = inspect(obj).attrs["owner_tenant_id"].history
            original = history.deleted[0] if history.deleted else obj.owner_tenant_id
            if original != tenant_id or obj.owner_tenant_id != tenant_id:
                raise TenantViolation("Shared or other tenants' institutions cannot be changed here")
        elif isinstance(obj, Place) and session.is_modified(obj):
            raise TenantViolation("Places are written by instance operators only")


def install_register_guards() -> None:
    if not event.contains(Session, "before_flush", _check_register_writes):
        event.listen(Session, "before_flush", _check_register_writes)
