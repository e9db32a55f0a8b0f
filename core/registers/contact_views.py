"""HTML pages of the contacts register: list, page, new (with duplicates offered), edit,
affiliations, a person's photo, withdrawal of consent, duplicate review and merge, erasure.
Protection is decided by core.registers.protection; the rules live in contacts.py,
contact_photos.py, duplicates.py and erasure.py."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from core import uploads
from core.errors import DomainError, show_on_form
from core.extensions import db
from core.i18n import current_locale
from core.pagination import paginate
from core.permissions import can, require
from core.registers import contact_photos, contacts, duplicates, erasure
from core.registers.contact_forms import (IDENTITY_FORM_FIELDS, ORGANISATION_FIELDS, PAGE_SIZE, PERSON_FIELDS,
                                          AffiliationForm, ContactFilterForm, ContactForm, EraseForm, MergeForm,
                                          PhotoForm, WithdrawConsentForm)
from core.registers.fields import MAX_CHOICES, picker_response
from core.registers.models import Contact, ContactKind
from core.registers.protection import (PROTECTED_PERMISSION, log_identity_view, may_see_identity,
                                       shown_name)

contacts_bp = Blueprint("contacts", __name__, url_prefix="/t/<tenant_slug>/contacts")


# --- helpers --------------------------------------------------------------------------------------

def load_contact(contact_id: int) -> Contact:
    contact = contacts.get_contact(contact_id)
    if contact is None:
        abort(404)
    return contact


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _from_yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def _contact_form(contact: Contact | None = None) -> ContactForm:
    form = ContactForm(obj=contact) if contact is not None else ContactForm()
    if contact is not None:
        # Selects show the stored value (not posted: the stored one stays).
        posted = request.form if request.method == "POST" else {}
        for name in ("kind", "sex", "age_group", "organisation_type", "consent_method"):
            if name not in posted:
                value = getattr(contact, name)
                getattr(form, name).data = value.value if value is not None else ""
        for name in ("disability", "idpoor", "indigenous"):
            if name not in posted:
                getattr(form, name).data = _yes_no(getattr(contact, name))
    else:
        # A new contact: the kind comes from the link followed ("New organisation") or the form.
        is_organisation = request.values.get("kind") == ContactKind.ORGANISATION.value
        if is_organisation:
            form.kind.data = ContactKind.ORGANISATION.value
        for name in (PERSON_FIELDS if is_organisation else ORGANISATION_FIELDS):
            delattr(form, name)
    if contact is not None:
        # The kind is chosen once; fields of the other kind are not offered.
        del form.kind
        for name in (ORGANISATION_FIELDS if contact.is_person else PERSON_FIELDS):
            delattr(form, name)
        if not may_see_identity(contact):
            for name in (*IDENTITY_FORM_FIELDS, "protected"):
                if name in form:
                    delattr(form, name)
        elif contact.protected:
            log_identity_view(contact)
    return form


def _form_fields(form: ContactForm, kind: ContactKind) -> dict:
    """The contact's columns from the form (only the fields the form shows and the kind has)."""
    skip = set(ORGANISATION_FIELDS if kind == ContactKind.PERSON else PERSON_FIELDS) | {"confirm_new", "csrf_token"}
    fields = {}
    for name, field in form._fields.items():
        if name in skip or name == "kind":
            continue
        value = field.data
        if name in ("disability", "idpoor", "indigenous"):
            value = _from_yes_no(value)
        elif name in ("organisation_type", "consent_method") and not value:
            value = None
        elif name == "place_id":
            value = getattr(value, "id", value) or None
        fields[name] = value
    return fields


def _may_compare(contact: Contact) -> bool:
    """Whether a contact may be offered as a duplicate to the current user: saying that a protected
    person has the same name or phone reveals their identity, so only to those who may see it."""
    return not contact.protected or can(PROTECTED_PERMISSION)


def _shown(contact: Contact) -> str:
    return shown_name(contact, current_locale(), reveal=False)


# --- the list -------------------------------------------------------------------------------------

