"""The contacts import and export in the JSON API, under /api/v1/t/<tenant>/contacts/: upload a
file for a preview (per-row errors in the token user's language), accept it (valid rows only, or
all or nothing) or cancel it; download the contacts as CSV or Excel. Same services and rules as the
pages (contact_import.py, contact_export.py)."""
from __future__ import annotations

import marshmallow as ma
from flask import abort
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort as api_abort
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from core.api import ApiBlueprint, refuse
from core.errors import DomainError
from core.extensions import db
from core.permissions import can, require
from core.registers import contact_export, contact_import
from core.registers.contact_import import MODES, VALID_ONLY
from core.registers.contact_import_views import XLSX_TYPE, export_file
from core.registers.protection import PROTECTED_PERMISSION
from core.web import problem

contact_import_api = ApiBlueprint("contact_import_api", __name__, path="contacts",
                                  description="Import contacts from CSV or Excel files (preview, then accept) and "
                                              "export them.")


class UploadSchema(ma.Schema):
    file = Upload(required=True, metadata={"description": "A CSV (UTF-8) or Excel (.xlsx) file, at most 2 MB and "
                                                          "2,000 rows; the first row names the columns."})


class DuplicateSchema(ma.Schema):
    id = fields.Integer(metadata={"description": "The existing contact's id."})
    strength = fields.String(metadata={"description": "strong or possible"})
    reasons = fields.List(fields.String())


class PreviewRowSchema(ma.Schema):
    line = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "valid, error or duplicate"})
    protected = fields.Boolean()
    name_km = fields.String(allow_none=True, metadata={"description": "Null for a protected row you may not see."})
    name_latin = fields.String(allow_none=True)
    errors = fields.List(fields.String(), metadata={"description": "Problems of the row, in your language."})
    duplicates = fields.List(fields.Nested(DuplicateSchema))
    duplicate_of_line = fields.Integer(allow_none=True)


class PreviewSchema(ma.Schema):
    id = fields.Integer(required=True)
    file_name = fields.String()
    rows = fields.Integer()
    valid = fields.Integer()
    with_errors = fields.Integer()
    possible_duplicates = fields.Integer()
    items = fields.List(fields.Nested(PreviewRowSchema))


class AcceptSchema(ma.Schema):
    mode = fields.String(load_default=VALID_ONLY, validate=validate.OneOf(MODES),
                         metadata={"description": "valid_only (rows with errors left out) or all_or_none."})
    import_duplicates = fields.List(fields.Integer(), load_default=list,
                                    metadata={"description": "Lines of possible duplicates to import anyway."})
    all_duplicates = fields.Boolean(load_default=False,
                                    metadata={"description": "Import every possible duplicate anyway."})


class ImportResultSchema(ma.Schema):
    imported = fields.Integer()
    organisations_added = fields.Integer()
    skipped_with_errors = fields.Integer()
    skipped_duplicates = fields.Integer()


