"""Campaign pages of the policy tracker: campaigns (laws, targets, team, stakeholders), recommendations
with their outcome, activities, and the "taken up" summary. Thin: forms in, one service call, one
commit. Strategy notes and budget appear only with policy.campaigns.strategy; stakeholders' and
attendees' names only through core.registers.protection.shown_name."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from core.admin.queries import member_names
from core.errors import DomainError, form_status, show_on_form
from core.extensions import db
from core.i18n import current_locale
from core.models import Tenant
from core.pagination import paginate
from core.permissions import can, require
from core.registers.institutions import visible_institutions
from core.registers.models import Contact, ContactKind, Institution, name_in_language
from core.registers.projects import project_choices
from core.registers.protection import shown_name
from plugins.policy_tracker import campaigns as services
from plugins.policy_tracker.campaign_forms import (ActivityForm, CampaignForm, CampaignLinksForm, OutcomeForm,
                                                   PeriodForm, RecommendationFilterForm, RecommendationForm,
                                                   StakeholderForm)
from plugins.policy_tracker.models import Campaign, CampaignStatus, Law, LawVersion, Outcome

campaigns_bp = Blueprint("campaigns", __name__, url_prefix="/t/<tenant_slug>/policy/campaigns",
                         template_folder="templates")

PAGE_SIZE = 25


def may_see_strategy() -> bool:
    return can(services.STRATEGY_PERMISSION)


# --- choices (columns only, one query each) -----------------------------------------------------------

def law_choices(blank=None) -> list[SelectChoice]:
    lang = current_locale()
    rows = db.session.execute(services.visible_laws().with_only_columns(Law.id, Law.title_en, Law.title_km)).all()
    choices = [SelectChoice(str(row.id), name_in_language(row.title_en, row.title_km, lang)) for row in rows]
    return ([SelectChoice("", blank)] + choices) if blank is not None else choices


def institution_choices(blank=None) -> list[SelectChoice]:
    lang = current_locale()
    rows = db.session.execute(visible_institutions().with_only_columns(
        Institution.id, Institution.name_en, Institution.name_km)).all()
    choices = [SelectChoice(str(row.id), name_in_language(row.name_en, row.name_km, lang)) for row in rows]
    return ([SelectChoice("", blank)] + choices) if blank is not None else choices


def member_choices() -> list[SelectChoice]:
    return [SelectChoice(str(user_id), name) for user_id, name in member_names(g.tenant.id)]


def contact_choices(*, organisations_only: bool = False, blank=None) -> list[SelectChoice]:
    """The tenant's contacts as a list shows them (a protected name never appears in a list)."""
    query = select(Contact).where(Contact.erased_at.is_(None))
    if organisations_only:
        query = query.where(Contact.kind == ContactKind.ORGANISATION)
    lang = current_locale()
    choices = [SelectChoice(str(contact.id), shown_name(contact, lang, reveal=False)) for contact in
               db.session.scalars(query.order_by(Contact.name_latin, Contact.name_km, Contact.id))]
    return ([SelectChoice("", blank)] + choices) if blank is not None else choices


def campaign_choices(blank) -> list[SelectChoice]:
    rows = db.session.execute(select(Campaign.id, Campaign.title).order_by(Campaign.title, Campaign.id)).all()
    return [SelectChoice("", blank)] + [SelectChoice(str(row.id), row.title) for row in rows]


def partner_choices() -> list[SelectChoice]:
    """Other organisations of this instance that may co-submit (their names only)."""
    rows = db.session.execute(select(Tenant.id, Tenant.name).where(
        Tenant.id != g.tenant.id, Tenant.is_active).order_by(Tenant.name)).all()
    return [SelectChoice(str(row.id), row.name) for row in rows]


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _saved(form, action, message: str, target):
    """Run the service call `action`: on success commit, flash `message` and redirect to
    `target(result)`; on a refusal roll back, show it on the form and return None (the page again)."""
    try:
        result = action()
    except DomainError as error:
        db.session.rollback()
        show_on_form(form, error)
        return None
    db.session.commit()
    flash(message, "success")
    return redirect(target(result))


def _campaign_or_404(campaign_id: int) -> Campaign:
    campaign = services.load_campaign(campaign_id)
    if campaign is None:
        abort(404)
    return campaign


