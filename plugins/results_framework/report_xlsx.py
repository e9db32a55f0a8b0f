"""A donor report as an Excel workbook (openpyxl) in English or Khmer: a "Report" sheet with the
report's title, period, project and narrative, then one row per indicator (objective, outcome, code,
name, unit, baseline, target, value, status, narrative); a "Trend" sheet with each indicator's value
and target for the periods its chart shows. Figures are numbers (a donor's analyst sums them);
texts typed by people are safe from spreadsheet formulas (core.csv_export.safe_cell)."""
from __future__ import annotations

import io
from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _

from core.csv_export import safe_cell
from plugins.results_framework.models import DonorReport
from plugins.results_framework.reports import build_content

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_NAME_FORBIDDEN = str.maketrans({ch: " " for ch in "\\/?*[]:"})


def _sheet_title(text: str) -> str:
    return str(text).translate(SHEET_NAME_FORBIDDEN)[:31]


def _text(value) -> str:
    return safe_cell("" if value is None else str(value))


def render(report: DonorReport, tenant, lang: str, today: date | None = None) -> bytes:
    """The workbook's bytes; every label, name and status in `lang`."""
    import openpyxl
    from openpyxl.styles import Alignment, Font

    with force_locale(lang):
        content = build_content(report, tenant, lang, today)
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = _sheet_title(_("Report"))
        bold = Font(bold=True)
        sheet.append([_text(report.title)])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append([_("Plan"), _text(content.plan_title)])
        sheet.append([_("Period"), _text(content.period_label or _("No period: the project has no dates."))])
        if content.project is not None:
            sheet.append([_("Project or grant"), _text(content.project_title)])
        sheet.append([_("Narrative of the report"), _text(report.narrative)])
        sheet.append([])
        header = [_("Objective"), _("Outcome"), _("Code"), _("Indicator"), _("Unit"), _("Baseline"), _("Target"),
                  _("Value"), _("Status"), _("Narrative")]
        sheet.append(header)
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for objective in content.objectives:
            for outcome in objective.outcomes:
                for row in outcome.rows:
                    indicator, current = row.indicator, row.current
                    sheet.append([
                        _text(f"{objective.objective.code} {objective.title}"),
                        _text(f"{outcome.outcome.code} {outcome.title}"), _text(indicator.code), _text(row.name),
                        str(indicator.unit.label), indicator.baseline_value,
                        current.target if current else None, current.value if current else None,
                        str(current.status.label) if current else "", _text(row.narrative)])
        for column, width in zip("ABCDEFGHIJ", (30, 30, 10, 45, 14, 12, 12, 12, 16, 60), strict=True):
            sheet.column_dimensions[column].width = width
        for cells in sheet.iter_rows(min_row=1):
            for cell in cells:
                cell.alignment = Alignment(wrap_text=True, vertical="top")

        trend = workbook.create_sheet(_sheet_title(_("Trend")))
        trend.append([_("Code"), _("Indicator"), _("Period"), _("Value"), _("Target"), _("Status")])
        for cell in trend[1]:
            cell.font = bold
        for row in content.rows:
            for label, found in row.trend_labels:
                trend.append([_text(row.indicator.code), _text(row.name), _text(label), found.value, found.target,
                              str(found.status.label)])
        for column, width in zip("ABCDEF", (10, 45, 16, 12, 12, 16), strict=True):
            trend.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
