"""(being written) policy_calendar pages of the policy tracker."""
from __future__ import annotations

from flask import Blueprint, abort

policy_calendar_bp = Blueprint("policy_calendar", __name__, url_prefix="/t/<tenant_slug>/policy/calendar", template_folder="templates")


@policy_calendar_bp.route("/")
def index():
    abort(404)
