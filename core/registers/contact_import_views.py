"""Pages to import contacts from a CSV or Excel file (upload, preview, accept or cancel) and to
export them (CSV, Excel) with the contacts list's filters. The rules live in contact_import.py and
contact_export.py; these views parse input, call them, commit once and render."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import BooleanField, RadioField
from wtforms.fields.choices import SelectChoice

from core.csv_export import csv_response
from core.errors import DomainError
from core.extensions import db
from core.i18n import current_locale
from core.permissions import can, require
from core.registers import contact_export, contact_import, contacts
from core.registers.contact_forms import ContactFilterForm
from core.registers.contact_import import ALL_OR_NONE, COLUMN_HELP, COLUMNS, VALID_ONLY
from core.registers.models import Contact, ContactKind
from core.registers.protection import PROTECTED_PERMISSION, shown_name
from core.tenancy import tenant_scope

contact_import_bp = Blueprint("contact_import", __name__, url_prefix="/t/<tenant_slug>/contacts/io")

VALID_ROWS_SHOWN = 100


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or Excel file"), validators=[FileRequired(message=_l("Choose a file to upload."))],
                     description=_l("CSV (UTF-8) or Excel workbook (.xlsx), at most 2 MB and 2,000 rows."))


class AcceptForm(FlaskForm):
    mode = RadioField(_l("What to import"), default=VALID_ONLY, choices=[
        SelectChoice(VALID_ONLY, _l("The valid rows only (rows with errors are left out)")),
        SelectChoice(ALL_OR_NONE, _l("All rows or nothing (nothing is imported if any row has an error)"))])
    all_duplicates = BooleanField(_l("Import every possible duplicate anyway"))


# --- import ---------------------------------------------------------------------------------------

@contact_import_bp.route("/import", methods=["GET", "POST"])
@require("core.contacts.import")
def upload():
    form = ImportForm()
    if request.method == "POST" and form.validate_on_submit():
        upload = form.file.data
        try:
            pending = contact_import.preview_import(upload.read(contact_import.MAX_FILE_BYTES + 1),
                                                    file_name=upload.filename or "", user_id=current_user.id)
        except DomainError as error:
            db.session.rollback()
            form.file.errors.append(str(error.message))
        else:
            db.session.commit()
            return redirect(url_for("contact_import.preview", import_id=pending.id))
    status = 422 if form.errors else 200
    return render_template("registers/contact_import/upload.html", form=form, columns=COLUMNS,
                           column_help=COLUMN_HELP), status


@contact_import_bp.get("/import/example.csv")
@require("core.contacts.import")
def example_csv() -> Response:
    example = {"kind": "person", "name_km": "សុខ ដារា", "name_latin": "Sok Dara", "sex": "female",
               "birth_year": "1996", "disability": "no", "idpoor": "yes", "phone": "012 345 678",
               "organisation": "Kampot Youth Network", "role": "member", "tags": "youth, land", "languages": "km",
               "protected": "no", "consent_scope": "trainings", "consent_on": "2026-03-02",
               "consent_method": "written"}
    return csv_response("contacts-example.csv", COLUMNS, [[example.get(name, "") for name in COLUMNS]])


def _pending_or_404(import_id: int):
    pending = contact_import.get_pending_import(import_id, current_user.id)
    if pending is None:
        abort(404)
    return pending


def _existing_contacts(rows: list[dict]) -> dict[int, Contact]:
    ids = {candidate["id"] for row in rows for candidate in row.get("duplicates", [])}
    if not ids:
        return {}
    return {contact.id: contact for contact in db.session.execute(select(Contact).where(Contact.id.in_(ids))).scalars()}


def _row_name(row: dict, may_see_protected: bool) -> str:
    values = row["values"]
    if values.get("protected") and not may_see_protected:
        return _("Protected person (line %(line)d)", line=row["line"])
    names = [values["name_km"], values["name_latin"]]
    if current_locale() != "km":
        names.reverse()
    return " / ".join(name for name in names if name)


def _render_preview(pending, form: AcceptForm | None = None, status: int = 200):
    rows = pending.rows or []
    may_see_protected = can(PROTECTED_PERMISSION)
    existing = _existing_contacts(rows)
    locale = current_locale()
    problem_rows = [(row, _row_name(row, may_see_protected), contact_import.row_messages(row))
                    for row in rows if row["problems"]]
    duplicate_rows = []
    for row in rows:
        if row["problems"] or not contact_import.is_duplicate(row):
            continue
        matches = [(existing[c["id"]], shown_name(existing[c["id"]], locale, reveal=False), c)
                   for c in row["duplicates"] if c["id"] in existing]
        duplicate_rows.append((row, _row_name(row, may_see_protected), matches))
    valid_rows = [(row, _row_name(row, may_see_protected)) for row in rows
                  if not row["problems"] and not contact_import.is_duplicate(row)]
    return render_template("registers/contact_import/preview.html", pending=pending,
                           counts=contact_import.counts(pending), form=form or AcceptForm(),
                           problem_rows=problem_rows, duplicate_rows=duplicate_rows,
                           valid_rows=valid_rows[:VALID_ROWS_SHOWN],
                           more_valid=max(0, len(valid_rows) - VALID_ROWS_SHOWN),
                           kind_label=lambda value: ContactKind(value).label,
                           reasons_text=contact_import.reasons_text), status


@contact_import_bp.get("/import/<int:import_id>")
@require("core.contacts.import")
def preview(import_id: int):
    return _render_preview(_pending_or_404(import_id))


@contact_import_bp.post("/import/<int:import_id>/accept")
@require("core.contacts.import")
def accept(import_id: int) -> Response | tuple[str, int]:
    pending = _pending_or_404(import_id)
    form = AcceptForm()
    if not form.validate_on_submit():
        return _render_preview(pending, form, 422)
    try:
        result = contact_import.accept_import(pending, mode=form.mode.data,
                                              import_duplicates=_lines(request.form.getlist("import_line")),
                                              all_duplicates=form.all_duplicates.data)
    except contact_import.RowRefused as refused:
        db.session.rollback()
        pending = _pending_or_404(import_id)
        contact_import.note_refused_row(pending, refused)
        db.session.commit()
        form.form_errors.append(_("Nothing was imported: the contacts register refused line %(line)d. "
                                  "The row is now marked with the reason.", line=refused.line))
        return _render_preview(pending, form, 422)
    except DomainError as error:
        db.session.rollback()
        form.form_errors.append(str(error.message))
        return _render_preview(_pending_or_404(import_id), form, 422)
    db.session.commit()
    flash(ngettext("Import done: %(num)d contact added (%(organisations)d new organisations among them); "
                   "%(errors)d rows with errors and %(duplicates)d possible duplicates left out.",
                   "Import done: %(num)d contacts added (%(organisations)d new organisations among them); "
                   "%(errors)d rows with errors and %(duplicates)d possible duplicates left out.",
                   result.imported + result.organisations_added, organisations=result.organisations_added,
                   errors=result.skipped_with_errors, duplicates=result.skipped_duplicates), "success")
    return redirect(url_for("contacts.index"))


def _lines(values: list[str]) -> set[int]:
    return {int(value) for value in values if value.isdigit()}


@contact_import_bp.post("/import/<int:import_id>/cancel")
@require("core.contacts.import")
def cancel(import_id: int) -> Response:
    contact_import.cancel_import(_pending_or_404(import_id))
    db.session.commit()
    flash(_("Import cancelled: nothing was imported and the uploaded rows were deleted."), "success")
    return redirect(url_for("contact_import.upload"))


# --- export ---------------------------------------------------------------------------------------

def list_filters() -> dict:
    """The contacts list's filters from the query string (values not understood are ignored)."""
    form = ContactFilterForm(request.args)
    if not any(request.args.get(name) for name in form._fields):
        return {}
    form.validate()
    return {name: field.data for name, field in form._fields.items() if field.data and not field.errors}


