"""Snapshot pages of the results framework: the frozen periods, freezing a period (each indicator's
live value with a comment), a snapshot as it was frozen with its chain of corrections, and periods
compared side by side. A snapshot is never changed: every attempt answers 409 and points to
"Record a correction", which stores a new snapshot linked to the one it corrects. Thin: forms in,
one service call, one commit; the rules are in services.py."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from core.disaggregation import labelled, province_names
from core.errors import DomainError, form_status, show_on_form
from core.extensions import csrf, db
from core.i18n import current_locale
from core.pagination import paginate
from core.periods import Period, PeriodKind, parse_period, period_containing, previous, recent
from core.permissions import can, require
from core.web import is_api_request, problem
from plugins.results_framework import services
from plugins.results_framework.models import Direction, Snapshot
from plugins.results_framework.snapshot_forms import (MAX_COMPARED, CompareForm, CorrectionForm, PeriodChoiceForm,
                                                      freeze_form)

snapshots_bp = Blueprint("results_snapshots", __name__, url_prefix="/t/<tenant_slug>/results/snapshots",
                         template_folder="templates")

PAGE_SIZE = 50
TEMPLATES = "results_framework/snapshots"


def frozen_message() -> str:
    return _("A frozen snapshot cannot be changed. Record a correction instead.")


# --- loading --------------------------------------------------------------------------------------

def snapshot_list_query():
    """The tenant's snapshots, the newest period first and, within a period, the latest first."""
    return (select(Snapshot).where(Snapshot.tenant_id == g.tenant.id)
            .options(joinedload(Snapshot.frozen_by), joinedload(Snapshot.corrects))
            .order_by(Snapshot.period_end.desc(), Snapshot.period_start.desc(), Snapshot.frozen_at.desc(),
                      Snapshot.id.desc()))


def _snapshot_or_404(snapshot_id: int) -> Snapshot:
    snapshot = db.session.execute(
        select(Snapshot).where(Snapshot.id == snapshot_id, Snapshot.tenant_id == g.tenant.id)
        .options(selectinload(Snapshot.values), joinedload(Snapshot.frozen_by), joinedload(Snapshot.corrects))
    ).scalar_one_or_none()
    if snapshot is None:
        abort(404)
    return snapshot


def correction_chain(period_key: str) -> list[Snapshot]:
    """Every snapshot of a period, the first freeze first: the last one is in force."""
    return list(db.session.execute(
        select(Snapshot).where(Snapshot.tenant_id == g.tenant.id, Snapshot.period_key == period_key)
        .options(joinedload(Snapshot.frozen_by)).order_by(Snapshot.frozen_at, Snapshot.id)).scalars())


def in_force_ids() -> dict[str, int]:
    """Period key -> id of the snapshot in force, from the ids alone (one light query)."""
    found = {}
    for key, snapshot_id in db.session.execute(
            select(Snapshot.period_key, Snapshot.id).where(Snapshot.tenant_id == g.tenant.id)
            .order_by(Snapshot.frozen_at, Snapshot.id)):
        found[key] = snapshot_id      # later ones correct earlier ones, as in services.current_snapshots
    return found




def started_periods(settings, kind: PeriodKind | str, today: date) -> list[Period]:
    """The plan's periods of `kind` that have started, the newest first (only those can be frozen)."""
    return [period for period in reversed(services.plan_periods(settings, kind)) if period.start <= today]


def period_options(settings, today: date, kinds=tuple(PeriodKind), frozen: dict[str, int] | None = None,
                   blank: str | None = None) -> list[SelectChoice]:
    """Choices of the plan's started periods, grouped by kind; frozen ones say so."""
    choices = [SelectChoice("", blank)] if blank is not None else []
    for kind in kinds:
        for period in started_periods(settings, kind, today):
            label = period.label
            if frozen is not None and period.key in frozen:
                label = _("%(period)s (frozen)", period=period.label)
            choices.append(SelectChoice(period.key, label, optgroup=str(kind.label)))
    return choices


def show_refusal(form, error: DomainError) -> None:
    """A service's refusal on the form; one about the (hidden) period or the snapshot corrected is
    shown above the form, where the user sees it."""
    if error.field in ("period", "corrects"):
        form.form_errors.append(str(error.message))
    else:
        show_on_form(form, error)


# --- the list -------------------------------------------------------------------------------------

@snapshots_bp.get("/")
@require("results.view")
def index():
    page = paginate(snapshot_list_query(), per_page=PAGE_SIZE)
    in_force = services.current_snapshots(g.tenant.id, sorted({snapshot.period_key for snapshot in page.items}))
    return render_template(f"{TEMPLATES}/index.html", page=page, in_force={s.id for s in in_force.values()},
                           period_of=parse_period)


