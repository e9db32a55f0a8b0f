"""(placeholder: being written)"""
from flask import Blueprint

settings_bp = Blueprint("consulting_settings", __name__, url_prefix="/t/<tenant_slug>/consulting/settings",
                    template_folder="templates")


@settings_bp.get("/")
def edit():
    return ""
