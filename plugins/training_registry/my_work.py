"""The training registry's part of "My work" on the tenant dashboard (the samaki_my_work hook).

Trainers are contacts, not users, so nothing is assigned to one user: the sessions are the team's
work, shown to whoever may take attendance (training.edit): the sessions of the coming week, and
the sessions of the last 30 days with participants but no attendance recorded yet. Two queries,
each bounded; no participant is named."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import exists, not_, select

from core.extensions import db
from core.i18n import current_locale
from core.permissions import can
from core.plugins import WorkItem
from core.registers.models import name_in_language
from core.tenancy import tenant_scope
from plugins.training_registry.models import (
    Attendance,
    Course,
    CourseKind,
    Enrolment,
    EnrolmentStatus,
    TrainingSession,
)
from core.web import page_url
from plugins.training_registry.reports import tenant_today

UPCOMING_DAYS = 7
UNRECORDED_DAYS = 30
MAX_ITEMS = 10
ATTENDANCE_PERMISSION = "training.edit"


def my_work(tenant, user) -> list[WorkItem]:
    """Sessions to run or to record, soonest first (the overdue records come first), at most ten."""
    if user is None or not can(ATTENDANCE_PERMISSION):
        return []
    locale = current_locale()
    with tenant_scope(tenant.id):
        today = tenant_today(tenant)
        columns = (TrainingSession.id, TrainingSession.title, TrainingSession.starts_on, TrainingSession.start_time,
                   Course.title_en, Course.title_km)
        named = select(*columns).join(Course, Course.id == TrainingSession.course_id).where(
            Course.kind == CourseKind.NAMED)
        order = (TrainingSession.starts_on, TrainingSession.start_time, TrainingSession.id)
        upcoming = db.session.execute(named.where(
            TrainingSession.starts_on >= today, TrainingSession.starts_on <= today + timedelta(days=UPCOMING_DAYS))
            .order_by(*order).limit(MAX_ITEMS)).all()
        has_participants = exists().where(Enrolment.course_id == TrainingSession.course_id,
                                          Enrolment.status != EnrolmentStatus.DROPPED)
        has_attendance = exists().where(Attendance.session_id == TrainingSession.id)
        unrecorded = db.session.execute(named.where(
            TrainingSession.starts_on < today, TrainingSession.starts_on >= today - timedelta(days=UNRECORDED_DAYS),
            has_participants, not_(has_attendance)).order_by(*order).limit(MAX_ITEMS)).all()

    def item(row, note: str) -> WorkItem:
        course = name_in_language(row.title_en, row.title_km, locale)
        title = _("%(session)s · %(course)s", session=row.title, course=course) if row.title else course
        return WorkItem(title=title, url=page_url("training_attendance.take", tenant, session_id=row.id),
                        kind=_("Training session"), due_on=row.starts_on, note=note)

    items = [item(row, _("No attendance recorded")) for row in unrecorded]
    items += [item(row, _("Today") if row.starts_on == today else _("Coming session")) for row in upcoming]
    return items[:MAX_ITEMS]
