"""The audit trail: session listeners write an AuditEvent for every insert, update and delete of
an Audited model in the same transaction; events are hash-chained per tenant and verifiable."""
from __future__ import annotations

import datetime as dt
import decimal
import enum
import hashlib
import json
import uuid
from dataclasses import dataclass

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import event, inspect, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper, Session

from core.columns import utcnow

GENESIS_HASH = "0" * 64
REDACTED = "***"
# Stands for a person's identity field in diffs, so that erasing the person leaves nothing behind.
IDENTITY_MARKER = "[identity]"


class Audited:
    """Mixin: inserts, updates and deletes of this model are written to the audit log.
    `__audit_redact__` names columns whose values are never written (secrets); `__audit_ignore__`
    names bookkeeping columns (e.g. a token's last use) whose changes alone are not an event;
    `audit_identity_fields()` names a person's identity fields, written as IDENTITY_MARKER."""

    __audit_redact__: set[str] = set()
    __audit_ignore__: set[str] = set()

    def audit_identity_fields(self) -> frozenset[str]:
        return frozenset()


@dataclass(frozen=True)
class Actor:
    id: int | None
    label: str


def current_actor() -> Actor:
    if has_app_context() and g.get("audit_actor") is not None:
        return g.audit_actor
    if has_request_context():
        from flask_login import current_user
        if current_user and current_user.is_authenticated:
            return Actor(current_user.id, current_user.email)
        return Actor(None, "anonymous")
    return Actor(None, "system")


def set_actor(actor_id: int | None, label: str) -> None:
    """Name who acts outside a logged-in request (CLI commands, jobs, API tokens)."""
    g.audit_actor = Actor(actor_id, label)


def request_id() -> str:
    if not has_request_context():
        return ""
    if "request_id" not in g:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming[:64] if incoming.isprintable() and incoming else uuid.uuid4().hex
    return g.request_id


