"""Small helpers of the calendar, reminder, subscription and feed tests (policy_events task)."""
from __future__ import annotations

from flask_babel import force_locale
from sqlalchemy import select

from core.extensions import db
from core.models import Notification
from core.notifications import render
from core.tenancy import tenant_scope
from plugins.policy_tracker.models import InstrumentType, Law, PolicyStage


def stage(code: str, kind: InstrumentType = InstrumentType.LAW) -> PolicyStage:
    return db.session.scalar(select(PolicyStage).where(PolicyStage.instrument_type == kind, PolicyStage.code == code))


def notifications_of(user) -> list[Notification]:
    return list(db.session.execute(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)).scalars())


def texts_of(user, locale: str = "en") -> list[str]:
    """What the user reads in the app, in `locale`."""
    with force_locale(locale):
        return [render(notification) for notification in notifications_of(user)]


def private_law(tenant, title_en: str = "Our draft commune budget guideline", title_km: str = "") -> Law:
    with tenant_scope(tenant.id):
        law = Law(owner_tenant_id=tenant.id, title_en=title_en, title_km=title_km, instrument_type=InstrumentType.LAW)
        db.session.add(law)
        db.session.commit()
        return law


def khmer(text: str) -> bool:
    return any("\u1780" <= ch <= "\u17ff" for ch in text)
