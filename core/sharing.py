"""Working-group sharing: a tenant shares a record with a group it belongs to; members of the
group's tenants see the published fields read-only, follow updates in the group feed and are
notified. Published values are copied when shared and refreshed whenever the record changes, so
readers never query another tenant's tables and sensitive fields are never copied at all."""
from __future__ import annotations

import datetime as dt
import enum

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from core.columns import utcnow
from core.errors import DomainError
from core.extensions import db
from core.models import GroupFeedEntry, SharedRecord, Tenant, WorkingGroup, WorkingGroupMember
from core.plugins import ShareableType

SHARED = _l("%(tenant)s shared “%(title)s” with %(group)s.")
UPDATED = _l("%(tenant)s updated “%(title)s” in %(group)s.")


def shareable_types() -> dict[str, ShareableType]:
    state = current_app.extensions["samaki"]
    if getattr(state, "shareable", None) is None:
        types = [t for result in state.pm.hook.samaki_shareable_types() for t in result or []]
        state.shareable = {t.name: t for t in types}
    return state.shareable


def _type_for(record) -> ShareableType | None:
    return next((t for t in shareable_types().values() if isinstance(record, t.model)), None)


def published_values(kind: ShareableType, record) -> dict:
    """The record's publishable fields as plain JSON; enum labels keep their msgid to be translated
    in each reader's language."""
    values = {}
    for attr in kind.fields:
        value = getattr(record, attr)
        if isinstance(value, enum.Enum) and hasattr(value, "label"):
            value = {"msgid": value.label._args[0]}
        elif isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()
        elif value is not None and not isinstance(value, (bool, int, float, str)):
            value = str(value)
        values[attr] = value
    return values


def groups_of(tenant: Tenant) -> list[WorkingGroup]:
    return list(db.session.execute(select(WorkingGroup).join(WorkingGroupMember).where(
        WorkingGroupMember.tenant_id == tenant.id).order_by(WorkingGroup.name)).unique().scalars())


def group_for_member(tenant: Tenant, group_slug: str) -> WorkingGroup | None:
    """The group, only if `tenant` is one of its members (non-members get None → 404)."""
    return db.session.execute(select(WorkingGroup).join(WorkingGroupMember).where(
        WorkingGroup.slug == group_slug, WorkingGroupMember.tenant_id == tenant.id)).unique().scalar_one_or_none()


def member_tenants(group: WorkingGroup) -> list[Tenant]:
    return [member.tenant for member in group.members]


def _notify_members(group: WorkingGroup, owner: Tenant, message, title: str) -> None:
    from core.notifications import members_of, notify
    for tenant in member_tenants(group):
        if tenant.id == owner.id:
            continue
        notify(members_of(tenant), tenant, message, {"tenant": owner.name, "title": title, "group": group.name},
               url=f"/t/{tenant.slug}/groups/{group.slug}/")


def share(record, record_type: str, group: WorkingGroup, owner: Tenant) -> SharedRecord:
    """Share `record` (of the owner tenant) with `group`; explicit, audited, notifies the other members."""
    kind = shareable_types().get(record_type)
    if kind is None or not isinstance(record, kind.model):
        raise DomainError(_l("This kind of record cannot be shared."))
    if owner.id not in {member.tenant_id for member in group.members}:
        raise DomainError(_l("Your organisation is not a member of this working group."))
    shared = db.session.execute(select(SharedRecord).where(
        SharedRecord.group_id == group.id, SharedRecord.record_type == record_type,
        SharedRecord.record_id == record.id)).scalar_one_or_none()
    if shared is not None and shared.revoked_at is None:
        raise DomainError(_l("This record is already shared with %(group)s.", group=group.name))
    title, values = str(kind.title(record)), published_values(kind, record)
    if shared is None:
        shared = SharedRecord(group_id=group.id, tenant_id=owner.id, record_type=record_type, record_id=record.id)
        db.session.add(shared)
    shared.title, shared.fields, shared.revoked_at, shared.shared_at = title, values, None, utcnow()
    db.session.flush()
    db.session.add(GroupFeedEntry(group_id=group.id, shared_record_id=shared.id, tenant_id=owner.id, kind="shared",
                                  title=title, fields=values))
    _notify_members(group, owner, SHARED, title)
    from core.webhooks import RECORD_SHARED, emit, record_shared_data
    emit(owner.id, RECORD_SHARED, lambda: record_shared_data(shared, group))
    return shared


