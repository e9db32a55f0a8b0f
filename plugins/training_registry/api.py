"""(placeholder: being written)"""
from core.api import ApiBlueprint

training_api = ApiBlueprint("training_api", __name__, path="training",
                            description="Curricula, courses, sessions with attendance, enrolments and training reports.")
