"""(being written) Scheduled jobs of the policy tracker: event reminders, digests."""
from __future__ import annotations


def jobs() -> list:
    return []
