"""The institutions API under /api/v1/t/<tenant>/institutions/: the shared register plus the
organisation's own institutions (read), and the organisation's own (write, with If-Match). Writing a
shared institution is refused with 403; the rules are those of core.registers.institutions."""
from __future__ import annotations

from typing import Any

from flask import abort
from flask.views import MethodView
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from core.api import ApiBlueprint, refuse
from core.api.lists import paginate
from core.errors import DomainError
from core.extensions import db
from core.permissions import require
from core.registers import institutions as register
from core.registers.institution_schemas import (InstitutionListArgs, InstitutionPage, InstitutionPatchSchema,
                                                InstitutionSchema, InstitutionWriteSchema)
from core.registers.models import Institution
from core.web import problem

institutions_api = ApiBlueprint("institutions_api", __name__, path="institutions",
                                description="The institutions register: the shared register of public bodies "
                                            "(read-only here) and the organisation's own institutions.")

SORT_COLUMNS = {"name_en": Institution.name_en, "kind": Institution.kind, "code": Institution.code}
WRITE_FIELDS = tuple(InstitutionWriteSchema().fields)


def institution_view(institution: Institution) -> dict[str, Any]:
    """The institution as the API shows it; the same dict feeds the response and its ETag."""
    return {
        "id": institution.id, "code": institution.code, "kind": institution.kind,
        "name_en": institution.name_en, "name_km": institution.name_km,
        "parent_id": institution.parent_id, "parent_code": institution.parent.code if institution.parent else None,
        "province_id": institution.province_id, "place_id": institution.place_id,
        "place_code": institution.place.code if institution.place else None,
        "ncdd_member": institution.ncdd_member, "phone": institution.phone, "email": institution.email,
        "website": institution.website, "address_en": institution.address_en,
        "valid_from": institution.valid_from, "valid_to": institution.valid_to,
        "successor_id": institution.successor_id,
        "successor_code": institution.successor.code if institution.successor else None,
        "is_current": register.is_current(institution), "is_shared": institution.is_shared,
    }


def _get(institution_id: int) -> Institution:
    institution = register.get_visible_institution(institution_id)
    if institution is None:
        abort(404)
    return institution


def _shared_refused():
    db.session.rollback()
    return problem(403, _("Not allowed"), register.shared_refusal())


def _current_values(institution: Institution) -> dict[str, Any]:
    view = institution_view(institution)
    values = {name: view[name] for name in WRITE_FIELDS if name in view}
    for name in ("parent_code", "place_code", "successor_code"):
        values[name] = values.get(name) or ""
    return values


def _save(institution: Institution | None, data: dict):
    """Save through the service; a DomainError becomes a 422 naming the field (nothing written)."""
    try:
        saved = register.save_institution(institution, **data)
        db.session.flush()
    except register.SharedInstitutionError:
        return None
    except DomainError as error:
        refuse(error, "code")
    db.session.commit()
    return saved


@institutions_api.route("/")
class Institutions(MethodView):
    @require("core.tenant.view")
    @institutions_api.arguments(InstitutionListArgs, location="query")
    @institutions_api.response(200, InstitutionPage)
    def get(self, args):
        """List the institutions the organisation sees: the shared register and its own additions
        (current ones unless include_former is true)."""
        query = register.visible_institutions().order_by(None).options(
            joinedload(Institution.parent), joinedload(Institution.place), joinedload(Institution.successor))
        query = register.filter_institutions(query, q=args.get("q"), kind=args.get("kind"),
                                             province=args.get("province"),
                                             include_former=args.get("include_former", False))
        page = paginate(query, args, SORT_COLUMNS, (register.KIND_ORDER, Institution.name_en, Institution.id))
        page["items"] = [institution_view(institution) for institution in page["items"]]
        return page

    @require("core.institutions.edit")
    @institutions_api.arguments(InstitutionWriteSchema)
    @institutions_api.response(201, InstitutionSchema)
    def post(self, data):
        """Add one of the organisation's own institutions (others do not see it)."""
        saved = _save(None, data)
        return institution_view(saved)


@institutions_api.route("/<int:institution_id>")
class InstitutionById(MethodView):
    @require("core.tenant.view")
    @institutions_api.etag
    @institutions_api.response(200, InstitutionSchema)
    def get(self, institution_id):
        """One institution (404 for another organisation's own institution)."""
        return institution_view(_get(institution_id))

    @require("core.institutions.edit")
    @institutions_api.etag
    @institutions_api.arguments(InstitutionPatchSchema(partial=True))
    @institutions_api.response(200, InstitutionSchema)
    def patch(self, data, institution_id):
        """Change one of the organisation's own institutions; send If-Match with the ETag you read.
        The shared register is changed by the instance operators only (403): propose a correction."""
        institution = _get(institution_id)
        institutions_api.check_etag(institution_view(institution), InstitutionSchema)
        if not register.may_write(institution):
            return _shared_refused()
        saved = _save(institution, {**_current_values(institution), **data})
        if saved is None:
            return _shared_refused()
        return institution_view(saved)

    @require("core.institutions.edit")
    @institutions_api.etag
    @institutions_api.response(204)
    def delete(self, institution_id):
        """Delete one of the organisation's own institutions that no record uses (send If-Match)."""
        institution = _get(institution_id)
        institutions_api.check_etag(institution_view(institution), InstitutionSchema)
        if not register.may_write(institution):
            return _shared_refused()
        try:
            register.delete_institution(institution)
            db.session.flush()
        except DomainError as error:
            refuse({"id": [str(error.message)]})
        db.session.commit()
        return None
