"""(being written) HTML pages of the projects register."""
from __future__ import annotations

from flask import Blueprint, abort

projects_bp = Blueprint("projects", __name__, url_prefix="/t/<tenant_slug>/projects")


@projects_bp.route("/")
def index():
    abort(404)
