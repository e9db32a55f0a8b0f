"""(being written) The law and policy register: services without Flask."""
from __future__ import annotations


def search_laws(query: str) -> list:
    return []
