"""The pipeline figures page (filters, tables, a chart of the weighted pipeline drawn on the server)
and its CSV and Excel downloads holding the same figures. Only titles and amounts: nobody is
named. Each download is audited."""
from __future__ import annotations

import io
from decimal import Decimal

from flask import Blueprint, abort, g, render_template, request
from flask_babel import format_currency
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core.audit import record_event
from core.csv_export import csv_response, safe_cell
from core.extensions import db
from core.permissions import can, require
from plugins.consulting_crm.figure_forms import FigureFilterForm
from plugins.consulting_crm.figures import PipelineFigures, client_type_label, compute

figures_bp = Blueprint("consulting_figures", __name__, url_prefix="/t/<tenant_slug>/consulting/pipeline",
                       template_folder="templates")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TABLES = ("summary", "pipeline", "stages", "revenue", "engagements")
# One engagement's cost can give away a consultant's day rate: that table is for the roles that see rates.
RATES_PERMISSION = "consulting.pool.rates"


def visible_tables() -> tuple[str, ...]:
    return TABLES if can(RATES_PERMISSION) else tuple(name for name in TABLES if name != "engagements")


ENGAGEMENTS_ON_PAGE = 100
CHART_WIDTH = 330                      # the longest bar, in the SVG's own units


def _read_form() -> tuple[FigureFilterForm, bool]:
    form = FigureFilterForm(request.args)
    return form, (form.validate() if request.args else True)


def _query_args() -> dict:
    return {key: value for key, value in request.args.items() if value}


def usd(amount: Decimal | None) -> str:
    return "—" if amount is None else format_currency(amount, "USD")


@figures_bp.get("/")
@require("consulting.view")
def index() -> tuple[str, int] | str:
    form, valid = _read_form()
    if not valid:
        return render_template("consulting_crm/figures/index.html", form=form, figures=None,
                               query_args=_query_args(), usd=usd, tables=visible_tables()), 422
    figures = compute(form.filters(), g.tenant.id)
    return render_template("consulting_crm/figures/index.html", form=form, figures=figures, query_args=_query_args(),
                           chart=chart_bars(figures), usd=usd, tables=visible_tables(), table_titles=table_titles(),
                           engagements_on_page=ENGAGEMENTS_ON_PAGE, show_engagements=can(RATES_PERMISSION))


# --- the chart --------------------------------------------------------------------------------------------

def chart_bars(figures: PipelineFigures) -> list[dict]:
    """The weighted pipeline of each expected month as a bar, the longest CHART_WIDTH long."""
    largest = max((row.weighted_usd for row in figures.by_month), default=Decimal("0"))
    return [{"label": row.label, "value": usd(row.weighted_usd),
             "width": round(float(row.weighted_usd / largest) * CHART_WIDTH, 1) if largest else 0}
            for row in figures.by_month]


# --- the tables the downloads hold ----------------------------------------------------------------------

def _number(value):
    return "" if value is None else value


def table_titles() -> dict[str, str]:
    return {"summary": _("Summary"), "pipeline": _("Weighted pipeline"), "stages": _("Days per stage"),
            "revenue": _("Revenue and margin"), "engagements": _("Engagements")}


def summary_table(figures: PipelineFigures) -> tuple[list[str], list[list]]:
    win = figures.win_rate
    rows = [
        [_("Open opportunities in the pipeline"), figures.pipeline.opportunities],
        [_("Pipeline value (USD)"), figures.pipeline.value_usd],
        [_("Weighted pipeline (USD)"), figures.pipeline.weighted_usd],
        [_("Open opportunities without a value in USD"), figures.not_in_usd],
        [_("Opportunities won"), win.won], [_("Opportunities lost"), win.lost],
        [_("Win rate by count (%)"), _number(win.by_count)],
        [_("Value won (USD)"), win.won_usd], [_("Value lost (USD)"), win.lost_usd],
        [_("Win rate by value (%)"), _number(win.by_value)],
        [_("Invoiced, excluding VAT (USD)"), figures.invoiced_usd],
        [_("Contract value (USD)"), figures.contract_usd],
        [_("Planned cost (USD)"), figures.planned_cost_usd],
        [_("Actual cost (USD)"), figures.actual_cost_usd],
        [_("Margin (USD)"), figures.margin_usd],
        [_("Margin (%)"), _number(figures.margin_percent)],
    ]
    return [_("Figure"), _("Value")], rows


