"""The policy tracker's part of "My work" on the tenant dashboard (the samaki_my_work hook).

For the campaigns whose team the user is on (CampaignMember): their activities planned in the next
two weeks, and the events (consultation deadlines, hearings…) of the laws those campaigns follow in
the same weeks, official or the tenant's own. Recommendations have no date by which an outcome is
expected, so pending ones are not listed. Two queries, each bounded; no person is named."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from core.extensions import db
from core.i18n import current_locale
from core.permissions import can
from core.plugins import WorkItem
from core.tenancy import tenant_scope
from plugins.policy_tracker.events import events_query
from plugins.policy_tracker.models import (
    Activity,
    Campaign,
    CampaignLaw,
    CampaignMember,
    CampaignStatus,
    LawEvent,
)
from core.web import page_url
from plugins.policy_tracker.reports import tenant_today

DUE_DAYS = 14
MAX_ITEMS = 10


def my_work(tenant, user) -> list[WorkItem]:
    """The user's campaigns' coming activities and law events, soonest first, at most ten."""
    if user is None or getattr(user, "id", None) is None or not can("policy.view"):
        return []
    locale = current_locale()
    with tenant_scope(tenant.id):
        today = tenant_today(tenant)
        last = today + timedelta(days=DUE_DAYS)
        mine = (select(CampaignMember.campaign_id).join(Campaign, Campaign.id == CampaignMember.campaign_id)
                .where(CampaignMember.user_id == user.id, Campaign.status != CampaignStatus.CLOSED))
        activities = db.session.execute(
            select(Activity.id, Activity.title, Activity.kind, Activity.occurred_on, Campaign.title.label("campaign"))
            .join(Campaign, Campaign.id == Activity.campaign_id)
            .where(Activity.campaign_id.in_(mine), Activity.occurred_on >= today, Activity.occurred_on <= last)
            .order_by(Activity.occurred_on, Activity.id).limit(MAX_ITEMS)).all()
        events = list(db.session.execute(
            events_query(tenant.id).where(
                LawEvent.law_id.in_(select(CampaignLaw.law_id).where(CampaignLaw.campaign_id.in_(mine))),
                LawEvent.starts_on >= today, LawEvent.starts_on <= last)
            .order_by(LawEvent.starts_on, LawEvent.id).limit(MAX_ITEMS)).unique().scalars())
        items = [WorkItem(title=_("%(activity)s · %(campaign)s", activity=row.title, campaign=row.campaign),
                          url=page_url("campaigns.activity", tenant, activity_id=row.id),
                          kind=_("Campaign activity"), due_on=row.occurred_on, note=str(row.kind.label))
                 for row in activities]
        for event in events:
            law = event.law.short_name or event.law.title_in(locale) if event.law else ""
            items.append(WorkItem(
                title=_("%(event)s · %(law)s", event=event.title_in(locale), law=law) if law else event.title_in(locale),
                url=page_url("laws.detail", tenant, law_id=event.law_id) if event.law_id
                else page_url("policy_calendar.index", tenant),
                kind=_("Policy event"), due_on=event.starts_on, note=str(event.kind.label)))
    return sorted(items, key=lambda item: item.due_on)[:MAX_ITEMS]
