"""Placeholder: filled in by its task."""
from flask import Blueprint

framework_bp = Blueprint("results_framework", __name__, url_prefix="/results/framework", template_folder="templates")
