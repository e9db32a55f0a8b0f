"""Administration: a tenant's members, roles, module switches and audit log; instance tenants."""
