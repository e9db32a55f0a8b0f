"""(placeholder: being written)"""
from flask import Blueprint

invoices_bp = Blueprint("consulting_invoices", __name__, url_prefix="/t/<tenant_slug>/consulting/invoices",
                    template_folder="templates")


@invoices_bp.get("/")
def index():
    return ""


@invoices_bp.get("/<int:invoice_id>")
def detail(invoice_id: int):
    return ""
