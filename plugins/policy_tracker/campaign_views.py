"""(being written) campaigns pages of the policy tracker."""
from __future__ import annotations

from flask import Blueprint, abort

campaigns_bp = Blueprint("campaigns", __name__, url_prefix="/t/<tenant_slug>/policy/campaigns", template_folder="templates")


@campaigns_bp.route("/")
def index():
    abort(404)
