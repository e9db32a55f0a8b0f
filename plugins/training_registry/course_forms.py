"""Forms of the course pages: a course, its trainers, its sessions, enrolling a person, an
enrolment's status, and the list filters. Choices that come from the database are set by the views."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.enums import enum_choices
from core.registers.fields import ContactField, OrganisationField, PlaceField
from plugins.training_registry import courses  # noqa: F401  (registers the enum labels the choices show)
from plugins.training_registry.models import CourseKind, EnrolmentStatus, SessionMode


class CourseForm(FlaskForm):
    title_en = StringField(_l("Title (English)"), validators=[Length(max=300)])
    title_km = StringField(_l("Title (Khmer)"), validators=[Length(max=300)])
    curriculum_version_id = SelectField(_l("Curriculum version"), choices=[], default="")
    objectives = TextAreaField(_l("Objectives"), validators=[Length(max=20000)])
    organiser_id = OrganisationField(_l("Organiser"), validators=[Optional()],
                                     description=_l("Leave empty when your organisation runs the course itself."))
    project_id = SelectField(_l("Project"), choices=[], default="")
    target_group = StringField(_l("Target group"), validators=[Length(max=300)],
                               description=_l("For example: commune councillors, CBO members, youth."))
    place_id = PlaceField(_l("Place"), validators=[Optional()],
                          description=_l("A province, district or commune: the default place of new sessions."))
    starts_on = DateField(_l("First day"), validators=[DataRequired()])
    ends_on = DateField(_l("Last day"), validators=[DataRequired()])
    completion_percent = IntegerField(_l("Share of sessions needed to complete (%)"), default=80,
                                      validators=[InputRequired(), NumberRange(min=1, max=100)],
                                      description=_l("Mandatory sessions must be attended as well."))
    test_max_score = StringField(_l("Maximum test score"), validators=[Optional(), Length(max=20)],
                                 description=_l("Pre and post tests use the same scale, e.g. 20 or 100."))
    signatory_name = StringField(_l("Certificate signatory"), validators=[Length(max=200)])
    signatory_title = StringField(_l("Signatory's title"), validators=[Length(max=200)])


class CourseTrainerForm(FlaskForm):
    trainer_id = SelectField(_l("Trainer"), choices=[], validators=[DataRequired()])
    role = StringField(_l("Role on the course"), validators=[Length(max=100)],
                       description=_l("For example: lead trainer, co-trainer."))


class SessionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=300)])
    starts_on = DateField(_l("Date"), validators=[DataRequired()])
    start_time = TimeField(_l("Starts at"), validators=[Optional()])
    end_time = TimeField(_l("Ends at"), validators=[Optional()])
    place_id = PlaceField(_l("Place"), validators=[Optional()])
    venue = StringField(_l("Venue"), validators=[Length(max=300)], description=_l("For example: commune hall."))
    mode = SelectField(_l("Mode"), choices=enum_choices(SessionMode), default=SessionMode.IN_PERSON.value)
    capacity = IntegerField(_l("Capacity (places)"), validators=[Optional(), NumberRange(min=1, max=100_000)])
    is_mandatory = BooleanField(_l("Mandatory: needed to complete the course"))


class EnrolForm(FlaskForm):
    contact_id = ContactField(_l("Person"), kind="person", validators=[DataRequired()],
                              description=_l("Type a name from your contacts."))
    status = SelectField(_l("Status"), choices=enum_choices(EnrolmentStatus),
                         default=EnrolmentStatus.REGISTERED.value)


class EnrolmentStatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=enum_choices(EnrolmentStatus))


class CourseFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Title or target group"), validators=[Optional(), Length(max=200)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("Until"), validators=[Optional()])
    project = SelectField(_l("Project"), choices=[], default="")
    curriculum = SelectField(_l("Curriculum"), choices=[], default="")
    province = SelectField(_l("Province"), choices=[], default="")
    kind = SelectField(_l("Kind"), choices=enum_choices(CourseKind, _l("Any kind")), default="")