# --- campaigns ----------------------------------------------------------------------------------------

def _date_arg(name: str) -> date | None:
    """A date of the query string (a drill-down link from the results framework); ignored when bad."""
    try:
        return date.fromisoformat((request.args.get(name) or "").strip()[:10]) or None
    except ValueError:
        return None


def _period_args() -> tuple[date | None, date | None]:
    start, end = _date_arg("date_from"), _date_arg("date_to")
    return (start, end) if not (start and end and end < start) else (None, None)


@campaigns_bp.get("/")
@require("policy.view")
def index() -> str:
    q = (request.args.get("q") or "").strip()[:200]
    status = request.args.get("status") if request.args.get("status") in {s.value for s in CampaignStatus} else None
    start, end = _period_args()
    page = paginate(services.campaign_list_query(q=q, status=status, date_from=start, date_to=end),
                    per_page=PAGE_SIZE)
    query_args = {key: value for key, value in (("q", q), ("status", status), ("date_from", start),
                                                ("date_to", end)) if value}
    return render_template("policy_tracker/campaigns/index.html", page=page, q=q, query_args=query_args,
                           status=CampaignStatus(status) if status else None, period=(start, end))


def _campaign_form(campaign: Campaign | None = None) -> CampaignForm:
    form = CampaignForm(obj=campaign) if campaign is not None else CampaignForm()
    form.project_id.choices = [SelectChoice("", _("No project"))] + [
        SelectChoice(str(pid), label) for pid, label in project_choices(
            g.tenant, current_locale(), keep_id=campaign.project_id if campaign else None)]
    if not may_see_strategy():
        del form.strategy_notes
        del form.budget
    if request.method == "GET" and campaign is not None:
        form.project_id.data = str(campaign.project_id or "")
        form.status.data = campaign.status.value
        if "budget" in form:
            form.budget.data = "" if campaign.budget is None else str(campaign.budget)
    return form


def _campaign_fields(form: CampaignForm) -> dict:
    fields = {"title": form.title.data, "goal": form.goal.data, "status": form.status.data,
              "project_id": _int(form.project_id.data), "starts_on": form.starts_on.data,
              "ends_on": form.ends_on.data}
    if "strategy_notes" in form:
        fields.update(strategy_notes=form.strategy_notes.data, budget=form.budget.data)
    return fields


@campaigns_bp.route("/new", methods=["GET", "POST"])
@require("policy.campaigns.edit")
def new():
    form = _campaign_form()
    if form.validate_on_submit():
        def create():
            campaign = services.create_campaign(g.tenant.id, **_campaign_fields(form))
            services.set_campaign_team(campaign, [current_user.id])
            return campaign
        saved = _saved(form, create, _("Campaign saved."),
                       lambda campaign: url_for("campaigns.detail", campaign_id=campaign.id))
        if saved:
            return saved
    return render_template("policy_tracker/campaigns/form.html", form=form, campaign=None), form_status(form)


