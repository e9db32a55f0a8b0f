"""The form of a historical course: what is known of it (title, dates, place, project, curriculum
version) and its totals. Project and version choices are set by the view."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.registers.fields import PlaceField

MAX_COUNT = 10_000_000
NOT_NEGATIVE = _l("A count cannot be negative.")


def count_field(label):
    return IntegerField(label, default=0, validators=[Optional(), NumberRange(min=0, max=MAX_COUNT,
                                                                              message=NOT_NEGATIVE)])


class HistoricalCourseForm(FlaskForm):
    title_en = StringField(_l("Title (English)"), validators=[DataRequired(), Length(max=300)])
    title_km = StringField(_l("Title (Khmer)"), validators=[Optional(), Length(max=300)])
    starts_on = DateField(_l("First day"), validators=[DataRequired()])
    ends_on = DateField(_l("Last day"), validators=[DataRequired()])
    place_id = PlaceField(_l("Place"), validators=[Optional()],
                          description=_l("Province, district or commune where the course was held"))
    project_id = SelectField(_l("Project"), choices=[], default="")
    curriculum_version_id = SelectField(_l("Curriculum version"), choices=[], default="")
    sessions = count_field(_l("Sessions"))
    participants = count_field(_l("Participants"))
    women = count_field(_l("of whom women"))
    youth = count_field(_l("of whom youth"))
    idpoor = count_field(_l("of whom IDPoor card holders"))
    disability = count_field(_l("of whom persons with disabilities"))
    organisations = count_field(_l("Organisations trained (CBOs, CSOs)"))
    completed = count_field(_l("of whom completed the course"))
    source = StringField(_l("Source of the figures"), validators=[Optional(), Length(max=500)],
                         description=_l("For example: 2019 annual report, page 12"))
