"""CSV and Excel (.xlsx) downloads of a tenant's campaigns, recommendations and activities, audited
like every export. Stakeholders' and attendees' identities are never exported (only counts);
strategy notes and budget only for those allowed to see them. Cells are safe from spreadsheet
formulas (core.csv_export.safe_cell)."""
from __future__ import annotations

import io
from collections.abc import Callable, Iterator

from flask import Blueprint, abort, g, render_template
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from core.audit import record_event
from core.csv_export import csv_response, safe_cell
from core.extensions import db
from core.i18n import current_locale
from core.permissions import can, require
from core.tenancy import tenant_scope
from plugins.policy_tracker import campaigns as services
from plugins.policy_tracker.models import (Activity, ActivityAttendee, Campaign, CampaignLaw, CampaignStakeholder,
                                           CoSubmitter, Law, Recommendation)

exports_bp = Blueprint("policy_exports", __name__, url_prefix="/t/<tenant_slug>/policy/exports",
                       template_folder="templates")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BATCH = 500


def _iso(value) -> str:
    return value.isoformat() if value is not None else ""


# --- the three tables ---------------------------------------------------------------------------------

def campaign_header(strategy: bool) -> list[str]:
    header = ["id", "title", "goal", "status", "project_code", "starts_on", "ends_on", "laws", "stakeholders_count"]
    return header + ["strategy_notes", "budget"] if strategy else header


def campaign_rows(strategy: bool, lang: str) -> Iterator[list]:
    """One row per campaign; stakeholders only as a count (never who they are)."""
    laws: dict[int, list[str]] = {}
    for campaign_id, title_en, title_km in db.session.execute(select(
            CampaignLaw.campaign_id, Law.title_en, Law.title_km).join(Law, Law.id == CampaignLaw.law_id)
            .order_by(Law.title_en)):
        laws.setdefault(campaign_id, []).append(title_km if lang == "km" and title_km else title_en)
    stakeholders = dict(db.session.execute(select(CampaignStakeholder.campaign_id, func.count()).group_by(
        CampaignStakeholder.campaign_id)).all())
    for campaign in db.session.scalars(select(Campaign).options(joinedload(Campaign.project)).order_by(Campaign.id)):
        row = [campaign.id, campaign.title, campaign.goal, campaign.status.value,
               campaign.project.code if campaign.project else "", _iso(campaign.starts_on), _iso(campaign.ends_on),
               "; ".join(laws.get(campaign.id, [])), stakeholders.get(campaign.id, 0)]
        if strategy:
            row += [campaign.strategy_notes, "" if campaign.budget is None else str(campaign.budget)]
        yield row


RECOMMENDATION_HEADER = ["id", "law", "version", "article", "campaign", "text_km", "text_en", "submitted_to",
                         "submitted_on", "co_submitters_count", "outcome", "outcome_on", "outcome_evidence"]


def recommendation_rows(lang: str) -> Iterator[list]:
    """The tenant's own recommendations, each once (co-submitters as a count: an organisation
    contact's name stays in the contacts register)."""
    partners = dict(db.session.execute(select(CoSubmitter.recommendation_id, func.count()).group_by(
        CoSubmitter.recommendation_id)).all())
    query = select(Recommendation).options(
        joinedload(Recommendation.law), joinedload(Recommendation.version), joinedload(Recommendation.campaign),
        joinedload(Recommendation.submitted_to)).order_by(Recommendation.id)
    for rec in db.session.scalars(query):
        yield [rec.id, rec.law.title_in(lang), rec.version.label if rec.version else "", rec.article,
               rec.campaign.title if rec.campaign else "", rec.text_km, rec.text_en,
               rec.submitted_to.name_in(lang) if rec.submitted_to else "", _iso(rec.submitted_on),
               partners.get(rec.id, 0), rec.outcome.value, _iso(rec.outcome_on), rec.outcome_evidence]


ACTIVITY_HEADER = ["id", "date", "kind", "title", "campaign", "place_code", "place", "summary", "public",
                   "attendees_count", "participants_total", "participants_women", "participants_youth",
                   "participants_disability"]


def activity_rows(lang: str) -> Iterator[list]:
    """Activities with their disaggregated counts; attendees only as a count."""
    attendees = dict(db.session.execute(select(ActivityAttendee.activity_id, func.count()).group_by(
        ActivityAttendee.activity_id)).all())
    query = select(Activity).options(joinedload(Activity.campaign), joinedload(Activity.place)).order_by(
        Activity.occurred_on, Activity.id)
    for activity in db.session.scalars(query):
        place = activity.place
        yield [activity.id, _iso(activity.occurred_on), activity.kind.value, activity.title,
               activity.campaign.title if activity.campaign else "", place.code if place else "",
               place.name_in(lang) if place else "", activity.summary, "true" if activity.is_public else "false",
               attendees.get(activity.id, 0), activity.participants_total, activity.participants_women,
               activity.participants_youth, activity.participants_disability]


def _table(kind: str, strategy: bool, lang: str) -> tuple[list[str], Callable[[], Iterator[list]], str]:
    if kind == "campaigns":
        return campaign_header(strategy), lambda: campaign_rows(strategy, lang), "Campaign"
    if kind == "recommendations":
        return RECOMMENDATION_HEADER, lambda: recommendation_rows(lang), "Recommendation"
    if kind == "activities":
        return ACTIVITY_HEADER, lambda: activity_rows(lang), "Activity"
    abort(404)


def xlsx_bytes(sheet_name: str, header: list[str], rows: Iterator[list]) -> bytes:
    """A workbook with the header and the rows (openpyxl's streaming mode; texts formula-safe)."""
    import openpyxl
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name)
    sheet.append(header)
    for row in rows:
        sheet.append([value if isinstance(value, int) else safe_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- pages --------------------------------------------------------------------------------------------

@exports_bp.get("/")
@require("policy.view")
def index() -> str:
    return render_template("policy_tracker/campaigns/exports.html", kinds=("campaigns", "recommendations",
                                                                            "activities"))


@exports_bp.get("/<kind>.<file_format>")
@require("policy.view")
def download(kind: str, file_format: str) -> Response:
    if file_format not in ("csv", "xlsx"):
        abort(404)
    strategy = can(services.STRATEGY_PERMISSION)
    lang, tenant_id = current_locale(), g.tenant.id
    header, rows, model = _table(kind, strategy, lang)
    record_event("export", tenant_id=tenant_id, model=model,
                 changes={"format": file_format, "table": kind, "strategy_included": strategy})
    db.session.commit()
    filename = f"policy-{kind}-{g.tenant.slug}.{file_format}"
    if file_format == "xlsx":
        response = Response(xlsx_bytes(kind, header, rows()), mimetype=XLSX_TYPE)
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def streamed() -> Iterator[list]:
        # Read after the view returned, when the request's tenant scope is cleared: set it again.
        with tenant_scope(tenant_id):
            yield from rows()

    return csv_response(filename, header, streamed())
