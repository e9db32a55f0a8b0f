"""Forms of the campaign pages: campaigns (with their laws, targets and team), stakeholders,
recommendations and their outcome, activities, and the list filters. Choices are set by the views."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.enums import enum_choices
from core.registers.fields import ContactField, PlaceField
from plugins.policy_tracker.models import ActivityKind, CampaignStatus, Outcome


class CampaignForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    goal = TextAreaField(_l("Goal"), validators=[Length(max=20000)])
    status = SelectField(_l("Status"), choices=enum_choices(CampaignStatus), default=CampaignStatus.PLANNED.value)
    project_id = SelectField(_l("Project"), choices=[], default="")
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])
    strategy_notes = TextAreaField(_l("Strategy notes"), validators=[Length(max=20000)],
                                   description=_l("Seen only by managers; never shared or exported to others."))
    budget = StringField(_l("Budget (USD)"), validators=[Optional(), Length(max=40)])


class CampaignLinksForm(FlaskForm):
    """The campaign's laws, target institutions and team, chosen from lists (no JavaScript needed)."""

    law_ids = SelectMultipleField(_l("Laws and policies"), choices=[], coerce=str)
    institution_ids = SelectMultipleField(_l("Target institutions"), choices=[], coerce=str)
    user_ids = SelectMultipleField(_l("Team"), choices=[], coerce=str)


class StakeholderForm(FlaskForm):
    contact_id = ContactField(_l("Contact"), validators=[DataRequired()])
    role = StringField(_l("Role in the campaign"), validators=[Optional(), Length(max=200)])


class RecommendationForm(FlaskForm):
    law_id = SelectField(_l("Law or policy"), choices=[], validators=[DataRequired()])
    version_id = SelectField(_l("Version"), choices=[], default="", validate_choice=False)
    article = StringField(_l("Article"), validators=[Optional(), Length(max=100)])
    text_km = TextAreaField(_l("Recommendation (Khmer)"), validators=[Length(max=20000)])
    text_en = TextAreaField(_l("Recommendation (English)"), validators=[Length(max=20000)])
    campaign_id = SelectField(_l("Campaign"), choices=[], default="")
    submitted_to_id = SelectField(_l("Submitted to"), choices=[], default="")
    submitted_on = DateField(_l("Submitted on"), validators=[Optional()])
    partner_tenant_ids = SelectMultipleField(_l("Co-submitting organisations using this system"), choices=[],
                                             coerce=str)
    organisation_ids = SelectMultipleField(_l("Other co-submitting organisations (contacts)"), choices=[],
                                           coerce=str)


class OutcomeForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), choices=enum_choices(Outcome))
    outcome_on = DateField(_l("Date the outcome was known"), validators=[Optional()])
    outcome_evidence = TextAreaField(_l("Evidence (a link or a reference)"), validators=[Length(max=20000)])


class ActivityForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=enum_choices(ActivityKind), default=ActivityKind.MEETING.value)
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    occurred_on = DateField(_l("Date"), validators=[DataRequired()])
    campaign_id = SelectField(_l("Campaign"), choices=[], default="")
    place_id = PlaceField(_l("Place"), validators=[Optional()])
    summary = TextAreaField(_l("Summary"), validators=[Length(max=20000)])
    attendee_ids = SelectMultipleField(_l("Attendees (contacts)"), choices=[], coerce=str)
    participants_total = IntegerField(_l("Participants in total"), default=0,
                                      validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    participants_women = IntegerField(_l("of whom women"), default=0,
                                      validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    participants_youth = IntegerField(_l("of whom youth"), default=0,
                                      validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    participants_disability = IntegerField(_l("of whom persons with disabilities"), default=0,
                                           validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    is_public = BooleanField(_l("Public: listed when the campaign is shared with a working group"))


class RecommendationFilterForm(FlaskForm):
    class Meta:
        csrf = False

    law = SelectField(_l("Law or policy"), choices=[], default="")
    campaign = SelectField(_l("Campaign"), choices=[], default="")
    outcome = SelectField(_l("Outcome"), choices=enum_choices(Outcome, _l("Any outcome")), default="")
    date_from = DateField(_l("Submitted from"), validators=[Optional()])
    date_to = DateField(_l("Submitted until"), validators=[Optional()])


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False

    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("Until"), validators=[Optional()])
