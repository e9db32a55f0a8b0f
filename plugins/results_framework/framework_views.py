"""Framework pages: the plan's objectives -> outcomes -> indicators with their rules, baselines, targets
and who is responsible (results.view); forms to change the plan's settings, objectives, outcomes,
indicators and targets (results.edit); and per indicator its hand-entered values with their evidence
(seen with results.view, entered with results.edit). Thin: a form in, one call to framework_edits or
services, one commit; a refusal is shown on its field with 422 and nothing saved."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from core.admin.queries import member_names
from core.disaggregation import cell_label, dimension_label
from core.errors import DomainError, form_status, show_on_form
from core.extensions import db
from core.i18n import current_locale
from core.models import User
from core.periods import MONTH_NAMES
from core.permissions import can, require
from core.registers.projects import project_choices
from core.uploads import is_stored, received, send_download
from plugins.results_framework import framework_edits as edits
from plugins.results_framework import services
from plugins.results_framework.framework_forms import (IndicatorForm, ObjectiveForm, OutcomeForm, PlanForm,
                                                       TargetForm, value_form_for)
from plugins.results_framework.models import Source

framework_bp = Blueprint("results_framework", __name__, url_prefix="/t/<tenant_slug>/results/framework",
                         template_folder="templates")

VIEW, EDIT = "results.view", "results.edit"
FORMS = "results_framework/framework/"


@framework_bp.context_processor
def _helpers() -> dict:
    return {"period_label": edits.period_label, "plain_number": edits.plain_number, "cell_label": cell_label,
            "dimension_label": dimension_label}


def _run(form, action, message: str, target):
    """Run `action`: commit, flash and go to `target` (a URL, or a function of what `action` returned);
    on a refusal roll back, put it on the form and return None (the caller shows the form again, 422)."""
    try:
        result = action()
    except DomainError as error:
        db.session.rollback()
        show_on_form(form, error)
        return None
    db.session.commit()
    flash(message, "success")
    return redirect(target(result) if callable(target) else target)


def _framework_url(anchor: str = "") -> str:
    return url_for("results_framework.index") + (f"#{anchor}" if anchor else "")


def _or_404(found):
    if found is None:
        abort(404)
    return found


# --- the framework -------------------------------------------------------------------------------

@framework_bp.get("/")
@require(VIEW)
def index():
    tenant_id = g.tenant.id
    settings, created = edits.plan_settings(tenant_id)
    if created:
        db.session.commit()
    objectives = services.framework(tenant_id)
    responsible_ids = {indicator.responsible_id for objective in objectives for outcome in objective.outcomes
                       for indicator in outcome.indicators if indicator.responsible_id}
    # One query for the names of everyone responsible (the list never loads them row by row).
    names = {row.id: row.name or row.email for row in db.session.execute(
        select(User.id, User.name, User.email).where(User.id.in_(responsible_ids)))} if responsible_ids else {}
    return render_template(FORMS + "index.html", settings=settings, objectives=objectives, names=names,
                           may_edit=can(EDIT), month_name=MONTH_NAMES[settings.fiscal_start_month - 1])


@framework_bp.route("/settings", methods=["GET", "POST"])
@require(EDIT)
def plan():
    settings = services.settings_for(g.tenant.id)
    form = PlanForm(obj=settings)
    if request.method == "GET":
        form.first_year.data, form.last_year.data = str(settings.first_year), str(settings.last_year)
        form.fiscal_start_month.data = str(settings.fiscal_start_month)
    if form.validate_on_submit():
        saved = _run(form, lambda: edits.update_plan(
            services.settings_for(g.tenant.id), plan_title_en=form.plan_title_en.data,
            plan_title_km=form.plan_title_km.data, first_year=form.first_year.data, last_year=form.last_year.data,
            fiscal_start_month=form.fiscal_start_month.data), _("Plan saved."), _framework_url())
        if saved:
            return saved
    return render_template(FORMS + "form.html", form=form, heading=_("The plan"),
                           action=url_for("results_framework.plan")), form_status(form)


# --- objectives ----------------------------------------------------------------------------------

def _objective_fields(form: ObjectiveForm) -> dict:
    return {"code": form.code.data, "title_en": form.title_en.data, "title_km": form.title_km.data,
            "position": form.position.data}


@framework_bp.route("/objectives/new", methods=["GET", "POST"])
@require(EDIT)
def new_objective():
    form = ObjectiveForm()
    if form.validate_on_submit():
        saved = _run(form, lambda: edits.save_objective(g.tenant.id, None, **_objective_fields(form)),
                     _("Objective added."), _framework_url())
        if saved:
            return saved
    return render_template(FORMS + "form.html", form=form, heading=_("Add an objective"),
                           action=url_for("results_framework.new_objective")), form_status(form)


@framework_bp.route("/objectives/<int:objective_id>/edit", methods=["GET", "POST"])
@require(EDIT)
def edit_objective(objective_id: int):
    objective = _or_404(edits.get_objective(g.tenant.id, objective_id))
    form = ObjectiveForm(obj=objective)
    if request.method == "GET":
        form.position.data = str(objective.position)
    if form.validate_on_submit():
        saved = _run(form, lambda: edits.save_objective(g.tenant.id, objective, **_objective_fields(form)),
                     _("Objective saved."), _framework_url(f"objective-{objective_id}"))
        if saved:
            return saved
    return _objective_page(form, objective_id)


def _objective_page(form, objective_id: int):
    return render_template(FORMS + "form.html", form=form, heading=_("Edit the objective"),
                           action=url_for("results_framework.edit_objective", objective_id=objective_id),
                           delete_url=url_for("results_framework.delete_objective", objective_id=objective_id),
                           delete_question=_("Delete this objective?")), form_status(form)


@framework_bp.post("/objectives/<int:objective_id>/delete")
@require(EDIT)
def delete_objective(objective_id: int):
    objective = _or_404(edits.get_objective(g.tenant.id, objective_id))
    form = ObjectiveForm(formdata=None, obj=objective)
    saved = _run(form, lambda: edits.delete_objective(objective), _("Objective deleted."), _framework_url())
    return saved or _objective_page(form, objective_id)


# --- outcomes ------------------------------------------------------------------------------------

def _objective_choices() -> list[SelectChoice]:
    lang = current_locale()
    return [SelectChoice(str(objective.id), f"{objective.code} · {objective.title_in(lang)}")
            for objective in services.framework(g.tenant.id)]


def _outcome_form(outcome=None) -> OutcomeForm:
    form = OutcomeForm(obj=outcome)
    form.objective_id.choices = _objective_choices()
    return form


def _outcome_fields(form: OutcomeForm) -> dict:
    return {"objective_id": form.objective_id.data, "code": form.code.data, "title_en": form.title_en.data,
            "title_km": form.title_km.data, "position": form.position.data}


@framework_bp.route("/outcomes/new", methods=["GET", "POST"])
@require(EDIT)
def new_outcome():
    form = _outcome_form()
    if request.method == "GET":
        form.objective_id.data = request.args.get("objective", "")
    if form.validate_on_submit():
        saved = _run(form, lambda: edits.save_outcome(g.tenant.id, None, **_outcome_fields(form)),
                     _("Outcome added."), _framework_url())
        if saved:
            return saved
    return render_template(FORMS + "form.html", form=form, heading=_("Add an outcome"),
                           action=url_for("results_framework.new_outcome")), form_status(form)


@framework_bp.route("/outcomes/<int:outcome_id>/edit", methods=["GET", "POST"])
@require(EDIT)
def edit_outcome(outcome_id: int):
    outcome = _or_404(edits.get_outcome(g.tenant.id, outcome_id))
    form = _outcome_form(outcome)
    if request.method == "GET":
        form.objective_id.data, form.position.data = str(outcome.objective_id), str(outcome.position)
    if form.validate_on_submit():
        saved = _run(form, lambda: edits.save_outcome(g.tenant.id, outcome, **_outcome_fields(form)),
                     _("Outcome saved."), _framework_url(f"outcome-{outcome_id}"))
        if saved:
            return saved
    return _outcome_page(form, outcome_id)


def _outcome_page(form, outcome_id: int):
    return render_template(FORMS + "form.html", form=form, heading=_("Edit the outcome"),
                           action=url_for("results_framework.edit_outcome", outcome_id=outcome_id),
                           delete_url=url_for("results_framework.delete_outcome", outcome_id=outcome_id),
                           delete_question=_("Delete this outcome?")), form_status(form)


@framework_bp.post("/outcomes/<int:outcome_id>/delete")
@require(EDIT)
def delete_outcome(outcome_id: int):
    outcome = _or_404(edits.get_outcome(g.tenant.id, outcome_id))
    form = _outcome_form(outcome)
    form.objective_id.data = str(outcome.objective_id)
    saved = _run(form, lambda: edits.delete_outcome(outcome), _("Outcome deleted."), _framework_url())
    return saved or _outcome_page(form, outcome_id)


# --- indicators ----------------------------------------------------------------------------------

def _member_choices() -> list[SelectChoice]:
    """The tenant's active members."""
    return [SelectChoice("", _("No one"))] + [SelectChoice(str(user_id), name)
                                              for user_id, name in member_names(g.tenant.id)]


