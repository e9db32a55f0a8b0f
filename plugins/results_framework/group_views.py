"""Placeholder: filled in by its task."""
from flask import Blueprint

groups_bp = Blueprint("results_groups", __name__, url_prefix="/results/groups", template_folder="templates")


def group_panels(group, tenant, user):
    return []
