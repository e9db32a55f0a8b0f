"""Do No Harm, written once: who may see a person's identity, what everyone else sees instead,
and the log of every view of a protected identity. Modules call these; they never decide it."""
from __future__ import annotations

from flask import g, has_request_context
from flask_babel import gettext as _

from core.audit import record_event
from core.registers.models import Contact

# Granted to owners and admins; a module may also name people (a request's assignee).
PROTECTED_PERMISSION = "core.contacts.view_protected"


def may_see_identity(contact: Contact, *, named_user_ids=()) -> bool:
    """Whether the current user may see this contact's identity fields."""
    from core.permissions import can
    if contact.is_erased:
        return False
    if not contact.protected:
        return True
    if not has_request_context():
        return False
    from flask_login import current_user
    if current_user.is_authenticated and current_user.id in set(named_user_ids):
        return True
    return can(PROTECTED_PERMISSION)


def log_identity_view(contact: Contact) -> None:
    """Audit that the current user saw a protected identity (once per contact and request)."""
    if not contact.protected:
        return
    seen = g.setdefault("identity_views", set()) if has_request_context() else set()
    if contact.id in seen:
        return
    seen.add(contact.id)
    record_event("view_identity", tenant_id=contact.tenant_id, model="Contact", record_id=str(contact.id))


def full_name(contact: Contact, locale: str = "en") -> str:
    """Both scripts of the name, the reader's first (no protection check: callers check)."""
    names = [contact.name_km, contact.name_latin] if locale == "km" else [contact.name_latin, contact.name_km]
    return " / ".join(name for name in names if name)


def stand_in_name(contact: Contact) -> str:
    """What is shown in place of a name the reader may not see."""
    if contact.is_erased:
        return _("Erased person")
    if contact.kind.value == "organisation":
        return _("Organisation #%(id)d", id=contact.id)
    return _("Protected person #%(id)d", id=contact.id)


def shown_name(contact: Contact | None, locale: str = "en", *, named_user_ids=(), reveal: bool = True) -> str:
    """The name to show the current user: the real one when allowed (a protected one is logged as
    viewed), else a stand-in. `reveal=False` (lists, feeds, notifications) never shows a protected name."""
    if contact is None:
        return ""
    if contact.is_erased:
        return stand_in_name(contact)
    if contact.protected and (not reveal or not may_see_identity(contact, named_user_ids=named_user_ids)):
        return stand_in_name(contact)
    if contact.protected:
        log_identity_view(contact)
    return full_name(contact, locale) or stand_in_name(contact)


def keep_identity_views(response):
    """after_request: a page that only read (GET) but showed a protected identity commits the
    view's audit event, which would otherwise be rolled back with the read-only transaction.
    Other requests commit it with their own changes."""
    from flask import request

    from core.extensions import db
    if g.get("identity_views") and request.method in ("GET", "HEAD") and response.status_code < 400:
        db.session.commit()
    return response
