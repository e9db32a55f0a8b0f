"""(placeholder: being written)"""
from flask import Blueprint

imports_bp = Blueprint("training_import", __name__, url_prefix="/t/<tenant_slug>/training/import", template_folder="templates")


@imports_bp.get("/courses/<int:course_id>")
def start(course_id: int):
    return ""
