"""Engagement pages: the list with filters, a new engagement for a won opportunity, the engagement
page (contract, deliverables, tranches, team, timesheet, planned and actual margin) and the forms
that add to it. Thin: forms in, one service call (plugins.consulting_crm.engagements), one commit.
Day rates, costs and margins are shown only to roles with "consulting.pool.rates"."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_currency, get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from core.errors import DomainError, form_status, show_on_form
from core.extensions import db
from core.i18n import current_locale
from core.pagination import paginate
from core.permissions import can, require
from core.registers.models import Contact
from core.registers.protection import shown_name
from plugins.consulting_crm import engagements as services
from plugins.consulting_crm import invoices
from plugins.consulting_crm.engagement_forms import (AssignmentEditForm, AssignmentForm, DeliverableForm,
                                                     DeliverableStatusForm, EngagementFilterForm, EngagementForm,
                                                     OpportunityPickForm, StatusForm, TimesheetForm, TrancheForm)
from plugins.consulting_crm.models import Consultant, Currency, Engagement, Invoice, Opportunity, StageOutcome

engagements_bp = Blueprint("consulting_engagements", __name__,
                           url_prefix="/t/<tenant_slug>/consulting/engagements", template_folder="templates")

PAGE_SIZE = 25
RATES = "consulting.pool.rates"
TEMPLATES = "consulting_crm/engagements/"


def may_see_rates() -> bool:
    return can(RATES)


def money_text(amount: Decimal | None, currency: Currency | str) -> str:
    """An amount in the reader's language with its currency (riel without decimals)."""
    if amount is None:
        return ""
    code = Currency(currency).value
    if code == Currency.KHR.value:
        locale = get_locale()
        pattern = locale.currency_formats["standard"].pattern.replace(".00", "") if locale else None
        return format_currency(amount, code, format=pattern, currency_digits=False)
    return format_currency(amount, code)


engagements_bp.add_app_template_filter(money_text, "engagement_money")


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _saved(form, action, message: str, target):
    """Run the service call: on success commit, flash and redirect; on a refusal roll back and put
    the message on the form (None: the caller shows the page again with 422)."""
    try:
        result = action()
    except DomainError as error:
        db.session.rollback()
        show_on_form(form, error)
        return None
    db.session.commit()
    flash(message, "success")
    return redirect(target(result))


def _engagement_or_404(engagement_id: int) -> Engagement:
    engagement = services.load_engagement(engagement_id)
    if engagement is None:
        abort(404)
    return engagement


def _detail_url(engagement: Engagement) -> str:
    return url_for("consulting_engagements.detail", engagement_id=engagement.id)


# --- the list ----------------------------------------------------------------------------------------------

def _client_choices() -> list[SelectChoice]:
    """Clients that have engagements, as a list shows them (never a protected name)."""
    lang = current_locale()
    contacts = db.session.scalars(select(Contact).where(Contact.id.in_(
        select(Engagement.client_id).where(Engagement.client_id.is_not(None)))).order_by(Contact.name_latin,
                                                                                           Contact.id))
    return [SelectChoice("", _("Any client"))] + [SelectChoice(str(contact.id), shown_name(contact, lang, reveal=False))
                                                  for contact in contacts]


@engagements_bp.get("/")
@require("consulting.view")
def index():
    form = EngagementFilterForm(request.args)
    form.client.choices = _client_choices()
    filters = {}
    if request.args:
        form.validate()
        if form.errors:
            flash(_("Some filters were not understood and have been ignored."), "error")
        filters = {"status": form.status.data if form.status.data and not form.status.errors else None,
                   "client_id": _int(form.client.data) if not form.client.errors else None,
                   "year": form.year.data if not form.year.errors else None}
    page = paginate(services.engagement_list_query(**filters), per_page=PAGE_SIZE)
    lang = current_locale()
    rows = [(engagement, shown_name(engagement.client, lang, reveal=False)) for engagement in page.items]
    margins = services.margins([engagement.id for engagement in page.items]) if may_see_rates() else {}
    query_args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(TEMPLATES + "index.html", form=form, page=page, rows=rows, margins=margins,
                           show_rates=may_see_rates(), query_args=query_args)


