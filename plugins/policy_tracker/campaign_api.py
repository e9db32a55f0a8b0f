"""The campaigns JSON API under /api/v1/t/<tenant>/policy/: campaigns, recommendations (with their
outcome and the "taken up" counts) and activities. Same rules as the pages (plugins/policy_tracker/
campaigns.py): DomainError -> 422 naming the field, writes audited on flush, PATCH needs If-Match.
A stakeholder's or attendee's identity never goes beyond the name shown_name allows; strategy notes
and budget are null (and refused on input) without policy.campaigns.strategy."""
from __future__ import annotations

from typing import Any

from flask import abort, g
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.api import ApiBlueprint, refuse
from core.api.lists import paginate
from core.errors import DomainError
from core.extensions import db
from core.i18n import current_locale
from core.permissions import can, require
from core.registers.protection import shown_name
from plugins.policy_tracker import campaigns as services
from plugins.policy_tracker.campaign_schemas import (ActivityPatchSchema, CampaignPatchSchema, RecommendationPatchSchema,
                                                     ActivityDetailSchema, ActivityListArgs, ActivityPage,
                                                     ActivityWriteSchema, CampaignDetailSchema, CampaignListArgs,
                                                     CampaignPage, CampaignWriteSchema, OutcomeSchema,
                                                     RecommendationListArgs, RecommendationPage,
                                                     RecommendationSchema, RecommendationWriteSchema, TakenUpArgs,
                                                     TakenUpSchema)
from plugins.policy_tracker.models import Activity, Campaign, Recommendation

campaigns_api = ApiBlueprint("policy_campaigns_api", __name__, path="policy",
                             description="Campaigns, recommendations and activities.")


# --- campaigns ----------------------------------------------------------------------------------------

def _campaign_item(campaign: Campaign) -> dict[str, Any]:
    return {name: getattr(campaign, name) for name in ("id", "title", "goal", "status", "project_id",
                                                       "starts_on", "ends_on")}


def campaign_view(campaign: Campaign) -> dict[str, Any]:
    lang = current_locale()
    strategy = can(services.STRATEGY_PERMISSION)
    view = _campaign_item(campaign)
    view.update(law_ids=[row.law_id for row in campaign.laws],
                institution_ids=[row.institution_id for row in campaign.targets],
                team=[{"id": row.user_id, "name": row.user.name or row.user.email} for row in campaign.team],
                stakeholders=[{"contact_id": row.contact_id, "name": shown_name(row.contact, lang, reveal=False),
                               "role": row.role} for row in campaign.stakeholders],
                strategy_notes=campaign.strategy_notes if strategy else None,
                budget=(None if campaign.budget is None else str(campaign.budget)) if strategy else None)
    return view


def _campaign(campaign_id: int) -> Campaign:
    campaign = services.load_campaign(campaign_id)
    if campaign is None:
        abort(404)
    return campaign


def _strategy_refused(data: dict) -> None:
    if not can(services.STRATEGY_PERMISSION):
        refused = [name for name in services.STRATEGY_FIELDS if name in data]
        if refused:
            refuse({name: [_("Only managers may see and change strategy notes and budgets.")]
                      for name in refused})


def _write_campaign(campaign: Campaign | None, data: dict) -> Campaign:
    _strategy_refused(data)
    links = {name: data.pop(name) for name in ("law_ids", "institution_ids", "team_user_ids", "stakeholders")
             if name in data}
    try:
        if campaign is None:
            campaign = services.create_campaign(g.tenant.id, **data)
            links.setdefault("team_user_ids", [current_user.id])
        else:
            services.update_campaign(campaign, **data)
        if "law_ids" in links:
            services.set_campaign_laws(campaign, links["law_ids"])
        if "institution_ids" in links:
            services.set_campaign_targets(campaign, links["institution_ids"])
        if "team_user_ids" in links:
            services.set_campaign_team(campaign, links["team_user_ids"])
        if "stakeholders" in links:
            services.set_stakeholders(campaign, [(row["contact_id"], row.get("role", ""))
                                                 for row in links["stakeholders"]])
        db.session.flush()
    except DomainError as error:
        refuse(error, "title", {"user_ids": "team_user_ids"})
    db.session.commit()
    return campaign


@campaigns_api.route("/campaigns/")
class Campaigns(MethodView):
    @require("policy.view")
    @campaigns_api.arguments(CampaignListArgs, location="query")
    @campaigns_api.response(200, CampaignPage)
    def get(self, args):
        """List the organisation's campaigns (newest first unless sorted)."""
        query = services.campaign_list_query(q=args.get("q"), status=args.get("status"), law_id=args.get("law_id"),
                                             project_id=args.get("project_id")).order_by(None)
        page = paginate(query, args, {"title": Campaign.title, "starts_on": Campaign.starts_on},
                        (Campaign.id.desc(),))
        page["items"] = [_campaign_item(campaign) for campaign in page["items"]]
        return page

    @require("policy.campaigns.edit")
    @campaigns_api.arguments(CampaignWriteSchema)
    @campaigns_api.response(201, CampaignDetailSchema)
    def post(self, data):
        """Start a campaign; the token's user joins its team unless team_user_ids is given."""
        campaign = _write_campaign(None, data)
        return campaign_view(_campaign(campaign.id))


