"""Placeholder: filled in by its task."""
from core.api import ApiBlueprint

results_api = ApiBlueprint("results_api", __name__, path="results", description="The results framework.")
