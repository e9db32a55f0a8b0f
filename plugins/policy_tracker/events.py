"""Dated events of the policy calendar (consultation deadlines, hearings, workshops, A2I Day): official
ones (everyone's, written by operators and conveners) and each tenant's own. Services without Flask
views: they take plain arguments and raise DomainError."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import joinedload

from core.errors import DomainError
from core.extensions import db
from core.models import Tenant, User
from plugins.policy_tracker.models import (
    EventKind,
    GroupLaw,
    Law,
    LawEvent,
    official_edit,
)

MAX_REMIND_DAYS = 60
MAX_WINDOW_DAYS = 366
EDITABLE_FIELDS = ("law_id", "kind", "title_en", "title_km", "starts_on", "place_text", "is_private",
                   "remind_days_before")


def tenant_today(tenant: Tenant | None, now: datetime | None = None) -> date:
    """Today in the tenant's time zone (the instance's for official rows)."""
    now = now or datetime.now(tz=ZoneInfo("UTC"))
    zone = ZoneInfo(tenant.timezone if tenant is not None else "Asia/Phnom_Penh")
    return now.astimezone(zone).date()


# --- who may write official rows ----------------------------------------------------------------------

def may_edit_official(user: User | None, law: Law | None) -> bool:
    """Official events: the laws module's rule for the event's law (operators and conveners of a group
    that follows it); an official event of no law only by instance operators."""
    from plugins.policy_tracker import services
    if law is None:
        return services.is_operator(user)
    return law.is_official and services.may_edit_official(user, law)


def changeable(tenant_id: int, user: User | None):
    """A test `event -> bool` for a list page: which events the user may change, with a constant number
    of queries (the organisation's own events; official ones of laws followed by groups it convenes)."""
    from plugins.policy_tracker import services
    operator = services.is_operator(user)
    group_ids = [group.id for group in services.convened_groups(user)] if not operator else []
    law_ids = set(db.session.execute(select(GroupLaw.law_id).where(GroupLaw.group_id.in_(group_ids))).scalars()
                  ) if group_ids else set()

    def may(event: LawEvent) -> bool:
        if not event.is_official:
            return event.owner_tenant_id == tenant_id
        return operator or (event.law_id in law_ids and event.law is not None and event.law.is_official)
    return may


# --- reading ---------------------------------------------------------------------------------------

def visible_laws_query(tenant_id: int) -> Select:
    return select(Law).where(or_(Law.owner_tenant_id.is_(None), Law.owner_tenant_id == tenant_id))


def get_visible_law(tenant_id: int, law_id: int | None) -> Law | None:
    if law_id is None:
        return None
    return db.session.execute(visible_laws_query(tenant_id).where(Law.id == law_id)).scalar_one_or_none()


def law_choices(tenant_id: int, locale: str) -> list[tuple[int, str]]:
    laws = db.session.execute(visible_laws_query(tenant_id).order_by(Law.title_en, Law.id)).scalars()
    return [(law.id, law.title_in(locale)) for law in laws]


def events_query(tenant_id: int, *, include_private: bool = True) -> Select:
    """Official events and the tenant's own (never another tenant's), with their law."""
    query = select(LawEvent).options(joinedload(LawEvent.law)).where(
        or_(LawEvent.owner_tenant_id.is_(None), LawEvent.owner_tenant_id == tenant_id))
    if not include_private:
        query = query.where(or_(LawEvent.owner_tenant_id.is_(None), LawEvent.is_private == false()))
    # An event of another tenant's private law is never shown, even an official one could not be attached.
    return query.outerjoin(Law, Law.id == LawEvent.law_id).where(
        or_(LawEvent.law_id.is_(None), Law.owner_tenant_id.is_(None), Law.owner_tenant_id == tenant_id))


def upcoming_events(tenant: Tenant, user: User | None = None, days: int = 60, *, today: date | None = None,
                    law_id: int | None = None, include_private: bool = True,
                    from_date: date | None = None, to_date: date | None = None) -> list[LawEvent]:
    """Events from today (or `from_date`) for `days` days (or to `to_date`), soonest first:
    official ones and the tenant's own, never another tenant's."""
    start = from_date or today or tenant_today(tenant)
    end = to_date or start + timedelta(days=max(0, min(days, MAX_WINDOW_DAYS)))
    query = events_query(tenant.id, include_private=include_private).where(
        LawEvent.starts_on >= start, LawEvent.starts_on <= end)
    if law_id is not None:
        query = query.where(LawEvent.law_id == law_id)
    return list(db.session.execute(query.order_by(LawEvent.starts_on, LawEvent.id)).unique().scalars())


def get_event(tenant_id: int, event_id: int) -> LawEvent | None:
    return db.session.execute(events_query(tenant_id).where(LawEvent.id == event_id)).unique().scalar_one_or_none()


# --- writing -----------------------------------------------------------------------------------------

def _clean(tenant_id: int, fields: dict) -> dict:
    """Validated event columns, or a DomainError naming the field at fault (nothing written)."""
    cleaned = {name: fields[name] for name in EDITABLE_FIELDS if name in fields}
    if "title_en" in cleaned:
        cleaned["title_en"] = (cleaned["title_en"] or "").strip()
        if not cleaned["title_en"]:
            raise DomainError(_l("Give the event a title."), "title_en")
        if len(cleaned["title_en"]) > 300:
            raise DomainError(_l("The title may have at most %(num)s characters.", num=300), "title_en")
    for name, limit in (("title_km", 300), ("place_text", 300)):
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip()
            if len(cleaned[name]) > limit:
                raise DomainError(_l("This text may have at most %(num)s characters.", num=limit), name)
    if "starts_on" in cleaned and not isinstance(cleaned["starts_on"], date):
        raise DomainError(_l("Give the date of the event."), "starts_on")
    if "kind" in cleaned:
        try:
            cleaned["kind"] = EventKind(cleaned["kind"])
        except ValueError:
            raise DomainError(_l("Choose a kind of event from the list."), "kind") from None
    if "remind_days_before" in cleaned:
        days = cleaned["remind_days_before"]
        if days is None:
            days = 0
        if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= MAX_REMIND_DAYS:
            raise DomainError(_l("Remind between 0 and %(num)s days before.", num=MAX_REMIND_DAYS),
                              "remind_days_before")
        cleaned["remind_days_before"] = days
    if "is_private" in cleaned:
        cleaned["is_private"] = bool(cleaned["is_private"])
    if cleaned.get("law_id") is not None and get_visible_law(tenant_id, cleaned["law_id"]) is None:
        raise DomainError(_l("Choose a law from the register."), "law_id")
    return cleaned


def create_event(tenant_id: int, *, actor: User, official: bool = False, **fields) -> LawEvent:
    """A new event: the tenant's own, or (official=True) an official one for operators and the
    conveners of a group that follows its law. Official events are never private."""
    for required in ("title_en", "starts_on"):
        fields.setdefault(required, None)
    cleaned = _clean(tenant_id, fields)
    law = get_visible_law(tenant_id, cleaned.get("law_id"))
    if official:
        if law is not None and not law.is_official:
            raise DomainError(_l("An official event can only belong to an official law."), "law_id")
        if not may_edit_official(actor, law):
            raise DomainError(_l("Only instance operators and conveners of a working group that follows the law "
                                 "may add official events."), "official")
        cleaned["is_private"] = False
        event = LawEvent(owner_tenant_id=None, **cleaned)
        with official_edit():
            db.session.add(event)
            db.session.flush()
        return event
    event = LawEvent(owner_tenant_id=tenant_id, **cleaned)
    db.session.add(event)
    db.session.flush()
    return event


def _check_may_write(tenant_id: int, event: LawEvent, actor: User) -> None:
    if event.is_official:
        if not may_edit_official(actor, event.law):
            raise DomainError(_l("Only instance operators and conveners of a working group that follows the law "
                                 "may change official events."), "official")
    elif event.owner_tenant_id != tenant_id:
        raise DomainError(_l("This event belongs to another organisation."))


def update_event(tenant_id: int, event: LawEvent, *, actor: User, **fields) -> LawEvent:
    _check_may_write(tenant_id, event, actor)
    cleaned = _clean(tenant_id, fields)
    if event.is_official:
        cleaned["is_private"] = False
        new_law = get_visible_law(tenant_id, cleaned.get("law_id", event.law_id))
        if new_law is not None and not new_law.is_official:
            raise DomainError(_l("An official event can only belong to an official law."), "law_id")
        if "law_id" in cleaned and cleaned["law_id"] != event.law_id and not may_edit_official(actor, new_law):
            raise DomainError(_l("Only instance operators and conveners of a working group that follows the law "
                                 "may change official events."), "law_id")
        with official_edit():
            for name, value in cleaned.items():
                setattr(event, name, value)
            if "law_id" in cleaned:
                event.law = new_law
            db.session.flush()
        return event
    for name, value in cleaned.items():
        setattr(event, name, value)
    if "law_id" in cleaned:
        event.law = get_visible_law(tenant_id, cleaned["law_id"])
    db.session.flush()
    return event


def delete_event(tenant_id: int, event: LawEvent, *, actor: User) -> None:
    _check_may_write(tenant_id, event, actor)
    if event.is_official:
        with official_edit():
            db.session.delete(event)
            db.session.flush()
        return
    db.session.delete(event)
    db.session.flush()


def may_change(tenant_id: int, event: LawEvent, actor: User) -> bool:
    try:
        _check_may_write(tenant_id, event, actor)
    except DomainError:
        return False
    return True
