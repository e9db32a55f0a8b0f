"""(placeholder: being written)"""
from flask import Blueprint

figures_bp = Blueprint("consulting_figures", __name__, url_prefix="/t/<tenant_slug>/consulting/pipeline",
                    template_folder="templates")


@figures_bp.get("/")
def index():
    return ""
