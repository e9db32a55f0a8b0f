"""Webhook pages of the tenant administration: the endpoints, a form to add or change one, a test
ping and each endpoint's delivery log. Rules live in core.webhooks; these views parse, call one
service and commit once."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from core import webhooks
from core.errors import DomainError, form_status, show_on_form
from core.extensions import db
from core.models import DeliveryStatus, WebhookEndpoint
from core.pagination import paginate
from core.permissions import require

webhooks_admin = Blueprint("webhooks_admin", __name__, url_prefix="/t/<tenant_slug>/admin/webhooks")

LOG_PAGE_SIZE = 25
STATUS_LABELS = {DeliveryStatus.PENDING: _l("Waiting"), DeliveryStatus.DELIVERED: _l("Delivered"),
                 DeliveryStatus.FAILED: _l("Given up")}


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (no JavaScript, easy on a phone)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WebhookForm(FlaskForm):
    url = StringField(_l("Address (URL)"), validators=[Length(max=webhooks.MAX_URL_LENGTH)],
                      description=_l("Where Samaki posts the events, starting with https://"))
    description = StringField(_l("Description"), validators=[Optional(), Length(max=webhooks.MAX_DESCRIPTION_LENGTH)],
                              description=_l("For your own reference, e.g. the system that receives the events."))
    event_types = CheckboxesField(_l("Events"), choices=[], validate_choice=False)


class EditWebhookForm(WebhookForm):
    is_active = BooleanField(_l("Active (switch on again after fixing a receiver that failed)"))


def _with_choices(form: WebhookForm) -> WebhookForm:
    form.event_types.choices = [SelectChoice(event.name, f"{event.label} ({event.name})")
                                for event in sorted(webhooks.event_types(g.tenant).values(), key=lambda e: e.name)]
    return form


def _endpoint_or_404(endpoint_id: int) -> WebhookEndpoint:
    return webhooks.endpoint_of(g.tenant, endpoint_id) or abort(404)


def _no_store(html: str, status: int = 200) -> Response:
    """A page that shows a signing secret must not be kept by the browser or a proxy."""
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@webhooks_admin.get("/")
@require("core.webhooks.manage")
def index() -> str:
    return render_template("admin/webhooks/index.html", endpoints=webhooks.endpoints_of(g.tenant),
                           labels={name: event.label for name, event in webhooks.event_types().items()})


@webhooks_admin.route("/new", methods=["GET", "POST"])
@require("core.webhooks.manage")
def new() -> Response | tuple[str, int]:
    form = _with_choices(WebhookForm())
    if form.validate_on_submit():
        try:
            endpoint, secret = webhooks.create_endpoint(g.tenant, url=form.url.data, event_types=form.event_types.data,
                                                        description=form.description.data)
            db.session.flush()
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error, default="url")
        else:
            db.session.commit()
            flash(_("The webhook has been saved."), "success")
            return _no_store(_detail_page(endpoint, secret=secret), 201)
    return render_template("admin/webhooks/form.html", form=form, endpoint=None), form_status(form)


def _detail_page(endpoint: WebhookEndpoint, secret: str | None = None) -> str:
    page = paginate(webhooks.deliveries_query(endpoint), per_page=LOG_PAGE_SIZE)
    labels = {name: event.label for name, event in webhooks.event_types().items()}
    labels[webhooks.PING] = _l("Test ping")
    return render_template("admin/webhooks/detail.html", endpoint=endpoint, page=page, secret=secret,
                           labels=labels, status_labels=STATUS_LABELS,
                           query_args={"endpoint_id": endpoint.id})


@webhooks_admin.get("/<int:endpoint_id>")
@require("core.webhooks.manage")
def detail(endpoint_id: int) -> str:
    return _detail_page(_endpoint_or_404(endpoint_id))


@webhooks_admin.route("/<int:endpoint_id>/edit", methods=["GET", "POST"])
@require("core.webhooks.manage")
def edit(endpoint_id: int) -> Response | tuple[str, int]:
    endpoint = _endpoint_or_404(endpoint_id)
    form = _with_choices(EditWebhookForm(obj=endpoint))
    if form.validate_on_submit():
        try:
            webhooks.update_endpoint(endpoint, g.tenant, url=form.url.data, event_types=form.event_types.data,
                                     description=form.description.data, is_active=form.is_active.data)
            db.session.flush()
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error, default="url")
        else:
            db.session.commit()
            flash(_("The webhook has been saved."), "success")
            return redirect(url_for("webhooks_admin.detail", endpoint_id=endpoint.id))
    return render_template("admin/webhooks/form.html", form=form, endpoint=endpoint), form_status(form)


@webhooks_admin.post("/<int:endpoint_id>/ping")
@require("core.webhooks.manage")
def ping(endpoint_id: int) -> Response:
    endpoint = _endpoint_or_404(endpoint_id)
    delivery = webhooks.queue_ping(endpoint, g.tenant)
    db.session.commit()
    if webhooks.deliver_one(delivery.id):
        flash(_("The test ping was delivered (HTTP %(code)s).", code=delivery.response_code), "success")
    else:
        flash(_("The test ping failed: %(error)s", error=delivery.last_error or _("no answer")), "error")
    return redirect(url_for("webhooks_admin.detail", endpoint_id=endpoint.id))


@webhooks_admin.post("/<int:endpoint_id>/secret")
@require("core.webhooks.manage")
def new_secret(endpoint_id: int) -> Response:
    endpoint = _endpoint_or_404(endpoint_id)
    secret = webhooks.rotate_secret(endpoint)
    db.session.commit()
    flash(_("A new secret signs the events from now on."), "success")
    return _no_store(_detail_page(endpoint, secret=secret))


@webhooks_admin.post("/<int:endpoint_id>/delete")
@require("core.webhooks.manage")
def delete(endpoint_id: int) -> Response:
    endpoint = _endpoint_or_404(endpoint_id)
    url = endpoint.url
    webhooks.delete_endpoint(endpoint)
    db.session.commit()
    flash(_("The webhook to %(url)s has been deleted.", url=url), "success")
    return redirect(url_for("webhooks_admin.index"))
