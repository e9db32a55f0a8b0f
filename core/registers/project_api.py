"""The projects API under /api/v1/t/<tenant>/projects/: list (filters q, status, donor), read, create,
change (If-Match with the ETag you read) and delete. Same permissions and rules as the pages: writes go
through core.registers.projects (DomainError -> 422 with the field at fault) and are audited on flush."""
from __future__ import annotations

from typing import Any

from flask import abort, g
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import abort as api_abort
from sqlalchemy.exc import IntegrityError

from core.api import ApiBlueprint, refuse
from core.api.lists import paginate
from core.errors import DomainError
from core.extensions import db
from core.i18n import current_locale
from core.permissions import require
from core.registers import projects
from core.registers.models import Project
from core.registers.project_schemas import (ProjectListArgs, ProjectPage, ProjectPatchSchema, ProjectSchema,
                                            ProjectWriteSchema)
from core.registers.project_views import budget_text, donor_name

projects_api = ApiBlueprint("projects_api", __name__, path="projects",
                            description="Projects and grants: code, titles, donor, period, budget and status.")

SORT_COLUMNS = {"code": Project.code, "starts_on": Project.starts_on, "ends_on": Project.ends_on,
                "title_en": Project.title_en}


def project_view(project: Project) -> dict[str, Any]:
    """The project as the API shows it; the same dict feeds the response and its ETag."""
    return {
        "id": project.id, "code": project.code, "title_en": project.title_en, "title_km": project.title_km,
        "title": project.title_in(current_locale()), "donor_id": project.donor_id, "donor_name": donor_name(project),
        "starts_on": project.starts_on, "ends_on": project.ends_on,
        "budget": None if project.budget is None else f"{project.budget:.2f}", "currency": project.currency,
        "budget_text": budget_text(project.budget, project.currency), "status": project.status,
        "description": project.description,
    }


def _get(project_id: int) -> Project:
    project = projects.get_project(project_id)
    if project is None:
        abort(404)
    return project


@projects_api.route("/")
class Projects(MethodView):
    @require("core.projects.view")
    @projects_api.arguments(ProjectListArgs, location="query")
    @projects_api.response(200, ProjectPage)
    def get(self, args):
        """List the organisation's projects and grants (by code unless sorted)."""
        query = projects.project_list_query(q=args.get("q"), status=args.get("status"), donor_id=args.get("donor"))
        page = paginate(query, args, SORT_COLUMNS, (Project.code, Project.id))
        page["items"] = [project_view(project) for project in page["items"]]
        return page

    @require("core.projects.edit")
    @projects_api.arguments(ProjectWriteSchema)
    @projects_api.response(201, ProjectSchema)
    def post(self, data):
        """Add a project. The code must be new in the organisation; the donor an organisation contact."""
        try:
            project = projects.create_project(g.tenant.id, **data)
        except DomainError as error:
            refuse(error, "code")
        db.session.commit()
        return project_view(_get(project.id))


@projects_api.route("/<int:project_id>")
class ProjectById(MethodView):
    @require("core.projects.view")
    @projects_api.etag
    @projects_api.response(200, ProjectSchema)
    def get(self, project_id):
        """One project (404 for another organisation's)."""
        return project_view(_get(project_id))

    @require("core.projects.edit")
    @projects_api.etag
    @projects_api.arguments(ProjectPatchSchema(partial=True))
    @projects_api.response(200, ProjectSchema)
    def patch(self, data, project_id):
        """Change some of a project's fields; send If-Match with the ETag you read."""
        project = _get(project_id)
        projects_api.check_etag(project_view(project), ProjectSchema)
        try:
            projects.update_project(project, **data)
        except DomainError as error:
            refuse(error, "code")
        db.session.commit()
        return project_view(_get(project_id))

    @require("core.projects.edit")
    @projects_api.etag
    @projects_api.response(204)
    @projects_api.alt_response(409, response="CONFLICT")
    def delete(self, project_id):
        """Delete a project that nothing refers to; send If-Match with the ETag you read. A project that
        modules still refer to cannot be deleted (409): close or cancel it instead."""
        project = _get(project_id)
        projects_api.check_etag(project_view(project), ProjectSchema)
        try:
            projects.delete_project(project)
        except IntegrityError:
            db.session.rollback()
            api_abort(409, messages={"id": [_("Records still refer to this project. Close or cancel it instead.")]})
        db.session.commit()