def unshare(shared: SharedRecord) -> None:
    """Withdraw a shared record: members no longer see it (the audit log keeps what happened)."""
    shared.revoked_at = utcnow()
    db.session.add(GroupFeedEntry(group_id=shared.group_id, shared_record_id=shared.id, tenant_id=shared.tenant_id,
                                  kind="unshared", title=shared.title, fields={}))


def shares_of(record_type: str, record_id: int) -> list[SharedRecord]:
    return list(db.session.execute(select(SharedRecord).where(
        SharedRecord.record_type == record_type, SharedRecord.record_id == record_id,
        SharedRecord.revoked_at.is_(None))).scalars())


def visible_shared_record(tenant: Tenant, shared_id: int) -> SharedRecord | None:
    """A shared record `tenant` may read: still shared, with a group the tenant belongs to."""
    return db.session.execute(select(SharedRecord).join(
        WorkingGroupMember, WorkingGroupMember.group_id == SharedRecord.group_id).where(
        SharedRecord.id == shared_id, SharedRecord.revoked_at.is_(None),
        WorkingGroupMember.tenant_id == tenant.id)).scalar_one_or_none()


def search_shared(tenant: Tenant, query: str, limit: int = 20) -> list[SharedRecord]:
    from core.search import text_contains
    return list(db.session.execute(select(SharedRecord).join(
        WorkingGroupMember, WorkingGroupMember.group_id == SharedRecord.group_id).where(
        WorkingGroupMember.tenant_id == tenant.id, SharedRecord.revoked_at.is_(None),
        SharedRecord.tenant_id != tenant.id, text_contains(SharedRecord.title, query))
        .order_by(SharedRecord.updated_at.desc()).limit(limit)).scalars())


def display_value(value) -> str:
    if isinstance(value, dict) and "msgid" in value:
        msgid = value["msgid"]   # a label the plugin marked for translation
        return _(msgid)
    if value is None or value == "":
        return "—"
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    return str(value)


def _note_changed_records(session: Session, flush_context) -> None:
    if not current_app or "samaki" not in current_app.extensions:
        return
    models = tuple(t.model for t in shareable_types().values())
    if models:
        changed = [obj for obj in session.dirty if isinstance(obj, models)]
        if changed:
            session.info.setdefault("samaki_shared_changes", []).extend(changed)


def _refresh_shares(session: Session, flush_context) -> None:
    """After a shared record changes, copy its new published values to each group (and the feed);
    the copies are written by the next round of the same commit's flush."""
    for record in session.info.pop("samaki_shared_changes", []):
        kind = _type_for(record)
        for shared in shares_of(kind.name, record.id):
            title, values = str(kind.title(record)), published_values(kind, record)
            if values == shared.fields and title == shared.title:
                continue
            shared.title, shared.fields, shared.updated_at = title, values, utcnow()
            session.add(GroupFeedEntry(group_id=shared.group_id, shared_record_id=shared.id, tenant_id=shared.tenant_id,
                                       kind="updated", title=title, fields=values))
            _notify_members(shared.group, shared.tenant, UPDATED, title)


def install_sharing_listener() -> None:
    if not event.contains(Session, "after_flush", _note_changed_records):
        event.listen(Session, "after_flush", _note_changed_records)
        event.listen(Session, "after_flush_postexec", _refresh_shares)
