"""Due-soon and overdue reminders to each request's assignee, through the core notification
service, run daily by the core job runner (`samaki_jobs`)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core.extensions import db
from core.models import Tenant
from core.notifications import notify
from core.tenancy import tenant_scope
from plugins.a2i_requests import services, webhooks
from plugins.a2i_requests.models import InfoRequest, ReminderSent

DUE_SOON = _l("%(reference)s (%(subject)s) is due on %(due_on)s.")
OVERDUE = _l("%(reference)s (%(subject)s) is overdue: it was due on %(due_on)s.")
DUE_SOON_WORKING_DAYS = 2
WEBHOOK_OVERDUE = "webhook_overdue"   # a ReminderSent kind: the deadline_passed webhook event was queued


def _already_sent(kinds_by_request: set, req: InfoRequest, kind: str) -> bool:
    return (req.id, kind, req.due_on) in kinds_by_request


def remind_tenant(tenant: Tenant, now: datetime) -> int:
    """Send this tenant's reminders that are not yet sent; returns how many were sent."""
    sent = 0
    today = now.astimezone(ZoneInfo(tenant.timezone)).date()
    with tenant_scope(tenant.id):
        calendar = services.calendar_for(tenant.id)
        batches = (("due_soon", DUE_SOON, services.due_soon(today, DUE_SOON_WORKING_DAYS, calendar=calendar)),
                   ("overdue", OVERDUE, services.overdue_requests(today)))
        done = set(db.session.execute(select(ReminderSent.request_id, ReminderSent.kind, ReminderSent.due_on)).all())
        for kind, message, query in batches:
            for req in db.session.execute(query.where(InfoRequest.assignee_id.is_not(None))
                                          .options(joinedload(InfoRequest.assignee))).scalars():
                if _already_sent(done, req, kind):
                    continue
                notify([req.assignee], tenant, message,
                       {"reference": req.reference, "subject": req.subject, "due_on": req.due_on.isoformat()},
                       url=f"/t/{tenant.slug}/a2i/requests/{req.id}")
                db.session.add(ReminderSent(request_id=req.id, kind=kind, due_on=req.due_on))
                sent += 1
        # Webhooks hear of every overdue request (assigned or not), once per due date.
        for req in db.session.execute(services.overdue_requests(today)).scalars():
            if not _already_sent(done, req, WEBHOOK_OVERDUE):
                webhooks.deadline_passed(req)
                db.session.add(ReminderSent(request_id=req.id, kind=WEBHOOK_OVERDUE, due_on=req.due_on))
        db.session.commit()
    return sent


def send_reminders(now: datetime) -> int:
    """The daily job: every active tenant that has the module switched on."""
    tenants = db.session.execute(select(Tenant).where(Tenant.is_active)).scalars().all()
    return sum(remind_tenant(tenant, now) for tenant in tenants if tenant.plugin_enabled("a2i_requests"))