@campaigns_api.route("/campaigns/<int:campaign_id>")
class CampaignById(MethodView):
    @require("policy.view")
    @campaigns_api.etag
    @campaigns_api.response(200, CampaignDetailSchema)
    def get(self, campaign_id):
        """One campaign with its laws, targets, team and stakeholders (names as the reader may see them)."""
        return campaign_view(_campaign(campaign_id))

    @require("policy.campaigns.edit")
    @campaigns_api.etag
    @campaigns_api.arguments(CampaignPatchSchema(partial=True))
    @campaigns_api.response(200, CampaignDetailSchema)
    def patch(self, data, campaign_id):
        """Change a campaign; lists given (law_ids, institution_ids, team_user_ids, stakeholders) replace
        the current ones. Send If-Match with the ETag you read."""
        campaign = _campaign(campaign_id)
        campaigns_api.check_etag(campaign_view(campaign), CampaignDetailSchema)
        _write_campaign(campaign, data)
        db.session.expire_all()
        return campaign_view(_campaign(campaign_id))


# --- recommendations ----------------------------------------------------------------------------------

def recommendation_view(rec: Recommendation) -> dict[str, Any]:
    view = {name: getattr(rec, name) for name in (
        "id", "law_id", "version_id", "article", "campaign_id", "text_en", "text_km", "submitted_to_id",
        "submitted_on", "outcome", "outcome_on", "outcome_evidence")}
    view["partner_tenant_ids"] = sorted(row.partner_tenant_id for row in rec.co_submitters if row.partner_tenant_id)
    view["organisation_ids"] = sorted(row.organisation_id for row in rec.co_submitters if row.organisation_id)
    return view


def _recommendation(rec_id: int) -> Recommendation:
    rec = services.load_recommendation(rec_id)
    if rec is None:
        abort(404)
    return rec


def _write_recommendation(rec: Recommendation | None, data: dict) -> Recommendation:
    try:
        if rec is None:
            rec = services.create_recommendation(g.tenant.id, actor=current_user, **data)
        else:
            services.update_recommendation(rec, **data)
        db.session.flush()
    except DomainError as error:
        refuse(error, "law_id")
    db.session.commit()
    return rec


@campaigns_api.route("/recommendations/")
class Recommendations(MethodView):
    @require("policy.view")
    @campaigns_api.arguments(RecommendationListArgs, location="query")
    @campaigns_api.response(200, RecommendationPage)
    def get(self, args):
        """The organisation's own recommendations (joint ones once, with their co-submitters)."""
        query = services.recommendation_list_query(**{name: args.get(name) for name in (
            "law_id", "campaign_id", "outcome", "date_from", "date_to", "q")}).order_by(None)
        page = paginate(query, args, {"submitted_on": Recommendation.submitted_on,
                                      "outcome_on": Recommendation.outcome_on}, (Recommendation.id.desc(),))
        ids = [rec.id for rec in page["items"]]
        if ids:   # co-submitters of the whole page in one query
            from sqlalchemy.orm import selectinload
            db.session.execute(select(Recommendation).where(Recommendation.id.in_(ids)).options(
                selectinload(Recommendation.co_submitters))).scalars().all()
        page["items"] = [recommendation_view(rec) for rec in page["items"]]
        return page

    @require("policy.campaigns.edit")
    @campaigns_api.arguments(RecommendationWriteSchema)
    @campaigns_api.response(201, RecommendationSchema)
    def post(self, data):
        """Record a recommendation; a joint submission names its co-submitters and stays one."""
        rec = _write_recommendation(None, data)
        return recommendation_view(_recommendation(rec.id))


@campaigns_api.route("/recommendations/<int:rec_id>")
class RecommendationById(MethodView):
    @require("policy.view")
    @campaigns_api.etag
    @campaigns_api.response(200, RecommendationSchema)
    def get(self, rec_id):
        """One of the organisation's own recommendations."""
        return recommendation_view(_recommendation(rec_id))

    @require("policy.campaigns.edit")
    @campaigns_api.etag
    @campaigns_api.arguments(RecommendationPatchSchema(partial=True))
    @campaigns_api.response(200, RecommendationSchema)
    def patch(self, data, rec_id):
        """Change a recommendation (not its outcome: POST …/outcome). Send If-Match with the ETag you read."""
        rec = _recommendation(rec_id)
        campaigns_api.check_etag(recommendation_view(rec), RecommendationSchema)
        _write_recommendation(rec, data)
        db.session.expire_all()
        return recommendation_view(_recommendation(rec_id))


