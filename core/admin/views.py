"""Tenant administration (members, roles, modules, audit log) and instance administration (tenants)."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from core.admin import services
from core.admin.forms import (AddMemberForm, role_choices, AuditFilterForm, ChangeRoleForm, NewTenantForm,
                              TenantExportForm)
from core.admin.queries import AUDIT_PAGE_SIZE, audit_events_query, audit_models, members_of
from core.audit import record_event
from core.auth.views import send_invitation
from core.csv_export import csv_response
from core.errors import DomainError
from core.extensions import db
from core.pagination import paginate
from core.models import Membership, Role, Tenant
from core.permissions import require, role_label

admin = Blueprint("admin", __name__, url_prefix="/t/<tenant_slug>/admin")
instance_admin = Blueprint("instance_admin", __name__, url_prefix="/admin")


def superadmin_required(view):
    @wraps(view)
    @login_required
    def guarded(*args, **kwargs):
        if not current_user.is_superadmin:
            abort(403)
        return view(*args, **kwargs)
    return guarded


def _membership_or_404(membership_id: int) -> Membership:
    # Memberships are not TenantScoped (users see all their own), so the tenant is checked here.
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.tenant_id != g.tenant.id:
        abort(404)
    return membership


def _refused(error: DomainError) -> Response:
    db.session.rollback()
    flash(str(error.message), "error")
    return redirect(url_for("admin.members"))


@admin.get("/members")
@require("core.members.manage")
def members() -> str:
    return render_template("admin/members.html", members=members_of(g.tenant), add_form=AddMemberForm(),
                           role_choices=role_choices())


@admin.post("/members")
@require("core.members.manage")
def add_member() -> Response | str:
    form = AddMemberForm()
    if not form.validate_on_submit():
        return render_template("admin/members.html", members=members_of(g.tenant), add_form=form,
                               role_choices=role_choices()), 422
    try:
        membership, created = services.add_member(g.tenant, email=form.email.data, name=form.name.data or "",
                                                  role=Role(form.role.data), actor_role=g.membership.role)
        db.session.flush()
    except DomainError as error:
        db.session.rollback()
        getattr(form, error.field or "email").errors.append(str(error.message))
        return render_template("admin/members.html", members=members_of(g.tenant), add_form=form,
                               role_choices=role_choices()), 422
    send_invitation(membership.user, g.tenant, new_account=created)
    db.session.commit()
    flash(_("%(email)s has been added and told by e-mail.", email=membership.user.email), "success")
    return redirect(url_for("admin.members"))


@admin.post("/members/<int:membership_id>/role")
@require("core.members.manage")
def change_role(membership_id: int) -> Response:
    membership = _membership_or_404(membership_id)
    form = ChangeRoleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.change_role(membership, Role(form.role.data), actor_role=g.membership.role)
    except DomainError as error:
        return _refused(error)
    db.session.commit()
    flash(_("%(name)s is now %(role)s.", name=membership.user.name, role=role_label(membership.role)),
          "success")
    return redirect(url_for("admin.members"))


@admin.post("/members/<int:membership_id>/active")
@require("core.members.manage")
def set_active(membership_id: int) -> Response:
    membership = _membership_or_404(membership_id)
    active = request.form.get("active") == "1"
    try:
        services.set_member_active(membership, active, actor_role=g.membership.role, actor_id=current_user.id)
    except DomainError as error:
        return _refused(error)
    db.session.commit()
    flash(_("%(name)s can use this organisation again.", name=membership.user.name) if active
          else _("%(name)s can no longer use this organisation.", name=membership.user.name), "success")
    return redirect(url_for("admin.members"))


@admin.route("/modules", methods=["GET", "POST"])
@require("core.plugins.manage")
def modules() -> Response | str:
    state = current_app.extensions["samaki"]
    if request.method == "POST":
        plugin = request.form.get("plugin", "")
        if plugin not in state.plugins:
            abort(400)
        enabled = request.form.get("enabled") == "1"
        services.set_plugin_enabled(g.tenant, plugin, enabled)
        db.session.commit()
        label = state.plugins[plugin].label
        flash(_("%(module)s is switched on.", module=label) if enabled
              else _("%(module)s is switched off.", module=label), "success")
        return redirect(url_for("admin.modules"))
    return render_template("admin/modules.html", plugins=sorted(state.plugins.values(), key=lambda p: str(p.label)))


def _audit_filters() -> tuple[AuditFilterForm, dict]:
    form = AuditFilterForm(request.args)
    if request.args and not form.validate():
        return form, {"invalid": True}
    return form, {name: field.data for name, field in form._fields.items() if field.data}


def describe_event(event) -> str:
    """Plugins may word their own events (`samaki_audit_label`); otherwise "action model #id"."""
    label = current_app.extensions["samaki"].pm.hook.samaki_audit_label(event=event)
    return str(label) if label else " ".join(part for part in (event.action, event.model,
                                                               f"#{event.record_id}" if event.record_id else "") if part)


@admin.get("/audit")
@require("core.audit.view")
def audit() -> str:
    form, filters = _audit_filters()
    page = None
    if not filters.get("invalid"):
        page = paginate(audit_events_query(g.tenant, filters), per_page=AUDIT_PAGE_SIZE)
    return render_template("admin/audit.html", form=form, page=page, models=audit_models(g.tenant),
                           describe=describe_event, query_args={k: v for k, v in request.args.items() if k != "page"})


@admin.get("/audit/export.csv")
@require("core.audit.view")
def audit_export() -> Response:
    form, filters = _audit_filters()
    if filters.get("invalid"):
        abort(400)
    record_event("export", tenant_id=g.tenant.id, model="AuditEvent",
                 changes={"filters": {k: str(v) for k, v in filters.items()}})
    db.session.commit()
    query = audit_events_query(g.tenant, filters).execution_options(yield_per=1000)
    header = ["occurred_at", "actor", "action", "model", "record_id", "changes", "request_id", "ip_address", "hash"]
    rows = ((e.occurred_at.isoformat(), e.actor_label, e.action, e.model, e.record_id, e.changes, e.request_id,
             e.ip_address, e.hash) for e in db.session.execute(query).scalars())
    return csv_response(f"audit-{g.tenant.slug}.csv", header, rows)


@instance_admin.route("/tenants", methods=["GET", "POST"])
@superadmin_required
def tenants() -> Response | str:
    form = NewTenantForm()
    if form.validate_on_submit():
        try:
            tenant = services.create_tenant(form.slug.data.strip(), form.name.data, form.default_locale.data)
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "slug").errors.append(str(error.message))
        else:
            db.session.commit()
            flash(_("The organisation %(name)s has been created.", name=tenant.name), "success")
            return redirect(url_for("instance_admin.tenants"))
    all_tenants = db.session.execute(select(Tenant).order_by(Tenant.name)).scalars().all()
    return render_template("admin/tenants.html", tenants=all_tenants, form=form), 422 if form.errors else 200


def _refused_confirmation(user, form: TenantExportForm) -> int | None:
    """The owner proves again who they are before identities leave Samaki: the current code of their
    authenticator (or a recovery code) when they use two-factor sign-in, else their password. Both
    are throttled like sign-in. None when confirmed, else the status to answer with."""
    from core.auth import throttle, two_factor
    from core.auth.two_factor_views import checked_with_throttle
    if two_factor.is_enabled(user):
        return checked_with_throttle(user, form)
    keys = throttle.throttle_keys(user.email, request.remote_addr or "")
    wait = throttle.seconds_to_wait(keys)
    if wait:
        form.password.errors.append(_("Too many failed attempts. Please wait %(seconds)s seconds and try again.",
                                      seconds=wait))
        return 429
    if not user.check_password(form.password.data or ""):
        throttle.record_failure(keys)
        db.session.commit()
        form.password.errors.append(_("The password is not correct."))
        return 422
    return None


@admin.route("/export", methods=["GET", "POST"])
@require("core.tenant.export")
def export() -> Response | str:
    from core.tenant_export import build_archive
    form = TenantExportForm()
    if not form.validate_on_submit():
        return render_template("admin/export.html", form=form), 422 if form.errors else 200
    include = bool(form.include_identities.data)
    if include and (form.passphrase.data or "") != (form.passphrase_again.data or ""):
        form.passphrase_again.errors.append(_("The two passphrases are not the same."))
        return render_template("admin/export.html", form=form), 422
    if include:
        refused = _refused_confirmation(current_user, form)
        if refused:
            return render_template("admin/export.html", form=form), refused
    try:
        archive = build_archive(g.tenant, include_identities=include, passphrase=form.passphrase.data or "")
    except DomainError as error:
        db.session.rollback()
        getattr(form, error.field or "include_identities").errors.append(str(error.message))
        return render_template("admin/export.html", form=form), 422
    db.session.commit()
    response = Response(archive.data, mimetype="application/octet-stream" if archive.encrypted else "application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{archive.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