@contacts_bp.get("/")
@require("core.contacts.view")
def index() -> str:
    form = ContactFilterForm(request.args)
    filters = {}
    if request.args:
        form.validate()
        filters = {name: field.data for name, field in form._fields.items() if field.data and not field.errors}
        if form.errors:
            flash(_("Some filters were not understood and have been ignored."), "error")
    query = contacts.contact_list_query(q=filters.get("q", ""), kind=filters.get("kind"), tag=filters.get("tag", ""),
                                        protected=_from_yes_no(filters.get("protected", "")),
                                        may_see_protected=can(PROTECTED_PERMISSION))
    page = paginate(query.order_by(*contacts.LIST_ORDER), per_page=PAGE_SIZE)
    query_args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template("registers/contacts/index.html", form=form, page=page, query_args=query_args,
                           shown=_shown, locale=current_locale())


# --- the contact's page ---------------------------------------------------------------------------

@contacts_bp.get("/<int:contact_id>")
@require("core.contacts.view")
def detail(contact_id: int) -> tuple[str, int]:
    return _render_detail(load_contact(contact_id))


def _render_detail(contact: Contact, photo_form: PhotoForm | None = None, status: int = 200):
    reveal = may_see_identity(contact)
    name = shown_name(contact, current_locale())      # logs the view of a protected identity when shown
    links = contacts.all_links(contact, url_for)
    affiliation_form = None
    if contact.is_person and can("core.contacts.edit") and not contact.is_erased:
        affiliation_form = AffiliationForm(formdata=None)
    if reveal and contact.is_person and can("core.contacts.edit") and not contact.is_erased:
        photo_form = photo_form or PhotoForm(formdata=None)
        photo_form.photo.description = _("A JPEG or PNG image of at most %(mb)s MB.",
                                         mb=uploads.megabytes(contact_photos.max_bytes(current_app.config)))
    else:
        photo_form = None
    return render_template("registers/contacts/detail.html", contact=contact, name=name, reveal=reveal,
                           groups=contacts.grouped_links(links), affiliation_form=affiliation_form,
                           photo_form=photo_form, has_photo=reveal and contact_photos.has_photo(contact),
                           is_minor=contacts.is_minor(contact), locale=current_locale(), shown=_shown), status


# --- new and edit ---------------------------------------------------------------------------------

@contacts_bp.route("/new", methods=["GET", "POST"])
@require("core.contacts.edit")
def new() -> Response | tuple[str, int]:
    form = _contact_form()
    candidates = []
    if form.validate_on_submit():
        kind = ContactKind(form.kind.data)
        fields = _form_fields(form, kind)
        if form.confirm_new.data != "1":
            candidates = duplicates.find_duplicates(
                name_km=form.name_km.data or "", name_latin=form.name_latin.data or "", phone=form.phone.data or "",
                birth_year=form.birth_year.data if kind == ContactKind.PERSON else None)
            # Offering "Protected person #4: same name, same phone" would tell who is protected.
            candidates = [candidate for candidate in candidates if _may_compare(candidate.contact)]
        if not candidates:
            try:
                contact = contacts.create_contact(kind=kind, **fields)
            except DomainError as error:
                db.session.rollback()
                show_on_form(form, error)
            else:
                db.session.commit()
                flash(_("Contact saved."), "success")
                return redirect(url_for("contacts.detail", contact_id=contact.id))
        else:
            form.confirm_new.data = "1"
    failed = bool(form.errors or form.form_errors)
    return render_template("registers/contacts/form.html", form=form, contact=None, candidates=candidates,
                           shown=_shown), 422 if failed else 200


@contacts_bp.route("/<int:contact_id>/edit", methods=["GET", "POST"])
@require("core.contacts.edit")
def edit(contact_id: int) -> Response | tuple[str, int]:
    contact = load_contact(contact_id)
    if contact.is_erased:
        abort(404)
    form = _contact_form(contact)
    if form.validate_on_submit():
        try:
            contacts.update_contact(contact, **_form_fields(form, contact.kind))
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Contact saved."), "success")
            return redirect(url_for("contacts.detail", contact_id=contact.id))
    failed = bool(form.errors or form.form_errors)
    return render_template("registers/contacts/form.html", form=form, contact=contact, candidates=[],
                           name=shown_name(contact, current_locale()),
                           shown=_shown), 422 if failed else 200


