"""The results-framework JSON API under /api/v1/t/<tenant>/results/: the framework's indicators with
their targets and their values for the periods asked, and the frozen snapshots (freeze a period,
record a correction). Same rules as the pages, through services: a bad period is a 422 naming
`period`; a snapshot never changes (PATCH, PUT and DELETE answer 409, and services' ORM guard
refuses any change whatever the door)."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, g, url_for
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from core.api import PROBLEM_CONTENT_TYPE, ApiBlueprint, ProblemSchema, refuse
from core.api.files import as_upload, download, download_doc, save_or_422
from core.api.lists import paginate
from core.errors import DomainError
from core.extensions import db
from core.periods import Period, parse_period, year
from core.permissions import can, require
from core.web import problem
from plugins.results_framework import framework_edits as edits
from plugins.results_framework import services
from plugins.results_framework.models import (ManualValue, Objective, Outcome, ResultIndicator, Snapshot,
                                              SnapshotValue)
from plugins.results_framework.schemas import (MAX_PERIODS, CorrectionSchema, FreezeSchema,
                                               IndicatorListArgs, IndicatorPage, IndicatorSchema, ManualValueListArgs,
                                               ManualValuePage, ManualValueSchema, ManualValueUploadSchema, PeriodsArgs,
                                               SnapshotDetailSchema, SnapshotListArgs, SnapshotPage)

results_api = ApiBlueprint("results_api", __name__, path="results",
                           description="The results framework: indicators with targets and values per period, "
                                       "and frozen snapshots.")

INDICATOR_ORDER = (Objective.position, Objective.code, Outcome.position, Outcome.code, ResultIndicator.position,
                   ResultIndicator.code, ResultIndicator.id)
SNAPSHOT_SORT = {"frozen_at": Snapshot.frozen_at, "period": Snapshot.period_start}


def _conflict(message: str, field: str):
    """A 409 problem whose detail is the rule that refused (the generic 409 text speaks of a
    concurrent edit, which would mislead here)."""
    db.session.rollback()
    return problem(409, _("Conflict"), message, {field: [message]})


def tenant_today() -> date:
    return g.tenant.today()


def _number(value) -> float | None:
    return None if value is None else float(value)


def _breakdown(cells: dict | None) -> dict:
    return {dimension: {cell: _number(value) for cell, value in (values or {}).items()}
            for dimension, values in (cells or {}).items()}


# --- periods --------------------------------------------------------------------------------------

def _periods(keys: list[str] | None, today: date) -> list[Period]:
    """The periods asked for (plan periods, in the order given, each once); the current calendar
    year when none. A DomainError on `period` for anything else."""
    if not keys:
        return [year(today.year)]
    if len(keys) > MAX_PERIODS:
        raise DomainError(_("Ask for %(count)s periods at most.", count=MAX_PERIODS), "period")
    settings = services.settings_for(g.tenant.id, today)
    found: dict[str, Period] = {}
    for key in keys:
        period = services.plan_period(settings, key, "period")
        found.setdefault(period.key, period)
    return list(found.values())


# --- indicators -----------------------------------------------------------------------------------

def _indicator_query():
    return (select(ResultIndicator).join(ResultIndicator.outcome).join(Outcome.objective)
            .options(contains_eager(ResultIndicator.outcome).contains_eager(Outcome.objective),
                     selectinload(ResultIndicator.targets), selectinload(ResultIndicator.projects)))


def _value_view(found: services.IndicatorValue) -> dict[str, Any]:
    shown_url = found.url if found.url and (not found.permission or can(found.permission)) else None
    return {"period": found.period.key, "label": found.period.label, "value": _number(found.value),
            "target": _number(found.target), "status": found.status, "status_label": str(found.status.label),
            "breakdown": _breakdown(found.breakdown), "comment": found.comment or "", "frozen": found.frozen,
            "records_url": shown_url}


def indicator_view(indicator: ResultIndicator, values: list[services.IndicatorValue]) -> dict[str, Any]:
    return {
        "id": indicator.id, "code": indicator.code, "name_en": indicator.name_en, "name_km": indicator.name_km,
        "definition": indicator.definition or "", "unit": indicator.unit, "direction": indicator.direction,
        "aggregation": indicator.aggregation, "accumulation": indicator.accumulation, "source": indicator.source,
        "source_code": indicator.source_code or "",
        "baseline": {"value": _number(indicator.baseline_value), "date": indicator.baseline_on},
        "disaggregations": list(indicator.disaggregations or []),
        "outcome_code": indicator.outcome.code, "objective_code": indicator.outcome.objective.code,
        "project_ids": sorted(project.id for project in indicator.projects),
        "targets": [{"period": target.period_key, "value": float(target.value)} for target in indicator.targets],
        "values": [_value_view(value) for value in values],
    }


def _indicator_views(indicators: list[ResultIndicator], keys: list[str] | None) -> list[dict[str, Any]]:
    today = tenant_today()
    try:
        periods = _periods(keys, today)
    except DomainError as error:
        refuse(error, "period")
    by_period = services.values_by_period(g.tenant, indicators, periods, today)
    return [indicator_view(indicator, [by_period[period.key][indicator.id] for period in periods])
            for indicator in indicators]


@results_api.route("/indicators/")
class Indicators(MethodView):
    @require("results.view")
    @results_api.arguments(IndicatorListArgs, location="query")
    @results_api.response(200, IndicatorPage)
    def get(self, args):
        """The framework's indicators in plan order (objective, outcome, indicator), with their
        targets and their value, target and status for each `period` asked (default: this calendar
        year). A period with a snapshot in force gives its frozen figure."""
        query = _indicator_query()
        if args.get("source"):
            query = query.where(ResultIndicator.source == args["source"])
        if args.get("outcome_code"):
            query = query.where(Outcome.code == args["outcome_code"])
        page = paginate(query, args, {"code": ResultIndicator.code}, INDICATOR_ORDER)
        page["items"] = _indicator_views(page["items"], args.get("period"))
        return page


@results_api.route("/indicators/<int:indicator_id>")
class IndicatorById(MethodView):
    @require("results.view")
    @results_api.arguments(PeriodsArgs, location="query")
    @results_api.response(200, IndicatorSchema)
    def get(self, args, indicator_id):
        """One indicator with its targets and its values for each `period` asked."""
        indicator = db.session.execute(_indicator_query().where(ResultIndicator.id == indicator_id)
                                       ).unique().scalar_one_or_none()
        if indicator is None:
            abort(404)
        return _indicator_views([indicator], args.get("period"))[0]


# --- snapshots ------------------------------------------------------------------------------------

def _in_force_ids(period_keys: set[str]) -> set[int]:
    """The id of the snapshot in force for each period (the latest, as services.current_snapshots
    decides), in one query over ids only."""
    if not period_keys:
        return set()
    in_force: dict[str, int] = {}
    for key, snapshot_id in db.session.execute(
            select(Snapshot.period_key, Snapshot.id).where(Snapshot.period_key.in_(period_keys))
            .order_by(Snapshot.frozen_at, Snapshot.id)):
        in_force[key] = snapshot_id
    return set(in_force.values())


def snapshot_item(snapshot: Snapshot, in_force: set[int]) -> dict[str, Any]:
    frozen_by = snapshot.frozen_by
    return {"id": snapshot.id, "period": snapshot.period_key,
            "period_label": parse_period(snapshot.period_key).label,
            "period_start": snapshot.period_start, "period_end": snapshot.period_end,
            "comment": snapshot.comment or "", "corrects_id": snapshot.corrects_id,
            "in_force": snapshot.id in in_force, "frozen_at": snapshot.frozen_at,
            "frozen_by_id": snapshot.frozen_by_id,
            "frozen_by_name": (frozen_by.name or frozen_by.email) if frozen_by else None}


def snapshot_view(snapshot: Snapshot) -> dict[str, Any]:
    view = snapshot_item(snapshot, _in_force_ids({snapshot.period_key}))
    period, today = parse_period(snapshot.period_key), tenant_today()
    view["values"] = [{
        "indicator_id": stored.indicator_id, "code": stored.code, "name_en": stored.name_en,
        "name_km": stored.name_km, "unit": stored.unit, "value": _number(stored.value),
        "target": _number(stored.target),
        "status": services.status_of(stored.indicator, stored.value, stored.target, period, today)
        if stored.indicator is not None else None,
        "breakdown": _breakdown(stored.breakdown), "comment": stored.comment or ""} for stored in snapshot.values]
    return view


def get_snapshot(snapshot_id: int) -> Snapshot:
    """One snapshot of the current tenant with its values (tenant scoping hides the others: 404)."""
    snapshot = db.session.execute(select(Snapshot).where(Snapshot.id == snapshot_id).options(
        joinedload(Snapshot.frozen_by),
        selectinload(Snapshot.values).joinedload(SnapshotValue.indicator))).unique().scalar_one_or_none()
    if snapshot is None:
        abort(404)
    return snapshot


def _comments_by_id(comments: dict[str, str]) -> dict[int, str]:
    """Indicator codes -> ids; an unknown code is refused on `comments`."""
    if not comments:
        return {}
    ids = dict(db.session.execute(select(ResultIndicator.code, ResultIndicator.id)
                                  .where(ResultIndicator.code.in_(list(comments)))).all())
    unknown = sorted(code for code in comments if code not in ids)
    if unknown:
        refuse({"comments": [_("No indicator has the code %(codes)s.", codes=", ".join(unknown))]})
    return {ids[code]: text for code, text in comments.items()}


def _freeze(period: Period, data: dict, corrects: Snapshot | None = None):
    """Freeze (or correct) a period and answer 201 with the snapshot; a period already frozen, or a
    correction of a snapshot no longer in force, is a 409; other refusals a 422 naming the field."""
    comments = _comments_by_id(data.get("comments") or {})
    try:
        snapshot = services.freeze(g.tenant, period, actor_id=current_user.id, comments=comments,
                                   comment=data.get("comment") or "", corrects=corrects, today=tenant_today())
    except DomainError as error:
        conflict = error.field == "corrects" or (
            corrects is None and error.field == "period" and _in_force_ids({period.key}))
        if conflict:
            return _conflict(str(error.message), error.field)
        refuse(error, "period")
    db.session.commit()
    return snapshot_view(get_snapshot(snapshot.id)), 201


@results_api.route("/snapshots/")
class Snapshots(MethodView):
    @require("results.view")
    @results_api.arguments(SnapshotListArgs, location="query")
    @results_api.response(200, SnapshotPage)
    def get(self, args):
        """The frozen snapshots, newest first unless sorted; `period` keeps one period's (its first
        freeze and its corrections). `in_force` marks each period's latest."""
        query = select(Snapshot).options(joinedload(Snapshot.frozen_by))
        if args.get("period"):
            try:
                period = parse_period(args["period"], "period")
            except DomainError as error:
                refuse({"period": [str(error.message)]})
            query = query.where(Snapshot.period_key == period.key)
        page = paginate(query, args, SNAPSHOT_SORT, (Snapshot.frozen_at.desc(), Snapshot.id.desc()))
        in_force = _in_force_ids({snapshot.period_key for snapshot in page["items"]})
        page["items"] = [snapshot_item(snapshot, in_force) for snapshot in page["items"]]
        return page

    @require("results.freeze")
    @results_api.arguments(FreezeSchema)
    @results_api.response(201, SnapshotDetailSchema)
    @results_api.alt_response(409, response="CONFLICT")
    def post(self, data):
        """Freeze a period of the plan: every indicator's value, target, disaggregation and comment
        (`comments` by indicator code) as they stand now. A period is frozen once (409 afterwards:
        record a correction); a period not started yet or outside the plan is a 422."""
        try:
            period = services.plan_period(services.settings_for(g.tenant.id, tenant_today()), data["period"])
        except DomainError as error:
            refuse({"period": [str(error.message)]})
        return _freeze(period, data)