def _indicator_form(indicator=None, module_codes: dict | None = None, *, posted: bool = True) -> IndicatorForm:
    """The indicator form with its choices; filled from `indicator` unless it shows what was posted."""
    form = IndicatorForm(obj=indicator) if posted else IndicatorForm(formdata=None, obj=indicator)
    lang = current_locale()
    form.outcome_id.choices = [
        SelectChoice(str(outcome.id), f"{outcome.code} · {outcome.title_in(lang)}", optgroup=objective.code)
        for objective in services.framework(g.tenant.id) for outcome in objective.outcomes]
    codes = dict(module_codes or {})
    if indicator is not None and indicator.source_code and indicator.source_code not in codes:
        codes[indicator.source_code] = indicator.source_code     # shown, so the check below can name it
    form.source_code.choices = [SelectChoice("", _("None (entered by hand)"))] + [
        SelectChoice(code, f"{label} ({code})") for code, label in sorted(codes.items())]
    form.responsible_id.choices = _member_choices()
    keep = [project.id for project in indicator.projects] if indicator is not None else []
    form.project_ids.choices = [SelectChoice(str(project_id), label) for project_id, label in
                                project_choices(g.tenant, lang, include_closed=bool(keep))]
    if indicator is not None and not (posted and request.method == "POST"):
        form.outcome_id.data = str(indicator.outcome_id)
        for name in ("unit", "direction", "aggregation", "accumulation", "source"):
            form[name].data = getattr(indicator, name).value
        form.baseline_value.data = edits.plain_number(indicator.baseline_value)
        form.responsible_id.data = str(indicator.responsible_id or "")
        form.project_ids.data = [str(project_id) for project_id in keep]
        form.disaggregations.data = list(indicator.disaggregations or [])
        form.position.data = str(indicator.position)
    return form


