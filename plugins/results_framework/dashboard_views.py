"""Placeholder: filled in by its task."""
from flask import Blueprint

dashboard_bp = Blueprint("results_dashboard", __name__, url_prefix="/results", template_folder="templates")


def search_hits(tenant, query):
    return []


def my_work(tenant, user):
    return []
