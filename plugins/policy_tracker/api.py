"""(being written) policy_api API of the policy tracker."""
from __future__ import annotations

from core.api import ApiBlueprint

policy_api = ApiBlueprint("policy_api", __name__, path="policy", description="Laws and policies: register, versions, stage history.")
