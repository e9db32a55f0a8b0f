"""Forms of the trainer pages: the list's filters, marking a contact as trainer (picked by typing
the name) and editing a trainer's topics and notes."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from core.registers.fields import ContactField


class TrainerFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name or topic"), validators=[Optional(), Length(max=200)])
    state = SelectField(_l("Show"), choices=[SelectChoice("active", _l("Active trainers")),
                                             SelectChoice("inactive", _l("Former trainers")),
                                             SelectChoice("all", _l("All trainers"))], default="active")


TOPICS_HINT = _l("Separated by commas, for example: access to information, gender")


class TrainerForm(FlaskForm):
    contact_id = ContactField(_l("Person"), kind="person", validators=[DataRequired()],
                              description=_l("Type the name of a person in your contacts."))
    topics = StringField(_l("Topics"), validators=[Optional(), Length(max=500)], description=TOPICS_HINT)
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=20000)])


class TrainerEditForm(FlaskForm):
    topics = StringField(_l("Topics"), validators=[Optional(), Length(max=500)], description=TOPICS_HINT)
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=20000)])
