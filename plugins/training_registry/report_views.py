"""The training report page (filters, figures, cross-tab, breakdowns, a chart drawn on the server)
and its CSV and Excel downloads: the figures, the breakdowns and one row per course. People are
only counted, never named, so the downloads hold no identity whoever takes them; each is audited."""
from __future__ import annotations

import io

from flask import Blueprint, abort, g, render_template, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core.audit import record_event
from core.csv_export import csv_response, safe_cell
from core.extensions import db
from core.permissions import require
from plugins.training_registry.report_forms import ReportFilterForm
from plugins.training_registry.reports import BreakdownRow, Figures, TrainingReport, compute

reports_bp = Blueprint("training_reports", __name__, url_prefix="/t/<tenant_slug>/training/reports",
                       template_folder="templates")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TABLES = ("figures", "breakdowns", "courses")
COURSES_ON_PAGE = 100


def _read_form() -> tuple[ReportFilterForm, bool]:
    form = ReportFilterForm(request.args)
    return form, (form.validate() if request.args else True)


def _query_args() -> dict:
    return {key: value for key, value in request.args.items() if value}


@reports_bp.get("/")
@require("training.view")
def index() -> tuple[str, int] | str:
    form, valid = _read_form()
    if not valid:
        return render_template("training_registry/reports/index.html", form=form, report=None,
                               query_args=_query_args()), 422
    report = compute(form.filters(), g.tenant.id)
    return render_template("training_registry/reports/index.html", form=form, report=report,
                           query_args=_query_args(), chart=chart_bars(report.total),
                           courses_on_page=COURSES_ON_PAGE, sex_label=sex_label, youth_label=youth_label,
                           figure_lines=figure_lines())


def figure_lines() -> list[tuple[str, str, bool, bool]]:
    """The page's figures: (label, Figures attribute, is a percentage, from named records only)."""
    return [
        (_("Courses"), "courses", False, False), (_("Sessions"), "sessions", False, False),
        (_("People (unique)"), "people", False, False), (_("Enrolments"), "enrolments", False, False),
        (_("Dropped out"), "dropped", False, False),
        (_("Women (share of people, %)"), "women_percent", True, False),
        (_("Women (share of enrolments, %)"), "women_enrolments_percent", True, False),
        (_("Youth (share of people whose youth is known, %)"), "youth_percent", True, False),
        (_("Youth not known (people)"), "youth_unknown", False, True),
        (_("IDPoor (share of people with it recorded, %)"), "idpoor_percent", True, False),
        (_("With a disability (share of people with it recorded, %)"), "disability_percent", True, False),
        (_("Organisations trained"), "organisations", False, False), (_("Completed"), "completed", False, False),
        (_("Completion rate (%)"), "completion_percent", True, False),
        (_("Average normalised gain (%)"), "gain_percent", True, True),
    ]


# --- the chart ------------------------------------------------------------------------------------

def chart_bars(figures: Figures) -> list[dict]:
    """The shares drawn as bars (0–100 %), with their label; a share that cannot be counted is left out."""
    shares = [(_("Women"), figures.women_percent), (_("Youth"), figures.youth_percent),
              (_("IDPoor"), figures.idpoor_percent), (_("With a disability"), figures.disability_percent),
              (_("Completed"), figures.completion_percent)]
    return [{"label": label, "value": value} for label, value in shares if value is not None]


# --- the tables the downloads hold ------------------------------------------------------------------------

def _number(value):
    return "" if value is None else value


def figures_table(report: TrainingReport) -> tuple[list[str], list[list]]:
    header = [_("Figure"), _("From named records"), _("From historical totals"), _("Total")]
    named, totals, total = report.named, report.from_totals, report.total
    measures = [
        (_("Courses"), "courses"), (_("Sessions"), "sessions"), (_("People (unique)"), "people"),
        (_("Enrolments"), "enrolments"), (_("Dropped out"), "dropped"), (_("Women (people)"), "women"),
        (_("Women (share of people, %)"), "women_percent"), (_("Women (share of enrolments, %)"), "women_enrolments_percent"),
        (_("Youth (people)"), "youth"), (_("Youth (share of people whose youth is known, %)"), "youth_percent"),
        (_("Youth not known (people)"), "youth_unknown"), (_("IDPoor (people)"), "idpoor"),
        (_("IDPoor (share of people with it recorded, %)"), "idpoor_percent"),
        (_("IDPoor not recorded (people)"), "idpoor_unknown"), (_("With a disability (people)"), "disability"),
        (_("With a disability (share of people with it recorded, %)"), "disability_percent"),
        (_("Disability not recorded (people)"), "disability_unknown"), (_("Completed"), "completed"),
        (_("Completion rate (%)"), "completion_percent"), (_("Organisations trained"), "organisations"),
        (_("Enrolments with both test scores"), "scored"), (_("Average gain (points)"), "gain_points"),
        (_("Average normalised gain (%)"), "gain_percent"),
    ]
    rows = []
    for label, name in measures:
        values = [getattr(figures, name) for figures in (named, totals, total)]
        if name in ("gain_points", "gain_percent", "scored"):
            values[1] = None                   # totals have no scores
        if name.endswith("_unknown"):
            values[1] = None                   # totals do not say for whom a trait was not recorded
        if isinstance(values[0], float) and name == "gain_points":
            values = [None if v is None else round(v, 2) for v in values]
        rows.append([label, *map(_number, values)])
    for _value, label, count in report.organisations_by_type:
        rows.append([_("Organisations trained: %(type)s", type=label), count, "", count])
    if report.from_totals.organisations:
        rows.append([_("Organisations trained: %(type)s", type=_("from historical totals (type not recorded)")),
                     "", report.from_totals.organisations, report.from_totals.organisations])
    for row in report.crosstab:
        for state, count in ((_("with a disability"), row.with_disability),
                             (_("without a disability"), row.without_disability),
                             (_("disability not recorded"), row.disability_unknown)):
            rows.append([_("%(group)s, %(youth)s, %(disability)s", group=sex_label(row.sex),
                           youth=youth_label(row.youth), disability=state), count, "", count])
    return header, rows


