"""(being written) JSON API of the places register."""
from __future__ import annotations

from core.api import ApiBlueprint

places_api = ApiBlueprint("places_api", __name__, path="places", description="places register")
