"""Forms of the consultant pool pages: the search filters, a consultant's profile (a person picked
from the contacts or added on the spot), an availability period, a rating and a CV upload. The
rate fields are removed by the views for readers without "consulting.pool.rates"."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from core.enums import enum_choices
from core.registers.fields import ContactField
from core.registers.models import Sex
from plugins.consulting_crm.models import Currency
from plugins.consulting_crm.pool import LANGUAGES

EXPERTISE_HINT = _l("Separated by commas, for example: access to information, budget analysis, training")


def language_choices(blank=None) -> list[SelectChoice]:
    choices = [SelectChoice(code, label) for code, label in LANGUAGES.items()]
    return ([SelectChoice("", blank)] + choices) if blank is not None else choices


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (no JavaScript, easy on a phone)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PoolFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    expertise = StringField(_l("Expertise"), validators=[Optional(), Length(max=100)])
    language = SelectField(_l("Language"), choices=language_choices(_l("Any language")), default="")
    available_from = DateField(_l("Available from"), validators=[Optional()])
    available_to = DateField(_l("Available until"), validators=[Optional()])
    state = SelectField(_l("Show"), choices=[SelectChoice("active", _l("Active consultants")),
                                             SelectChoice("inactive", _l("Former consultants")),
                                             SelectChoice("all", _l("All consultants"))], default="active")


class ProfileForm(FlaskForm):
    """A consultant's own fields (the edit page; the new page adds the person)."""

    expertise = StringField(_l("Expertise"), validators=[Optional(), Length(max=500)], description=EXPERTISE_HINT)
    languages = CheckboxesField(_l("Working languages"), choices=language_choices(), default=["km"])
    day_rate = StringField(_l("Day rate"), validators=[Optional(), Length(max=20)],
                           description=_l("Seen only by owners and administrators."))
    rate_currency = SelectField(_l("Currency of the day rate"), choices=enum_choices(Currency),
                                default=Currency.USD.value)
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=20000)])
    is_active = BooleanField(_l("Active: offered for new assignments"), default=True)


class NewConsultantForm(ProfileForm):
    """Either a person already in the contacts, or a new person's name (and how to reach them)."""

    contact_id = ContactField(_l("Person in your contacts"), kind="person", validators=[Optional()],
                              description=_l("Type the name of a person in your contacts, or leave this empty "
                                             "and give a new person's name below."))
    name_km = StringField(_l("New person: name in Khmer"), validators=[Optional(), Length(max=200)])
    name_latin = StringField(_l("New person: name in Latin script"), validators=[Optional(), Length(max=200)])
    sex = SelectField(_l("Sex"), choices=enum_choices(Sex), default=Sex.NOT_RECORDED.value)
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=50)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=254)])

    # The person first, then the profile.
    FIELD_ORDER = ("contact_id", "name_km", "name_latin", "sex", "phone", "email")

    def __iter__(self):
        first = [self[name] for name in self.FIELD_ORDER]
        return iter(first + [field for field in super().__iter__() if field.name not in self.FIELD_ORDER])


class AvailabilityForm(FlaskForm):
    starts_on = DateField(_l("First day"), validators=[DataRequired()])
    ends_on = DateField(_l("Last day"), validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])


class RatingForm(FlaskForm):
    score = SelectField(_l("Score"), choices=[SelectChoice(str(score), str(score)) for score in range(5, 0, -1)],
                        validators=[DataRequired()])
    engagement_id = SelectField(_l("Engagement"), choices=[], default="")
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=5000)])


class CVForm(FlaskForm):
    file = FileField(_l("CV (PDF, docx or odt, at most 10 MB)"))
