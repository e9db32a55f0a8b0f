"""(placeholder: being written)"""


def jobs():
    return []
