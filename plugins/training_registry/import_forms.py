"""Forms of the participants import: the upload, and what to import when accepting the preview
(the decision for each possible duplicate is read by the view from the posted `decision-<line>`)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from core.registers.contact_import import ALL_OR_NONE, VALID_ONLY


class ParticipantsFileForm(FlaskForm):
    file = FileField(_l("CSV or Excel file"), validators=[FileRequired(message=_l("Choose a file to upload."))],
                     description=_l("CSV (UTF-8) or Excel workbook (.xlsx), at most 2 MB and 2,000 rows."))


class AcceptParticipantsForm(FlaskForm):
    mode = RadioField(_l("What to import"), default=VALID_ONLY, choices=[
        SelectChoice(VALID_ONLY, _l("The valid rows only (rows with errors are left out)")),
        SelectChoice(ALL_OR_NONE, _l("All rows or nothing (nothing is imported if any row has an error)"))])