def export_base(filters: dict):
    """The contacts list's query with its filters (contacts.contact_list_query)."""
    protected = {"yes": True, "no": False}.get(filters.get("protected", ""))
    return contacts.contact_list_query(q=filters.get("q", ""), kind=filters.get("kind") or None, tag=filters.get("tag", ""),
                              protected=protected, may_see_protected=can(PROTECTED_PERMISSION))


def asks_for_protected_identities() -> bool:
    return request.args.get("include_protected", "").strip().lower() not in ("", "0", "false", "no")


def _refused_page():
    error = contact_export.refuse_protected_identities()
    return render_template("errors/error.html", code=400, title=_("Bad request"),
                           description=str(error.message)), 400


def export_file(filters: dict, file_format: str) -> Response:
    """The contacts list (with its `filters`) as a CSV or Excel download, audited; the page and the
    API both answer with it."""
    base = export_base(filters)
    contact_export.audit_export(g.tenant.id, file_format, contact_export.export_counts(base), filters)
    if file_format == "xlsx":
        content = contact_export.xlsx_bytes(contact_export.export_rows(base))
        db.session.commit()
        return xlsx_response(content, f"contacts-{g.tenant.slug}.xlsx")
    db.session.commit()
    tenant_id = g.tenant.id

    def rows():
        # Read while the response streams, after the request's tenant scope was cleared: set it again.
        with tenant_scope(tenant_id):
            yield from contact_export.export_rows(base)

    return csv_response(f"contacts-{g.tenant.slug}.csv", COLUMNS, rows())


@contact_import_bp.get("/export.csv")
@require("core.contacts.export")
def export_csv():
    if asks_for_protected_identities():
        return _refused_page()
    return export_file(list_filters(), "csv")


@contact_import_bp.get("/export.xlsx")
@require("core.contacts.export")
def export_xlsx():
    if asks_for_protected_identities():
        return _refused_page()
    return export_file(list_filters(), "xlsx")


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, filename: str) -> Response:
    response = Response(content, mimetype=XLSX_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
