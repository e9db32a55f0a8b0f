"""Forms of the curriculum pages: the list's filters, a curriculum, a version (with an optional
first file) and a file added to a version."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from core.enums import enum_choices
from plugins.training_registry.curricula import LANGUAGES
from plugins.training_registry.models import VersionStatus


def language_choices() -> list[SelectChoice]:
    return [SelectChoice(code, label) for code, label in LANGUAGES.items()]


class CurriculumFilterForm(FlaskForm):
    """The list's filters, read from the query string (no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Title or topic"), validators=[Optional(), Length(max=200)])
    status = SelectField(_l("With a version that is"), choices=enum_choices(VersionStatus, _l("Any status")),
                         default="")


class CurriculumForm(FlaskForm):
    title_en = StringField(_l("Title in English"), validators=[DataRequired(), Length(max=300)])
    title_km = StringField(_l("Title in Khmer"), validators=[Optional(), Length(max=300)])
    topic = StringField(_l("Topic"), validators=[Optional(), Length(max=200)],
                        description=_l("For example: access to information, budget monitoring"))
    language = SelectField(_l("Language of the material"), choices=language_choices(), default="km")
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])


class VersionForm(FlaskForm):
    label = StringField(_l("Version"), validators=[DataRequired(), Length(max=100)],
                        description=_l("For example: 2nd edition 2025"))
    released_on = DateField(_l("Released on"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=enum_choices(VersionStatus), default=VersionStatus.DRAFT.value,
                         description=_l("Retire a version instead of deleting it: the courses that used it keep it."))
    change_note = TextAreaField(_l("What changed"), validators=[Optional(), Length(max=20000)])
    file = FileField(_l("File (optional)"),
                     description=_l("PDF, Word, OpenDocument, PowerPoint, Excel or image; at most 20 MB."))


class FileForm(FlaskForm):
    file = FileField(_l("File"), description=_l("PDF, Word, OpenDocument, PowerPoint, Excel or image; at most 20 MB."))
