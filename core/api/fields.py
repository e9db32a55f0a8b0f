"""Field helpers shared by every API schema (core and plugins): enums read and written by their
value, record ids within the range the URL converter accepts, text that may not be blank and times
of day."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from core.web import MAX_RECORD_ID

RECORD_ID = validate.Range(min=1, max=MAX_RECORD_ID)

# What str.strip() removes (str.isspace), spelt out because \s differs between Python and the
# ECMAScript regular expressions of JSON Schema; plus NUL, dropped before validation (storable_text).
BLANK_CHARACTERS = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\x00"
# Text that must hold more than blanks, as a pattern the document shows.
NOT_BLANK = validate.Regexp(rf"^[{BLANK_CHARACTERS}]*[^{BLANK_CHARACTERS}]", error=_l("This field cannot be blank."))


def enum(enum_class, **kwargs) -> fields.Enum:
    return fields.Enum(enum_class, by_value=True, **kwargs)


def record_id(**kwargs) -> fields.Integer:
    return fields.Integer(validate=RECORD_ID, **kwargs)


# A time of day as the document states it (marshmallow's Time field alone is documented as any string).
CLOCK_TIME_PATTERN = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?$"


class ClockTime(fields.Time):
    """A time of day in the organisation's time zone, HH:MM or HH:MM:SS: exactly what its pattern says."""

    def __init__(self, **kwargs):
        kwargs["metadata"] = {"pattern": CLOCK_TIME_PATTERN, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.search(CLOCK_TIME_PATTERN, value):
            raise self.make_error("invalid")
        return super()._deserialize(value.strip(), attr, data, **kwargs)