def pipeline_table(figures: PipelineFigures) -> tuple[list[str], list[list]]:
    header = [_("Breakdown"), _("Group"), _("Open opportunities"), _("Value (USD)"), _("Weighted value (USD)")]
    rows = [[_("Expected month"), row.label, row.opportunities, row.value_usd, row.weighted_usd]
            for row in figures.by_month]
    rows += [[_("Stage"), row.label, row.opportunities, row.value_usd, row.weighted_usd] for row in figures.by_stage]
    total = figures.pipeline
    rows.append([_("Total"), "", total.opportunities, total.value_usd, total.weighted_usd])
    return header, rows


def stages_table(figures: PipelineFigures) -> tuple[list[str], list[list]]:
    header = [_("Stage"), _("Stays"), _("Still in the stage"), _("Average days")]
    return header, [[row.label, row.stays, row.still_open, _number(row.average_days)] for row in figures.stage_days]


def revenue_table(figures: PipelineFigures) -> tuple[list[str], list[list]]:
    header = [_("Year"), _("Client type"), _("Invoices"), _("Invoiced, excluding VAT (USD)"), _("Engagements"),
              _("Contract value (USD)"), _("Planned cost (USD)"), _("Actual cost (USD)"), _("Margin (USD)"),
              _("Margin (%)")]
    return header, [[row.year, row.label, row.invoices, row.invoiced_usd, row.engagements, row.contract_usd,
                     row.planned_cost_usd, row.actual_cost_usd, row.margin_usd, _number(row.margin_percent)]
                    for row in figures.revenue]


def engagements_table(figures: PipelineFigures) -> tuple[list[str], list[list]]:
    header = [_("Engagement number"), _("Engagement"), _("Client type"), _("Year"), _("Status"),
              _("Contract value (USD)"), _("Planned cost (USD)"), _("Planned margin (USD)"), _("Actual cost (USD)"),
              _("Margin (USD)"), _("Margin (%)")]
    return header, [[row.id, row.title, client_type_label(row.client_type), row.year, str(row.status.label),
                     row.contract_usd, row.planned_cost_usd, row.planned_margin_usd, row.actual_cost_usd,
                     row.margin_usd, _number(row.margin_percent)] for row in figures.engagements]


TABLE_BUILDERS = {"summary": summary_table, "pipeline": pipeline_table, "stages": stages_table,
                  "revenue": revenue_table, "engagements": engagements_table}


def _xlsx_value(value):
    if isinstance(value, Decimal):
        return float(value)
    return value if isinstance(value, int | float) else safe_cell(value)


def xlsx_bytes(sheets: list[tuple[str, list[str], list[list]]]) -> bytes:
    """A workbook with one sheet per (name, header, rows) (numbers stay numbers; texts formula-safe)."""
    import openpyxl
    workbook = openpyxl.Workbook(write_only=True)
    for name, header, rows in sheets:
        sheet = workbook.create_sheet(name[:31])
        sheet.append(header)
        for row in rows:
            sheet.append([_xlsx_value(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@figures_bp.get("/export/<table>.<file_format>")
@require("consulting.view")
def export(table: str, file_format: str) -> Response | tuple[str, int]:
    """One table as CSV or Excel; `all.xlsx` is a workbook with every table."""
    if file_format not in ("csv", "xlsx") or (table not in TABLES and (table, file_format) != ("all", "xlsx")):
        abort(404)
    if table != "all" and table not in visible_tables():
        abort(403)
    form, valid = _read_form()
    if not valid:
        return render_template("consulting_crm/figures/index.html", form=form, figures=None,
                               query_args=_query_args(), usd=usd, tables=visible_tables()), 422
    filters = form.filters()
    figures = compute(filters, g.tenant.id)
    record_event("export", tenant_id=g.tenant.id, model="PipelineFigures",
                 changes={"table": table, "format": file_format,
                          "filters": {key: str(value) for key, value in vars(filters).items() if value}})
    db.session.commit()
    filename = f"consulting-{table}-{g.tenant.slug}.{file_format}"
    if file_format == "csv":
        header, rows = TABLE_BUILDERS[table](figures)
        return csv_response(filename, header, rows)
    chosen = visible_tables() if table == "all" else (table,)
    response = Response(xlsx_bytes([(name, *TABLE_BUILDERS[name](figures)) for name in chosen]), mimetype=XLSX_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
