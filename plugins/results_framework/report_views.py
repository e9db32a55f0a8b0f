"""Donor-report pages: the list (newest first), a new report (for a period of the plan or a
project/grant), the report's page with the framework's figures and a narrative per indicator (saved
in one POST), and its XLSX and PDF exports in English or Khmer. Thin: forms in, one call to
plugins.results_framework.reports, one commit. Seeing and exporting need "results.view"; creating
and writing need "results.edit"."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from core.audit import record_event
from core.errors import DomainError, form_status, show_on_form
from core.extensions import db
from core.i18n import current_locale
from core.pagination import paginate
from core.permissions import can, require
from core.registers.projects import project_choices
from plugins.results_framework import report_pdf, report_xlsx, reports, services
from plugins.results_framework.charts import trend_svg
from plugins.results_framework.report_forms import NewReportForm, edit_form_class, narrative_field_name
from plugins.results_framework.reports import build_content, value_text
from plugins.results_framework.services import Status

reports_bp = Blueprint("results_reports", __name__, url_prefix="/t/<tenant_slug>/results/reports",
                       template_folder="templates")

VIEW, EDIT = "results.view", "results.edit"
TEMPLATES = "results_framework/reports/"
PAGE_SIZE = 25
LANGUAGES = ("en", "km")
STATUS_BADGES = {Status.MET: "ok", Status.ON_TRACK: "ok", Status.AT_RISK: "warn", Status.OFF_TRACK: "late"}


def _report_or_404(report_id: int):
    report = reports.load_report(report_id)
    if report is None:
        abort(404)
    return report


def _actor_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


@reports_bp.get("/")
@require(VIEW)
def index():
    page = paginate(reports.reports_query(), per_page=PAGE_SIZE)
    return render_template(TEMPLATES + "index.html", page=page, may_edit=can(EDIT), lang=current_locale())


@reports_bp.route("/new", methods=["GET", "POST"])
@require(EDIT)
def new():
    form = NewReportForm()
    lang = current_locale()
    form.project_id.choices = [SelectChoice("", _("No project: the whole framework"))] + [
        SelectChoice(str(project_id), label) for project_id, label in project_choices(g.tenant, lang,
                                                                                      include_closed=True)]
    if form.validate_on_submit():
        try:
            report = reports.create_report(
                g.tenant.id, services.settings_for(g.tenant.id), title=form.title.data,
                period_key=form.period_key.data or "",
                project_id=int(form.project_id.data) if form.project_id.data else None,
                narrative=form.narrative.data or "", actor_id=_actor_id())
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Report created. Write a narrative for each indicator below."), "success")
            return redirect(url_for("results_reports.detail", report_id=report.id))
    return render_template(TEMPLATES + "new.html", form=form), form_status(form)


@reports_bp.route("/<int:report_id>", methods=["GET", "POST"])
@require(VIEW)
def detail(report_id: int):
    report = _report_or_404(report_id)
    may_edit = can(EDIT)
    if request.method == "POST" and not may_edit:
        abort(403)
    lang = current_locale()
    content = build_content(report, g.tenant, lang)
    form = None
    if may_edit:
        form = edit_form_class([row.indicator.id for row in content.rows])(
            formdata=request.form if request.method == "POST" else None)
        if request.method == "GET":
            form.title.data, form.narrative.data = report.title, report.narrative
            for row in content.rows:
                form[narrative_field_name(row.indicator.id)].data = row.narrative
        elif form.validate_on_submit():
            try:
                reports.save_narratives(
                    report, title=form.title.data, narrative=form.narrative.data or "",
                    texts={row.indicator.id: form[narrative_field_name(row.indicator.id)].data or ""
                           for row in content.rows},
                    indicator_ids={row.indicator.id for row in content.rows})
            except DomainError as error:
                db.session.rollback()
                show_on_form(form, error)
            else:
                db.session.commit()
                flash(_("Report saved."), "success")
                return redirect(url_for("results_reports.detail", report_id=report.id))
    status = form_status(form) if form is not None else 200
    return render_template(TEMPLATES + "detail.html", report=report, content=content, form=form, may_edit=may_edit,
                           badges=STATUS_BADGES, field_name=narrative_field_name, charts=_charts(content),
                           shown=lambda value, unit: value_text(value, unit, lang)), status


def _charts(content) -> dict:
    """Each indicator's trend chart (inline SVG), keyed by indicator id; the page also shows the
    figures as a table for screen readers."""
    return {row.indicator.id: trend_svg(row.trend, ident=f"trend-{row.indicator.id}", title=row.name,
                                        description=_("Values of “%(name)s” per period; the dashed line is the "
                                                      "target.", name=row.name)) if row.trend else None
            for row in content.rows}


def _language() -> str:
    lang = request.args.get("lang") or current_locale()
    if lang not in LANGUAGES:
        abort(404)
    return lang


def _filename(report, lang: str, extension: str) -> str:
    """An ASCII file name (a Khmer title would need RFC 5987 encoding): the report's number, the
    title's Latin letters and digits, the language."""
    words = "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in report.title.lower())
    words = "-".join(part for part in words.split("-") if part)[:60]
    return f"donor-report-{report.id}{'-' + words if words else ''}-{lang}.{extension}"


def _download(report, body: bytes, mimetype: str, lang: str, extension: str) -> Response:
    record_event("export", tenant_id=g.tenant.id, model="DonorReport", record_id=str(report.id),
                 changes={"format": extension, "lang": lang})
    db.session.commit()
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(report, lang, extension)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@reports_bp.get("/<int:report_id>/report.xlsx")
@require(VIEW)
def xlsx(report_id: int):
    report = _report_or_404(report_id)
    lang = _language()
    return _download(report, report_xlsx.render(report, g.tenant, lang), report_xlsx.XLSX_TYPE, lang, "xlsx")


@reports_bp.get("/<int:report_id>/report.pdf")
@require(VIEW)
def pdf(report_id: int):
    report = _report_or_404(report_id)
    lang = _language()
    return _download(report, report_pdf.render(report, g.tenant, lang), "application/pdf", lang, "pdf")
