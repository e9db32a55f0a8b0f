"""The training report's filter form, read from the query string (a GET form, so no CSRF): the
period, a project, a curriculum (any of its versions) and a province, each a short select."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from core.extensions import db
from core.i18n import current_locale
from core.registers.models import Place, PlaceKind, Project
from plugins.training_registry.models import Curriculum
from plugins.training_registry.reports import ReportFilters


def project_choices() -> list[SelectChoice]:
    projects = db.session.execute(select(Project.id, Project.code, Project.title_en, Project.title_km)
                                  .order_by(Project.code, Project.id)).all()
    locale = current_locale()
    return [SelectChoice("", _("All projects"))] + [
        SelectChoice(str(row.id), row.code or (row.title_km if locale == "km" and row.title_km else row.title_en))
        for row in projects]


def curriculum_choices() -> list[SelectChoice]:
    curricula = db.session.scalars(select(Curriculum).order_by(Curriculum.title_en, Curriculum.id))
    locale = current_locale()
    return [SelectChoice("", _("All curricula"))] + [SelectChoice(str(c.id), c.title_in(locale)) for c in curricula]


def province_choices() -> list[SelectChoice]:
    provinces = db.session.scalars(select(Place).where(Place.kind == PlaceKind.PROVINCE)
                                   .order_by(Place.name_en, Place.code))
    locale = current_locale()
    return [SelectChoice("", _("All provinces"))] + [SelectChoice(p.code, p.name_in(locale)) for p in provinces]


class ReportFilterForm(FlaskForm):
    class Meta:
        csrf = False

    date_from = DateField(_l("Courses starting from"), validators=[Optional()])
    date_to = DateField(_l("Courses starting until"), validators=[Optional()])
    project = SelectField(_l("Project"), validators=[Optional()])
    curriculum = SelectField(_l("Curriculum"), validators=[Optional()])
    province = SelectField(_l("Province"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.project.choices = project_choices()
        self.curriculum.choices = curriculum_choices()
        self.province.choices = province_choices()

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_("The end of the period must not be before its start."))

    def filters(self) -> ReportFilters:
        return ReportFilters(date_from=self.date_from.data, date_to=self.date_to.data,
                             project_id=int(self.project.data) if self.project.data else None,
                             curriculum_id=int(self.curriculum.data) if self.curriculum.data else None,
                             province_code=self.province.data or None)

    def active(self) -> list[str]:
        """The chosen filters as short texts ("Project: P-12"), for the folded form's summary."""
        chosen = []
        if self.date_from.data or self.date_to.data:
            chosen.append(_("Period: %(start)s – %(end)s",
                            start=self.date_from.data.isoformat() if self.date_from.data else "…",
                            end=self.date_to.data.isoformat() if self.date_to.data else "…"))
        for select_field in (self.project, self.curriculum, self.province):
            if select_field.data:
                label = next((str(choice.label) for choice in select_field.choices
                              if choice.value == select_field.data), select_field.data)
                chosen.append(_("%(filter)s: %(value)s", filter=select_field.label.text, value=label))
        return chosen
