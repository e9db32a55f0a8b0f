"""The tenant's A2I settings (deadline rules, closure days, exemption grounds) and the public bodies register."""
from __future__ import annotations

import csv

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from core.audit import record_event
from core.csv_export import csv_response
from core.errors import DomainError
from core.extensions import db
from core.i18n import current_locale
from core.permissions import require
from plugins.a2i_requests import bodies, services
from plugins.a2i_requests.models import BodyKind, ClosureDay, ExemptionGround, PublicBody
from plugins.a2i_requests.settings_forms import (PERIODS, BodiesImportForm, BodyFilterForm, ClosureDayForm,
                                                 DeadlineRulesForm, ExemptionGroundForm, PublicBodyForm, kind_choices)

settings_bp = Blueprint("a2i_settings", __name__, url_prefix="/t/<tenant_slug>/a2i", template_folder="templates")

BODIES_PER_PAGE = 50
MAX_IMPORT_BYTES = 2 * 1024 * 1024


# --- settings: deadline rules, closure days, exemption grounds ---------------------------------------

def _closure_days() -> list[ClosureDay]:
    return list(db.session.scalars(select(ClosureDay).order_by(ClosureDay.day)))


def _grounds() -> list[ExemptionGround]:
    grounds = services.ensure_exemption_grounds(g.tenant.id)
    if any(ground.id is None for ground in grounds):
        # The defaults are created on first sight so each has an id to switch it off by.
        db.session.commit()
    return sorted(grounds, key=lambda ground: (not ground.is_active, ground.code))


def _render_settings(rules_form=None, closure_form=None, ground_form=None, status: int = 200):
    if rules_form is None:
        rules_form = DeadlineRulesForm(formdata=None)
        rules_form.fill_from(services.rules_for(g.tenant.id))
    page = render_template("a2i_requests/settings.html", rules_form=rules_form,
                           closure_form=closure_form or ClosureDayForm(formdata=None),
                           ground_form=ground_form or ExemptionGroundForm(formdata=None),
                           closure_days=_closure_days(), grounds=_grounds(), periods=PERIODS)
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


@settings_bp.post("/settings/closure-days")
@require("a2i.settings.manage")
def closure_add():
    form = ClosureDayForm()
    if form.validate_on_submit():
        exists = db.session.scalar(select(ClosureDay.id).where(ClosureDay.day == form.day.data))
        if exists is None:
            db.session.add(ClosureDay(tenant_id=g.tenant.id, day=form.day.data, label=(form.label.data or "").strip()))
            db.session.commit()
            flash(_("%(day)s is now counted as a closure day.", day=form.day.data.isoformat()), "success")
            return redirect(url_for("a2i_settings.settings", _anchor="closure-days"))
        form.day.errors.append(_("This day is already a closure day."))
    return _render_settings(closure_form=form, status=422)


@settings_bp.post("/settings/closure-days/<int:closure_id>/remove")
@require("a2i.settings.manage")
def closure_remove(closure_id: int) -> Response:
    closure = db.session.scalar(select(ClosureDay).where(ClosureDay.id == closure_id))
    if closure is None:
        abort(404)
    day = closure.day
    db.session.delete(closure)
    db.session.commit()
    flash(_("%(day)s is a working day again.", day=day.isoformat()), "success")
    return redirect(url_for("a2i_settings.settings", _anchor="closure-days"))


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


# --- public bodies ----------------------------------------------------------------------------------


def _provinces() -> list[PublicBody]:
    return list(db.session.scalars(bodies.visible_bodies().where(PublicBody.kind == BodyKind.PROVINCE)))


def _filter_form() -> BodyFilterForm:
    form = BodyFilterForm(request.args)
    form.kind.choices = kind_choices(_("All kinds"))
    locale = current_locale()
    form.province.choices = [SelectChoice("", _("All provinces"))] + [
        SelectChoice(str(p.id), p.name_in(locale)) for p in _provinces()]
    return form


