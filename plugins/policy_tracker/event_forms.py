"""Forms of the policy calendar: an event, and following a law or a working group."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from core.enums import enum_choices
from plugins.policy_tracker.events import MAX_REMIND_DAYS
from plugins.policy_tracker.models import EventKind


class EventForm(FlaskForm):
    """A dated event; the law choices are set by the view (official laws and the tenant's own)."""

    title_en = StringField(_l("Title in English"), validators=[DataRequired(), Length(max=300)])
    title_km = StringField(_l("Title in Khmer"), validators=[Optional(), Length(max=300)])
    kind = SelectField(_l("Kind of event"), choices=enum_choices(EventKind), default=EventKind.OTHER.value)
    starts_on = DateField(_l("Date"), validators=[InputRequired()])
    law_id = SelectField(_l("Law or policy"), choices=[], default="",
                         description=_l("Leave empty for an event that concerns no single law, such as A2I Day."))
    place_text = StringField(_l("Place"), validators=[Optional(), Length(max=300)])
    remind_days_before = IntegerField(_l("Remind this many days before"), default=3,
                                      validators=[InputRequired(), NumberRange(min=0, max=MAX_REMIND_DAYS)])
    is_private = BooleanField(_l("Private: only for our organisation, never in calendar feeds"))
    official = BooleanField(_l("Official event, shown to every organisation"),
                            description=_l("Only instance operators and conveners of a working group that "
                                           "follows the law may add official events."))

    def law_id_value(self) -> int | None:
        return int(self.law_id.data) if self.law_id.data else None


class FollowForm(FlaskForm):
    """Follow (or stop following) a law or everything a working group follows."""

    law_id = HiddenField()
    group_id = HiddenField()
    next = HiddenField()

    def target(self) -> tuple[int | None, int | None] | None:
        try:
            law_id = int(self.law_id.data) if self.law_id.data else None
            group_id = int(self.group_id.data) if self.group_id.data else None
        except ValueError:
            return None
        return law_id, group_id
