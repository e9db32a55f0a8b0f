"""(placeholder: being written)"""


def load_demo_data(tenant):
    return None