def jsonable(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return str(value)


def _changes(obj, action: str) -> dict:
    state = inspect(obj)
    redact, ignore = type(obj).__audit_redact__, type(obj).__audit_ignore__
    identity = obj.audit_identity_fields()
    changes = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if action == "update" and key in ignore:
            continue
        history = state.attrs[key].history
        if action == "insert":
            old, new = None, getattr(obj, key)
        elif action == "delete":
            old, new = (history.unchanged or history.deleted or [None])[0], None
        else:
            if not history.has_changes():
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
        if old is None and new is None:
            continue
        if key in redact:
            old, new = (REDACTED if old is not None else None), (REDACTED if new is not None else None)
        elif key in identity:
            old, new = (IDENTITY_MARKER if old else old), (IDENTITY_MARKER if new else new)
        changes[key] = [jsonable(old), jsonable(new)]
    return changes


def _tenant_of(obj) -> int | None:
    if type(obj).__tablename__ == "core_tenant":
        return obj.id
    return getattr(obj, "tenant_id", None)


def _record_id(obj) -> str:
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return ",".join(str(part) for part in key if part is not None)


def _after_flush(session: Session, flush_context) -> None:
    pending = []
    for action, objects in (("insert", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            if not isinstance(obj, Audited):
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            changes = _changes(obj, action)
            if action == "update" and not changes:
                continue
            pending.append(dict(action=action, tenant_id=_tenant_of(obj), model=type(obj).__name__,
                                record_id=_record_id(obj), changes=changes))
    if pending:
        connection = session.connection()
        for item in pending:
            write_event(connection, **item)


def record_event(action: str, *, tenant_id: int | None, model: str = "", record_id: str = "",
                 changes: dict | None = None, session: Session | None = None) -> None:
    """Audit something that is not a row change (login, export, share) in the current transaction."""
    from core.extensions import db
    write_event((session or db.session).connection(), action=action, tenant_id=tenant_id, model=model,
                record_id=str(record_id), changes=jsonable(changes or {}))


def chain_of(tenant_id: int | None) -> str:
    return f"tenant:{tenant_id}" if tenant_id is not None else "instance"


def event_digest(fields: dict) -> str:
    """The hash of one event: its content and the previous link, in canonical JSON."""
    canonical = json.dumps({k: fields[k] for k in sorted(HASHED_FIELDS)}, sort_keys=True,
                           ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


HASHED_FIELDS = ("chain", "seq", "tenant_id", "occurred_at", "actor_id", "actor_label", "action", "model",
                 "record_id", "changes", "request_id", "ip_address", "prev_hash")


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat(timespec="microseconds")


def write_event(connection: Connection, *, action: str, tenant_id: int | None, model: str,
                record_id: str, changes: dict) -> None:
    from core.models.audit import AuditChainHead, AuditEvent

    chain = chain_of(tenant_id)
    heads = AuditChainHead.__table__
    _ensure_head(connection, chain)
    head = connection.execute(select(heads.c.seq, heads.c.hash).where(heads.c.chain == chain)
                              .with_for_update()).one()
    actor = current_actor()
    occurred_at = utcnow()
    fields = dict(chain=chain, seq=head.seq + 1, tenant_id=tenant_id, occurred_at=occurred_at,
                  actor_id=actor.id, actor_label=actor.label[:254], action=action, model=model,
                  record_id=record_id, changes=changes, request_id=request_id(),
                  ip_address=(request.remote_addr or "")[:64] if has_request_context() else "",
                  prev_hash=head.hash)
    fields["hash"] = event_digest({**fields, "occurred_at": _stamp(occurred_at)})
    connection.execute(AuditEvent.__table__.insert().values(**fields))
    connection.execute(update(heads).where(heads.c.chain == chain).values(seq=fields["seq"], hash=fields["hash"]))


def _ensure_head(connection: Connection, chain: str) -> None:
    from core.models.audit import AuditChainHead

    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    connection.execute(insert(AuditChainHead.__table__).values(chain=chain, seq=0, hash=GENESIS_HASH)
                       .on_conflict_do_nothing(index_elements=["chain"]))


@dataclass
class BrokenLink:
    chain: str
    seq: int
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"event #{self.seq}" + (f" (id {self.event_id})" if self.event_id else "")
        return f"{self.chain}: {where}: {self.reason}"


def verify_chains(session: Session, chunk_size: int = 5000) -> list[BrokenLink]:
    """Walk every chain and return its first broken link, if any (edited, deleted or reordered rows)."""
    from core.models.audit import AuditChainHead, AuditEvent

    broken = []
    events = AuditEvent.__table__
    for head in session.execute(select(AuditChainHead)).scalars().all():
        expected_seq, previous_hash, problem = 1, GENESIS_HASH, None
        # Core rows, streamed: millions of events must not fill the identity map.
        rows = session.execute(select(events).where(events.c.chain == head.chain).order_by(events.c.seq)
                               .execution_options(yield_per=chunk_size))
        for row in rows:
            if row.seq != expected_seq:
                problem = BrokenLink(head.chain, expected_seq, None, f"missing (next found is #{row.seq})")
            elif row.prev_hash != previous_hash:
                problem = BrokenLink(head.chain, row.seq, row.id, "does not link to the event before it")
            elif event_digest({**row._asdict(), "occurred_at": _stamp(row.occurred_at)}) != row.hash:
                problem = BrokenLink(head.chain, row.seq, row.id, "was changed after it was written")
            if problem:
                break
            expected_seq, previous_hash = row.seq + 1, row.hash
        rows.close()
        if problem is None and (expected_seq - 1 != head.seq or previous_hash != head.hash):
            problem = BrokenLink(head.chain, expected_seq, None, f"missing (the chain should reach #{head.seq})")
        if problem:
            broken.append(problem)
    return broken


def _keep_old_values(mapper, cls) -> None:
    # Attributes expire on commit; without active history an update after a commit would log
    # the new value only. A "set" listener with active_history loads the old value first.
    if not issubclass(cls, Audited):
        return
    for attr in mapper.column_attrs:
        event.listen(getattr(cls, attr.key), "set", _noop_set, active_history=True)


def _noop_set(target, value, oldvalue, initiator):
    return value


def install_audit_listeners() -> None:
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Mapper, "mapper_configured", _keep_old_values)
