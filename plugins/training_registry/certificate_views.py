"""(placeholder: being written)"""
from flask import Blueprint

certificates_bp = Blueprint("training_certificates", __name__, url_prefix="/t/<tenant_slug>/training/certificates",
                            template_folder="templates")
verify_bp = Blueprint("certificate_verify", __name__, url_prefix="/verify", template_folder="templates")


@certificates_bp.get("/courses/<int:course_id>")
def course(course_id: int):
    return ""


@verify_bp.get("/<code>")
def verify(code: str):
    return ""
