"""Small helpers of the attendance tests: the screen's addresses, a batch posted as the phone's
script posts it, and the rows a test checks."""
from __future__ import annotations

from sqlalchemy import func, select

from core.extensions import db
from core.tenancy import tenant_scope
from plugins.training_registry.models import Attendance, Enrolment


def screen_url(tenant, session_id: int) -> str:
    return f"/t/{tenant.slug}/training/sessions/{session_id}/attendance"


def sync_url(tenant, session_id: int) -> str:
    return screen_url(tenant, session_id) + "/sync"


def post_batch(client, tenant, session_id: int, taps=(), walk_ins=()):
    return client.post(sync_url(tenant, session_id), json={"taps": list(taps), "walk_ins": list(walk_ins)})


def tap(enrolment_id: int, present: bool = True, key: str | None = None) -> dict:
    return {"key": key or f"tap-{enrolment_id}-{int(present)}", "enrolment_id": enrolment_id, "present": present}


def enrolment_ids(tenant, course) -> list[int]:
    with tenant_scope(tenant.id):
        return list(db.session.scalars(select(Enrolment.id).where(Enrolment.course_id == course.id)
                                       .order_by(Enrolment.id)))


def marks(tenant, session_id: int) -> dict[int, bool]:
    """What the database holds for the session: enrolment id -> present."""
    db.session.expire_all()
    with tenant_scope(tenant.id):
        return dict(db.session.execute(select(Attendance.enrolment_id, Attendance.present)
                                       .where(Attendance.session_id == session_id)).all())


def attendance_rows(tenant, session_id: int) -> int:
    with tenant_scope(tenant.id):
        return db.session.scalar(select(func.count()).select_from(Attendance)
                                 .where(Attendance.session_id == session_id))
