"""(being written) policy_campaigns_api API of the policy tracker."""
from __future__ import annotations

from core.api import ApiBlueprint

campaigns_api = ApiBlueprint("policy_campaigns_api", __name__, path="policy", description="Campaigns, recommendations and activities.")
