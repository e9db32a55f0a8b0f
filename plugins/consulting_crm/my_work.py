"""The consulting CRM's part of "My work" on the tenant dashboard (the samaki_my_work hook).

What the user owns and is due within a fortnight or overdue: the submission deadlines of their
open opportunities, and the deliverables not yet submitted or accepted of the active engagements
won from their opportunities (an engagement has no owner of its own: it is the opportunity
owner's). Two queries, each bounded; clients are not named, only titles."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from core.extensions import db
from core.permissions import can
from core.plugins import WorkItem
from core.tenancy import tenant_scope
from core.web import page_url
from plugins.consulting_crm.figures import tenant_today
from plugins.consulting_crm.models import (
    Deliverable,
    DeliverableStatus,
    Engagement,
    EngagementStatus,
    Opportunity,
    Stage,
    StageOutcome,
)

DUE_DAYS = 14
MAX_ITEMS = 10
# Deliverables still to hand in: submitted ones wait for the client, accepted ones are done.
TO_DELIVER = (DeliverableStatus.PLANNED, DeliverableStatus.REJECTED)


def my_work(tenant, user) -> list[WorkItem]:
    """The user's deadlines, soonest (most overdue) first, at most ten."""
    if user is None or getattr(user, "id", None) is None or not can("consulting.view"):
        return []
    with tenant_scope(tenant.id):
        today = tenant_today(tenant)
        last = today + timedelta(days=DUE_DAYS)
        opportunities = db.session.execute(
            select(Opportunity.id, Opportunity.title, Opportunity.call_reference, Opportunity.submission_due_on)
            .join(Stage, Stage.id == Opportunity.stage_id)
            .where(Opportunity.owner_id == user.id, Stage.outcome == StageOutcome.OPEN,
                   Opportunity.submission_due_on <= last)
            .order_by(Opportunity.submission_due_on, Opportunity.id).limit(MAX_ITEMS)).all()
        deliverables = db.session.execute(
            select(Deliverable.id, Deliverable.title, Deliverable.due_on, Deliverable.status,
                   Engagement.id.label("engagement_id"), Engagement.title.label("engagement"))
            .join(Engagement, Engagement.id == Deliverable.engagement_id)
            .join(Opportunity, Opportunity.id == Engagement.opportunity_id)
            .where(Opportunity.owner_id == user.id, Engagement.status == EngagementStatus.ACTIVE,
                   Deliverable.status.in_(TO_DELIVER), Deliverable.due_on <= last)
            .order_by(Deliverable.due_on, Deliverable.id).limit(MAX_ITEMS)).all()

    items = [WorkItem(title=_("%(reference)s · %(title)s", reference=row.call_reference, title=row.title)
                      if row.call_reference else row.title,
                      url=page_url("consulting_opportunities.detail", tenant, opportunity_id=row.id),
                      kind=_("Opportunity"), due_on=row.submission_due_on,
                      note=_("Submission overdue") if row.submission_due_on < today else _("Submission due"))
             for row in opportunities]
    for row in deliverables:
        if row.due_on < today:
            note = _("Overdue")
        elif row.status is DeliverableStatus.REJECTED:
            note = _("Rejected: hand in again")
        else:
            note = _("Due")
        items.append(WorkItem(title=_("%(deliverable)s · %(engagement)s", deliverable=row.title,
                                      engagement=row.engagement),
                              url=page_url("consulting_engagements.detail", tenant, engagement_id=row.engagement_id),
                              kind=_("Deliverable"), due_on=row.due_on, note=note))
    return sorted(items, key=lambda item: item.due_on)[:MAX_ITEMS]
