"""(being written) laws pages of the policy tracker."""
from __future__ import annotations

from flask import Blueprint, abort

laws_bp = Blueprint("laws", __name__, url_prefix="/t/<tenant_slug>/policy/laws", template_folder="templates")


@laws_bp.route("/")
def index():
    abort(404)
