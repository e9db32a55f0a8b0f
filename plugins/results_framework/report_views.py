"""Placeholder: filled in by its task."""
from flask import Blueprint

reports_bp = Blueprint("results_reports", __name__, url_prefix="/results/reports", template_folder="templates")
