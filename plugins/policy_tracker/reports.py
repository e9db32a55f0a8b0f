"""Figures of the policy tracker: the dashboard card (next deadlines, latest stage changes) and the
results-framework indicators (laws with CSO input, recommendations taken up, active campaigns,
campaign activities with the share of women)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased, joinedload

from core.web import page_url
from core.disaggregation import NO, UNKNOWN, YES
from core.periods import period_bounds
from core.extensions import db
from core.i18n import current_locale
from core.models import Tenant
from core.permissions import can
from core.plugins import Indicator, Widget
from core.registers.models import Place, PlaceKind, Sex
from core.tenancy import tenant_scope
from plugins.policy_tracker.models import (Activity, Campaign, CampaignStatus, CoSubmitter, Law, LawEvent, Outcome,
                                           Recommendation, StageChange)

DEADLINE_DAYS = 30
WIDGET_SIZE = 5


def tenant_today(tenant: Tenant) -> date:
    return tenant.today()


def _visible_to(model, tenant_id: int):
    """Official rows (owner NULL) and the tenant's own private ones."""
    return or_(model.owner_tenant_id.is_(None), model.owner_tenant_id == tenant_id)


# --- dashboard ---------------------------------------------------------------------------------------

def next_deadlines(tenant: Tenant, today: date, limit: int = WIDGET_SIZE) -> list[LawEvent]:
    """Upcoming events in the next DEADLINE_DAYS days: official ones and the tenant's own."""
    return list(db.session.execute(
        select(LawEvent).where(_visible_to(LawEvent, tenant.id), LawEvent.starts_on >= today,
                               LawEvent.starts_on <= today + timedelta(days=DEADLINE_DAYS))
        .options(joinedload(LawEvent.law)).order_by(LawEvent.starts_on, LawEvent.id).limit(limit)).scalars())


def latest_stage_changes(tenant: Tenant, limit: int = WIDGET_SIZE) -> list[StageChange]:
    """The last stage changes on the laws the tenant sees (official, and its private entries)."""
    return list(db.session.execute(
        select(StageChange).join(Law, Law.id == StageChange.law_id).where(_visible_to(Law, tenant.id))
        .options(joinedload(StageChange.law), joinedload(StageChange.stage))
        .order_by(StageChange.occurred_on.desc(), StageChange.id.desc()).limit(limit)).scalars())


def dashboard_widgets(tenant, user) -> list[Widget]:
    """One light card: next deadlines and latest stage changes (two queries)."""
    if not can("policy.view"):
        return []
    locale = current_locale()
    with tenant_scope(tenant.id):
        today = tenant_today(tenant)
        deadlines = [{"on": event.starts_on, "title": event.title_in(locale), "kind": event.kind.label,
                      "law": event.law.short_name or event.law.title_in(locale) if event.law else "",
                      "days": (event.starts_on - today).days}
                     for event in next_deadlines(tenant, today)]
        changes = [{"on": change.occurred_on, "law": change.law.short_name or change.law.title_in(locale),
                    "stage": change.stage.name_in(locale), "is_demo": change.law.is_demo}
                   for change in latest_stage_changes(tenant)]
    context = {"deadlines": deadlines, "changes": changes, "days": DEADLINE_DAYS,
               "laws_url": page_url("laws.index", tenant), "calendar_url": page_url("policy_calendar.index", tenant)}
    return [Widget(_l("Laws and policies"), "policy_tracker/widgets/policy_card.html", context, order=30)]




# --- indicators --------------------------------------------------------------------------------------

def indicators(tenant, period) -> list[Indicator]:
    """The policy tracker's figures for the period, each with a link to the page listing what is
    counted, filtered to the period: the recommendations submitted, the "taken up" summary, the
    active campaigns and the campaign activities. Participants of campaign activities are broken
    down by sex, youth, disability and province (ActivityFigures.breakdown); the women's share has
    no breakdown of its own (cells of a percentage do not add up), its participants' is on
    policy.campaign_participants."""
    start, end = period_bounds(period)
    dates = {"date_from": start.isoformat(), "date_to": end.isoformat()}
    view = "policy.view"
    with tenant_scope(tenant.id):
        activities = campaign_activity_figures(tenant.id, start, end)
        activity_url = page_url("campaigns.activities", tenant, of_campaigns="1", **dates)
        taken_up_url = page_url("campaigns.taken_up", tenant, **dates)
        return [
            Indicator("policy.laws_with_cso_input", _l("Laws with CSO input submitted"),
                      laws_with_input(tenant.id, start, end), unit=_("laws"),
                      url=page_url("campaigns.recommendations", tenant, **dates), permission=view),
            Indicator("policy.recommendations_adopted", _l("Recommendations adopted in full"),
                      recommendations_with_outcome(tenant.id, start, end, Outcome.ADOPTED), unit=_("recommendations"),
                      url=taken_up_url, permission=view),
            Indicator("policy.recommendations_partly_adopted", _l("Recommendations partly adopted"),
                      recommendations_with_outcome(tenant.id, start, end, Outcome.PARTLY_ADOPTED),
                      unit=_("recommendations"), url=taken_up_url, permission=view),
            Indicator("policy.active_campaigns", _l("Active advocacy campaigns"),
                      active_campaigns(tenant.id, start, end), unit=_("campaigns"),
                      url=page_url("campaigns.index", tenant, status=CampaignStatus.ACTIVE.value, **dates),
                      permission=view),
            Indicator("policy.campaign_activities", _l("Campaign activities"), activities.activities,
                      unit=_("activities"), url=activity_url, permission=view),
            Indicator("policy.campaign_participants", _l("Participants in campaign activities"),
                      activities.participants, unit=_("people"), breakdown=activities.breakdown, url=activity_url,
                      permission=view),
            Indicator("policy.campaign_activities_women", _l("Women among campaign activity participants"),
                      women_percent(activities.participants, activities.women), unit="%", url=activity_url,
                      permission=view),
        ]


