"""(being written) HTML pages of the places register."""
from __future__ import annotations

from flask import Blueprint, abort

places_bp = Blueprint("places", __name__, url_prefix="/t/<tenant_slug>/places")


@places_bp.route("/")
def index():
    abort(404)
