"""(placeholder: being written)"""
from flask import Blueprint

reports_bp = Blueprint("training_reports", __name__, url_prefix="/t/<tenant_slug>/training/reports", template_folder="templates")


@reports_bp.get("/")
def index():
    return ""
