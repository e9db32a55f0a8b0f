"""Forms of the certificates page: issuing (buttons only), the reason of a re-issue or revocation, and
the course's signatory with the signature image."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from plugins.training_registry.certificates import MAX_REASON


class IssueForm(FlaskForm):
    """Issue one certificate (enrolment given) or, without one, everyone eligible."""

    enrolment_id = HiddenField()


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=_l("Give the reason.")),
                                                     Length(max=MAX_REASON)],
                           description=_l("Kept with the certificate and shown to administrators."))


class SignatoryForm(FlaskForm):
    signatory_name = StringField(_l("Name of the signatory"), validators=[Optional(), Length(max=200)])
    signatory_title = StringField(_l("Title of the signatory"), validators=[Optional(), Length(max=200)],
                                  description=_l("For example: Executive Director"))
    signature = FileField(_l("Signature image"), id="signature",
                          description=_l("A PNG or JPEG picture of the signature, at most 2 MB."))
    remove_signature = BooleanField(_l("Remove the current signature image"))
