"""(placeholder: being written)"""
from flask import Blueprint

learning_bp = Blueprint("training_learning", __name__, url_prefix="/t/<tenant_slug>/training", template_folder="templates")


@learning_bp.get("/courses/<int:course_id>/scores")
def scores(course_id: int):
    return ""


@learning_bp.get("/curricula/<int:curriculum_id>/learning-gain")
def curriculum_gain(curriculum_id: int):
    return ""
