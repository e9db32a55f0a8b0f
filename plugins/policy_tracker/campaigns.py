"""(being written) Campaigns, recommendations and activities: services without Flask."""
from __future__ import annotations


def search_campaigns(query: str) -> list:
    return []


def contact_links(contact) -> list:
    return []
