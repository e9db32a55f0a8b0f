"""(being written) JSON API of the contacts register."""
from __future__ import annotations

from core.api import ApiBlueprint

contacts_api = ApiBlueprint("contacts_api", __name__, path="contacts", description="contacts register")
