"""(being written) What the policy tracker lets tenants share with working groups."""
from __future__ import annotations


def shareable_types() -> list:
    return []
