"""Plain text typed into forms or sent to the API, made ready to store: the one rule every service
applies to its text fields."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.errors import DomainError


def clean_text(value, field: str, max_length: int, *, required: bool = False, multiline: bool = False) -> str:
    """Trimmed text without NUL characters (PostgreSQL refuses them); one line (runs of white space
    folded into one space) unless `multiline`. DomainError on `field` when required and empty, or
    longer than `max_length`."""
    text = str(value or "").replace("\x00", "")
    text = text.strip() if multiline else " ".join(text.split())
    if required and not text:
        raise DomainError(_l("This field is required."), field=field)
    if len(text) > max_length:
        raise DomainError(_l("Use at most %(n)s characters.", n=max_length), field=field)
    return text