# --- a new engagement ---------------------------------------------------------------------------------------

def _won_choices() -> list[SelectChoice]:
    rows = db.session.execute(services.won_opportunities_query().with_only_columns(
        Opportunity.id, Opportunity.title)).all()
    return [SelectChoice("", _("Choose a won opportunity…"))] + [SelectChoice(str(row.id), row.title)
                                                                  for row in rows]


@engagements_bp.route("/new", methods=["GET", "POST"])
@require("consulting.edit")
def new():
    """Without `opportunity`: pick one of the won opportunities; with it: the contract, prefilled
    from the opportunity."""
    opportunity_id = _int(request.args.get("opportunity"))
    if opportunity_id is None:
        pick = OpportunityPickForm(request.args if "opportunity" in request.args else None)
        pick.opportunity.choices = _won_choices()
        if "opportunity" in request.args:
            pick.validate()
        return render_template(TEMPLATES + "pick.html", form=pick), form_status(pick)
    opportunity = db.session.scalar(select(Opportunity).where(Opportunity.id == opportunity_id))
    if opportunity is None:
        abort(404)
    existing = db.session.scalar(select(Engagement.id).where(Engagement.opportunity_id == opportunity.id))
    if existing is not None and request.method == "GET":
        flash(_("This opportunity already has an engagement."), "info")
        return redirect(url_for("consulting_engagements.detail", engagement_id=existing))
    form = EngagementForm()
    if request.method == "GET":
        prefill = services.prefill_from(opportunity)
        form.title.data = prefill["title"]
        form.currency.data = prefill["currency"].value
        form.contract_value.data = "" if prefill["contract_value"] is None else str(prefill["contract_value"])
        form.khr_per_usd.data = "" if prefill["khr_per_usd"] is None else str(prefill["khr_per_usd"])
        form.rate_on.data = prefill["rate_on"]
        form.rate_source.data = prefill["rate_source"]
        form.starts_on.data = prefill["starts_on"]
        if opportunity.stage.outcome is not StageOutcome.WON:   # say so before anything is typed
            form.form_errors.append(_("Only a won opportunity can become an engagement."))
    elif form.validate_on_submit():
        saved = _saved(form, lambda: services.create_engagement(opportunity, **_contract_fields(form)),
                       _("Engagement saved."), _detail_url)
        if saved:
            return saved
    return render_template(TEMPLATES + "form.html", form=form, engagement=None, opportunity=opportunity), \
        form_status(form)


def _contract_fields(form: EngagementForm) -> dict:
    return {name: getattr(form, name).data for name in (
        "title", "contract_reference", "currency", "contract_value", "khr_per_usd", "rate_on", "rate_source",
        "starts_on", "ends_on", "withholding_applies")}


@engagements_bp.route("/<int:engagement_id>/edit", methods=["GET", "POST"])
@require("consulting.edit")
def edit(engagement_id: int):
    engagement = _engagement_or_404(engagement_id)
    form = EngagementForm(obj=engagement)
    if request.method == "GET":
        form.currency.data = engagement.currency.value
        form.contract_value.data = str(engagement.contract_value)
        form.khr_per_usd.data = "" if engagement.khr_per_usd is None else str(engagement.khr_per_usd)
    elif form.validate_on_submit():
        saved = _saved(form, lambda: services.update_engagement(engagement, **_contract_fields(form)),
                       _("Engagement saved."), lambda _result: _detail_url(engagement))
        if saved:
            return saved
    return render_template(TEMPLATES + "form.html", form=form, engagement=engagement,
                           opportunity=engagement.opportunity), form_status(form)


# --- the engagement page -----------------------------------------------------------------------------------

