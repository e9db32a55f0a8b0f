"""(placeholder: being written)"""
from flask import Blueprint

courses_bp = Blueprint("training_courses", __name__, url_prefix="/t/<tenant_slug>/training/courses", template_folder="templates")


@courses_bp.get("/")
def index():
    return ""


@courses_bp.get("/<int:course_id>")
def detail(course_id: int):
    return ""


def contact_links(contact):
    return []
