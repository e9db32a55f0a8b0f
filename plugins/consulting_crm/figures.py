"""(placeholder: being written)"""


def dashboard_widgets(tenant, user):
    return []


def search_hits(query):
    return []


def indicators(tenant, period):
    return []