@engagements_bp.get("/<int:engagement_id>")
@require("consulting.view")
def detail(engagement_id: int):
    engagement = _engagement_or_404(engagement_id)
    lang = current_locale()
    editable = can("consulting.edit")
    status_form = deliverable_forms = None
    if editable:
        status_form = StatusForm(formdata=None)
        status_form.status.data = engagement.status.value
        deliverable_forms = {}
        for item in engagement.deliverables:
            item_form = DeliverableStatusForm(formdata=None, prefix=f"d{item.id}")
            item_form.status.data = item.status.value
            deliverable_forms[item.id] = item_form
    team = [(row, shown_name(row.consultant.contact, lang)) for row in engagement.assignments]
    names = {row.id: name for row, name in team}
    planned_total, left_to_plan = services.tranche_totals(engagement)
    return render_template(
        TEMPLATES + "detail.html", engagement=engagement, client_name=shown_name(engagement.client, lang),
        team=team, names=names, margin=services.margin(engagement) if may_see_rates() else None,
        show_rates=may_see_rates(), editable=editable, closed=services.engagement_is_closed(engagement),
        status_form=status_form, deliverable_forms=deliverable_forms, planned_total=planned_total,
        left_to_plan=left_to_plan, invoiceable=services.tranche_invoiceable,
        invoiced=invoices.invoiced_tranche_ids(engagement.id), may_invoice=can("consulting.invoices"),
        engagement_invoices=db.session.scalars(select(Invoice).where(Invoice.engagement_id == engagement.id)
                                               .order_by(Invoice.id)).all())


@engagements_bp.post("/<int:engagement_id>/status")
@require("consulting.edit")
def change_status(engagement_id: int):
    engagement = _engagement_or_404(engagement_id)
    form = StatusForm()
    if form.validate_on_submit():
        saved = _saved(form, lambda: services.change_status(engagement, form.status.data),
                       _("Status changed."), lambda _result: _detail_url(engagement))
        if saved:
            return saved
    return render_template(TEMPLATES + "status.html", form=form, engagement=engagement), 422


# --- deliverables ----------------------------------------------------------------------------------------

@engagements_bp.route("/<int:engagement_id>/deliverables/new", methods=["GET", "POST"])
@require("consulting.edit")
def new_deliverable(engagement_id: int):
    engagement = _engagement_or_404(engagement_id)
    form = DeliverableForm()
    if form.validate_on_submit():
        saved = _saved(form, lambda: services.add_deliverable(engagement, title=form.title.data,
                                                             due_on=form.due_on.data, note=form.note.data),
                       _("Deliverable saved."), lambda _result: _detail_url(engagement))
        if saved:
            return saved
    return render_template(TEMPLATES + "part_form.html", form=form, engagement=engagement,
                           heading=_("New deliverable"),
                           action=url_for("consulting_engagements.new_deliverable",
                                          engagement_id=engagement.id)), form_status(form)


@engagements_bp.post("/<int:engagement_id>/deliverables/<int:deliverable_id>/status")
@require("consulting.edit")
def deliverable_status(engagement_id: int, deliverable_id: int):
    engagement = _engagement_or_404(engagement_id)
    deliverable = next((item for item in engagement.deliverables if item.id == deliverable_id), None)
    if deliverable is None:
        abort(404)
    form = DeliverableStatusForm(prefix=f"d{deliverable.id}")
    if form.validate_on_submit():
        saved = _saved(form, lambda: services.set_deliverable_status(deliverable, form.status.data,
                                                                    accepted_on=form.accepted_on.data),
                       _("Deliverable saved."), lambda _result: _detail_url(engagement))
        if saved:
            return saved
    return render_template(TEMPLATES + "part_form.html", form=form, engagement=engagement,
                           heading=_("Deliverable: %(title)s", title=deliverable.title),
                           action=url_for("consulting_engagements.deliverable_status", engagement_id=engagement.id,
                                          deliverable_id=deliverable.id)), 422


# --- tranches ---------------------------------------------------------------------------------------------

@engagements_bp.route("/<int:engagement_id>/tranches/new", methods=["GET", "POST"])
@require("consulting.edit")
def new_tranche(engagement_id: int):
    engagement = _engagement_or_404(engagement_id)
    form = TrancheForm()
    form.deliverable_id.choices = [SelectChoice("", _("No deliverable: due on signature"))] + [
        SelectChoice(str(item.id), item.title) for item in engagement.deliverables]
    if form.validate_on_submit():
        saved = _saved(form, lambda: services.add_tranche(engagement, label=form.label.data, amount=form.amount.data,
                                                         deliverable_id=_int(form.deliverable_id.data)),
                       _("Tranche saved."), lambda _result: _detail_url(engagement))
        if saved:
            return saved
    return render_template(TEMPLATES + "part_form.html", form=form, engagement=engagement,
                           heading=_("New payment tranche"),
                           action=url_for("consulting_engagements.new_tranche",
                                          engagement_id=engagement.id)), form_status(form)


