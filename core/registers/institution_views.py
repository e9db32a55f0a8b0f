"""HTML pages of the institutions register: a tenant's list, detail, private institutions, CSV import and
export and correction proposals (blueprint "institutions"); the instance operators' pages for the shared
register and the proposals sent by organisations (blueprint "institutions_admin", /admin/institutions)."""
from __future__ import annotations

import csv
from datetime import date

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from core.admin.views import superadmin_required
from core.audit import record_event
from core.csv_export import csv_response
from core.errors import DomainError, show_on_form
from core.extensions import db
from core.i18n import current_locale
from core.pagination import paginate
from core.permissions import require
from core.registers import institutions as register
from core.registers.fields import MAX_CHOICES, MAX_TEXT, InstitutionField, picker_response
from core.registers.institution_forms import (FIELD_LABELS, CorrectionForm, ImportForm, InstitutionFilterForm,
                                              InstitutionForm, kind_choices)
from core.registers.models import CorrectionStatus, Institution, InstitutionCorrection
from core.tenancy import unscoped

institutions_bp = Blueprint("institutions", __name__, url_prefix="/t/<tenant_slug>/institutions")
institutions_admin = Blueprint("institutions_admin", __name__, url_prefix="/admin/institutions")

PER_PAGE = 50
MAX_IMPORT_BYTES = 2 * 1024 * 1024


# --- shared helpers -------------------------------------------------------------------------------

def _filter_form() -> InstitutionFilterForm:
    form = InstitutionFilterForm(request.args)
    form.kind.choices = kind_choices(_("All kinds"))
    locale = current_locale()
    form.province.choices = [SelectChoice("", _("All provinces"))] + [
        SelectChoice(str(p.id), p.name_in(locale)) for p in register.provincial_administrations()]
    return form


def _filters(form: InstitutionFilterForm) -> dict:
    """The filters the user gave; a value that is not valid is dropped and shown as a field error."""
    if not request.args or not form.validate():
        return {}
    return {name: form[name].data for name in ("q", "kind", "province", "include_former") if form[name].data}


def list_query(filters: dict):
    """The visible institutions matching the list's filters, with parent and successor loaded."""
    query = register.visible_institutions().options(joinedload(Institution.parent),
                                                    joinedload(Institution.successor))
    return register.filter_institutions(query, q=filters.get("q"), kind=filters.get("kind"),
                                        province=int(filters["province"]) if filters.get("province") else None,
                                        include_former=bool(filters.get("include_former")))


def _query_args(filters: dict) -> dict:
    return {name: ("y" if value is True else value) for name, value in filters.items()}


def _refuse_shared():
    """403 with the reason: the shared register is the same for every organisation."""
    return render_template("errors/error.html", code=403, title=_("Not allowed"),
                           description=register.shared_refusal()), 403


def _field_error(form, error: DomainError, default: str = "code") -> None:
    # A refusal to touch the shared register concerns the whole form, not the code.
    show_on_form(form, error, None if isinstance(error, register.SharedInstitutionError) else default)


def _get_or_404(institution_id: int) -> Institution:
    institution = register.get_visible_institution(institution_id)
    if institution is None:
        abort(404)
    return institution


def _save(form: InstitutionForm, institution: Institution | None):
    """Validate and save; returns the saved institution or None (errors are on the form)."""
    if not form.validate_on_submit():
        return None
    try:
        saved = register.save_institution(institution, **form.values())
        db.session.flush()
    except DomainError as error:
        db.session.rollback()
        _field_error(form, error)
        return None
    db.session.commit()
    flash(_("%(name)s is saved.", name=saved.name_in(current_locale())), "success")
    return saved


# --- a tenant's pages -------------------------------------------------------------------------------

@institutions_bp.get("/picker")
@require("core.tenant.view")
def picker_search() -> Response:
    """[{id, code, label}] for the institution pickers: at most 10 the tenant can see, current ones
    unless `former=1`."""
    text = request.args.get("q", "")[:MAX_TEXT]
    found = register.search_for_picker(text, include_former=request.args.get("former") == "1",
                                       limit=MAX_CHOICES) if len(text.strip()) >= InstitutionField.min_chars else []
    locale = current_locale()
    return picker_response([(institution.id, institution.code, institution.name_in(locale)) for institution in found])


@institutions_bp.get("/")
@require("core.tenant.view")
def index() -> str:
    form = _filter_form()
    filters = _filters(form)
    page = paginate(list_query(filters), per_page=PER_PAGE)
    return render_template("registers/institutions/index.html", page=page, form=form, filters=_query_args(filters),
                           today=date.today())


