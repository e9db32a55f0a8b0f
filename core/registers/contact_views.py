"""(being written) HTML pages of the contacts register."""
from __future__ import annotations

from flask import Blueprint, abort

contacts_bp = Blueprint("contacts", __name__, url_prefix="/t/<tenant_slug>/contacts")


@contacts_bp.route("/")
def index():
    abort(404)