IMMUTABLE = ("Always 409 (problem+json): a frozen snapshot cannot be changed or deleted. Record a correction "
             "instead: POST /snapshots/{snapshot_id}/corrections.")


@results_api.route("/snapshots/<int:snapshot_id>")
class SnapshotById(MethodView):
    @require("results.view")
    @results_api.response(200, SnapshotDetailSchema)
    def get(self, snapshot_id):
        """One snapshot with each indicator's frozen value, target, status, disaggregation and comment."""
        return snapshot_view(get_snapshot(snapshot_id))

    def _refuse(self, snapshot_id):
        get_snapshot(snapshot_id)    # 404 for what the tenant does not have
        return _conflict(_("A frozen snapshot cannot be changed. Record a correction instead."), "id")

    @require("results.freeze")
    @results_api.alt_response(409, schema=ProblemSchema, content_type=PROBLEM_CONTENT_TYPE, description=IMMUTABLE)
    def patch(self, snapshot_id):
        """Refused: a frozen snapshot never changes."""
        return self._refuse(snapshot_id)

    @require("results.freeze")
    @results_api.alt_response(409, schema=ProblemSchema, content_type=PROBLEM_CONTENT_TYPE, description=IMMUTABLE)
    def put(self, snapshot_id):
        """Refused: a frozen snapshot never changes."""
        return self._refuse(snapshot_id)

    @require("results.freeze")
    @results_api.alt_response(409, schema=ProblemSchema, content_type=PROBLEM_CONTENT_TYPE, description=IMMUTABLE)
    def delete(self, snapshot_id):
        """Refused: a frozen snapshot is never deleted."""
        return self._refuse(snapshot_id)