# --- freezing -------------------------------------------------------------------------------------

@snapshots_bp.route("/freeze", methods=["GET", "POST"])
@require("results.freeze")
def freeze():
    """GET: choose a kind and a period, then see every indicator's live value with a comment box.
    POST: store them, once."""
    settings = services.settings_for(g.tenant.id)
    today = date.today()
    frozen = in_force_ids()
    posted = request.method == "POST"
    chooser = PeriodChoiceForm(formdata=None if posted else request.args)
    key = (request.form.get("period") if posted else request.args.get("period")) or ""
    period, status = None, 200
    if key.strip():
        try:
            period = services.plan_period(settings, key)
        except DomainError as error:
            show_on_form(chooser, error)
            status = 422
    elif posted:
        chooser.period.errors = [_("Choose a period.")]
        status = 422
    kind = chooser.kind.data if chooser.kind.data in {kind.value for kind in PeriodKind} else PeriodKind.QUARTER.value
    if period is not None and period.kind.value != kind:
        if posted:
            kind = period.kind.value
        else:
            period = None     # the kind was changed after choosing a period: list the new kind's periods
    chooser.kind.data = kind
    chooser.period.choices = period_options(settings, today, kinds=[PeriodKind(kind)], frozen=frozen,
                                            blank=_("Choose a period…"))
    chooser.period.data = period.key if period else ""
    if period is None:
        return render_template(f"{TEMPLATES}/freeze.html", chooser=chooser, form=None, period=None), status

    indicators = services.all_indicators(g.tenant.id)
    live = services.values_for(g.tenant, indicators, period, today)
    form = freeze_form(indicators, notes={indicator.id: live[indicator.id].comment for indicator in indicators})
    form.period.data = period.key
    if posted and form.validate_on_submit():
        try:
            snapshot = services.freeze(g.tenant, period, actor_id=current_user.id, comments=form.indicator_notes(),
                                       comment=form.comment.data or "", today=today)
        except DomainError as error:
            db.session.rollback()
            show_refusal(form, error)
        else:
            db.session.commit()
            flash(_("%(period)s is frozen.", period=period.label), "success")
            return redirect(url_for("results_snapshots.detail", snapshot_id=snapshot.id))
    return render_template(f"{TEMPLATES}/freeze.html", chooser=chooser, form=form, period=period,
                           rows=[(indicator, live[indicator.id]) for indicator in indicators],
                           frozen_id=frozen.get(period.key), lang=current_locale()), max(status, form_status(form))


# --- one snapshot ---------------------------------------------------------------------------------

def _render_detail(snapshot: Snapshot, form: CorrectionForm | None = None, status: int = 200):
    """The snapshot as frozen, its chain of corrections and, for those who may freeze and while it
    is in force, the correction form with the values a correction would store now."""
    lang = current_locale()
    chain = correction_chain(snapshot.period_key)
    in_force = chain[-1]
    if form is None and in_force.id == snapshot.id and can("results.freeze"):
        form = CorrectionForm(formdata=None)
    live = {}
    if form is not None:
        indicators = services.all_indicators(g.tenant.id)
        live = services.values_for(g.tenant, indicators, parse_period(snapshot.period_key))
    places = province_names([value.breakdown for value in snapshot.values], lang)
    rows = [(stored, labelled(stored.breakdown, places), live.get(stored.indicator_id))
            for stored in snapshot.values]
    corrected_by = next((later for later in chain if later.corrects_id == snapshot.id), None)
    period = parse_period(snapshot.period_key)
    compare_url = None
    try:
        before = services.plan_period(services.settings_for(g.tenant.id), previous(period).key)
    except DomainError:
        pass      # the plan's first period has none before it
    else:
        compare_url = url_for("results_snapshots.compare", period=[before.key, period.key])
    return render_template(f"{TEMPLATES}/detail.html", snapshot=snapshot, period=period, rows=rows, chain=chain,
                           in_force=in_force, corrected_by=corrected_by, form=form, show_live=form is not None,
                           compare_url=compare_url, lang=lang), status


@snapshots_bp.get("/<int:snapshot_id>")
@require("results.view")
def detail(snapshot_id: int):
    return _render_detail(_snapshot_or_404(snapshot_id))


