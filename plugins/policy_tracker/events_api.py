"""(being written) policy_events_api API of the policy tracker."""
from __future__ import annotations

from core.api import ApiBlueprint

events_api = ApiBlueprint("policy_events_api", __name__, path="policy", description="Dated events of laws and campaigns.")
