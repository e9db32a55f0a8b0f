"""(being written) HTML pages of the calendar register."""
from __future__ import annotations

from flask import Blueprint, abort

calendar_bp = Blueprint("calendar", __name__, url_prefix="/t/<tenant_slug>/calendar")


@calendar_bp.route("/")
def index():
    abort(404)