def _indicator_fields(form: IndicatorForm, module_codes: dict) -> dict:
    return {"module_codes": set(module_codes), "outcome_id": form.outcome_id.data, "code": form.code.data,
            "name_en": form.name_en.data, "name_km": form.name_km.data, "definition": form.definition.data,
            "unit": form.unit.data, "direction": form.direction.data, "aggregation": form.aggregation.data,
            "accumulation": form.accumulation.data, "source": form.source.data,
            "source_code": form.source_code.data, "baseline_value": form.baseline_value.data,
            "baseline_on": form.baseline_on.data, "disaggregations": form.disaggregations.data or [],
            "responsible_id": form.responsible_id.data, "project_ids": form.project_ids.data or [],
            "position": form.position.data}


@framework_bp.route("/indicators/new", methods=["GET", "POST"])
@require(EDIT)
def new_indicator():
    module_codes = services.module_codes(g.tenant)
    form = _indicator_form(module_codes=module_codes)
    if request.method == "GET":
        form.outcome_id.data = request.args.get("outcome", "")
    if form.validate_on_submit():
        saved = _run(form, lambda: edits.save_indicator(g.tenant.id, None, **_indicator_fields(form, module_codes)),
                     _("Indicator added."),
                     lambda indicator: url_for("results_framework.edit_indicator", indicator_id=indicator.id))
        if saved:
            return saved
    return render_template(FORMS + "indicator.html", form=form, indicator=None,
                           action=url_for("results_framework.new_indicator")), form_status(form)


def _indicator_page(indicator_id: int, *, form=None, target_form=None, module_codes=None):
    """The indicator's edit page with its targets; the form posted and refused replaces its blank twin."""
    indicator = _or_404(edits.get_indicator(g.tenant.id, indicator_id))
    if form is None:
        form = _indicator_form(indicator, module_codes if module_codes is not None else
                               services.module_codes(g.tenant), posted=False)
    target_form = target_form or TargetForm(formdata=None)
    status = max(form_status(form), form_status(target_form))
    return render_template(FORMS + "indicator.html", form=form, indicator=indicator, target_form=target_form,
                           settings=services.settings_for(g.tenant.id),
                           action=url_for("results_framework.edit_indicator", indicator_id=indicator_id)), status


@framework_bp.route("/indicators/<int:indicator_id>/edit", methods=["GET", "POST"])
@require(EDIT)
def edit_indicator(indicator_id: int):
    indicator = _or_404(edits.get_indicator(g.tenant.id, indicator_id))
    module_codes = services.module_codes(g.tenant)
    if request.method == "GET":
        return _indicator_page(indicator_id, module_codes=module_codes)
    form = _indicator_form(indicator, module_codes)
    if form.validate_on_submit():
        saved = _run(form, lambda: edits.save_indicator(g.tenant.id, indicator, **_indicator_fields(
            form, module_codes)), _("Indicator saved."), url_for("results_framework.edit_indicator",
                                                                  indicator_id=indicator_id))
        if saved:
            return saved
    return _indicator_page(indicator_id, form=form, module_codes=module_codes)