def bodies_query(filters: dict) -> Select:
    """The visible bodies matching the list's filters, with parent and province loaded in the same query."""
    query = bodies.visible_bodies().options(joinedload(PublicBody.parent), joinedload(PublicBody.province))
    text = (filters.get("q") or "").strip()
    if text:
        query = query.where(or_(PublicBody.name_en.icontains(text, autoescape=True),
                                PublicBody.name_km.contains(text, autoescape=True),
                                PublicBody.code.icontains(text, autoescape=True)))
    if filters.get("kind"):
        query = query.where(PublicBody.kind == BodyKind(filters["kind"]))
    if filters.get("province"):
        province_id = int(filters["province"])
        query = query.where(or_(PublicBody.province_id == province_id, PublicBody.id == province_id))
    return query


def _filters(form: BodyFilterForm) -> dict:
    if not form.validate():
        return {}
    return {name: form[name].data for name in ("q", "kind", "province") if form[name].data}


@settings_bp.get("/bodies", endpoint="bodies")
@require("a2i.request.view")
def bodies_list() -> str:
    form = _filter_form()
    filters = _filters(form)
    page = db.paginate(bodies_query(filters), per_page=BODIES_PER_PAGE, max_per_page=BODIES_PER_PAGE,
                       error_out=False)
    return render_template("a2i_requests/bodies.html", page=page, form=form, filters=filters)



@settings_bp.get("/bodies.csv")
@require("a2i.request.view")
def bodies_export() -> Response:
    filters = _filters(_filter_form())
    rows = [[body.code, body.kind.value, body.parent.code if body.parent else "", body.name_en, body.name_km,
             "true" if body.ncdd_member else "false", body.phone, body.email, body.address_en]
            for body in db.session.scalars(bodies_query(filters)).unique()]
    record_event("export", tenant_id=g.tenant.id, model="PublicBody", changes={"rows": len(rows), **filters})
    db.session.commit()
    return csv_response("public-bodies.csv", bodies.CSV_FIELDS, rows)


def _parent_choices(exclude: PublicBody | None = None) -> list[SelectChoice]:
    locale = current_locale()
    choices = [SelectChoice("", _("None"))]
    for body in db.session.scalars(bodies.visible_bodies()):
        if exclude is not None and body.id == exclude.id:
            continue
        choices.append(SelectChoice(body.id, f"{body.name_in(locale)} ({body.kind.label})"))
    return choices


def _refuse_shared():
    """403 with the reason: the shared register is the same for every organisation."""
    description = _("This body is in the shared register, which every organisation uses. It cannot be changed "
                    "here; ask the Samaki operator to correct it, or add your own body.")
    return render_template("errors/error.html", code=403, title=_("Not allowed"), description=description), 403


def save_private_body(body: PublicBody | None, tenant_id: int, *, code: str, kind: str, parent_id: int | None,
                      **values) -> PublicBody:
    """Create (body None) or update one of the tenant's private bodies. Raises DomainError on a code the
    register already uses, an unknown parent or a parent loop; the caller commits."""
    code = code.strip()
    clash = db.session.scalar(bodies.visible_bodies().where(PublicBody.code == code).limit(1))
    if clash is not None and clash is not body:
        raise DomainError(_l("The register already has a body with this code."), field="code")
    parent = None
    if parent_id:
        parent = bodies.get_visible_body(parent_id)
        if parent is None:
            raise DomainError(_l("Choose a body from the register."), field="parent_id")
        ancestor = parent
        while ancestor is not None:
            if body is not None and ancestor is body:
                raise DomainError(_l("A body cannot be part of itself or of a body that is part of it."),
                                  field="parent_id")
            ancestor = ancestor.parent
    if body is None:
        body = PublicBody(owner_tenant_id=tenant_id, code=code, kind=BodyKind(kind), name_en="")
        db.session.add(body)
    body.code, body.kind, body.parent = code, BodyKind(kind), parent
    for name, value in values.items():
        setattr(body, name, value.strip() if isinstance(value, str) else value)
    # A new parent can move the body (and its own children) to another province.
    own = list(db.session.scalars(select(PublicBody).where(PublicBody.owner_tenant_id == tenant_id)))
    for each in set(own) | {body}:
        province = bodies._province_of(each)
        if each.province is not province:
            each.province = province
    return body


