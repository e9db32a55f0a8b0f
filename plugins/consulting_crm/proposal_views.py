"""(placeholder: being written)"""
from flask import Blueprint

proposals_bp = Blueprint("consulting_proposals", __name__, url_prefix="/t/<tenant_slug>/consulting/proposals",
                    template_folder="templates")


@proposals_bp.get("/<int:proposal_id>")
def detail(proposal_id: int):
    return ""
