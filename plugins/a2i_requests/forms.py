"""Forms of the request pages: list filters, the request itself, workflow steps, correspondence, files."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from core.enums import enum_choices
from core.registers.fields import ContactField, InstitutionField, MemberField
from core.registers.models import AgeGroup, Sex
from plugins.a2i_requests.models import (Channel, ComplaintOutcome, CorrespondenceKind, Direction, InfoRequest,
                                         InitialReply, RequestStatus)
from plugins.a2i_requests.services import STEP_DETAILS

# The fields each workflow step asks for besides the date and note: exactly the details
# services.transition accepts for that target status (anything else would be a TypeError there).
STEP_FIELDS: dict[RequestStatus, set[str]] = STEP_DETAILS
DETAIL_FIELDS = ("receipt_number", "initial_reply", "fee_amount", "fee_waived", "extension_reason", "extended_to",
                 "exemption_ground_code", "transferred_to_id", "complaint_outcome", "disclosed_summary")

SORTS = {
    "reference": _l("Reference (A–Z)"),
    "-reference": _l("Reference (newest first)"),
    "submitted_on": _l("Submitted (oldest first)"),
    "-submitted_on": _l("Submitted (newest first)"),
    "due_on": _l("Due date (soonest first)"),
    "-due_on": _l("Due date (latest first)"),
}
DEFAULT_SORT = "-reference"
SORT_COLUMNS = {"reference": InfoRequest.reference, "submitted_on": InfoRequest.submitted_on,
                "due_on": InfoRequest.due_on}


def sort_order(sort: str) -> list:
    """ORDER BY for a `field` / `-field` sort: empty values last, newest id first among equals.
    NOT NULL columns get no NULLS LAST, which would keep PostgreSQL from reading their index."""
    column = SORT_COLUMNS[sort.lstrip("-")]
    order = column.desc() if sort.startswith("-") else column.asc()
    return [order.nulls_last() if column.expression.nullable else order, InfoRequest.id.desc()]


# The form's fields that describe a new requester (they create a contact when the request is saved).
NEW_REQUESTER_FIELDS = ("requester_name", "requester_contact", "requester_sex", "requester_age_group",
                        "protected_requester", "consent_recorded", "guardian_consent")


class RequestFilterForm(FlaskForm):
    """The list's filters, read from the query string (so no CSRF). Body and assignee are typed
    (type-ahead with core/static/picker.js): selects of every body and every member cost most of
    the page's time and a phone's screen."""

    class Meta:
        csrf = False

    q = StringField(_l("Reference or subject"), validators=[Optional(), Length(max=200)])
    status = SelectField(_l("Status"), choices=enum_choices(RequestStatus, _l("Any status")), default="")
    body = InstitutionField(_l("Public body"), include_former=True)
    assignee = MemberField(_l("Assigned to"))
    tag = StringField(_l("Tag"), validators=[Optional(), Length(max=100)])
    overdue = BooleanField(_l("Overdue only"))
    sort = SelectField(_l("Sort by"), choices=[SelectChoice(value, label) for value, label in SORTS.items()],
                       default=DEFAULT_SORT)


class RequestForm(FlaskForm):
    """A request's own facts and its requester: a person from the contacts, or a new requester
    described here (saved as a contact). Body, assignee and requester are typed (pickers): a
    tenant's thousands of contacts would otherwise be a select of everyone."""

    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    question = TextAreaField(_l("Question asked of the body"), validators=[DataRequired(), Length(max=20000)])
    body_id = InstitutionField(_l("Public body"), validators=[DataRequired()])
    channel = SelectField(_l("Channel"), choices=enum_choices(Channel), default=Channel.LETTER.value)
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=500)],
                       description=_l("Separate tags with commas, e.g. land, budget."))
    assignee_id = MemberField(_l("Assigned to"))
    requester_contact_id = ContactField(_l("Requester from your contacts"), kind="person",
                                       description=_l("Or leave this empty and describe a new requester below; "
                                                      "leave both empty when the organisation asks in its own name."))
    requester_name = StringField(_l("New requester's name"), validators=[Optional(), Length(max=200)],
                                 description=_l("Saved as a new contact of your organisation."))
    requester_contact = StringField(_l("New requester's phone or e-mail"), validators=[Optional(), Length(max=200)])
    consent_recorded = BooleanField(_l("The requester agreed that we record their name and contact"))
    guardian_consent = BooleanField(_l("For a requester under 18: a parent or guardian agreed too"))
    requester_sex = SelectField(_l("Requester's sex"), choices=enum_choices(Sex),
                                default=Sex.NOT_RECORDED.value)
    requester_age_group = SelectField(_l("Requester's age group"), choices=enum_choices(AgeGroup),
                                      default=AgeGroup.NOT_RECORDED.value)
    protected_requester = BooleanField(_l("Protect the requester's identity"),
                                       description=_l("Only the assignee and managers will see who asked."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if "requester_name" in self and (self.requester_name.data or "").strip() and not self.consent_recorded.data:
            self.consent_recorded.errors = list(self.consent_recorded.errors) + [
                str(_l("Record the requester's consent before saving their name."))]
            valid = False
        return valid


class TransitionForm(FlaskForm):
    """Every detail a workflow step may need; the view removes the fields its step does not use."""

    occurred_on = DateField(_l("Date"), validators=[DataRequired()])
    receipt_number = StringField(_l("Receipt number"), validators=[Optional(), Length(max=64)])
    initial_reply = SelectField(_l("What the initial reply said"),
                                choices=enum_choices(InitialReply, _l("Choose…")), default="")
    fee_amount = StringField(_l("Fee asked"), validators=[Optional(), Length(max=64)])
    fee_waived = BooleanField(_l("The fee was waived"))
    extension_reason = TextAreaField(_l("Reasons given for the extension"), validators=[Length(max=5000)])
    extended_to = DateField(_l("Extended until"), validators=[Optional()])
    exemption_ground_code = SelectField(_l("Exemption ground"), choices=[], default="")
    transferred_to_id = SelectField(_l("Transferred to"), choices=[], default="")
    complaint_outcome = SelectField(_l("Complaint outcome"),
                                    choices=enum_choices(ComplaintOutcome, _l("Choose…")), default="")
    disclosed_summary = TextAreaField(_l("What was disclosed"), validators=[Length(max=20000)])
    note = TextAreaField(_l("Note"), validators=[Length(max=5000)])

    def keep_only(self, status: RequestStatus) -> None:
        """Drop the detail fields the step to `status` does not take."""
        for name in DETAIL_FIELDS:
            if name not in STEP_FIELDS.get(status, set()):
                delattr(self, name)


class CorrespondenceForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=enum_choices(CorrespondenceKind),
                       default=CorrespondenceKind.LETTER.value)
    direction = SelectField(_l("Direction"), choices=enum_choices(Direction), default=Direction.OUTGOING.value)
    occurred_on = DateField(_l("Date"), validators=[DataRequired()])
    summary = TextAreaField(_l("Summary"), validators=[Length(max=10000)])
    file = FileField(_l("File (optional)"))


class AttachmentForm(FlaskForm):
    # Its own id: the correspondence form on the same page also has a "file" input.
    file = FileField(_l("File"), id="attachment-file")
