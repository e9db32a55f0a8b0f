"""The tenant's A2I settings: deadline rules and exemption grounds. Closure days are set on the core
calendar page and public bodies in the core institutions register; their old addresses here redirect."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from core.extensions import db
from core.permissions import require
from plugins.a2i_requests import services
from plugins.a2i_requests.models import ExemptionGround
from plugins.a2i_requests.settings_forms import PERIODS, DeadlineRulesForm, ExemptionGroundForm

settings_bp = Blueprint("a2i_settings", __name__, url_prefix="/t/<tenant_slug>/a2i", template_folder="templates")


# --- settings: deadline rules, exemption grounds -------------------------------------------------------

def _grounds() -> list[ExemptionGround]:
    grounds = services.ensure_exemption_grounds(g.tenant.id)
    if any(ground.id is None for ground in grounds):
        # The defaults are created on first sight so each has an id to switch it off by.
        db.session.commit()
    return sorted(grounds, key=lambda ground: (not ground.is_active, ground.code))


def _render_settings(rules_form=None, ground_form=None, status: int = 200):
    if rules_form is None:
        rules_form = DeadlineRulesForm(formdata=None)
        rules_form.fill_from(services.rules_for(g.tenant.id))
    page = render_template("a2i_requests/settings.html", rules_form=rules_form,
                           ground_form=ground_form or ExemptionGroundForm(formdata=None),
                           grounds=_grounds(), periods=PERIODS)
    return page, status


@settings_bp.route("/settings", methods=["GET", "POST"])
@require("a2i.settings.manage")
def settings():
    if request.method == "GET":
        return _render_settings()
    form = DeadlineRulesForm()
    if not form.validate_on_submit():
        return _render_settings(rules_form=form, status=422)
    form.apply_to(services.rules_for(g.tenant.id))
    db.session.commit()
    flash(_("The deadline rules are saved. They apply to every deadline computed from now on."), "success")
    return redirect(url_for("a2i_settings.settings"))


@settings_bp.post("/settings/grounds")
@require("a2i.settings.manage")
def ground_add():
    form = ExemptionGroundForm()
    if form.validate_on_submit():
        code = form.code.data.strip()
        exists = db.session.scalar(select(ExemptionGround.id).where(ExemptionGround.code == code))
        if exists is None:
            db.session.add(ExemptionGround(tenant_id=g.tenant.id, code=code, label_en=form.label_en.data.strip(),
                                           label_km=(form.label_km.data or "").strip(), is_active=True))
            db.session.commit()
            flash(_("The exemption ground %(code)s is added.", code=code), "success")
            return redirect(url_for("a2i_settings.settings", _anchor="grounds"))
        form.code.errors.append(_("A ground with this code already exists."))
    return _render_settings(ground_form=form, status=422)


@settings_bp.post("/settings/grounds/<int:ground_id>/active")
@require("a2i.settings.manage")
def ground_active(ground_id: int) -> Response:
    ground = db.session.scalar(select(ExemptionGround).where(ExemptionGround.id == ground_id))
    if ground is None:
        abort(404)
    ground.is_active = request.form.get("active") == "1"
    db.session.commit()
    flash(_("%(ground)s can be chosen again.", ground=ground.label_en) if ground.is_active
          else _("%(ground)s can no longer be chosen for new refusals.", ground=ground.label_en), "success")
    return redirect(url_for("a2i_settings.settings", _anchor="grounds"))


# --- old addresses of pages that moved to the core ------------------------------------------------------

def _core_page(endpoint: str, **values) -> Response:
    """302 to the core page that replaced an A2I one (the register's list if that page has no twin)."""
    values.setdefault("tenant_slug", g.tenant.slug)
    try:
        return redirect(url_for(endpoint, **values), code=302)
    except BuildError:
        return redirect(url_for("institutions.index", tenant_slug=g.tenant.slug), code=302)


@settings_bp.route("/settings/closure-days", methods=["GET", "POST"])
@settings_bp.route("/settings/closure-days/<int:closure_id>/remove", methods=["GET", "POST"])
@require("a2i.request.view")
def closure_days(closure_id: int | None = None) -> Response:
    return redirect(url_for("calendar.index", tenant_slug=g.tenant.slug), code=302)


@settings_bp.get("/bodies", endpoint="bodies")
@require("a2i.request.view")
def bodies_list() -> Response:
    return _core_page("institutions.index", **request.args.to_dict())


@settings_bp.get("/bodies.csv")
@require("a2i.request.view")
def bodies_export() -> Response:
    return _core_page("institutions.export_csv", **request.args.to_dict())


@settings_bp.route("/bodies/new", methods=["GET", "POST"])
@require("a2i.request.view")
def body_new() -> Response:
    return _core_page("institutions.new")


@settings_bp.route("/bodies/<int:body_id>/edit", methods=["GET", "POST"])
@require("a2i.request.view")
def body_edit(body_id: int) -> Response:
    return _core_page("institutions.edit", institution_id=body_id)


@settings_bp.route("/bodies/import", methods=["GET", "POST"])
@require("a2i.request.view")
def bodies_import() -> Response:
    return _core_page("institutions.import_csv")
