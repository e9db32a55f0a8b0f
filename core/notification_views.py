"""The notification list (the bell's target) and marking notifications read."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from core.extensions import db
from core.models import Notification
from core.notifications import mark_read, render
from core.permissions import require

notifications = Blueprint("notifications", __name__, url_prefix="/t/<tenant_slug>/notifications")
PAGE_SIZE = 30


@notifications.get("/")
@require("core.tenant.view")
def index() -> str:
    query = select(Notification).where(Notification.user_id == current_user.id,
                                       Notification.tenant_id == g.tenant.id).order_by(
        Notification.created_at.desc(), Notification.id.desc())
    page = db.paginate(query, per_page=PAGE_SIZE, max_per_page=PAGE_SIZE, error_out=False)
    return render_template("core/notifications.html", page=page, render=render)


@notifications.post("/read")
@require("core.tenant.view")
def read() -> Response:
    ids = [int(value) for value in request.form.getlist("id") if value.isdigit()]
    count = mark_read(current_user, g.tenant, ids or None)
    db.session.commit()
    flash(_("Marked %(num)s as read.", num=count), "success")
    return redirect(url_for("notifications.index"))
