"""Field helpers shared by every API schema (core and plugins): enums read and written by their
value, and record ids within the range the URL converter accepts."""
from __future__ import annotations

from marshmallow import fields, validate

from core.web import MAX_RECORD_ID

RECORD_ID = validate.Range(min=1, max=MAX_RECORD_ID)


def enum(enum_class, **kwargs) -> fields.Enum:
    return fields.Enum(enum_class, by_value=True, **kwargs)


def record_id(**kwargs) -> fields.Integer:
    return fields.Integer(validate=RECORD_ID, **kwargs)
