"""Forms of the A2I settings page: deadline rules and exemption grounds."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

MAX_PERIOD_DAYS = 365


def day_kind_choices() -> list[SelectChoice]:
    return [SelectChoice("working", _l("Working days")), SelectChoice("calendar", _l("Calendar days"))]


PERIODS = (
    ("initial_reply", _l("Initial reply period")),
    ("information", _l("Information period after fee acceptance")),
    ("extension_cap", _l("Longest extension, counted from receipt")),
)


def _days_field(label) -> IntegerField:
    return IntegerField(label, validators=[InputRequired(message=_l("Give a whole number of days.")),
                                           NumberRange(min=1, max=MAX_PERIOD_DAYS,
                                                       message=_l("Give a number of days from 1 to 365."))])


def _kind_field(label) -> SelectField:
    return SelectField(label, choices=day_kind_choices, default="working")


class DeadlineRulesForm(FlaskForm):
    """The three periods of the draft A2I law, each in working or calendar days."""

    initial_reply_days = _days_field(_l("Initial reply: days"))
    initial_reply_kind = _kind_field(_l("Initial reply: counted in"))
    information_days = _days_field(_l("Information after fee acceptance: days"))
    information_kind = _kind_field(_l("Information after fee acceptance: counted in"))
    extension_cap_days = _days_field(_l("Longest extension from receipt: days"))
    extension_cap_kind = _kind_field(_l("Longest extension from receipt: counted in"))

    def fill_from(self, rules) -> None:
        for name, _label in PERIODS:
            getattr(self, f"{name}_days").data = getattr(rules, f"{name}_days")
            getattr(self, f"{name}_kind").data = "working" if getattr(rules, f"{name}_working") else "calendar"

    def apply_to(self, rules) -> None:
        for name, _label in PERIODS:
            setattr(rules, f"{name}_days", getattr(self, f"{name}_days").data)
            setattr(rules, f"{name}_working", getattr(self, f"{name}_kind").data == "working")


class ExemptionGroundForm(FlaskForm):
    code = StringField(_l("Code"), validators=[
        DataRequired(), Length(max=64),
        Regexp(r"^[a-z0-9_]+$", message=_l("Use lower-case letters, digits and underscores only."))],
        description=_l("A short name used in exports, e.g. tax_secrecy."))
    label_en = StringField(_l("Label in English"), validators=[DataRequired(), Length(max=200)])
    label_km = StringField(_l("Label in Khmer"), validators=[Optional(), Length(max=200)])