@campaigns_bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@require("policy.campaigns.edit")
def edit(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    form = _campaign_form(campaign)
    if form.validate_on_submit():
        saved = _saved(form, lambda: services.update_campaign(campaign, **_campaign_fields(form)),
                       _("Campaign saved."), lambda _result: url_for("campaigns.detail", campaign_id=campaign.id))
        if saved:
            return saved
    return render_template("policy_tracker/campaigns/form.html", form=form, campaign=campaign), form_status(form)


@campaigns_bp.get("/<int:campaign_id>")
@require("policy.view")
def detail(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    lang = current_locale()
    stakeholders = [(row, shown_name(row.contact, lang)) for row in campaign.stakeholders]
    stakeholder_form = None
    if can("policy.campaigns.edit"):
        stakeholder_form = StakeholderForm(formdata=None)
    counts = services.recommendations_taken_up(campaign_id=campaign.id)
    return render_template("policy_tracker/campaigns/detail.html", campaign=campaign, stakeholders=stakeholders,
                           stakeholder_form=stakeholder_form, show_strategy=may_see_strategy(), counts=counts,
                           outcomes=list(Outcome), lang=lang)


@campaigns_bp.route("/<int:campaign_id>/links", methods=["GET", "POST"])
@require("policy.campaigns.edit")
def links(campaign_id: int):
    """The campaign's laws, target institutions and team."""
    campaign = _campaign_or_404(campaign_id)
    form = CampaignLinksForm()
    form.law_ids.choices = law_choices()
    form.institution_ids.choices = institution_choices()
    form.user_ids.choices = member_choices()
    if request.method == "GET":
        form.law_ids.data = [str(row.law_id) for row in campaign.laws]
        form.institution_ids.data = [str(row.institution_id) for row in campaign.targets]
        form.user_ids.data = [str(row.user_id) for row in campaign.team]
    if form.validate_on_submit():
        def set_links():
            services.set_campaign_laws(campaign, form.law_ids.data)
            services.set_campaign_targets(campaign, form.institution_ids.data)
            services.set_campaign_team(campaign, form.user_ids.data)
        saved = _saved(form, set_links, _("Campaign saved."),
                       lambda _result: url_for("campaigns.detail", campaign_id=campaign.id))
        if saved:
            return saved
    return render_template("policy_tracker/campaigns/links.html", form=form, campaign=campaign), form_status(form)


@campaigns_bp.post("/<int:campaign_id>/stakeholders")
@require("policy.campaigns.edit")
def add_stakeholder(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    form = StakeholderForm()
    if form.validate_on_submit():
        try:
            services.add_stakeholder(campaign, form.contact_id.data, form.role.data)
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(_("Stakeholder saved."), "success")
    else:
        flash(form.contact_id.errors[0] if form.contact_id.errors else _("Choose a contact of your organisation."),
              "error")
    return redirect(url_for("campaigns.detail", campaign_id=campaign.id))


@campaigns_bp.post("/<int:campaign_id>/stakeholders/<int:stakeholder_id>/remove")
@require("policy.campaigns.edit")
def remove_stakeholder(campaign_id: int, stakeholder_id: int):
    campaign = _campaign_or_404(campaign_id)
    # The CSRF token is checked for every POST by the app's CSRFProtect before this view runs.
    try:
        services.remove_stakeholder(campaign, stakeholder_id)
    except DomainError:
        abort(404)
    db.session.commit()
    flash(_("Stakeholder removed."), "success")
    return redirect(url_for("campaigns.detail", campaign_id=campaign.id))


# --- recommendations ----------------------------------------------------------------------------------

def _recommendation_filters() -> tuple[RecommendationFilterForm, dict]:
    form = RecommendationFilterForm(request.args)
    form.law.choices = law_choices(_("Any law"))
    form.campaign.choices = campaign_choices(_("Any campaign"))
    if not request.args:
        return form, {}
    form.validate()
    values = {name: field.data for name, field in form._fields.items() if field.data and not field.errors}
    if form.errors:
        flash(_("Some filters were not understood and have been ignored."), "error")
    return form, {"law_id": _int(values.get("law")), "campaign_id": _int(values.get("campaign")),
                  "outcome": values.get("outcome"), "date_from": values.get("date_from"),
                  "date_to": values.get("date_to")}


@campaigns_bp.get("/recommendations/")
@require("policy.view")
def recommendations():
    form, filters = _recommendation_filters()
    page = paginate(services.recommendation_list_query(**filters), per_page=PAGE_SIZE)
    shared = services.co_submitted_recommendations(g.tenant.id) if not any(filters.values()) else []
    query_args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template("policy_tracker/campaigns/recommendations.html", form=form, page=page,
                           shared=shared, query_args=query_args, lang=current_locale())


def _recommendation_form(rec=None) -> RecommendationForm:
    form = RecommendationForm(obj=rec) if rec is not None else RecommendationForm()
    form.law_id.choices = law_choices(_("Choose a law…"))
    versions = db.session.execute(select(LawVersion.id, LawVersion.label, Law.title_en).join(
        Law, Law.id == LawVersion.law_id).where(LawVersion.law_id.in_(
            services.visible_laws().order_by(None).with_only_columns(Law.id)))
        .order_by(Law.title_en, LawVersion.dated_on, LawVersion.id)).all()
    form.version_id.choices = [SelectChoice("", _("No particular version"))] + [
        SelectChoice(str(row.id), f"{row.title_en} · {row.label}") for row in versions]
    form.campaign_id.choices = campaign_choices(_("No campaign"))
    form.submitted_to_id.choices = institution_choices(_("Not submitted yet"))
    form.partner_tenant_ids.choices = partner_choices()
    form.organisation_ids.choices = contact_choices(organisations_only=True)
    if request.method == "GET" and rec is not None:
        form.law_id.data = str(rec.law_id)
        form.version_id.data = str(rec.version_id or "")
        form.campaign_id.data = str(rec.campaign_id or "")
        form.submitted_to_id.data = str(rec.submitted_to_id or "")
        form.partner_tenant_ids.data = [str(row.partner_tenant_id) for row in rec.co_submitters
                                        if row.partner_tenant_id]
        form.organisation_ids.data = [str(row.organisation_id) for row in rec.co_submitters if row.organisation_id]
    elif request.method == "GET" and request.args.get("campaign_id"):
        form.campaign_id.data = request.args.get("campaign_id")
    return form


def _recommendation_fields(form: RecommendationForm) -> dict:
    return {"law_id": _int(form.law_id.data), "version_id": _int(form.version_id.data),
            "article": form.article.data, "text_en": form.text_en.data, "text_km": form.text_km.data,
            "campaign_id": _int(form.campaign_id.data), "submitted_to_id": _int(form.submitted_to_id.data),
            "submitted_on": form.submitted_on.data, "partner_tenant_ids": form.partner_tenant_ids.data,
            "organisation_ids": form.organisation_ids.data}


@campaigns_bp.route("/recommendations/new", methods=["GET", "POST"])
@require("policy.campaigns.edit")
def new_recommendation():
    form = _recommendation_form()
    if form.validate_on_submit():
        saved = _saved(form, lambda: services.create_recommendation(g.tenant.id, actor=current_user,
                                                                    **_recommendation_fields(form)),
                       _("Recommendation saved."), lambda rec: url_for("campaigns.recommendation", rec_id=rec.id))
        if saved:
            return saved
    return render_template("policy_tracker/campaigns/recommendation_form.html", form=form, rec=None), form_status(form)


@campaigns_bp.route("/recommendations/<int:rec_id>/edit", methods=["GET", "POST"])
@require("policy.campaigns.edit")
def edit_recommendation(rec_id: int):
    rec = services.load_recommendation(rec_id)   # only the submitter's own: a co-submitter gets 404
    if rec is None:
        abort(404)
    form = _recommendation_form(rec)
    if form.validate_on_submit():
        saved = _saved(form, lambda: services.update_recommendation(rec, **_recommendation_fields(form)),
                       _("Recommendation saved."), lambda _result: url_for("campaigns.recommendation", rec_id=rec.id))
        if saved:
            return saved
    return render_template("policy_tracker/campaigns/recommendation_form.html", form=form, rec=rec), form_status(form)


@campaigns_bp.get("/recommendations/<int:rec_id>")
@require("policy.view")
def recommendation(rec_id: int):
    """The submitter's own recommendation, or — read-only — one this organisation co-submitted."""
    rec = services.load_recommendation(rec_id)
    read_only = rec is None
    if rec is None:
        found = services.co_submitted_recommendations(g.tenant.id, rec_id)
        if not found:
            abort(404)
        rec = found[0]
    lang = current_locale()
    organisations = []
    if not read_only:
        ids = [row.organisation_id for row in rec.co_submitters if row.organisation_id]
        if ids:
            organisations = [shown_name(contact, lang, reveal=False) for contact in
                             db.session.scalars(select(Contact).where(Contact.id.in_(ids)))]
    outcome_form = None
    if not read_only and can("policy.campaigns.edit"):
        outcome_form = OutcomeForm(formdata=None, obj=rec)
        outcome_form.outcome.data = rec.outcome.value
    return render_template("policy_tracker/campaigns/recommendation.html", rec=rec, read_only=read_only,
                           submitters=services.submitters_of(rec), organisations=organisations,
                           outcome_form=outcome_form, lang=lang)


@campaigns_bp.post("/recommendations/<int:rec_id>/outcome")
@require("policy.campaigns.edit")
def decide_outcome(rec_id: int):
    rec = services.load_recommendation(rec_id)   # the submitter decides; a co-submitter gets 404
    if rec is None:
        abort(404)
    form = OutcomeForm()
    if form.validate_on_submit():
        try:
            services.decide_outcome(rec, form.outcome.data, on=form.outcome_on.data,
                                    evidence=form.outcome_evidence.data)
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Outcome saved."), "success")
            return redirect(url_for("campaigns.recommendation", rec_id=rec.id))
    return render_template("policy_tracker/campaigns/outcome.html", form=form, rec=rec), 422


@campaigns_bp.get("/taken-up")
@require("policy.view")
def taken_up():
    """How many recommendations were taken up, per law and per campaign, in a period."""
    form = PeriodForm(request.args)
    period = None
    if request.args and form.validate() and (form.date_from.data or form.date_to.data):
        period = (form.date_from.data, form.date_to.data)
    return render_template("policy_tracker/campaigns/taken_up.html", form=form,
                           total=services.recommendations_taken_up(period=period),
                           per_law=services.taken_up_table("law", period),
                           per_campaign=services.taken_up_table("campaign", period),
                           outcomes=list(Outcome), lang=current_locale())


# --- activities ---------------------------------------------------------------------------------------

@campaigns_bp.get("/activities/")
@require("policy.view")
def activities():
    campaign_id = _int(request.args.get("campaign"))
    start, end = _period_args()
    of_campaigns = request.args.get("of_campaigns") == "1"
    page = paginate(services.activity_list_query(campaign_id=campaign_id, date_from=start, date_to=end,
                                                 of_campaigns=of_campaigns), per_page=PAGE_SIZE)
    query_args = {key: value for key, value in (("campaign", campaign_id), ("date_from", start), ("date_to", end),
                                                ("of_campaigns", "1" if of_campaigns else None)) if value}
    return render_template("policy_tracker/campaigns/activities.html", page=page, query_args=query_args,
                           period=(start, end), of_campaigns=of_campaigns)


def _activity_form(activity=None) -> ActivityForm:
    form = ActivityForm(obj=activity) if activity is not None else ActivityForm()
    form.campaign_id.choices = campaign_choices(_("No campaign"))
    form.attendee_ids.choices = contact_choices()
    if request.method == "GET" and activity is not None:
        form.kind.data = activity.kind.value
        form.campaign_id.data = str(activity.campaign_id or "")
        form.attendee_ids.data = [str(row.contact_id) for row in activity.attendees]
    elif request.method == "GET" and request.args.get("campaign_id"):
        form.campaign_id.data = request.args.get("campaign_id")
    return form


def _activity_fields(form: ActivityForm) -> dict:
    return {"kind": form.kind.data, "title": form.title.data, "occurred_on": form.occurred_on.data,
            "campaign_id": _int(form.campaign_id.data), "place_id": form.place_id.data,
            "summary": form.summary.data, "is_public": form.is_public.data,
            "participants_total": form.participants_total.data, "participants_women": form.participants_women.data,
            "participants_youth": form.participants_youth.data,
            "participants_disability": form.participants_disability.data, "attendee_ids": form.attendee_ids.data}


@campaigns_bp.route("/activities/new", methods=["GET", "POST"])
@require("policy.campaigns.edit")
def new_activity():
    form = _activity_form()
    if form.validate_on_submit():
        try:
            activity = services.create_activity(g.tenant.id, **_activity_fields(form))
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Activity saved."), "success")
            return redirect(url_for("campaigns.activity", activity_id=activity.id))
    return render_template("policy_tracker/campaigns/activity_form.html", form=form, activity=None), form_status(form)


@campaigns_bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@require("policy.campaigns.edit")
def edit_activity(activity_id: int):
    activity = services.load_activity(activity_id)
    if activity is None:
        abort(404)
    form = _activity_form(activity)
    if form.validate_on_submit():
        try:
            services.update_activity(activity, **_activity_fields(form))
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Activity saved."), "success")
            return redirect(url_for("campaigns.activity", activity_id=activity.id))
    return render_template("policy_tracker/campaigns/activity_form.html", form=form,
                           activity=activity), form_status(form)


@campaigns_bp.get("/activities/<int:activity_id>")
@require("policy.view")
def activity(activity_id: int):
    activity = services.load_activity(activity_id)
    if activity is None:
        abort(404)
    lang = current_locale()
    attendees = [shown_name(row.contact, lang) for row in activity.attendees]
    return render_template("policy_tracker/campaigns/activity.html", activity=activity, attendees=attendees,
                           lang=lang)


def budget_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


campaigns_bp.add_app_template_filter(budget_text, "policy_budget")
