"""(placeholder: being written)"""
from flask import Blueprint

historical_bp = Blueprint("training_historical", __name__, url_prefix="/t/<tenant_slug>/training/historical",
                          template_folder="templates")


@historical_bp.get("/<int:course_id>")
def edit(course_id: int):
    return ""
