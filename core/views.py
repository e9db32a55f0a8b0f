"""Core pages: the start page, a tenant's dashboard, the language switch, global search."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from core.admin.queries import find_active_members
from core.extensions import db
from core.i18n import LOCALES
from core.models import Membership
from core.permissions import require
from core.registers.fields import MAX_CHOICES, MAX_TEXT, MemberField, picker_response

core = Blueprint("core", __name__)


def safe_next(target: str | None, fallback: str) -> str:
    """Only ever redirect within this site (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return fallback


@core.get("/")
@login_required
def index() -> Response | str:
    memberships = db.session.execute(select(Membership).where(
        Membership.user_id == current_user.id, Membership.is_active)).scalars().all()
    tenants = sorted((m.tenant for m in memberships if m.tenant.is_active), key=lambda t: t.name)
    if len(tenants) == 1:
        return redirect(url_for("core.dashboard", tenant_slug=tenants[0].slug))
    return render_template("core/index.html", tenants=tenants)


def tenant_today(tenant) -> date:
    return tenant.today()


@core.get("/t/<tenant_slug>/")
@require("core.tenant.view")
def dashboard() -> str:
    state = current_app.extensions["samaki"]
    widgets = state.collect("samaki_dashboard_widgets", g.tenant, user=current_user)
    # "My work" first: what the modules say is assigned to this user, soonest due first, undated last.
    work = sorted(state.collect("samaki_my_work", g.tenant, user=current_user),
                  key=lambda item: (item.due_on is None, item.due_on or date.max))
    return render_template("core/dashboard.html", widgets=sorted(widgets, key=lambda w: w.order), work=work,
                           today=tenant_today(g.tenant))


@core.get("/t/<tenant_slug>/members/picker")
@require("core.tenant.view")
def member_picker() -> Response:
    """[{id, code, label}] for the member pickers: at most 10 of the tenant's active members."""
    text = request.args.get("q", "")[:MAX_TEXT]
    found = find_active_members(g.tenant.id, text, MAX_CHOICES) if len(text.strip()) >= MemberField.min_chars else []
    return picker_response([(user.id, "", user.name or user.email) for user in found])


@core.get("/about")
def about() -> str:
    """What Samaki is and where its reference data comes from (the attribution the MEF's terms require)."""
    from core.registers.places import gazetteer_source
    return render_template("core/about.html", gazetteer=gazetteer_source())


@core.post("/locale")
def set_locale() -> Response:
    """Remember the chosen language: on the user when logged in, in a cookie otherwise."""

    locale = request.form.get("locale", "")
    response = redirect(safe_next(request.form.get("next"), url_for("core.index")))
    if locale not in LOCALES:
        return response
    if current_user.is_authenticated:
        current_user.locale = locale
        db.session.commit()
    response.set_cookie("samaki_locale", locale, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@core.get("/t/<tenant_slug>/search")
@require("core.tenant.view")
def search() -> str:
    query = request.args.get("q", "").strip()[:200]
    hits = []
    if query:
        hits = current_app.extensions["samaki"].collect("samaki_search", g.tenant, user=current_user, query=query)
        hits.sort(key=lambda hit: -hit.score)
    return render_template("core/search.html", query=query, hits=hits)
