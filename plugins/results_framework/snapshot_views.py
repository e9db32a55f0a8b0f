"""Placeholder: filled in by its task."""
from flask import Blueprint

snapshots_bp = Blueprint("results_snapshots", __name__, url_prefix="/results/snapshots", template_folder="templates")
