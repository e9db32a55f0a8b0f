"""The consulting settings page (permission "consulting.settings"): invoicing and reminders, the
stage list and exchange rates. Each form posts to its own URL; a refused form shows the whole page
again with its errors (422) and nothing saved."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from core.errors import DomainError, show_on_form
from core.extensions import db
from core.pagination import paginate
from core.permissions import require
from plugins.consulting_crm import services, settings
from plugins.consulting_crm.models import ExchangeRate, Stage
from plugins.consulting_crm.settings_forms import InvoicingForm, NewStageForm, RateForm, RateImportForm, StageForm

settings_bp = Blueprint("consulting_settings", __name__, url_prefix="/t/<tenant_slug>/consulting/settings",
                        template_folder="templates")

PERMISSION = "consulting.settings"
RATES_PER_PAGE = 20
INVOICING_FIELDS = ("seller_name", "seller_tax_number", "seller_address", "vat_percent", "withholding_percent",
                    "invoice_prefix", "next_invoice_number", "payment_days", "reminder_days")


def _stage_form(stage: Stage, formdata=None) -> StageForm:
    if formdata is not None:
        return StageForm(prefix=f"s{stage.id}")
    form = StageForm(prefix=f"s{stage.id}", formdata=None, obj=stage)
    form.position.data = str(stage.position)
    form.default_probability.data = str(stage.default_probability)
    form.requires.data = [word for word in stage.requires.split(",") if word]
    return form


def _invoicing_form(current) -> InvoicingForm:
    form = InvoicingForm(formdata=None, data={name: getattr(current, name) for name in INVOICING_FIELDS})
    for name in ("vat_percent", "withholding_percent"):
        form[name].data = f"{current_value(getattr(current, name)):f}"
    for name in ("next_invoice_number", "payment_days"):
        form[name].data = str(getattr(current, name))
    return form


def current_value(number):
    """A stored percentage without needless zeros (10.00 → 10, 12.50 → 12.5)."""
    from decimal import Decimal
    number = Decimal(number)
    return number.to_integral() if number == number.to_integral() else number.normalize()


def _page(*, invoicing=None, stage_form=None, new_stage=None, rate=None, rate_import=None, import_errors=(),
          status: int = 200):
    """The whole settings page; the form given (posted and refused) replaces its blank twin."""
    tenant_id = g.tenant.id
    current = services.settings_for(tenant_id)
    if services.ensure_default_stages(tenant_id) or current.id is None:
        db.session.commit()
    stage_rows = services.stages(tenant_id, active_only=False)
    stage_forms = [(stage, stage_form if stage_form is not None and stage_form._prefix == f"s{stage.id}-"
                    else _stage_form(stage)) for stage in stage_rows]
    rates = paginate(settings.rate_list_query(), per_page=RATES_PER_PAGE)
    return render_template(
        "consulting_crm/settings/edit.html", invoicing=invoicing or _invoicing_form(current), stage_forms=stage_forms,
        new_stage=new_stage or NewStageForm(formdata=None, prefix="new"), rate=rate or RateForm(formdata=None),
        rate_import=rate_import or RateImportForm(formdata=None), import_errors=import_errors, rates=rates), status


def _refused(form, error: DomainError) -> None:
    db.session.rollback()
    show_on_form(form, error)


@settings_bp.route("/", methods=["GET", "POST"])
@require(PERMISSION)
def edit():
    if request.method == "GET":
        return _page()
    form = InvoicingForm()
    if form.validate_on_submit():
        try:
            settings.update_settings(services.settings_for(g.tenant.id),
                                     **{name: form[name].data for name in INVOICING_FIELDS})
        except DomainError as error:
            _refused(form, error)
        else:
            db.session.commit()
            flash(_("Settings saved."), "success")
            return redirect(url_for("consulting_settings.edit"))
    return _page(invoicing=form, status=422)


@settings_bp.post("/stages/<int:stage_id>")
@require(PERMISSION)
def save_stage(stage_id: int) -> Response:
    stage = db.session.scalar(select(Stage).where(Stage.id == stage_id))
    if stage is None:
        abort(404)
    form = _stage_form(stage, request.form)
    if form.validate_on_submit():
        try:
            settings.update_stage(stage, name_en=form.name_en.data, name_km=form.name_km.data or "",
                                  position=form.position.data, default_probability=form.default_probability.data,
                                  requires=form.requires.data or [], is_active=form.is_active.data)
        except DomainError as error:
            _refused(form, error)
        else:
            db.session.commit()
            flash(_("Stage saved."), "success")
            return redirect(url_for("consulting_settings.edit") + "#stages")
    return _page(stage_form=form, status=422)


@settings_bp.post("/stages/new")
@require(PERMISSION)
def add_stage() -> Response:
    form = NewStageForm(prefix="new")
    if form.validate_on_submit():
        try:
            settings.add_stage(g.tenant.id, name_en=form.name_en.data, name_km=form.name_km.data or "",
                               outcome=form.outcome.data, default_probability=form.default_probability.data,
                               requires=form.requires.data or [])
        except DomainError as error:
            _refused(form, error)
        else:
            db.session.commit()
            flash(_("Stage added."), "success")
            return redirect(url_for("consulting_settings.edit") + "#stages")
    return _page(new_stage=form, status=422)


@settings_bp.post("/rates/new")
@require(PERMISSION)
def add_rate() -> Response:
    form = RateForm()
    if form.validate_on_submit():
        try:
            _row, replaced = settings.add_rate(g.tenant.id, rate_on=form.rate_on.data,
                                               khr_per_usd=form.khr_per_usd.data, source=form.source.data or "")
        except DomainError as error:
            _refused(form, error)
        else:
            db.session.commit()
            flash(_("Exchange rate replaced.") if replaced else _("Exchange rate added."), "success")
            return redirect(url_for("consulting_settings.edit") + "#rates")
    return _page(rate=form, status=422)


@settings_bp.post("/rates/import")
@require(PERMISSION)
def import_rates() -> Response:
    form = RateImportForm()
    errors: list = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            if not upload or not upload.filename:
                raise DomainError(_("Choose a CSV file."), "file")
            result = settings.import_rates(g.tenant.id, upload.read())
        except DomainError as error:
            _refused(form, error)
        else:
            if result.errors:
                db.session.rollback()
                errors = result.errors
                form.file.errors = list(form.file.errors) + [_("Nothing was saved: correct these lines and "
                                                               "import the file again.")]
            else:
                db.session.commit()
                flash(_("Rates imported: %(added)s added, %(replaced)s replaced.", added=result.added,
                        replaced=result.replaced), "success")
                return redirect(url_for("consulting_settings.edit") + "#rates")
    return _page(rate_import=form, import_errors=errors, status=422)


@settings_bp.post("/rates/<int:rate_id>/remove")
@require(PERMISSION)
def remove_rate(rate_id: int) -> Response:
    rate = db.session.scalar(select(ExchangeRate).where(ExchangeRate.id == rate_id))
    if rate is None:
        abort(404)
    settings.remove_rate(rate)
    db.session.commit()
    flash(_("Exchange rate removed."), "success")
    return redirect(url_for("consulting_settings.edit") + "#rates")