@results_api.route("/snapshots/<int:snapshot_id>/corrections")
class SnapshotCorrections(MethodView):
    @require("results.freeze")
    @results_api.arguments(CorrectionSchema)
    @results_api.response(201, SnapshotDetailSchema)
    @results_api.alt_response(409, response="CONFLICT")
    def post(self, data, snapshot_id):
        """Correct the snapshot in force for its period: a new snapshot of the same period, linked to
        this one (`corrects_id`), with the period's values as they stand now and the reason in
        `comment`. Correcting a snapshot that a later one already corrected is a 409."""
        snapshot = get_snapshot(snapshot_id)
        return _freeze(parse_period(snapshot.period_key), data, corrects=snapshot)


# --- hand-entered values and their evidence files (core/api/files.py) -------------------------------

def _indicator(indicator_id: int) -> ResultIndicator:
    indicator = edits.get_indicator(g.tenant.id, indicator_id)
    if indicator is None:
        abort(404)
    return indicator


def _manual_value_view(entry: ManualValue) -> dict[str, Any]:
    return {"id": entry.id, "period_key": entry.period_key, "value": _number(entry.value),
            "breakdown": entry.breakdown or {}, "comment": entry.comment or "",
            "evidence_url": entry.evidence_url or "",
            "evidence_name": (entry.evidence_name or entry.evidence_file) if entry.evidence_file else "",
            "evidence_download_url": url_for("results_api.ValueEvidence", indicator_id=entry.indicator_id,
                                             value_id=entry.id) if entry.evidence_file else None,
            "entered_by": (entry.entered_by.name or entry.entered_by.email) if entry.entered_by else None,
            "entered_at": entry.entered_at}


