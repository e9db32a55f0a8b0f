"""Working-group pages: the groups a tenant belongs to, a group's feed and shared records, the
convening organisation's group settings (the opt-in public scoreboard), and the share / unshare
actions plugins offer on their record pages."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import BooleanField

from core import sharing
from core.errors import DomainError
from core.extensions import db
from core.models import GroupFeedEntry, SharedRecord
from core.permissions import can, require
from core.views import safe_next

groups = Blueprint("groups", __name__, url_prefix="/t/<tenant_slug>/groups")
FEED_PAGE_SIZE = 30


@groups.get("/")
@require("core.tenant.view")
def index() -> str:
    return render_template("core/groups.html", groups=sharing.groups_of(g.tenant))


@groups.get("/<group_slug>/")
@require("core.tenant.view")
def group(group_slug: str) -> str:
    working_group = sharing.group_for_member(g.tenant, group_slug) or abort(404)
    feed = db.paginate(select(GroupFeedEntry).where(GroupFeedEntry.group_id == working_group.id)
                       .order_by(GroupFeedEntry.created_at.desc(), GroupFeedEntry.id.desc()),
                       per_page=FEED_PAGE_SIZE, max_per_page=FEED_PAGE_SIZE, error_out=False)
    records = db.session.execute(select(SharedRecord).where(
        SharedRecord.group_id == working_group.id, SharedRecord.revoked_at.is_(None))
        .order_by(SharedRecord.updated_at.desc())).scalars().all()
    panels = current_app.extensions["samaki"].collect("samaki_group_panels", g.tenant, group=working_group,
                                                      user=current_user)
    settings_form = ScoreboardForm(public_scoreboard=working_group.public_scoreboard) \
        if _may_change_settings(working_group) else None
    return render_template("core/group.html", group=working_group, feed=feed, records=records,
                           types=sharing.shareable_types(), panels=sorted(panels, key=lambda panel: panel.order),
                           settings_form=settings_form)


class ScoreboardForm(FlaskForm):
    public_scoreboard = BooleanField(_l("Publish the group's scoreboard: a public page, seen without logging in"))


def _may_change_settings(working_group) -> bool:
    """Only the convening organisation's owners and admins change a group's settings."""
    return working_group.convening_tenant_id == g.tenant.id and can("core.groups.manage")


@groups.post("/<group_slug>/settings")
@require("core.groups.manage")
def settings(group_slug: str) -> Response:
    """Switch the public scoreboard on or off (audited: WorkingGroup is Audited)."""
    working_group = sharing.group_for_member(g.tenant, group_slug) or abort(404)
    if not _may_change_settings(working_group):
        abort(403)
    form = ScoreboardForm()
    if not form.validate_on_submit():
        abort(400)
    if working_group.public_scoreboard != form.public_scoreboard.data:
        working_group.public_scoreboard = form.public_scoreboard.data
        db.session.commit()
    flash(_("The group's scoreboard is now public.") if working_group.public_scoreboard
          else _("The group's scoreboard is no longer public."), "success")
    return redirect(url_for("groups.group", group_slug=working_group.slug))


@groups.get("/records/<int:shared_id>")
@require("core.tenant.view")
def shared_record(shared_id: int) -> str:
    shared = sharing.visible_shared_record(g.tenant, shared_id) or abort(404)
    kind = sharing.shareable_types().get(shared.record_type) or abort(404)
    return render_template("core/shared_record.html", shared=shared, kind=kind, display=sharing.display_value)


def _load_own_record(record_type: str, record_id: int):
    kind = sharing.shareable_types().get(record_type) or abort(400)
    # A tenant-scoped select: another tenant's record is simply not found.
    return db.session.execute(select(kind.model).where(kind.model.id == record_id)).scalar_one_or_none() or abort(404)


@groups.post("/share")
@require("core.sharing.manage")
def share() -> Response:
    record_type = request.form.get("record_type", "")
    record = _load_own_record(record_type, request.form.get("record_id", type=int) or 0)
    working_group = sharing.group_for_member(g.tenant, request.form.get("group", "")) or abort(404)
    try:
        sharing.share(record, record_type, working_group, g.tenant)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("Shared with %(group)s. Its members see only the published fields.", group=working_group.name),
              "success")
    return redirect(safe_next(request.form.get("next"), url_for("groups.index")))


@groups.post("/records/<int:shared_id>/unshare")
@require("core.sharing.manage")
def unshare(shared_id: int) -> Response:
    shared = db.session.get(SharedRecord, shared_id)
    if shared is None or shared.tenant_id != g.tenant.id or shared.revoked_at is not None:
        abort(404)
    sharing.unshare(shared)
    db.session.commit()
    flash(_("No longer shared with %(group)s.", group=shared.group.name), "success")
    return redirect(safe_next(request.form.get("next"), url_for("groups.index")))


def sharing_panel(record_type: str, record_id: int) -> dict:
    """What a record page needs to offer sharing: the tenant's groups and the record's current shares."""
    if g.get("tenant") is None or record_type not in sharing.shareable_types():
        return {"groups": [], "shares": []}
    shares = [s for s in sharing.shares_of(record_type, record_id) if s.tenant_id == g.tenant.id]
    shared_groups = {s.group_id for s in shares}
    return {"groups": [grp for grp in sharing.groups_of(g.tenant) if grp.id not in shared_groups], "shares": shares,
            "record_type": record_type, "record_id": record_id}


def register_template_helpers(app) -> None:
    app.jinja_env.globals["sharing_panel"] = sharing_panel
