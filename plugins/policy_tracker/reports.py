"""(being written) Figures of the policy tracker: dashboard widgets and indicators."""
from __future__ import annotations


def dashboard_widgets(tenant, user) -> list:
    return []


def indicators(tenant, period) -> list:
    return []
