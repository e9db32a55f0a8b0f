"""Forms of the A2I settings pages (deadline rules, closure days, exemption grounds) and the
public-bodies register (filters, private body form, CSV import)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, Regexp

from plugins.a2i_requests.models import BodyKind

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


class ClosureDayForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired(message=_l("Give the date in the form YYYY-MM-DD."))])
    label = StringField(_l("What the day is"), validators=[Optional(), Length(max=200)],
                        description=_l("For example: Provincial office closed for the water festival."))


class ExemptionGroundForm(FlaskForm):
    code = StringField(_l("Code"), validators=[
        DataRequired(), Length(max=64),
        Regexp(r"^[a-z0-9_]+$", message=_l("Use lower-case letters, digits and underscores only."))],
        description=_l("A short name used in exports, e.g. tax_secrecy."))
    label_en = StringField(_l("Label in English"), validators=[DataRequired(), Length(max=200)])
    label_km = StringField(_l("Label in Khmer"), validators=[Optional(), Length(max=200)])


def kind_choices(blank_label=None) -> list[SelectChoice]:
    choices = [SelectChoice(kind.value, kind.label) for kind in BodyKind]
    return [SelectChoice("", blank_label)] + choices if blank_label is not None else choices


class BodyFilterForm(FlaskForm):
    """The bodies list's filters (read from the query string, so no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)],
                    description=_l("Name in Khmer or English, or code."))
    kind = SelectField(_l("Kind"), validators=[Optional()])
    province = SelectField(_l("Province"), validators=[Optional()])


class PublicBodyForm(FlaskForm):
    """One of the tenant's private bodies."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=64)],
                       description=_l("A short unique code, e.g. KH-7-KAMPOT-PHSAR."))
    kind = SelectField(_l("Kind"), choices=kind_choices, validators=[DataRequired()])
    parent_id = SelectField(_l("Part of"), coerce=lambda v: int(v) if v not in (None, "", "None") else None,
                            validators=[Optional()])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=255)])
    name_km = StringField(_l("Name in Khmer"), validators=[Optional(), Length(max=255)])
    ncdd_member = BooleanField(_l("Member of the NCDD (sub-national democratic development)"))
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=100)])
    email = StringField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    address_en = StringField(_l("Address"), validators=[Optional(), Length(max=500)])


class BodiesImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(message=_l("Choose a CSV file to upload."))],
                     description=_l("UTF-8 CSV with the columns code, kind, parent_code, name_en, name_km, "
                                    "ncdd_member, phone, email, address_en; at most 2 MB."))
