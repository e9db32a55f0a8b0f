"""The training settings page: the tenant's youth band (the ages counted as youth on the date of a
session, 15–30 unless the organisation chooses otherwise)."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange, ValidationError

from core.extensions import db
from core.permissions import require
from plugins.training_registry import services

settings_bp = Blueprint("training_settings", __name__, url_prefix="/t/<tenant_slug>/training/settings",
                        template_folder="templates")

AGE_LIMITS = (10, 40)


def _age_validators():
    return [InputRequired(_l("Give an age in whole years.")),
            NumberRange(min=AGE_LIMITS[0], max=AGE_LIMITS[1], message=_l("Choose an age between %(min)s and %(max)s."))]


class YouthBandForm(FlaskForm):
    youth_min_age = IntegerField(_l("Youngest age counted as youth"), validators=_age_validators(),
                                 invalid_value_message=_l("Give an age in whole years."))
    youth_max_age = IntegerField(_l("Oldest age counted as youth"), validators=_age_validators(),
                                 invalid_value_message=_l("Give an age in whole years."))

    def validate_youth_max_age(self, field) -> None:
        low = self.youth_min_age.data
        if low is not None and field.data is not None and field.data < low:
            raise ValidationError(_("The oldest age cannot be below the youngest."))


@settings_bp.route("/", methods=["GET", "POST"])
@require("training.settings")
def edit():
    low, high = services.youth_band(g.tenant.id)
    form = YouthBandForm(data={"youth_min_age": low, "youth_max_age": high})
    if form.validate_on_submit():
        settings = services.settings_for(g.tenant.id)
        settings.youth_min_age, settings.youth_max_age = form.youth_min_age.data, form.youth_max_age.data
        db.session.commit()
        flash(_("Saved. Youth now means %(low)s to %(high)s years old.", low=settings.youth_min_age,
                high=settings.youth_max_age), "success")
        return redirect(url_for("training_settings.edit"))
    failed = bool(form.errors)
    return render_template("training_registry/settings.html", form=form, default=services.DEFAULT_YOUTH,
                           limits=AGE_LIMITS), 422 if failed else 200
