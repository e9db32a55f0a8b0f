"""(placeholder: being written)"""
from flask import Blueprint

clients_bp = Blueprint("consulting_clients", __name__, url_prefix="/t/<tenant_slug>/consulting/clients",
                    template_folder="templates")


@clients_bp.get("/")
def index():
    return ""


@clients_bp.get("/<int:client_id>")
def detail(client_id: int):
    return ""


def contact_links(contact):
    return []