@institutions_bp.get("/export.csv")
@require("core.tenant.view")
def export_csv() -> Response:
    filters = _filters(_filter_form())
    rows = list(register.export_rows(db.session.scalars(register.export_query(list_query(filters))).unique()))
    record_event("export", tenant_id=g.tenant.id, model="Institution",
                 changes={"rows": len(rows), **{k: str(v) for k, v in filters.items()}})
    db.session.commit()
    return csv_response("institutions.csv", register.CSV_FIELDS, rows)


@institutions_bp.get("/<int:institution_id>")
@require("core.tenant.view")
def detail(institution_id: int) -> str:
    institution = _get_or_404(institution_id)
    corrections = list(db.session.scalars(select(InstitutionCorrection).where(
        InstitutionCorrection.institution_id == institution.id).order_by(InstitutionCorrection.created_at.desc())))
    return render_template("registers/institutions/detail.html", institution=institution,
                           predecessors=register.predecessors_of(institution), corrections=corrections,
                           field_labels=FIELD_LABELS,
                           is_current=register.is_current(institution), writable=register.may_write(institution))


@institutions_bp.route("/new", methods=["GET", "POST"])
@require("core.institutions.edit")
def new():
    form = InstitutionForm()
    if request.method == "POST":
        saved = _save(form, None)
        if saved is not None:
            return redirect(url_for("institutions.detail", institution_id=saved.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("registers/institutions/form.html", form=form, institution=None,
                           action=url_for("institutions.new"), back=url_for("institutions.index")), status


@institutions_bp.route("/<int:institution_id>/edit", methods=["GET", "POST"])
@require("core.institutions.edit")
def edit(institution_id: int):
    institution = _get_or_404(institution_id)
    if not register.may_write(institution):
        return _refuse_shared()
    return _edit_page(institution, saved_url=lambda saved: url_for("institutions.detail", institution_id=saved.id),
                      action=url_for("institutions.edit", institution_id=institution.id),
                      back=url_for("institutions.detail", institution_id=institution.id))


def _edit_page(institution, *, saved_url, action: str, back: str, shared: bool = False):
    """The edit form of an institution (a tenant's private one, or a shared one for operators)."""
    form = InstitutionForm(obj=institution) if request.method == "GET" else InstitutionForm()
    if request.method == "GET":
        form.fill_from(institution)
    else:
        saved = _save(form, institution)
        if saved is not None:
            return redirect(saved_url(saved))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("registers/institutions/form.html", form=form, institution=institution, shared=shared,
                           action=action, back=back), status


@institutions_bp.post("/<int:institution_id>/delete")
@require("core.institutions.edit")
def delete(institution_id: int):
    institution = _get_or_404(institution_id)
    if not register.may_write(institution):
        return _refuse_shared()
    name = institution.name_in(current_locale())
    try:
        register.delete_institution(institution)
        db.session.flush()
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("institutions.detail", institution_id=institution_id))
    db.session.commit()
    flash(_("%(name)s is deleted.", name=name), "success")
    return redirect(url_for("institutions.index"))


@institutions_bp.route("/<int:institution_id>/correction", methods=["GET", "POST"])
@require("core.institutions.edit")
def propose_correction(institution_id: int):
    institution = _get_or_404(institution_id)
    if not institution.is_shared:
        return redirect(url_for("institutions.edit", institution_id=institution.id))
    form = CorrectionForm(obj=institution) if request.method == "GET" else CorrectionForm()
    if form.validate_on_submit():
        try:
            register.propose_correction(institution, form.proposed(), note=form.note.data,
                                        proposed_by_id=current_user.id)
            db.session.flush()
        except DomainError as error:
            db.session.rollback()
            _field_error(form, error, default="")
        else:
            db.session.commit()
            flash(_("Thank you: the correction is sent to the instance operators."), "success")
            return redirect(url_for("institutions.detail", institution_id=institution.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("registers/institutions/correction.html", form=form, institution=institution), status


def _import_page(form: ImportForm, errors: list[str], status: int, *, action: str, back: str, shared: bool):
    return render_template("registers/institutions/import.html", form=form, errors=errors, action=action, back=back,
                           shared=shared), status


def _run_import(form: ImportForm, *, action: str, back: str, shared: bool):
    """The import page's POST for both front doors: the whole file or nothing."""
    page = dict(action=action, back=back, shared=shared)
    if not form.validate_on_submit():
        return _import_page(form, [], 422, **page)
    data = form.file.data.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        form.file.errors.append(_("The file is larger than 2 MB. Split it into smaller files."))
        return _import_page(form, [], 422, **page)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        form.file.errors.append(_("The file is not UTF-8 text. In your spreadsheet choose "
                                  "\"Save as CSV UTF-8\" and upload it again."))
        return _import_page(form, [], 422, **page)
    try:
        result = register.import_csv(text)
    except csv.Error as error:
        db.session.rollback()
        form.file.errors.append(_("The file could not be read as CSV: %(problem)s", problem=str(error)))
        return _import_page(form, [], 422, **page)
    if not result.ok:
        db.session.rollback()
        return _import_page(form, result.errors, 422, **page)
    db.session.commit()
    flash(_("Import done: %(created)d institutions added, %(updated)d updated.", created=result.created,
            updated=result.updated), "success")
    return None


@institutions_bp.route("/import", methods=["GET", "POST"])
@require("core.institutions.edit")
def import_csv():
    form = ImportForm()
    page = dict(action=url_for("institutions.import_csv"), back=url_for("institutions.index"), shared=False)
    if request.method == "GET":
        return _import_page(form, [], 200, **page)
    return _run_import(form, **page) or redirect(url_for("institutions.index"))


# --- the instance operators' pages --------------------------------------------------------------------

@institutions_admin.get("/")
@superadmin_required
def admin_index() -> str:
    form = _filter_form()
    filters = _filters(form)
    page = paginate(list_query(filters), per_page=PER_PAGE)
    with unscoped():
        open_count = db.session.scalar(select(func.count(InstitutionCorrection.id)).where(
            InstitutionCorrection.status == CorrectionStatus.OPEN))
    return render_template("registers/institutions/admin_index.html", page=page, form=form,
                           filters=_query_args(filters), open_count=open_count,
                           district_count=register.count_administrations())


@institutions_admin.route("/new", methods=["GET", "POST"])
@superadmin_required
def admin_new():
    form = InstitutionForm()
    if request.method == "POST":
        saved = _save(form, None)
        if saved is not None:
            return redirect(url_for("institutions_admin.admin_index", q=saved.code))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("registers/institutions/form.html", form=form, institution=None, shared=True,
                           action=url_for("institutions_admin.admin_new"),
                           back=url_for("institutions_admin.admin_index")), status


@institutions_admin.route("/<int:institution_id>/edit", methods=["GET", "POST"])
@superadmin_required
def admin_edit(institution_id: int):
    institution = _get_or_404(institution_id)     # outside any tenant: shared rows only
    return _edit_page(institution, saved_url=lambda saved: url_for("institutions_admin.admin_index", q=saved.code),
                      action=url_for("institutions_admin.admin_edit", institution_id=institution.id),
                      back=url_for("institutions_admin.admin_index"), shared=True)


@institutions_admin.route("/import", methods=["GET", "POST"])
@superadmin_required
def admin_import():
    form = ImportForm()
    page = dict(action=url_for("institutions_admin.admin_import"), back=url_for("institutions_admin.admin_index"),
                shared=True)
    if request.method == "GET":
        return _import_page(form, [], 200, **page)
    return _run_import(form, **page) or redirect(url_for("institutions_admin.admin_index"))


@institutions_admin.post("/sync")
@superadmin_required
def admin_sync():
    created = register.sync_administrations()
    db.session.commit()
    flash(_("%(count)d provincial and district administrations added from the gazetteer.", count=created),
          "success")
    return redirect(url_for("institutions_admin.admin_index"))


@institutions_admin.get("/corrections")
@superadmin_required
def corrections() -> str:
    with unscoped():
        proposals = db.session.execute(register.open_corrections()).unique().scalars().all()
        tenants = {p.id: p for p in _tenants_of(proposals)}
    return render_template("registers/institutions/corrections.html", proposals=proposals, tenants=tenants,
                           field_labels=FIELD_LABELS)


def _tenants_of(proposals) -> list:
    from core.models import Tenant
    ids = {proposal.tenant_id for proposal in proposals}
    return list(db.session.scalars(select(Tenant).where(Tenant.id.in_(ids)))) if ids else []


@institutions_admin.post("/corrections/<int:correction_id>/<decision>")
@superadmin_required
def decide(correction_id: int, decision: str):
    if decision not in ("accept", "reject"):
        abort(404)
    with unscoped():
        correction = db.session.get(InstitutionCorrection, correction_id)
        if correction is None:
            abort(404)
        try:
            if decision == "accept":
                institution = register.accept_correction(correction, decided_by_id=current_user.id)
                message = _("The correction is applied to %(name)s.", name=institution.name_in(current_locale()))
            else:
                register.reject_correction(correction, decided_by_id=current_user.id)
                message = _("The correction is rejected.")
            db.session.flush()
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return redirect(url_for("institutions_admin.corrections"))
        db.session.commit()
    flash(message, "success")
    return redirect(url_for("institutions_admin.corrections"))