def _ours(tenant_id: int):
    """Recommendations the tenant submitted: recorded by it, or jointly with it as a co-submitter.
    A joint submission is one row, so it is counted once whoever counts."""
    return or_(Recommendation.tenant_id == tenant_id,
               Recommendation.id.in_(select(CoSubmitter.recommendation_id)
                                     .where(CoSubmitter.partner_tenant_id == tenant_id)))


def _count(statement) -> int:
    # Explicitly across tenants: a partner's joint recommendation counts for every co-submitter,
    # and only ids are read (the WHERE clause names the tenant).
    return db.session.execute(statement.execution_options(samaki_unscoped=True)).scalar_one() or 0


def laws_with_input(tenant_id: int, start: date, end: date) -> int:
    return _count(select(func.count(func.distinct(Recommendation.law_id))).where(
        _ours(tenant_id), Recommendation.submitted_on >= start, Recommendation.submitted_on <= end))


def recommendations_with_outcome(tenant_id: int, start: date, end: date, outcome: Outcome) -> int:
    return _count(select(func.count(Recommendation.id)).where(
        _ours(tenant_id), Recommendation.outcome == outcome,
        Recommendation.outcome_on >= start, Recommendation.outcome_on <= end))


def active_campaigns(tenant_id: int, start: date, end: date) -> int:
    """Active campaigns whose period (when given) overlaps the period."""
    return db.session.execute(select(func.count(Campaign.id)).where(
        Campaign.tenant_id == tenant_id, Campaign.status == CampaignStatus.ACTIVE,
        or_(Campaign.starts_on.is_(None), Campaign.starts_on <= end),
        or_(Campaign.ends_on.is_(None), Campaign.ends_on >= start))).scalar_one()


def campaign_activities(tenant_id: int, start: date, end: date) -> tuple[int, int, int]:
    """(activities, participants, of whom women) for campaign activities in the period."""
    figures = campaign_activity_figures(tenant_id, start, end)
    return figures.activities, figures.participants, figures.women


@dataclass
class ActivityFigures:
    """Campaign activities of a period and their participants (the counts recorded on each)."""

    activities: int = 0
    participants: int = 0
    women: int = 0
    youth: int = 0
    disability: int = 0
    by_province: dict = field(default_factory=dict)       # province code (or "unknown") -> participants

    @property
    def breakdown(self) -> dict:
        """The participants by sex, youth, disability and province. An activity records how many
        were women, youth and persons with disabilities: the others count as "no" for youth and
        disability (as recorded totals do in the training report) and as sex not recorded, since
        they may be men or people of another sex. Each dimension adds up to the participants."""
        found = {
            "sex": {Sex.FEMALE.value: self.women, Sex.NOT_RECORDED.value: self.participants - self.women},
            "youth": {YES: self.youth, NO: self.participants - self.youth},
            "disability": {YES: self.disability, NO: self.participants - self.disability},
            "province": dict(self.by_province),
        }
        return {dimension: {cell: count for cell, count in cells.items() if count}
                for dimension, cells in found.items()}


def campaign_activity_figures(tenant_id: int, start: date, end: date) -> ActivityFigures:
    """The campaign activities that took place in the period, with their participants by the
    province of the activity's place (two queries: sums per place, then those places' provinces)."""
    rows = db.session.execute(select(
        Activity.place_id, func.count(Activity.id), func.coalesce(func.sum(Activity.participants_total), 0),
        func.coalesce(func.sum(Activity.participants_women), 0),
        func.coalesce(func.sum(Activity.participants_youth), 0),
        func.coalesce(func.sum(Activity.participants_disability), 0)).where(
        Activity.tenant_id == tenant_id, Activity.campaign_id.is_not(None),
        Activity.occurred_on >= start, Activity.occurred_on <= end).group_by(Activity.place_id)).all()
    province_codes = _province_codes({row[0] for row in rows if row[0] is not None})
    figures = ActivityFigures()
    for place_id, count, total, women, youth, disability in rows:
        figures.activities += int(count)
        figures.participants += int(total)
        figures.women += int(women)
        figures.youth += int(youth)
        figures.disability += int(disability)
        code = province_codes.get(place_id, UNKNOWN)
        figures.by_province[code] = figures.by_province.get(code, 0) + int(total)
    return figures


def _province_codes(place_ids: set[int]) -> dict[int, str]:
    """The code of the province each place lies in (itself for a province); one query."""
    if not place_ids:
        return {}
    province = aliased(Place)
    rows = db.session.execute(
        select(Place.id, Place.code, Place.kind, province.code)
        .outerjoin(province, province.id == Place.province_id).where(Place.id.in_(place_ids))).all()
    found = {}
    for place_id, code, kind, province_code in rows:
        if kind == PlaceKind.PROVINCE:
            found[place_id] = code
        elif province_code:
            found[place_id] = province_code
    return found


def women_percent(total: int, women: int) -> float:
    return round(100 * women / total, 1) if total else 0.0