@framework_bp.post("/indicators/<int:indicator_id>/delete")
@require(EDIT)
def delete_indicator(indicator_id: int) -> Response:
    indicator = _or_404(edits.get_indicator(g.tenant.id, indicator_id))
    edits.delete_indicator(indicator)
    db.session.commit()
    flash(_("Indicator deleted."), "success")
    return redirect(_framework_url())


# --- targets -------------------------------------------------------------------------------------

@framework_bp.post("/indicators/<int:indicator_id>/targets")
@require(EDIT)
def set_target(indicator_id: int):
    indicator = _or_404(edits.get_indicator(g.tenant.id, indicator_id))
    form = TargetForm()
    if form.validate_on_submit():
        saved = _run(form, lambda: edits.set_target(indicator, services.settings_for(g.tenant.id),
                                                     period_key=form.period_key.data, value=form.value.data),
                     _("Target saved."), url_for("results_framework.edit_indicator", indicator_id=indicator_id)
                     + "#targets")
        if saved:
            return saved
    return _indicator_page(indicator_id, target_form=form)


@framework_bp.post("/indicators/<int:indicator_id>/targets/<int:target_id>/remove")
@require(EDIT)
def remove_target(indicator_id: int, target_id: int) -> Response:
    indicator = _or_404(edits.get_indicator(g.tenant.id, indicator_id))
    if not edits.remove_target(indicator, target_id):
        abort(404)
    db.session.commit()
    flash(_("Target removed."), "success")
    return redirect(url_for("results_framework.edit_indicator", indicator_id=indicator_id) + "#targets")


# --- hand-entered values -------------------------------------------------------------------------

def _values_page(indicator, form=None):
    cells = edits.breakdown_cells(indicator)
    may_edit = can(EDIT) and indicator.source == Source.MANUAL
    if form is None and may_edit:
        form = value_form_for(cells, formdata=None)
        form.period_key.data = request.args.get("period", "")[:20]    # the dashboard links to a period
    return render_template(FORMS + "values.html", indicator=indicator, entries=edits.values_of(indicator),
                           form=form, cells=cells, may_edit=may_edit, may_change=can(EDIT)), form_status(form) if form is not None else 200


@framework_bp.get("/indicators/<int:indicator_id>/values")
@require(VIEW)
def values(indicator_id: int):
    return _values_page(_or_404(edits.get_indicator(g.tenant.id, indicator_id)))


@framework_bp.post("/indicators/<int:indicator_id>/values")
@require(EDIT)
def enter_value(indicator_id: int):
    indicator = _or_404(edits.get_indicator(g.tenant.id, indicator_id))
    cells = edits.breakdown_cells(indicator)
    form = value_form_for(cells)
    if form.validate_on_submit():
        uploads = received(form.evidence_file.data)
        typed = {name: form[name].data for _dimension, pairs in cells for _cell, name in pairs}
        saved = _run(form, lambda: edits.record_value(
            indicator, services.settings_for(g.tenant.id), period_key=form.period_key.data, value=form.value.data,
            comment=form.comment.data, evidence_url=form.evidence_url.data, upload=uploads[0] if uploads else None,
            typed_breakdown=typed, actor_id=current_user.id), _("Value saved."),
            url_for("results_framework.values", indicator_id=indicator_id))
        if saved:
            return saved
        indicator = _or_404(edits.get_indicator(g.tenant.id, indicator_id))
    return _values_page(indicator, form)


@framework_bp.post("/indicators/<int:indicator_id>/values/<int:value_id>/remove")
@require(EDIT)
def remove_value(indicator_id: int, value_id: int) -> Response:
    indicator = _or_404(edits.get_indicator(g.tenant.id, indicator_id))
    entry = _or_404(edits.get_value(indicator, value_id))
    edits.remove_value(entry)
    db.session.commit()
    flash(_("Value removed."), "success")
    return redirect(url_for("results_framework.values", indicator_id=indicator_id))


@framework_bp.get("/indicators/<int:indicator_id>/values/<int:value_id>/evidence")
@require(VIEW)
def evidence(indicator_id: int, value_id: int):
    indicator = _or_404(edits.get_indicator(g.tenant.id, indicator_id))
    entry = _or_404(edits.get_value(indicator, value_id))
    if not entry.evidence_file:
        abort(404)
    path = edits.evidence_path(entry)
    if not is_stored(path):
        abort(404)
    return send_download(path, content_type=edits.evidence_content_type(entry),
                         download_name=entry.evidence_name or entry.evidence_file)