@results_api.route("/indicators/<int:indicator_id>/values")
class ManualValues(MethodView):
    @require("results.view")
    @results_api.arguments(ManualValueListArgs, location="query")
    @results_api.response(200, ManualValuePage)
    def get(self, args, indicator_id):
        """The indicator's hand-entered values, latest period first, with their evidence."""
        indicator = _indicator(indicator_id)
        query = select(ManualValue).options(joinedload(ManualValue.entered_by)).where(
            ManualValue.indicator_id == indicator.id)
        page = paginate(query, args, {"period_key": ManualValue.period_start},
                        (ManualValue.period_end.desc(), ManualValue.period_start, ManualValue.id))
        page["items"] = [_manual_value_view(entry) for entry in page["items"]]
        return page

    @require("results.edit")
    @results_api.arguments(ManualValueUploadSchema, location="files")
    @results_api.response(201, ManualValueSchema)
    def post(self, data, indicator_id):
        """Record (or correct) a period's value of an indicator entered by hand, with its evidence, as on
        the indicator's values page (multipart: the fields and the evidence file as `file`). A refused
        value is a 422 naming the field; nothing is stored."""
        indicator = _indicator(indicator_id)
        upload = as_upload(data.get("file"), edits.MAX_EVIDENCE_BYTES)
        entry = save_or_422(lambda: edits.record_value(
            indicator, services.settings_for(g.tenant.id), period_key=data["period_key"], value=data["value"],
            comment=data["comment"], evidence_url=data["evidence_url"], upload=upload, actor_id=current_user.id),
            aliases=("evidence_file",))
        db.session.commit()
        return _manual_value_view(edits.get_value(indicator, entry.id))


@results_api.route("/indicators/<int:indicator_id>/values/<int:value_id>/evidence")
class ValueEvidence(MethodView):
    @require("results.view")
    @download_doc(results_api, [content_type for content_type, _signatures in edits.EVIDENCE_TYPES.values()],
                  "The evidence file.")
    def get(self, indicator_id, value_id):
        """Download the evidence file of a hand-entered value (404 when it has none)."""
        entry = edits.get_value(_indicator(indicator_id), value_id)
        if entry is None or not entry.evidence_file:
            abort(404)
        return download(edits.evidence_path(entry), content_type=edits.evidence_content_type(entry),
                        download_name=entry.evidence_name or entry.evidence_file)
