"""Working-group pages of the results framework: the tenant's groups, a group's shared indicators
(defined by the convening organisation), a member's preview and approval of the figure it shares
for a period, and the network panel on the core group page (totals per period, who contributed
what, disaggregations with small cells hidden). Rules live in plugins.results_framework.rollup."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from core import sharing
from core.disaggregation import SMALL_CELL, Dimension, labelled, province_names
from core.errors import DomainError, form_status, show_on_form
from core.extensions import db
from core.i18n import current_locale
from core.periods import PeriodKind, parse_period, period_containing, recent
from core.permissions import can, require
from core.plugins import Widget
from plugins.results_framework import rollup, services
from plugins.results_framework.group_forms import ApproveForm, GroupIndicatorForm, PeriodChoiceForm
from plugins.results_framework.models import FrameworkSettings, GroupIndicator

groups_bp = Blueprint("results_groups", __name__, url_prefix="/t/<tenant_slug>/results/groups",
                      template_folder="templates")

QUARTERS_OFFERED, YEARS_OFFERED, FISCAL_YEARS_OFFERED = 8, 3, 2


# --- how a breakdown is shown outside the tenant -----------------------------------------------------


def small_cell_text() -> str:
    return _("fewer than %(count)s", count=SMALL_CELL)


# --- the panel on the core group page -----------------------------------------------------------------

@dataclass
class MemberRow:
    name: str
    value: Decimal
    breakdown: list[Dimension]


@dataclass
class PeriodTotal:
    label: str
    key: str
    value: Decimal | None
    breakdown: list[Dimension]
    members: list[MemberRow]
    counted_once: int = 0


@dataclass
class IndicatorPanel:
    indicator: GroupIndicator
    name: str
    totals: list[PeriodTotal] = field(default_factory=list)


def network_panels(group, limit: int = rollup.INDICATORS_SHOWN) -> tuple[list[IndicatorPanel], bool]:
    """The group's shared indicators with their recent network totals, ready to show outside any
    tenant (small cells hidden everywhere, a member's own row included): four queries in all."""
    indicators = rollup.shared_indicators(group, limit=limit + 1)
    more, indicators = len(indicators) > limit, indicators[:limit]
    totals = rollup.recent_totals(indicators)
    locale = current_locale()
    names = province_names([total.breakdown for found in totals.values() for total in found] +
                           [c.breakdown for found in totals.values() for total in found for c in total.contributions],
                           locale)
    panels = []
    for indicator in indicators:
        panel = IndicatorPanel(indicator, indicator.name_in(locale))
        for total in totals.get(indicator.id, []):
            panel.totals.append(PeriodTotal(
                total.period.label, total.period_key, total.value,
                labelled(total.breakdown, names, hide_small=rollup.counts_people(indicator)),
                [MemberRow(c.tenant.name, c.value, labelled(c.breakdown, names,
                                                                   hide_small=rollup.counts_people(indicator)))
                 for c in total.contributions],
                total.counted_once))
        panels.append(panel)
    return panels, more


def group_panels(group, tenant, user) -> list[Widget]:
    """The samaki_group_panels hook: the network's results, when the group shares indicators."""
    if not can("results.view"):
        return []
    panels, more = network_panels(group)
    if not panels:
        return []
    return [Widget(_l("Network results"), "results_framework/groups/panel.html",
                   {"indicators": panels, "more": more, "group": group, "small_cell": small_cell_text(),
                    "small_cell_count": SMALL_CELL}, order=30)]


# --- helpers of the pages ----------------------------------------------------------------------------

def _group_or_404(group_id: int):
    return rollup.group_for_member(g.tenant, group_id) or abort(404)


def _indicator_or_404(group, indicator_id: int) -> GroupIndicator:
    return rollup.shared_indicator(group, indicator_id) or abort(404)


def _convened_or_403(group) -> None:
    if not (rollup.convenes(group, g.tenant) and can("results.freeze")):
        abort(403)


def period_choices(tenant, today: date | None = None) -> list[SelectChoice]:
    """Recent periods a member may approve figures for, newest first: quarters, years, fiscal years."""
    today = today or date.today()
    start_month = db.session.scalar(select(FrameworkSettings.fiscal_start_month).where(
        FrameworkSettings.tenant_id == tenant.id)) or 7
    periods = (list(reversed(recent(period_containing(today, PeriodKind.QUARTER), QUARTERS_OFFERED))) +
               list(reversed(recent(period_containing(today, PeriodKind.YEAR), YEARS_OFFERED))) +
               list(reversed(recent(period_containing(today, PeriodKind.FISCAL_YEAR, start_month),
                                    FISCAL_YEARS_OFFERED))))
    return [SelectChoice(period.key, period.label) for period in periods]


def _source_choices(indicator: GroupIndicator | None) -> list[SelectChoice]:
    codes = services.module_codes(g.tenant)
    choices = [SelectChoice("", _("None: only members' framework indicators with the same code"))]
    choices += [SelectChoice(code, f"{label} ({code})") for code, label in sorted(codes.items())]
    if indicator is not None and indicator.source_code and indicator.source_code not in codes:
        choices.append(SelectChoice(indicator.source_code, indicator.source_code))
    return choices


# --- pages -----------------------------------------------------------------------------------------------

@groups_bp.get("/")
@require("results.view")
def index() -> str:
    groups = sharing.groups_of(g.tenant)
    return render_template("results_framework/groups/index.html", groups=groups,
                           counts=rollup.indicator_counts([group.id for group in groups]))


@groups_bp.get("/<int:group_id>/")
@require("results.view")
def group(group_id: int) -> str:
    working_group = _group_or_404(group_id)
    approvals = rollup.approvals_of(working_group, g.tenant)
    names = province_names([approval.breakdown for approval in approvals], current_locale())
    return render_template(
        "results_framework/groups/group.html", group=working_group,
        indicators=rollup.shared_indicators(working_group), convenes=rollup.convenes(working_group, g.tenant),
        approvals=[(approval, parse_period(approval.period_key).label,
                    labelled(approval.breakdown, names,
                                    hide_small=rollup.counts_people(approval.group_indicator)))
                   for approval in approvals],
        small_cell=small_cell_text(), small_cell_count=SMALL_CELL, locale=current_locale())


def _indicator_form(group, indicator: GroupIndicator | None) -> GroupIndicatorForm:
    form = GroupIndicatorForm(obj=indicator) if indicator is not None else GroupIndicatorForm()
    form.source_code.choices = _source_choices(indicator)
    if request.method == "GET" and indicator is not None:
        form.unit.data, form.aggregation.data = indicator.unit.value, indicator.aggregation.value
        form.accumulation.data = indicator.accumulation.value
        form.target.data = "" if indicator.target is None else f"{indicator.target.normalize():f}"
    return form


def _save_indicator(group, indicator: GroupIndicator | None):
    form = _indicator_form(group, indicator)
    if form.validate_on_submit():
        try:
            saved = rollup.save_indicator(
                group, g.tenant, code=form.code.data, name_en=form.name_en.data, name_km=form.name_km.data or "",
                unit=form.unit.data, aggregation=form.aggregation.data, accumulation=form.accumulation.data,
                source_code=form.source_code.data or "", target=form.target.data, indicator=indicator)
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Shared indicator “%(code)s” saved.", code=saved.code), "success")
            return redirect(url_for("results_groups.group", group_id=group.id))
    return render_template("results_framework/groups/indicator_form.html", form=form, group=group,
                           indicator=indicator), form_status(form)


@groups_bp.route("/<int:group_id>/indicators/new", methods=["GET", "POST"])
@require("results.freeze")
def new_indicator(group_id: int):
    working_group = _group_or_404(group_id)
    _convened_or_403(working_group)
    return _save_indicator(working_group, None)


@groups_bp.route("/<int:group_id>/indicators/<int:indicator_id>/edit", methods=["GET", "POST"])
@require("results.freeze")
def edit_indicator(group_id: int, indicator_id: int):
    working_group = _group_or_404(group_id)
    indicator = _indicator_or_404(working_group, indicator_id)
    _convened_or_403(working_group)
    return _save_indicator(working_group, indicator)


@groups_bp.post("/<int:group_id>/indicators/<int:indicator_id>/remove")
@require("results.freeze")
def remove_indicator(group_id: int, indicator_id: int) -> Response:
    working_group = _group_or_404(group_id)
    indicator = _indicator_or_404(working_group, indicator_id)
    _convened_or_403(working_group)
    code = indicator.code
    rollup.remove_indicator(indicator, g.tenant)
    db.session.commit()
    flash(_("Shared indicator “%(code)s” removed, with the figures members had approved for it.", code=code),
          "success")
    return redirect(url_for("results_groups.group", group_id=working_group.id))


def _preview(indicator: GroupIndicator, period_key: str) -> dict:
    """The figure the member would share, in full (its own data) and as the group would see it."""
    figure = rollup.member_figure(indicator, g.tenant, period_key)
    names = province_names([figure.breakdown], current_locale())
    return dict(figure=figure, period=parse_period(period_key), own=labelled(figure.breakdown, names,
                                                                                     hide_small=False),
                shared=labelled(figure.breakdown, names, hide_small=rollup.counts_people(indicator)))


@groups_bp.route("/<int:group_id>/indicators/<int:indicator_id>/approve", methods=["GET", "POST"])
@require("results.freeze")
def approve(group_id: int, indicator_id: int):
    working_group = _group_or_404(group_id)
    indicator = _indicator_or_404(working_group, indicator_id)
    choices = period_choices(g.tenant)
    chooser = PeriodChoiceForm(request.args if request.method == "GET" else None)
    chooser.period_key.choices = choices
    form = ApproveForm()
    form.period_key.choices = choices
    context = dict(group=working_group, indicator=indicator, chooser=chooser, form=form,
                   name=indicator.name_in(current_locale()), small_cell=small_cell_text(), preview=None,
                   locale=current_locale())
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                rollup.approve(indicator, g.tenant, form.period_key.data, current_user.id,
                               comment=form.comment.data or "")
            except DomainError as error:
                db.session.rollback()
                show_on_form(form, error)
            else:
                db.session.commit()
                flash(_("Your figure for %(period)s is now part of the network total.",
                        period=parse_period(form.period_key.data).label), "success")
                return redirect(url_for("results_groups.group", group_id=working_group.id))
        chooser.period_key.data = form.period_key.data
        return render_template("results_framework/groups/approve.html", **context), 422
    if "period_key" in request.args:
        if chooser.validate():
            try:
                context["preview"] = _preview(indicator, chooser.period_key.data)
                form.period_key.data = chooser.period_key.data
            except DomainError as error:
                show_on_form(chooser, error)
        return render_template("results_framework/groups/approve.html", **context), form_status(chooser)
    return render_template("results_framework/groups/approve.html", **context)


@groups_bp.post("/<int:group_id>/indicators/<int:indicator_id>/withdraw")
@require("results.freeze")
def withdraw(group_id: int, indicator_id: int) -> Response:
    working_group = _group_or_404(group_id)
    indicator = _indicator_or_404(working_group, indicator_id)
    period_key = (request.form.get("period_key") or "")[:16]
    try:
        rollup.withdraw(indicator, g.tenant, period_key)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("Your figure for %(period)s no longer counts in the network total.",
                period=parse_period(period_key).label), "success")
    return redirect(url_for("results_groups.group", group_id=working_group.id))
