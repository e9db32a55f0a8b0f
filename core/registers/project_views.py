"""HTML pages of the projects register: the list (filters, pages), a project, new and edit. Rules
live in core.registers.projects; these views parse, call one service, commit once."""
from __future__ import annotations

from decimal import Decimal

from babel import Locale
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import format_currency, get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from core.errors import DomainError, show_on_form
from core.extensions import db
from core.i18n import current_locale
from core.pagination import paginate
from core.permissions import require
from core.registers import projects
from core.registers.models import Currency, Project, ProjectStatus, name_in_language
from core.registers.project_forms import ProjectFilterForm, ProjectForm
from core.registers.protection import shown_name

projects_bp = Blueprint("projects", __name__, url_prefix="/t/<tenant_slug>/projects")

PAGE_SIZE = 25


def budget_text(amount: Decimal | None, currency: Currency | str) -> str | None:
    """The budget in the reader's language with its currency sign (riel without decimals)."""
    if amount is None:
        return None
    code = Currency(currency).value
    if code == Currency.KHR.value:
        # Riel amounts are whole numbers; the locale's own pattern, without the cents.
        pattern = (get_locale() or Locale.parse("en")).currency_formats["standard"].pattern.replace(".00", "")
        return format_currency(amount, code, format=pattern, currency_digits=False)
    return format_currency(amount, code)


def donor_name(project: Project) -> str | None:
    """The donor organisation's name in the reader's language (a stand-in if it is protected or erased)."""
    donor = project.donor
    if donor is None:
        return None
    if donor.protected or donor.is_erased:
        return shown_name(donor, current_locale(), reveal=False)
    return name_in_language(donor.name_latin, donor.name_km, current_locale()) or donor.name_km


def _contact_url(contact_id: int) -> str | None:
    """The donor's contact page, when the contacts register has one."""
    if "contacts.detail" not in current_app.view_functions:
        return None
    return url_for("contacts.detail", contact_id=contact_id)


def _get_project(project_id: int) -> Project:
    project = projects.get_project(project_id)
    if project is None:
        abort(404)
    return project


# --- the list ---------------------------------------------------------------------------------

@projects_bp.get("/")
@require("core.projects.view")
def index() -> str:
    form = ProjectFilterForm(request.args)
    filters = {}
    if request.args:
        form.validate()
        filters = {name: form[name].data for name in ("q", "status") if form[name].data and not form[name].errors}
    query = projects.project_list_query(**filters).order_by(Project.starts_on.desc().nulls_last(),
                                                            Project.code, Project.id)
    page = paginate(query, per_page=PAGE_SIZE)
    query_args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template("registers/projects/index.html", form=form, page=page, query_args=query_args,
                           budget_text=budget_text, donor_name=donor_name, locale=current_locale())


# --- one project ------------------------------------------------------------------------------

@projects_bp.get("/<int:project_id>")
@require("core.projects.view")
def detail(project_id: int) -> str:
    project = _get_project(project_id)
    return render_template("registers/projects/detail.html", project=project, locale=current_locale(),
                           budget=budget_text(project.budget, project.currency), donor=donor_name(project),
                           donor_url=_contact_url(project.donor_id) if project.donor_id else None)


# --- create and edit --------------------------------------------------------------------------

def _project_form(project: Project | None = None) -> ProjectForm:
    form = ProjectForm(obj=project) if project is not None else ProjectForm()
    form.donor_id.choices = [SelectChoice("", _("No donor"))] + [
        SelectChoice(str(contact_id), name) for contact_id, name in projects.donor_choices(g.tenant.id,
                                                                                          current_locale())]
    if request.method == "GET" and project is not None:
        form.donor_id.data = str(project.donor_id or "")
        form.currency.data = project.currency.value
        form.status.data = project.status.value
        form.budget.data = "" if project.budget is None else str(project.budget)
    return form


def _form_fields(form: ProjectForm) -> dict:
    return {"code": form.code.data, "title_en": form.title_en.data, "title_km": form.title_km.data or "",
            "donor_id": int(form.donor_id.data) if form.donor_id.data else None,
            "starts_on": form.starts_on.data, "ends_on": form.ends_on.data, "budget": form.budget.data,
            "currency": Currency(form.currency.data), "status": ProjectStatus(form.status.data),
            "description": form.description.data or ""}


def _save(form: ProjectForm, project: Project | None) -> Response | tuple[str, int]:
    if form.validate_on_submit():
        try:
            if project is None:
                project = projects.create_project(g.tenant.id, **_form_fields(form))
            else:
                projects.update_project(project, **_form_fields(form))
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Project %(code)s saved.", code=project.code), "success")
            return redirect(url_for("projects.detail", project_id=project.id))
    status = 422 if request.method == "POST" else 200
    return render_template("registers/projects/form.html", form=form, project=project), status


@projects_bp.route("/new", methods=["GET", "POST"])
@require("core.projects.edit")
def new() -> Response | tuple[str, int]:
    return _save(_project_form(), None)


@projects_bp.route("/<int:project_id>/edit", methods=["GET", "POST"])
@require("core.projects.edit")
def edit(project_id: int) -> Response | tuple[str, int]:
    project = _get_project(project_id)
    return _save(_project_form(project), project)
