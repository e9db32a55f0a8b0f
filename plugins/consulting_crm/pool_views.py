"""(placeholder: being written)"""
from flask import Blueprint

pool_bp = Blueprint("consulting_pool", __name__, url_prefix="/t/<tenant_slug>/consulting/consultants",
                    template_folder="templates")


@pool_bp.get("/")
def index():
    return ""


@pool_bp.get("/<int:consultant_id>")
def detail(consultant_id: int):
    return ""
