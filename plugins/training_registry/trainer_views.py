"""(placeholder: being written)"""
from flask import Blueprint

trainers_bp = Blueprint("training_trainers", __name__, url_prefix="/t/<tenant_slug>/training/trainers", template_folder="templates")


@trainers_bp.get("/")
def index():
    return ""