@snapshots_bp.post("/<int:snapshot_id>/correct")
@require("results.freeze")
def correct(snapshot_id: int):
    """Record a correction: the period stored again as it stands now, linked to this snapshot, with
    the reason; the indicators' frozen comments are carried over."""
    snapshot = _snapshot_or_404(snapshot_id)
    form = CorrectionForm()
    if form.validate_on_submit():
        try:
            correction = services.freeze(
                g.tenant, parse_period(snapshot.period_key), actor_id=current_user.id, corrects=snapshot,
                comment=form.comment.data or "",
                comments={stored.indicator_id: stored.comment for stored in snapshot.values if stored.indicator_id})
        except DomainError as error:
            db.session.rollback()
            show_refusal(form, error)
        else:
            db.session.commit()
            flash(_("The correction is recorded and now in force."), "success")
            return redirect(url_for("results_snapshots.detail", snapshot_id=correction.id))
    snapshot = _snapshot_or_404(snapshot_id)     # reloaded: the rollback expired it
    return _render_detail(snapshot, form, 422)


@snapshots_bp.route("/<int:snapshot_id>", methods=["POST", "PUT", "PATCH", "DELETE"])
@snapshots_bp.route("/<int:snapshot_id>/edit", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@require("results.view")
def edit(snapshot_id: int):
    """There is no edit form: any attempt to change a snapshot is refused, and nothing changes."""
    snapshot = _snapshot_or_404(snapshot_id)
    return render_template(f"{TEMPLATES}/refused.html", snapshot=snapshot, message=frozen_message(),
                           period=parse_period(snapshot.period_key)), 409


# The refusal changes nothing, so it needs no CSRF token: a forged request gets the same 409.
csrf.exempt(edit)


@snapshots_bp.app_errorhandler(services.FrozenError)
def frozen_refused(error: services.FrozenError):
    """The ORM wall (services.refuse_changes_to_frozen) stopped a change to a snapshot, whatever page
    or API tried it: nothing is saved, and the answer is a conflict, not a server error."""
    db.session.rollback()
    if is_api_request():
        return problem(409, _("Conflict"), str(error.message))
    return render_template(f"{TEMPLATES}/refused.html", snapshot=None, message=str(error.message), period=None), 409


# --- comparing periods ----------------------------------------------------------------------------

@dataclass
class CompareCell:
    value: services.IndicatorValue
    change: Decimal | None = None       # against the column before
    better: bool | None = None          # whether the change goes the indicator's way


def compare_rows(indicators, periods: list[Period], values: dict) -> list[tuple[object, list[CompareCell]]]:
    rows = []
    for indicator in indicators:
        cells, previous = [], None
        for period in periods:
            value = values[period.key].get(indicator.id) or services.IndicatorValue(indicator, period, None)
            cell = CompareCell(value)
            if previous is not None and previous.value is not None and value.value is not None:
                cell.change = value.value - previous.value
                if cell.change:
                    cell.better = (cell.change > 0) == (indicator.direction == Direction.HIGHER)
            cells.append(cell)
            previous = value
        rows.append((indicator, cells))
    return rows


def default_compared(settings, today: date) -> list[str]:
    """Without a choice: the latest four quarters of the plan that have started."""
    latest = period_containing(today, PeriodKind.QUARTER)
    keys = {period.key for period in started_periods(settings, PeriodKind.QUARTER, today)}
    return [period.key for period in recent(latest, MAX_COMPARED) if period.key in keys]


@snapshots_bp.get("/compare")
@require("results.view")
def compare():
    settings = services.settings_for(g.tenant.id)
    today = date.today()
    form = CompareForm(request.args)
    chosen = [key.strip() for key in request.args.getlist("period") if key and key.strip()]
    if "period" not in request.args:
        chosen = default_compared(settings, today)
    periods: list[Period] = []
    for key in chosen:
        try:
            period = services.plan_period(settings, key)
        except DomainError as error:
            show_on_form(form, error)
            continue
        if period not in periods:
            periods.append(period)
    if not form.period.errors and not 2 <= len(periods) <= MAX_COMPARED:
        form.period.errors = [_("Choose two to four different periods to compare.")]
    options = period_options(settings, today, blank=_("No period"))
    selected = [period.key for period in periods] + [""] * MAX_COMPARED
    if form.period.errors:
        return render_template(f"{TEMPLATES}/compare.html", form=form, options=options,
                               selected=selected[:MAX_COMPARED], periods=[], rows=[]), 422
    periods.sort(key=lambda period: (period.end, period.start))
    indicators = services.all_indicators(g.tenant.id)
    values = services.values_by_period(g.tenant, indicators, periods, today)
    snapshots = services.current_snapshots(g.tenant.id, [period.key for period in periods])
    columns = [(period, snapshots.get(period.key)) for period in periods]
    return render_template(f"{TEMPLATES}/compare.html", form=form, options=options,
                           selected=([period.key for period in periods] + [""] * MAX_COMPARED)[:MAX_COMPARED],
                           periods=periods, columns=columns, rows=compare_rows(indicators, periods, values),
                           lang=current_locale())
