"""(placeholder: being written)"""
from flask import Blueprint

attendance_bp = Blueprint("training_attendance", __name__, url_prefix="/t/<tenant_slug>/training/sessions",
                          template_folder="templates", static_folder="static", static_url_path="/static/training")


@attendance_bp.get("/<int:session_id>/attendance")
def take(session_id: int):
    return ""
