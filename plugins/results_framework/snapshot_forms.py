"""Forms of the snapshot pages: choosing a period to freeze, freezing it (a comment per indicator and
one for the snapshot), recording a correction, and choosing the periods to compare. Choices are set
by the views (they depend on the tenant's plan)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import Length

from core.enums import enum_choices
from core.periods import PeriodKind

COMMENT_LENGTH = 5000
MAX_COMPARED = 4


class PeriodChoiceForm(FlaskForm):
    """Step one of freezing (GET): the kind of period, then one period of that kind in the plan."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kind of period"), choices=enum_choices(PeriodKind), default=PeriodKind.QUARTER.value)
    # Checked by services.plan_period in the view, for a translated message naming the plan's years.
    period = SelectField(_l("Period"), choices=[], default="", validate_choice=False)


class FreezeForm(FlaskForm):
    """Step two (POST): the period chosen, a comment for the snapshot and, added by `freeze_form`,
    one comment box per indicator named `note_<indicator id>`."""

    period = HiddenField()
    comment = TextAreaField(_l("Comment on the snapshot"), validators=[Length(max=COMMENT_LENGTH)],
                            description=_l("What a reader of this period's figures should know."))

    def indicator_notes(self) -> dict[int, str]:
        """The comment typed for each indicator, keyed by its id."""
        return {int(name[len("note_"):]): (field.data or "") for name, field in self._fields.items()
                if name.startswith("note_")}


def freeze_form(indicators, notes: dict[int, str] | None = None, **kwargs) -> FreezeForm:
    """A FreezeForm with a comment box per indicator, pre-filled (on GET) with `notes`."""
    class IndicatorFreezeForm(FreezeForm):
        pass

    for indicator in indicators:
        setattr(IndicatorFreezeForm, f"note_{indicator.id}", TextAreaField(
            _l("Comment on %(code)s", code=indicator.code), validators=[Length(max=COMMENT_LENGTH)],
            default=(notes or {}).get(indicator.id, "")))
    return IndicatorFreezeForm(**kwargs)


class CorrectionForm(FlaskForm):
    """A correction stores the period again as it stands now, linked to the snapshot it corrects.
    The reason is required by services.freeze (its message names the field `comment`)."""

    comment = TextAreaField(_l("Reason for the correction"), validators=[Length(max=COMMENT_LENGTH)],
                            description=_l("Required. Say what was wrong and where the new figures come from."))


class CompareForm(FlaskForm):
    """Two to four periods, each a repeated `period` argument (the page shows four lists)."""

    class Meta:
        csrf = False

    period = SelectMultipleField(_l("Periods"), choices=[], validate_choice=False)
