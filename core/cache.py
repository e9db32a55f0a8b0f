"""Results that cost a scan of hundreds of thousands of rows (list totals, disclosure statistics),
kept for a minute in the worker that computed them.

Only large results are kept (LARGE_RESULT rows or more): small ones are cheap and always exact,
so a user who has just filed their tenth request sees it counted at once. A large figure that lags
a few changes behind for a minute misleads nobody and spares the database a scan per page view.
Every key holds the database and the current tenant, so no figure is ever shown to another tenant.

`kept_a_minute` keeps any result, for callers that `forget` a tenant's as soon as they write what
it was computed from (the decrypted names of protected contacts: core.registers.contacts)."""
from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from core.extensions import db
from core.tenancy import current_tenant_id

LARGE_RESULT = 10_000
TTL_SECONDS = 60.0
MAX_ENTRIES = 1_000

T = TypeVar("T")
_entries: dict[tuple, tuple[float, object]] = {}


def _kept(key: tuple[Hashable, ...], compute: Callable[[], T], keep: Callable[[T], bool]) -> T:
    full_key = (str(db.engine.url), current_tenant_id(), *key)
    now = time.monotonic()
    entry = _entries.get(full_key)
    if entry is not None and now - entry[0] < TTL_SECONDS:
        return entry[1]  # type: ignore[return-value]
    value = compute()
    if keep(value):
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[full_key] = (now, value)
    else:
        _entries.pop(full_key, None)
    return value


def cached_if_large(key: tuple[Hashable, ...], compute: Callable[[], T], size: Callable[[T], int]) -> T:
    """compute(), or its value from the last minute when that covered LARGE_RESULT rows or more."""
    return _kept(key, compute, lambda value: size(value) >= LARGE_RESULT)


def kept_a_minute(key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """compute(), or its value from the last minute whatever its size (see `forget`)."""
    return _kept(key, compute, lambda value: True)


def forget(tenant_id: int | None, name: Hashable) -> None:
    """Drop this worker's kept values of `tenant_id` whose key starts with `name` (in every database)."""
    for full_key in [full_key for full_key in _entries if full_key[1] == tenant_id and full_key[2:3] == (name,)]:
        _entries.pop(full_key, None)
