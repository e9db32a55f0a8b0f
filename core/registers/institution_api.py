"""(being written) JSON API of the institutions register."""
from __future__ import annotations

from core.api import ApiBlueprint

institutions_api = ApiBlueprint("institutions_api", __name__, path="institutions", description="institutions register")
