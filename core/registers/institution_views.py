"""(being written) HTML pages of the institutions register."""
from __future__ import annotations

from flask import Blueprint, abort

institutions_bp = Blueprint("institutions", __name__, url_prefix="/t/<tenant_slug>/institutions")


@institutions_bp.route("/")
def index():
    abort(404)
