"""(placeholder: being written)"""
from flask import Blueprint

engagements_bp = Blueprint("consulting_engagements", __name__, url_prefix="/t/<tenant_slug>/consulting/engagements",
                    template_folder="templates")


@engagements_bp.get("/")
def index():
    return ""


@engagements_bp.get("/<int:engagement_id>")
def detail(engagement_id: int):
    return ""
