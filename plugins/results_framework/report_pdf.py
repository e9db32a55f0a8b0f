"""A donor report as PDF (A4) in English or Khmer: the title, plan, period, project and narrative,
then per objective and outcome each indicator with its baseline, target, value, status in words, its
narrative and a trend chart (charts.trend_svg as inline SVG, which WeasyPrint draws). Rendered by
WeasyPrint through core.pdf: the vendored Khmer font, nothing fetched from the network, and an exact
Khmer text layer (/ActualText) so copied or extracted text reads as typed. The Khmer report writes
figures and dates with Khmer digits, like the invoices."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from core.pdf import CORE_ROOT, english_date, font_urls, khmer_date, khmer_digits, render_pdf
from plugins.results_framework.charts import trend_svg
from plugins.results_framework.models import DonorReport
from plugins.results_framework.reports import IndicatorRow, build_content, value_text
from plugins.results_framework.services import Status

PACKAGE_ROOTS = (CORE_ROOT, Path(__file__).resolve().parent)
STATUS_CLASSES = {Status.MET: "ok", Status.ON_TRACK: "ok", Status.AT_RISK: "warn", Status.OFF_TRACK: "late"}


@dataclass(frozen=True)
class PrintedIndicator:
    code: str
    name: str
    unit: str
    baseline: str
    target: str
    value: str
    status: str
    status_class: str
    narrative: str
    chart: Markup


def _digits(text: str, lang: str) -> str:
    return khmer_digits(text) if lang == "km" else text


def _printed(row: IndicatorRow, lang: str) -> PrintedIndicator:
    indicator, current = row.indicator, row.current
    unit = indicator.unit

    def shown(value) -> str:
        return _digits(value_text(value, unit, lang), lang)

    chart = Markup("")
    if row.trend:
        chart = trend_svg(row.trend, ident=f"trend-{indicator.id}", title=row.name,
                          description=_("Values of “%(name)s” per period; the dashed line is the target.",
                                        name=row.name))
    return PrintedIndicator(
        code=indicator.code, name=row.name, unit=str(unit.label), baseline=shown(indicator.baseline_value),
        target=shown(current.target if current else None), value=shown(current.value if current else None),
        status=str(current.status.label) if current else "", status_class=STATUS_CLASSES.get(
            current.status, "") if current else "", narrative=row.narrative, chart=chart)


def _words() -> dict:
    """The printed labels, in the active (forced) language."""
    return {"plan": _("Plan"), "period": _("Period"), "project": _("Project or grant"),
            "narrative": _("Narrative"), "report_narrative": _("Narrative of the report"),
            "baseline": _("Baseline"), "target": _("Target"), "value": _("Value"), "status": _("Status"),
            "unit": _("Unit"), "chart": _("Trend"), "printed_on": _("Printed on"),
            "no_period": _("No period: the project has no dates."),
            "no_indicators": _("No indicator is covered by this report.")}


def render(report: DonorReport, tenant, lang: str, today: date | None = None) -> bytes:
    """The report as one PDF in `lang`."""
    today = today or date.today()
    with force_locale(lang):
        content = build_content(report, tenant, lang, today)
        words = _words()
        objectives = [{"title": f"{block.objective.code} {block.title}",
                       "outcomes": [{"title": f"{outcome.outcome.code} {outcome.title}",
                                     "rows": [_printed(row, lang) for row in outcome.rows]}
                                    for outcome in block.outcomes]}
                      for block in content.objectives]
        printed_on = khmer_date(today) if lang == "km" else english_date(today)
        # The template alone, without the page context processors (menus, notifications).
        template = current_app.jinja_env.get_template("results_framework/reports/pdf.html")
        html = template.render(report=report, content=content, words=words, objectives=objectives, lang=lang,
                               period_label=_digits(content.period_label, lang), printed_on=printed_on,
                               organisation=tenant.name, **font_urls())
    return render_pdf(html, PACKAGE_ROOTS)