def breakdowns_header() -> list[str]:
    return [_("Breakdown"), _("Group"), _("Courses"), _("Sessions"), _("People (named records)"),
            _("Participants from historical totals"), _("People (total)"), _("Women (share of people, %)"),
            _("Youth (share of people whose youth is known, %)"), _("Completion rate (%)"),
            _("Average normalised gain (%)")]


def breakdown_row(dimension: str, row: BreakdownRow) -> list:
    total = row.total
    return [dimension, row.label, total.courses, total.sessions, row.named.people, row.from_totals.people,
            total.people, *map(_number, (total.women_percent, total.youth_percent, total.completion_percent,
                                         total.gain_percent))]


def breakdowns_table(report: TrainingReport) -> tuple[list[str], list[list]]:
    rows = []
    for dimension, group in ((_("Province"), report.by_province), (_("Project"), report.by_project),
                             (_("Curriculum"), report.by_curriculum)):
        rows += [breakdown_row(dimension, row) for row in group]
    return breakdowns_header(), rows


def courses_table(report: TrainingReport) -> tuple[list[str], list[list]]:
    header = [_("Course number"), _("Kind"), _("Course"), _("Starts"), _("Ends"), _("Project"), _("Curriculum"),
              _("Province"), _("Sessions"), _("People"), _("Women"), _("Youth"), _("Youth not known"), _("IDPoor"),
              _("With a disability"), _("Completed"), _("Completion rate (%)"), _("Average normalised gain (%)"),
              _("Source of the totals")]
    rows = []
    for course in report.courses:
        f = course.figures
        rows.append([course.id, str(course.kind.label), course.title, course.starts_on.isoformat(),
                     course.ends_on.isoformat(), course.project, course.curriculum, course.province, f.sessions,
                     f.people, f.women, f.youth, "" if course.is_historical else f.youth_unknown, f.idpoor,
                     f.disability, f.completed, _number(f.completion_percent), _number(f.gain_percent),
                     course.source])
    return header, rows


TABLE_BUILDERS = {"figures": figures_table, "breakdowns": breakdowns_table, "courses": courses_table}


def sex_label(group: str) -> str:
    return {"women": _("Women"), "men": _("Men"), "other": _("Other or not recorded")}[group]


def youth_label(state: str) -> str:
    return {"young": _("young"), "not_young": _("not young"), "unknown": _("youth not known")}[state]


def xlsx_bytes(sheet_name: str, header: list[str], rows: list[list]) -> bytes:
    """A workbook with the header and the rows (numbers stay numbers; texts formula-safe)."""
    import openpyxl
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name)
    sheet.append(header)
    for row in rows:
        sheet.append([value if isinstance(value, int | float) else safe_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@reports_bp.get("/export/<table>.<file_format>")
@require("training.view")
def export(table: str, file_format: str) -> Response | tuple[str, int]:
    if table not in TABLES or file_format not in ("csv", "xlsx"):
        abort(404)
    form, valid = _read_form()
    if not valid:
        return render_template("training_registry/reports/index.html", form=form, report=None,
                               query_args=_query_args()), 422
    filters = form.filters()
    header, rows = TABLE_BUILDERS[table](compute(filters, g.tenant.id))
    record_event("export", tenant_id=g.tenant.id, model="TrainingReport",
                 changes={"table": table, "format": file_format,
                          "filters": {key: str(value) for key, value in vars(filters).items() if value}})
    db.session.commit()
    filename = f"training-{table}-{g.tenant.slug}.{file_format}"
    if file_format == "csv":
        return csv_response(filename, header, rows)
    response = Response(xlsx_bytes(table, header, rows), mimetype=XLSX_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
