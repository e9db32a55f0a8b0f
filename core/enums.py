"""Enumerations stored as their value and shown with a translatable label (core and plugins)."""
from __future__ import annotations

import enum

from sqlalchemy import Enum
from sqlalchemy.orm import mapped_column

# Keyed by (enum class, value): str-enums of different classes with the same value compare equal.
_LABELS: dict[tuple[type, str], object] = {}


class LabelledEnum(str, enum.Enum):
    """An enum whose members carry a translatable label (registered with `register_labels`)."""

    @property
    def label(self):
        return _LABELS.get((type(self), self.value), self.value)


def register_labels(pairs) -> None:
    """Give members their labels: an iterable of (member, lazily translated label)."""
    _LABELS.update({(type(member), member.value): label for member, label in pairs})


def enum_column(enum_class: type[enum.Enum], **kwargs):
    """An enum stored as its value in a VARCHAR (portable across SQLite and PostgreSQL)."""
    return mapped_column(Enum(enum_class, native_enum=False, length=32,
                              values_callable=lambda members: [m.value for m in members]), **kwargs)


def enum_choices(enum_class, blank=None) -> list:
    """Choices for a WTForms select: each member's value and label, optionally after a blank one."""
    from wtforms.fields.choices import SelectChoice
    choices = [SelectChoice(member.value, member.label) for member in enum_class]
    return ([SelectChoice("", blank)] + choices) if blank is not None else choices
