"""(being written) JSON API of the projects register."""
from __future__ import annotations

from core.api import ApiBlueprint

projects_api = ApiBlueprint("projects_api", __name__, path="projects", description="projects register")