class ExportArgs(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    q = fields.String(load_default="", validate=validate.Length(max=200))
    kind = fields.String(load_default=None, validate=validate.OneOf(["person", "organisation"]))
    tag = fields.String(load_default="", validate=validate.Length(max=100))
    protected = fields.Boolean(load_default=None, allow_none=True)
    include_protected = fields.Boolean(load_default=False, metadata={
        "enum": [False], "description": "Only false: protected people's identities are never exported (true is a 400)."})


def _preview_view(pending) -> dict:
    counts = contact_import.counts(pending)
    may_see_protected = can(PROTECTED_PERMISSION)
    items = []
    for row in pending.rows or []:
        hidden = row["values"].get("protected") and not may_see_protected
        items.append({
            "line": row["line"],
            "status": "error" if row["problems"] else ("duplicate" if contact_import.is_duplicate(row) else "valid"),
            "protected": bool(row["values"].get("protected")),
            "name_km": None if hidden else row["values"]["name_km"],
            "name_latin": None if hidden else row["values"]["name_latin"],
            "errors": contact_import.row_messages(row),
            "duplicates": [dict(candidate, reasons=contact_import.reasons_text(candidate))
                           for candidate in row.get("duplicates", [])],
            "duplicate_of_line": row.get("duplicate_of_line"),
        })
    return {"id": pending.id, "file_name": pending.file_name, **vars(counts), "items": items}


def _pending(import_id: int):
    pending = contact_import.get_pending_import(import_id, current_user.id)
    if pending is None:
        abort(404)
    return pending


@contact_import_api.route("/import")
class ImportUpload(MethodView):
    @require("core.contacts.import")
    @contact_import_api.arguments(UploadSchema, location="files")
    @contact_import_api.response(201, PreviewSchema)
    def post(self, files):
        """Upload a file: every row is checked and possible duplicates are marked. Nothing is imported
        until you accept the preview (POST …/import/<id>/accept); it is deleted after a day."""
        upload = files["file"]
        try:
            pending = contact_import.preview_import(upload.read(contact_import.MAX_FILE_BYTES + 1),
                                                    file_name=upload.filename or "", user_id=current_user.id)
        except DomainError as error:
            refuse({"file": [str(error.message)]})
        db.session.commit()
        return _preview_view(pending)


@contact_import_api.route("/import/<int:import_id>")
class ImportPreview(MethodView):
    @require("core.contacts.import")
    @contact_import_api.response(200, PreviewSchema)
    def get(self, import_id):
        """Your pending import's preview (another user's is not found)."""
        return _preview_view(_pending(import_id))

    @require("core.contacts.import")
    @contact_import_api.response(204)
    def delete(self, import_id):
        """Cancel a pending import: nothing is imported and the uploaded rows are deleted."""
        contact_import.cancel_import(_pending(import_id))
        db.session.commit()
        return None


@contact_import_api.route("/import/<int:import_id>/accept")
class ImportAccept(MethodView):
    @require("core.contacts.import")
    @contact_import_api.arguments(AcceptSchema)
    @contact_import_api.response(200, ImportResultSchema)
    def post(self, data, import_id):
        """Import the valid rows (mode valid_only) or all rows or nothing (mode all_or_none: a 422 when
        any row has an error). Possible duplicates are left out unless listed in import_duplicates."""
        pending = _pending(import_id)
        try:
            result = contact_import.accept_import(pending, mode=data["mode"],
                                                  import_duplicates=data["import_duplicates"],
                                                  all_duplicates=data["all_duplicates"])
        except contact_import.RowRefused as refused:
            db.session.rollback()
            pending = _pending(import_id)
            contact_import.note_refused_row(pending, refused)
            db.session.commit()
            api_abort(422, messages={"rows": contact_import.row_messages(
                next(row for row in pending.rows if row["line"] == refused.line))})
        except DomainError as error:
            refuse(error, "mode")
        db.session.commit()
        return vars(result)


def _export(args: dict, file_format: str):
    if args.pop("include_protected", False):
        return problem(400, _("Bad request"), str(contact_export.refuse_protected_identities().message),
                       {"include_protected": [str(contact_export.refuse_protected_identities().message)]})
    filters = {name: value for name, value in args.items() if value not in (None, "")}
    if "protected" in filters:
        filters["protected"] = "yes" if filters["protected"] else "no"
    return export_file(filters, file_format)


@contact_import_api.route("/export.csv")
class ExportCsv(MethodView):
    @require("core.contacts.export")
    @contact_import_api.arguments(ExportArgs, location="query")
    @contact_import_api.response(200, content_type="text/csv", description="The contacts as CSV (UTF-8 with BOM).")
    def get(self, args):
        """The contacts (with the list's filters) as CSV with the import's columns. Protected people's
        identity columns are empty; erased people's rows say nothing identifying."""
        return _export(args, "csv")


@contact_import_api.route("/export.xlsx")
class ExportXlsx(MethodView):
    @require("core.contacts.export")
    @contact_import_api.arguments(ExportArgs, location="query")
    @contact_import_api.response(200, content_type=XLSX_TYPE, description="The contacts as an Excel workbook.")
    def get(self, args):
        """The contacts (with the list's filters) as an Excel workbook, same columns and rules as the CSV."""
        return _export(args, "xlsx")
