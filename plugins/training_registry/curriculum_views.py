"""(placeholder: being written)"""
from flask import Blueprint

curricula_bp = Blueprint("training_curricula", __name__, url_prefix="/t/<tenant_slug>/training/curricula", template_folder="templates")


@curricula_bp.get("/")
def index():
    return ""


@curricula_bp.get("/<int:curriculum_id>")
def detail(curriculum_id: int):
    return ""
