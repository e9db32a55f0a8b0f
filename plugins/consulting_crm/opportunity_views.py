"""(placeholder: being written)"""
from flask import Blueprint

opportunities_bp = Blueprint("consulting_opportunities", __name__, url_prefix="/t/<tenant_slug>/consulting/opportunities",
                    template_folder="templates")


@opportunities_bp.get("/")
def index():
    return ""


@opportunities_bp.get("/board")
def board():
    return ""


@opportunities_bp.get("/<int:opportunity_id>")
def detail(opportunity_id: int):
    return ""
