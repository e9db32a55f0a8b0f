"""(being written) Demo data of the policy tracker."""
from __future__ import annotations


def load_demo_data(tenant) -> None:
    return None
