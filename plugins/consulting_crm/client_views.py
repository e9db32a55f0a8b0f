"""Client pages: the list of clients and partners (search, type and country filters, pages), one
client (its profile, contact people with their roles, opportunities as client or consortium partner,
engagements), a new client and the profile's edit form. A client's URL carries the id of its
organisation contact (what opportunities and engagements point at), so any page may link to it."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from core.errors import DomainError, show_on_form
from core.extensions import db
from core.i18n import current_locale
from core.pagination import paginate
from core.permissions import can, require
from core.registers.protection import shown_name
from plugins.consulting_crm import clients
from plugins.consulting_crm.client_forms import ClientFilterForm, ClientProfileForm, NewClientForm

clients_bp = Blueprint("consulting_clients", __name__, url_prefix="/t/<tenant_slug>/consulting/clients",
                       template_folder="templates")

PAGE_SIZE = 25
VIEW, EDIT = "consulting.view", "consulting.edit"
PROFILE_FIELDS = ("client_type", "sector", "country", "notes")


def _status(form) -> int:
    return 422 if (form.errors or form.form_errors) else 200


def _countries(blank=None) -> list[SelectChoice]:
    choices = [SelectChoice(code, name) for code, name in clients.country_choices(current_locale())]
    return ([SelectChoice("", blank)] + choices) if blank is not None else choices


def _organisation_or_404(client_id: int):
    organisation = clients.get_organisation(client_id)
    if organisation is None:
        abort(404)
    return organisation


# --- the list and one client ----------------------------------------------------------------------

@clients_bp.get("/")
@require(VIEW)
def index() -> str:
    form = ClientFilterForm(request.args)
    form.country.choices = _countries(_("Any country"))
    filters: dict = {}
    if request.args:
        form.validate()
        filters = {name: form[name].data for name in ("q", "client_type", "country")
                   if form[name].data and not form[name].errors}
        if form.errors:
            flash(_("Some filters were not understood and have been ignored."), "error")
    page = paginate(clients.client_list_query(**filters), per_page=PAGE_SIZE)
    query_args = {key: value for key, value in request.args.items() if key != "page"}
    lang = current_locale()
    rows = [(profile, shown_name(profile.contact, lang, reveal=False), clients.country_name(profile.country, lang))
            for profile in page.items]
    return render_template("consulting_crm/clients/index.html", form=form, page=page, rows=rows,
                           query_args=query_args)


@clients_bp.get("/<int:client_id>")
@require(VIEW)
def detail(client_id: int) -> str:
    organisation = _organisation_or_404(client_id)
    lang = current_locale()
    profile = clients.profile_of(organisation.id)
    people = [(affiliation, shown_name(affiliation.person, lang, reveal=False))
              for affiliation in clients.contact_people(organisation)]
    return render_template("consulting_crm/clients/detail.html", organisation=organisation, profile=profile,
                           name=shown_name(organisation, lang), people=people, work=clients.client_work(organisation),
                           country=clients.country_name(profile.country, lang) if profile else "",
                           may_edit=can(EDIT))


# --- create and edit ----------------------------------------------------------------------------

@clients_bp.route("/new", methods=["GET", "POST"])
@require(EDIT)
def new():
    form = NewClientForm()
    form.country.choices = _countries()
    if form.validate_on_submit():
        try:
            profile = clients.create_client(contact_id=form.contact_id.data, name=form.name.data or "",
                                            tax_number=form.tax_number.data or "",
                                            **{name: form[name].data for name in PROFILE_FIELDS})
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error, default="contact_id")
        else:
            db.session.commit()
            flash(_("Client saved."), "success")
            return redirect(url_for("consulting_clients.detail", client_id=profile.contact_id))
    return render_template("consulting_crm/clients/form.html", form=form, organisation=None), _status(form)


@clients_bp.route("/<int:client_id>/edit", methods=["GET", "POST"])
@require(EDIT)
def edit(client_id: int):
    """The client profile of an organisation (created here when the organisation has none yet)."""
    organisation = _organisation_or_404(client_id)
    profile = clients.profile_of(organisation.id)
    form = ClientProfileForm(obj=profile) if profile else ClientProfileForm()
    form.country.choices = _countries()
    if request.method == "GET":
        form.tax_number.data = organisation.tax_number
        if profile is not None:
            form.client_type.data = profile.client_type.value
    if form.validate_on_submit():
        fields = {name: form[name].data for name in PROFILE_FIELDS}
        try:
            if profile is None:
                clients.create_client(contact_id=organisation.id, tax_number=form.tax_number.data or "", **fields)
            else:
                clients.update_client(profile, tax_number=form.tax_number.data or "", **fields)
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
            organisation = _organisation_or_404(client_id)
        else:
            db.session.commit()
            flash(_("Client saved."), "success")
            return redirect(url_for("consulting_clients.detail", client_id=organisation.id))
    return render_template("consulting_crm/clients/form.html", form=form, organisation=organisation,
                           name=shown_name(organisation, current_locale())), _status(form)


# --- where a contact appears (samaki_contact_links) ---------------------------------------------

def _url(endpoint: str, **values) -> str:
    """A link when a request is being served (the contact page), none from the CLI."""
    from flask import has_request_context
    from werkzeug.routing import BuildError
    if not has_request_context():
        return ""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return ""


def contact_links(contact) -> list:
    """Where `contact` appears in the consulting module (see clients.contact_links)."""
    return clients.contact_links(contact, _url)
