"""(being written) policy_exports pages of the policy tracker."""
from __future__ import annotations

from flask import Blueprint, abort

exports_bp = Blueprint("policy_exports", __name__, url_prefix="/t/<tenant_slug>/policy/exports", template_folder="templates")


@exports_bp.route("/")
def index():
    abort(404)