@contacts_bp.post("/<int:contact_id>/affiliations")
@require("core.contacts.edit")
def add_affiliation(contact_id: int) -> Response:
    contact = load_contact(contact_id)
    form = AffiliationForm()
    if not form.validate_on_submit():
        flash(form.organisation_id.errors[0] if form.organisation_id.errors
              else _("Choose one of your organisation contacts."), "error")
        return redirect(url_for("contacts.detail", contact_id=contact.id))
    try:
        contacts.add_affiliation(contact, form.organisation_id.data, form.role.data or "")
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("Affiliation saved."), "success")
    return redirect(url_for("contacts.detail", contact_id=contact.id))


@contacts_bp.post("/<int:contact_id>/affiliations/<int:affiliation_id>/delete")
@require("core.contacts.edit")
def remove_affiliation(contact_id: int, affiliation_id: int) -> Response:
    contact = load_contact(contact_id)
    try:
        contacts.remove_affiliation(contact, affiliation_id)
    except DomainError:
        abort(404)
    db.session.commit()
    flash(_("Affiliation removed."), "success")
    return redirect(url_for("contacts.detail", contact_id=contact.id))


# --- photo ----------------------------------------------------------------------------------------

def _photo_contact(contact_id: int) -> Contact:
    """A person whose photo the current user may see (anyone else: 404, which reveals nothing)."""
    contact = load_contact(contact_id)
    if contact.is_erased or not contact.is_person or not may_see_identity(contact):
        abort(404)
    return contact


@contacts_bp.get("/<int:contact_id>/photo")
@require("core.contacts.view")
def photo(contact_id: int) -> Response:
    contact = _photo_contact(contact_id)
    path = contact_photos.photo_path(contact)
    if path is None or not uploads.is_stored(path):
        abort(404)
    log_identity_view(contact)          # only a protected person's view is logged
    response = uploads.send_inline(path, content_type=contact_photos.content_type(contact))
    response.headers["Cache-Control"] = "private, no-store" if contact.protected else "private, no-cache"
    return response


@contacts_bp.post("/<int:contact_id>/photo")
@require("core.contacts.edit")
def upload_photo(contact_id: int) -> Response | tuple[str, int]:
    contact = _photo_contact(contact_id)
    form = PhotoForm()
    if form.validate_on_submit():
        try:
            contact_photos.save_photo(contact, form.photo.data,
                                      limit=contact_photos.max_bytes(current_app.config))
        except DomainError as error:
            db.session.rollback()
            form.photo.errors = list(form.photo.errors) + [str(error.message)]
        else:
            db.session.commit()
            flash(_("Photo saved."), "success")
            return redirect(url_for("contacts.detail", contact_id=contact.id) + "#photo")
    return _render_detail(load_contact(contact_id), photo_form=form, status=422)


@contacts_bp.post("/<int:contact_id>/photo/delete")
@require("core.contacts.edit")
def delete_photo(contact_id: int) -> Response:
    contact = _photo_contact(contact_id)
    contact_photos.remove_photo(contact)
    db.session.commit()
    flash(_("Photo removed."), "success")
    return redirect(url_for("contacts.detail", contact_id=contact.id))


# --- consent --------------------------------------------------------------------------------------

@contacts_bp.route("/<int:contact_id>/withdraw-consent", methods=["GET", "POST"])
@require("core.contacts.edit")
def withdraw_consent(contact_id: int) -> Response | tuple[str, int]:
    contact = load_contact(contact_id)
    if contact.is_erased or not contact.is_person:
        abort(404)
    form = WithdrawConsentForm()
    if request.method == "GET":
        form.withdrawn_on.data = date.today()
    if form.validate_on_submit():
        try:
            contacts.withdraw_consent(contact, form.withdrawn_on.data)
        except DomainError as error:
            db.session.rollback()
            form.withdrawn_on.errors = list(form.withdrawn_on.errors) + [str(error.message)]
        else:
            db.session.commit()
            flash(_("Consent withdrawn: this person is now protected."), "success")
            return redirect(url_for("contacts.detail", contact_id=contact.id))
    failed = bool(form.errors)
    return render_template("registers/contacts/withdraw_consent.html", form=form, contact=contact,
                           name=_shown(contact)), 422 if failed else 200


