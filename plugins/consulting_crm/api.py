"""(placeholder: being written)"""
from core.api import ApiBlueprint

consulting_api = ApiBlueprint("consulting_api", __name__, path="consulting",
                              description="The consulting pipeline: opportunities and stage moves, proposals, "
                                          "consultants, engagements, invoices and pipeline figures.")