# --- team -------------------------------------------------------------------------------------------------

def _consultant_choices() -> list[SelectChoice]:
    lang = current_locale()
    consultants = db.session.scalars(select(Consultant).join(Consultant.contact).where(
        Consultant.is_active.is_(True)).order_by(Contact.name_latin, Consultant.id))
    return [SelectChoice("", _("Choose a consultant…"))] + [
        SelectChoice(str(row.id), shown_name(row.contact, lang, reveal=False)) for row in consultants]


@engagements_bp.route("/<int:engagement_id>/assignments/new", methods=["GET", "POST"])
@require("consulting.edit")
def new_assignment(engagement_id: int):
    engagement = _engagement_or_404(engagement_id)
    form = AssignmentForm()
    form.consultant_id.choices = _consultant_choices()
    if not may_see_rates():
        del form.day_rate
    if form.validate_on_submit():
        saved = _saved(form, lambda: services.add_assignment(
            engagement, consultant_id=_int(form.consultant_id.data), role=form.role.data,
            planned_days=form.planned_days.data, day_rate=form.day_rate.data if "day_rate" in form else None),
            _("Consultant assigned."), lambda _result: _detail_url(engagement))
        if saved:
            return saved
    return render_template(TEMPLATES + "part_form.html", form=form, engagement=engagement,
                           heading=_("Assign a consultant"),
                           action=url_for("consulting_engagements.new_assignment",
                                          engagement_id=engagement.id)), form_status(form)


@engagements_bp.route("/<int:engagement_id>/assignments/<int:assignment_id>/edit", methods=["GET", "POST"])
@require("consulting.edit")
def edit_assignment(engagement_id: int, assignment_id: int):
    engagement = _engagement_or_404(engagement_id)
    assignment = next((row for row in engagement.assignments if row.id == assignment_id), None)
    if assignment is None:
        abort(404)
    form = AssignmentEditForm(obj=assignment)
    if not may_see_rates():
        del form.day_rate
    if request.method == "GET":
        form.planned_days.data = str(assignment.planned_days)
        if "day_rate" in form:
            form.day_rate.data = str(assignment.day_rate)
    elif form.validate_on_submit():
        saved = _saved(form, lambda: services.update_assignment(
            assignment, role=form.role.data, planned_days=form.planned_days.data,
            day_rate=form.day_rate.data if "day_rate" in form else None),
            _("Consultant assigned."), lambda _result: _detail_url(engagement))
        if saved:
            return saved
    return render_template(TEMPLATES + "part_form.html", form=form, engagement=engagement,
                           heading=shown_name(assignment.consultant.contact, current_locale()),
                           action=url_for("consulting_engagements.edit_assignment", engagement_id=engagement.id,
                                          assignment_id=assignment.id)), form_status(form)


# --- timesheet ------------------------------------------------------------------------------------------

@engagements_bp.route("/<int:engagement_id>/timesheet/new", methods=["GET", "POST"])
@require("consulting.edit")
def new_timesheet_line(engagement_id: int):
    engagement = _engagement_or_404(engagement_id)
    lang = current_locale()
    form = TimesheetForm()
    form.assignment_id.choices = [SelectChoice("", _("Choose a team member…"))] + [
        SelectChoice(str(row.id), shown_name(row.consultant.contact, lang)) for row in engagement.assignments]
    if form.validate_on_submit():
        saved = _saved(form, lambda: services.add_timesheet_line(
            engagement, assignment_id=_int(form.assignment_id.data), worked_on=form.worked_on.data,
            days=form.days.data, expense_amount=form.expense_amount.data, note=form.note.data),
            _("Timesheet line saved."), lambda _result: _detail_url(engagement))
        if saved:
            return saved
    return render_template(TEMPLATES + "part_form.html", form=form, engagement=engagement,
                           heading=_("New timesheet line"),
                           action=url_for("consulting_engagements.new_timesheet_line",
                                          engagement_id=engagement.id)), form_status(form)
