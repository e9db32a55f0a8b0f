"""Placeholder: filled in by its task."""


def load_demo_data(tenant):
    return None