# --- duplicates -----------------------------------------------------------------------------------

@contacts_bp.get("/duplicates", endpoint="duplicates")
@require("core.contacts.merge")
def duplicates_review() -> str:
    pairs = [pair for pair in duplicates.candidate_pairs() if _may_compare(pair.first) and _may_compare(pair.second)]
    return render_template("registers/contacts/duplicates.html", pairs=pairs, shown=_shown)


@contacts_bp.post("/duplicates/not-same")
@require("core.contacts.merge")
def not_duplicate() -> Response:
    first, second = _pair_from(request.form)
    try:
        duplicates.mark_not_duplicate(first, second)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("Noted: these are different people. They will not be offered again."), "success")
    return redirect(url_for("contacts.duplicates"))


def _pair_from(values) -> tuple[Contact, Contact]:
    try:
        first_id, second_id = int(values.get("first", "")), int(values.get("second", ""))
    except ValueError:
        abort(404)
    return load_contact(first_id), load_contact(second_id)


@contacts_bp.route("/merge", methods=["GET", "POST"])
@require("core.contacts.merge")
def merge() -> Response | tuple[str, int]:
    form = MergeForm(request.form if request.method == "POST" else request.args)
    first, second = _pair_from(request.form if request.method == "POST" else request.args)
    form.keep.choices = [SelectChoice(str(first.id), _shown(first)), SelectChoice(str(second.id), _shown(second))]
    if request.method == "POST" and form.validate_on_submit():
        keep, merged = (first, second) if form.keep.data == str(first.id) else (second, first)
        try:
            duplicates.merge_contacts(keep, merged)
        except DomainError as error:
            db.session.rollback()
            form.keep.errors = list(form.keep.errors) + [str(error.message)]
        else:
            db.session.commit()
            flash(_("Contacts merged."), "success")
            return redirect(url_for("contacts.detail", contact_id=keep.id))
    pair = []
    for contact in (first, second):
        reveal = may_see_identity(contact)
        pair.append((contact, shown_name(contact, current_locale()) if reveal else _shown(contact), reveal,
                     len(contacts.all_links(contact))))
    failed = request.method == "POST"
    return render_template("registers/contacts/merge.html", form=form, pair=pair, first=first,
                           second=second), 422 if failed else 200


# --- erasure --------------------------------------------------------------------------------------

@contacts_bp.route("/<int:contact_id>/erase", methods=["GET", "POST"])
@require("core.contacts.erase")
def erase(contact_id: int) -> Response | tuple[str, int]:
    contact = load_contact(contact_id)
    if contact.is_erased or not contact.is_person:
        abort(404)
    form = EraseForm()
    if form.validate_on_submit():
        try:
            erasure.erase_contact(contact, erased_by_id=current_user.id)
        except DomainError as error:
            db.session.rollback()
            form.confirm.errors = list(form.confirm.errors) + [str(error.message)]
        else:
            db.session.commit()
            flash(_("The person was erased."), "success")
            return redirect(url_for("contacts.detail", contact_id=contact.id))
    links = erasure.erasure_review(contact, url_for)
    failed = bool(form.errors)
    return render_template("registers/contacts/erase.html", form=form, contact=contact,
                           name=shown_name(contact, current_locale()), links=links), 422 if failed else 200


@contacts_bp.get("/picker")
@require("core.contacts.view")
def picker_search() -> Response:
    """[{id, code, label}] for the contact pickers: at most 10 of the tenant's contacts (`kind`
    limits to people or organisations); a protected person is found by name only by those allowed."""
    kind = request.args.get("kind", "")
    if kind and kind not in {member.value for member in ContactKind}:
        abort(400)
    text = request.args.get("q", "")[:200]
    found = contacts.search_for_picker(text, kind=ContactKind(kind) if kind else None,
                                       include_protected=can(PROTECTED_PERMISSION),
                                       limit=MAX_CHOICES) if len(text.strip()) >= 2 else []
    return picker_response([(contact.id, "", _shown(contact)) for contact in found])
