"""Forms of the law pages: list filters, an entry, a stage change, a version with its file, a status
note, a group following a law, and the operators' stage list."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.enums import enum_choices
from plugins.policy_tracker.models import InstrumentType, StageKind


class LawFilterForm(FlaskForm):
    """The list's filters, read from the query string (no CSRF); stage and group choices set by the view."""

    class Meta:
        csrf = False

    q = StringField(_l("Title or tag"), validators=[Optional(), Length(max=200)])
    type = SelectField(_l("Type"), choices=enum_choices(InstrumentType, _l("Any type")), default="")
    stage = SelectField(_l("Current stage"), choices=[], default="")
    tag = StringField(_l("Tag"), validators=[Optional(), Length(max=100)])
    group = SelectField(_l("Followed by"), choices=[], default="")


class LawForm(FlaskForm):
    title_en = StringField(_l("Title in English"), validators=[DataRequired(), Length(max=300)])
    title_km = StringField(_l("Title in Khmer"), validators=[Optional(), Length(max=300)])
    short_name = StringField(_l("Short name"), validators=[Optional(), Length(max=64)],
                             description=_l("For example: A2I law"))
    instrument_type = SelectField(_l("Type"), choices=enum_choices(InstrumentType), validators=[DataRequired()])
    institution_ids = SelectMultipleField(_l("Lead institutions"), choices=[], coerce=int, validators=[Optional()])
    tags = StringField(_l("Topic tags"), validators=[Optional(), Length(max=500)],
                       description=_l("Separated by commas"))
    summary_en = TextAreaField(_l("Summary in English"), validators=[Optional(), Length(max=20000)])
    summary_km = TextAreaField(_l("Summary in Khmer"), validators=[Optional(), Length(max=20000)])
    links = TextAreaField(_l("Links"), validators=[Optional(), Length(max=5000)], description=_l("One address per line"))
    official = BooleanField(_l("Official entry of the shared register (seen by every organisation)"))


class StageChangeForm(FlaskForm):
    stage_id = SelectField(_l("Stage"), choices=[], coerce=int, validators=[DataRequired()])
    occurred_on = DateField(_l("Date"), validators=[DataRequired()])
    source = StringField(_l("Source"), validators=[Optional(), Length(max=500)],
                         description=_l("Where this is known from: a press release, the official gazette…"))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])


class VersionForm(FlaskForm):
    label = StringField(_l("Version"), validators=[DataRequired(), Length(max=100)],
                        description=_l("For example: Draft 2"))
    dated_on = DateField(_l("Date"), validators=[Optional()])
    source = StringField(_l("Source"), validators=[Optional(), Length(max=500)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])
    file = FileField(_l("File (optional)"))


class StatusNoteForm(FlaskForm):
    noted_on = DateField(_l("Date"), validators=[DataRequired()])
    text = TextAreaField(_l("Where the law stands"), validators=[DataRequired(), Length(max=5000)])
    source = StringField(_l("Source"), validators=[Optional(), Length(max=500)])


class FollowForm(FlaskForm):
    group_id = SelectField(_l("Working group"), choices=[], coerce=int, validators=[DataRequired()])


class StageEditForm(FlaskForm):
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=200)])
    name_km = StringField(_l("Name in Khmer"), validators=[Optional(), Length(max=200)])
    position = IntegerField(_l("Position"), validators=[DataRequired(), NumberRange(min=0, max=100000)])
    is_active = BooleanField(_l("In use"))


class StageAddForm(FlaskForm):
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=200)])
    name_km = StringField(_l("Name in Khmer"), validators=[Optional(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=enum_choices(StageKind), default=StageKind.STEP.value)