def _body_form_page(form: PublicBodyForm, body: PublicBody | None, status: int = 200):
    return render_template("a2i_requests/body_form.html", form=form, body=body), status


def _save_body(form: PublicBodyForm, body: PublicBody | None):
    if not form.validate_on_submit():
        return _body_form_page(form, body, 422)
    try:
        saved = save_private_body(body, g.tenant.id, code=form.code.data, kind=form.kind.data,
                                  parent_id=form.parent_id.data, name_en=form.name_en.data,
                                  name_km=form.name_km.data or "", ncdd_member=bool(form.ncdd_member.data),
                                  phone=form.phone.data or "", email=form.email.data or "",
                                  address_en=form.address_en.data or "")
        db.session.flush()
    except DomainError as error:
        db.session.rollback()
        getattr(form, error.field or "code").errors.append(str(error.message))
        return _body_form_page(form, body, 422)
    db.session.commit()
    flash(_("%(name)s is saved.", name=saved.name_in(current_locale())), "success")
    return redirect(url_for("a2i_settings.bodies", q=saved.code))


@settings_bp.route("/bodies/new", methods=["GET", "POST"])
@require("a2i.bodies.edit")
def body_new():
    form = PublicBodyForm()
    form.parent_id.choices = _parent_choices()
    if request.method == "GET":
        return _body_form_page(form, None)
    return _save_body(form, None)


@settings_bp.route("/bodies/<int:body_id>/edit", methods=["GET", "POST"])
@require("a2i.bodies.edit")
def body_edit(body_id: int):
    body = bodies.get_visible_body(body_id)
    if body is None:
        abort(404)
    if body.is_shared:
        return _refuse_shared()
    form = PublicBodyForm(obj=body) if request.method == "GET" else PublicBodyForm()
    if request.method == "GET":
        form.kind.data = body.kind.value
    form.parent_id.choices = _parent_choices(exclude=body)
    if request.method == "GET":
        return _body_form_page(form, body)
    return _save_body(form, body)


@settings_bp.route("/bodies/import", methods=["GET", "POST"])
@require("a2i.bodies.edit")
def bodies_import():
    form = BodiesImportForm()
    if request.method == "GET":
        return render_template("a2i_requests/bodies_import.html", form=form, errors=[])
    if not form.validate_on_submit():
        return render_template("a2i_requests/bodies_import.html", form=form, errors=[]), 422
    data = form.file.data.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        form.file.errors.append(_("The file is larger than 2 MB. Split it into smaller files."))
        return render_template("a2i_requests/bodies_import.html", form=form, errors=[]), 422
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        form.file.errors.append(_("The file is not UTF-8 text. In your spreadsheet choose "
                                  "\"Save as CSV UTF-8\" and upload it again."))
        return render_template("a2i_requests/bodies_import.html", form=form, errors=[]), 422
    try:
        result = bodies.import_csv(text)
    except csv.Error as error:
        db.session.rollback()
        form.file.errors.append(_("The file could not be read as CSV: %(problem)s", problem=str(error)))
        return render_template("a2i_requests/bodies_import.html", form=form, errors=[]), 422
    if not result.ok:
        db.session.rollback()
        return render_template("a2i_requests/bodies_import.html", form=form, errors=result.errors), 422
    db.session.commit()
    flash(_("Import done: %(created)d bodies added, %(updated)d updated.", created=result.created,
            updated=result.updated), "success")
    return redirect(url_for("a2i_settings.bodies"))
