"""(placeholder: being written)"""
from flask import Blueprint

settings_bp = Blueprint("training_settings", __name__, url_prefix="/t/<tenant_slug>/training/settings",
                        template_folder="templates")


@settings_bp.get("/")
def edit():
    return ""