@campaigns_api.route("/recommendations/<int:rec_id>/outcome")
class RecommendationOutcome(MethodView):
    @require("policy.campaigns.edit")
    @campaigns_api.arguments(OutcomeSchema)
    @campaigns_api.response(200, RecommendationSchema)
    def post(self, data, rec_id):
        """Decide the outcome: adopted, partly adopted or rejected need outcome_on and outcome_evidence."""
        rec = _recommendation(rec_id)
        try:
            services.decide_outcome(rec, data["outcome"], on=data["outcome_on"], evidence=data["outcome_evidence"])
        except DomainError as error:
            refuse(error, "outcome")
        db.session.commit()
        return recommendation_view(_recommendation(rec_id))


@campaigns_api.route("/recommendations/taken-up")
class TakenUp(MethodView):
    @require("policy.view")
    @campaigns_api.arguments(TakenUpArgs, location="query")
    @campaigns_api.response(200, TakenUpSchema)
    def get(self, args):
        """How many of the organisation's recommendations (own and co-submitted, each once) ended in
        each outcome, for a law, a campaign and a period."""
        period = (args.get("date_from"), args.get("date_to")) if (args.get("date_from") or args.get("date_to")) \
            else None
        counts = services.recommendations_taken_up(law_id=args.get("law_id"), campaign_id=args.get("campaign_id"),
                                                   period=period)
        return {outcome.value: number for outcome, number in counts.items()}


# --- activities ---------------------------------------------------------------------------------------

ACTIVITY_COLUMNS = ("id", "kind", "title", "occurred_on", "campaign_id", "place_id", "summary", "is_public",
                    "participants_total", "participants_women", "participants_youth", "participants_disability")


def activity_view(activity: Activity) -> dict[str, Any]:
    lang = current_locale()
    view = {name: getattr(activity, name) for name in ACTIVITY_COLUMNS}
    view["attendees"] = [{"id": row.contact_id, "name": shown_name(row.contact, lang, reveal=False)}
                         for row in activity.attendees]
    return view


def _activity(activity_id: int) -> Activity:
    activity = services.load_activity(activity_id)
    if activity is None:
        abort(404)
    return activity


def _write_activity(activity: Activity | None, data: dict) -> Activity:
    try:
        if activity is None:
            activity = services.create_activity(g.tenant.id, **data)
        else:
            services.update_activity(activity, **data)
        db.session.flush()
    except DomainError as error:
        refuse(error, "title")
    db.session.commit()
    return activity


@campaigns_api.route("/activities/")
class Activities(MethodView):
    @require("policy.view")
    @campaigns_api.arguments(ActivityListArgs, location="query")
    @campaigns_api.response(200, ActivityPage)
    def get(self, args):
        """The organisation's campaign activities (newest first unless sorted)."""
        query = services.activity_list_query(**{name: args.get(name) for name in (
            "campaign_id", "kind", "date_from", "date_to", "q")}).order_by(None)
        page = paginate(query, args, {"occurred_on": Activity.occurred_on, "title": Activity.title},
                        (Activity.occurred_on.desc(), Activity.id.desc()))
        page["items"] = [{name: getattr(activity, name) for name in ACTIVITY_COLUMNS} for activity in page["items"]]
        return page

    @require("policy.campaigns.edit")
    @campaigns_api.arguments(ActivityWriteSchema)
    @campaigns_api.response(201, ActivityDetailSchema)
    def post(self, data):
        """Record an activity; women, youth and persons with disabilities cannot exceed the total."""
        activity = _write_activity(None, data)
        return activity_view(_activity(activity.id))


@campaigns_api.route("/activities/<int:activity_id>")
class ActivityById(MethodView):
    @require("policy.view")
    @campaigns_api.etag
    @campaigns_api.response(200, ActivityDetailSchema)
    def get(self, activity_id):
        """One activity with its attendees (names as the reader may see them)."""
        return activity_view(_activity(activity_id))

    @require("policy.campaigns.edit")
    @campaigns_api.etag
    @campaigns_api.arguments(ActivityPatchSchema(partial=True))
    @campaigns_api.response(200, ActivityDetailSchema)
    def patch(self, data, activity_id):
        """Change an activity. Send If-Match with the ETag you read."""
        activity = _activity(activity_id)
        campaigns_api.check_etag(activity_view(activity), ActivityDetailSchema)
        _write_activity(activity, data)
        db.session.expire_all()
        return activity_view(_activity(activity_id))

