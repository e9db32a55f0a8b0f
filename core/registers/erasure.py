"""(being written) Erasing a person."""
from __future__ import annotations


def reapply_erasures() -> int:
    return 0
