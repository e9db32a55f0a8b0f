"""The policy panel of a working group's page: for each law the group follows, one merged timeline
of the official stage history and what members shared with the group (status notes and
recommendations: who said what, when, with what outcome), newest first. Shared items are read from
the core's copies of their published fields (SharedRecord), never from another tenant's tables."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from core.extensions import db
from core.i18n import current_locale
from core.models import SharedRecord, WorkingGroup
from core.permissions import can
from core.plugins import Widget
from core.sharing import display_value
from plugins.policy_tracker.models import GroupLaw, Law, StageChange
from plugins.policy_tracker.sharing import RECOMMENDATION, STATUS_NOTE

ITEMS_PER_LAW = 30
PENDING = "Pending"           # the msgid of Outcome.PENDING's label, as core.sharing stores it


@dataclass
class TimelineItem:
    on: date | None
    kind: str                  # "stage", "note", "recommendation" or "outcome"
    text: str = ""
    who: str = ""              # the member tenant that shared it (empty for the official history)
    heading: str = ""          # a stage name, or the article a recommendation addresses
    source: str = ""
    outcome: str = ""          # the outcome, in the reader's language
    outcome_on: date | None = None
    details: dict = field(default_factory=dict)
    shared_id: int | None = None


@dataclass
class LawTimeline:
    law: Law
    title: str
    stage: str
    items: list[TimelineItem]


def group_panels(group: WorkingGroup, tenant, user) -> list[Widget]:
    if not can("policy.view"):
        return []
    return [Widget(_l("Laws the group follows"), "policy_tracker/group/law_timelines.html",
                   {"timelines": law_timelines(group, tenant)}, order=20)]


def _date(value) -> date | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _followed_laws(group: WorkingGroup, tenant) -> list[Law]:
    """The laws the group follows that this tenant may see (official ones, or its own private ones)."""
    return list(db.session.execute(
        select(Law).join(GroupLaw, GroupLaw.law_id == Law.id)
        .where(GroupLaw.group_id == group.id, or_(Law.owner_tenant_id.is_(None), Law.owner_tenant_id == tenant.id))
        .options(joinedload(Law.current_stage)).order_by(Law.title_en, Law.id)).scalars())


def _latest_changes(law_ids: list[int]) -> list[StageChange]:
    rank = func.row_number().over(partition_by=StageChange.law_id,
                                  order_by=(StageChange.occurred_on.desc(), StageChange.id.desc())).label("rank")
    ranked = select(StageChange.id, rank).where(StageChange.law_id.in_(law_ids)).subquery()
    return list(db.session.execute(
        select(StageChange).join(ranked, ranked.c.id == StageChange.id).where(ranked.c.rank <= ITEMS_PER_LAW)
        .options(joinedload(StageChange.stage))).scalars())


def _latest_shares(group: WorkingGroup, law_ids: list[int]) -> list[SharedRecord]:
    law_key = SharedRecord.fields["shared_law_id"].as_integer()
    on_key = func.coalesce(SharedRecord.fields["noted_on"].as_string(),
                           SharedRecord.fields["outcome_on"].as_string(),
                           SharedRecord.fields["submitted_on"].as_string())
    rank = func.row_number().over(partition_by=law_key,
                                  order_by=(on_key.desc().nulls_last(), SharedRecord.id.desc())).label("rank")
    ranked = select(SharedRecord.id, law_key.label("law_id"), rank).where(
        SharedRecord.group_id == group.id, SharedRecord.revoked_at.is_(None),
        SharedRecord.record_type.in_([STATUS_NOTE, RECOMMENDATION])).subquery()
    return list(db.session.execute(
        select(SharedRecord).join(ranked, ranked.c.id == SharedRecord.id)
        .where(ranked.c.law_id.in_(law_ids), ranked.c.rank <= ITEMS_PER_LAW)).scalars())


def _shared_items(shared: SharedRecord, locale: str) -> list[TimelineItem]:
    values, who = shared.fields or {}, shared.tenant.name
    if shared.record_type == STATUS_NOTE:
        return [TimelineItem(_date(values.get("noted_on")), "note", values.get("text") or "", who,
                             source=values.get("source") or "", shared_id=shared.id)]
    text = (values.get("text_km") if locale == "km" else values.get("text_en")) or values.get("text_en") or \
        values.get("text_km") or ""
    stored_outcome, outcome_on = values.get("outcome"), _date(values.get("outcome_on"))
    outcome = display_value(stored_outcome) if stored_outcome else ""
    items = [TimelineItem(_date(values.get("submitted_on")), "recommendation", text, who,
                          heading=values.get("article") or "", outcome=outcome, outcome_on=outcome_on,
                          details={"submitted_to": values.get("shared_submitted_to") or "",
                                   "co_submitters": values.get("shared_co_submitters") or ""},
                          shared_id=shared.id)]
    decided = isinstance(stored_outcome, dict) and stored_outcome.get("msgid") != PENDING
    if decided and outcome_on:
        # The decision is news of its own on the day it was taken.
        items.append(TimelineItem(outcome_on, "outcome", text, who, heading=values.get("article") or "",
                                  outcome=outcome, outcome_on=outcome_on, shared_id=shared.id))
    return items


def law_timelines(group: WorkingGroup, tenant) -> list[LawTimeline]:
    """Three queries whatever the number of laws and items: laws, official changes, shared items."""
    laws = _followed_laws(group, tenant)
    if not laws:
        return []
    law_ids = [law.id for law in laws]
    locale = current_locale()
    items: dict[int, list[TimelineItem]] = {law_id: [] for law_id in law_ids}
    for change in _latest_changes(law_ids):
        items[change.law_id].append(TimelineItem(change.occurred_on, "stage", change.note, heading=change.stage.name_in(locale),
                                                 source=change.source))
    for shared in _latest_shares(group, law_ids):
        law_id = (shared.fields or {}).get("shared_law_id")
        if law_id in items:
            items[law_id].extend(_shared_items(shared, locale))
    # Newest first; on the same day the official history comes before members' comments on it.
    order = {"outcome": 0, "stage": 1, "recommendation": 2, "note": 3}
    timelines = []
    for law in laws:
        merged = sorted(items[law.id], key=lambda item: (item.on or date.min, -order[item.kind]), reverse=True)
        stage = law.current_stage.name_in(locale) if law.current_stage else ""
        timelines.append(LawTimeline(law, law.title_in(locale), stage, merged[:ITEMS_PER_LAW]))
    return timelines
