"""Trainers: people among the tenant's contacts marked as trainers, with the topics they teach and
notes; a trainer who no longer trains is deactivated, never deleted (courses keep their trainers).
No Flask requests here: rules raise DomainError with a translated message."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import contains_eager

from core.errors import DomainError
from core.extensions import db
from core.registers.models import Contact, ContactKind
from core.search import any_contains
from core.tenancy import current_tenant_id
from plugins.training_registry.models import Trainer

LIMITS = {"topics": 500, "notes": 20000}


def trainer_list_query(*, q: str = "", active: bool | None = True, names_of_protected: bool = False) -> Select:
    """The tenant's trainers with their contacts, active ones first, by name. `q` matches the topics
    and the names; a protected person's name is matched only when `names_of_protected` (the reader
    may see it), so a search never reveals who hides behind a stand-in."""
    query = select(Trainer).join(Contact, Contact.id == Trainer.contact_id).options(contains_eager(Trainer.contact))
    if active is not None:
        query = query.where(Trainer.is_active.is_(active))
    text = (q or "").strip()
    if text:
        by_name = any_contains([Contact.name_latin, Contact.name_km], text)
        if not names_of_protected:
            by_name = and_(by_name, Contact.protected.is_(False))
        query = query.where(or_(any_contains([Trainer.topics], text), and_(by_name, Contact.erased_at.is_(None))))
    return query.order_by(Trainer.is_active.desc(), Contact.name_latin, Contact.name_km, Trainer.id)


def get_trainer(trainer_id: int) -> Trainer | None:
    return db.session.scalar(select(Trainer).where(Trainer.id == trainer_id))


def _text(value, field: str) -> str:
    text = str(value or "").strip()
    if len(text) > LIMITS[field]:
        raise DomainError(_l("At most %(num)s characters.", num=LIMITS[field]), field=field)
    return text


def _topics(value) -> str:
    """Topics separated by commas, each once (case aside), in the order given."""
    items = value.split(",") if isinstance(value, str) else (value or [])
    seen: list[str] = []
    for topic in (str(item).strip() for item in items):
        if topic and topic.casefold() not in {known.casefold() for known in seen}:
            seen.append(topic)
    return _text(", ".join(seen), "topics")


def _person(contact_id) -> Contact:
    """A person among the current tenant's contacts (scoping hides the others), not erased."""
    try:
        contact_id = int(contact_id)
    except (TypeError, ValueError):
        contact_id = None
    contact = db.session.scalar(select(Contact).where(Contact.id == contact_id)) if contact_id else None
    if contact is None or contact.erased_at is not None:
        raise DomainError(_l("Choose a person from your contacts."), field="contact_id")
    if contact.kind is not ContactKind.PERSON:
        raise DomainError(_l("A trainer is a person: choose a person, not an organisation."), field="contact_id")
    return contact


def mark_trainer(contact_id, *, topics="", notes: str = "") -> Trainer:
    """Mark a person as a trainer. A former trainer is active again with the new topics and notes;
    a current one is refused (edit them instead)."""
    contact = _person(contact_id)
    topics, notes = _topics(topics), _text(notes, "notes")
    trainer = db.session.scalar(select(Trainer).where(Trainer.contact_id == contact.id))
    if trainer is not None and trainer.is_active:
        raise DomainError(_l("This person is already a trainer; edit their topics instead."), field="contact_id")
    if trainer is None:
        trainer = Trainer(tenant_id=current_tenant_id() or contact.tenant_id, contact=contact)
        db.session.add(trainer)
    trainer.topics, trainer.notes, trainer.is_active = topics, notes, True
    db.session.flush()
    return trainer


def update_trainer(trainer: Trainer, *, topics=None, notes: str | None = None) -> Trainer:
    if topics is not None:
        trainer.topics = _topics(topics)
    if notes is not None:
        trainer.notes = _text(notes, "notes")
    db.session.flush()
    return trainer


def set_active(trainer: Trainer, active: bool) -> Trainer:
    """Deactivate a trainer (kept on the courses they ran) or make them active again."""
    trainer.is_active = bool(active)
    db.session.flush()
    return trainer
