"""Consultant pool pages: the list with its search (name, expertise, language, availability for
dates), a consultant's profile with availability periods, and — for roles with
"consulting.pool.rates" only — day rates, ratings and CV files. Thin: forms in, one service call
(plugins.consulting_crm.pool), one commit. Names follow the core's protection rule."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from core.errors import DomainError, show_on_form
from core.extensions import db
from core.i18n import current_locale
from core.models import User
from core.pagination import paginate
from core.permissions import can, require
from core.registers.contacts import create_contact
from core.registers.project_views import budget_text
from core.registers.protection import PROTECTED_PERMISSION, shown_name
from core.uploads import is_stored, received, send_download
from plugins.consulting_crm import pool
from plugins.consulting_crm.models import Consultant, Engagement
from plugins.consulting_crm.pool_forms import (AvailabilityForm, CVForm, NewConsultantForm, PoolFilterForm,
                                               ProfileForm, RatingForm)

pool_bp = Blueprint("consulting_pool", __name__, url_prefix="/t/<tenant_slug>/consulting/consultants",
                    template_folder="templates")

VIEW, EDIT, RATES = "consulting.view", "consulting.edit", pool.RATES_PERMISSION
PAGE_SIZE = 50
STATES = {"active": True, "inactive": False, "all": None}
RATE_FIELDS = ("day_rate", "rate_currency")


def may_see_rates() -> bool:
    return can(RATES)


def rate_text(consultant: Consultant) -> str:
    return budget_text(consultant.day_rate, consultant.rate_currency.value) or ""


def rating_text(average: float | None) -> str:
    if average is None:
        return ""
    return _("%(score)s out of 5", score=format_decimal(average, format="0.0"))


@pool_bp.context_processor
def pool_helpers() -> dict:
    return {"rate_text": rate_text, "rating_text": rating_text, "language_label": pool.language_label,
            "language_codes": pool.language_codes}


def get_consultant(consultant_id: int) -> Consultant:
    consultant = pool.get_consultant(consultant_id)
    if consultant is None:
        abort(404)
    return consultant


def _status(*forms) -> int:
    return 422 if any(form is not None and (form.errors or form.form_errors) for form in forms) else 200


# --- the list -------------------------------------------------------------------------------------------

@pool_bp.get("/")
@require(VIEW)
def index():
    form = PoolFilterForm(request.args)
    filters: dict = {}
    state = "active"
    if request.args:
        form.validate()
        filters = {name: form[name].data for name in ("q", "expertise", "language", "available_from", "available_to")
                   if form[name].data and not form[name].errors}
        state = form.state.data if not form.state.errors else "active"
    page, rows, averages = None, [], {}
    if not form.errors:
        try:
            query = pool.consultant_query(**filters, active=STATES.get(state, True),
                                          names_of_protected=can(PROTECTED_PERMISSION))
        except DomainError as error:
            show_on_form(form, error)
        else:
            page = paginate(query, per_page=PAGE_SIZE)
            locale = current_locale()
            rows = [(consultant, shown_name(consultant.contact, locale, reveal=False)) for consultant in page.items]
            if may_see_rates():
                averages = pool.average_ratings([consultant.id for consultant in page.items])
    query_args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template("consulting_crm/pool/index.html", form=form, page=page, rows=rows, averages=averages,
                           show_rates=may_see_rates(), query_args=query_args,
                           period=(filters.get("available_from"), filters.get("available_to"))), _status(form)


# --- profiles -------------------------------------------------------------------------------------------

def _profile_fields(form: ProfileForm) -> dict:
    fields = {"expertise": form.expertise.data or "", "languages": form.languages.data or [],
              "notes": form.notes.data or "", "is_active": bool(form.is_active.data)}
    if "day_rate" in form:
        fields.update(day_rate=form.day_rate.data or "", rate_currency=form.rate_currency.data)
    return fields


def _without_rates(form):
    if not may_see_rates():
        for name in RATE_FIELDS:
            del form[name]
    return form


@pool_bp.route("/new", methods=["GET", "POST"])
@require(EDIT)
def new():
    form = _without_rates(NewConsultantForm())
    if form.validate_on_submit():
        try:
            contact_id = form.contact_id.data
            if contact_id is None:
                if not (form.name_km.data or "").strip() and not (form.name_latin.data or "").strip():
                    raise DomainError(_("Choose a person from your contacts or give a new person's name."),
                                      "contact_id")
                contact_id = create_contact(kind="person", name_km=form.name_km.data or "",
                                            name_latin=form.name_latin.data or "", sex=form.sex.data,
                                            phone=form.phone.data or "", email=form.email.data or "").id
            consultant = pool.create_consultant(contact_id, **_profile_fields(form))
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The consultant was added to the pool."), "success")
            return redirect(url_for("consulting_pool.detail", consultant_id=consultant.id))
    return render_template("consulting_crm/pool/form.html", form=form, consultant=None, name=""), _status(form)


@pool_bp.route("/<int:consultant_id>/edit", methods=["GET", "POST"])
@require(EDIT)
def edit(consultant_id: int):
    consultant = get_consultant(consultant_id)
    form = _without_rates(ProfileForm(obj=consultant))
    if request.method == "GET":
        form.languages.data = pool.language_codes(consultant.languages)
        if "day_rate" in form:
            form.day_rate.data = "" if consultant.day_rate is None else f"{consultant.day_rate:.2f}"
            form.rate_currency.data = consultant.rate_currency.value
    if form.validate_on_submit():
        try:
            pool.update_consultant(consultant, **_profile_fields(form))
        except DomainError as error:
            db.session.rollback()
            consultant = get_consultant(consultant_id)
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("consulting_pool.detail", consultant_id=consultant_id))
    name = shown_name(consultant.contact, current_locale(), reveal=False)
    return render_template("consulting_crm/pool/form.html", form=form, consultant=consultant,
                           name=name), _status(form)


def _engagement_choices() -> list[SelectChoice]:
    rows = db.session.execute(select(Engagement.id, Engagement.title).order_by(Engagement.title, Engagement.id))
    return [SelectChoice("", _("No engagement"))] + [SelectChoice(str(row.id), row.title) for row in rows]


def _detail(consultant: Consultant, *, availability_form=None, rating_form=None, cv_form=None):
    """The profile page, with the forms of a refused post (their errors shown) or fresh ones."""
    may_edit, show_rates = can(EDIT), may_see_rates()
    if may_edit and availability_form is None:
        availability_form = AvailabilityForm(formdata=None)
    ratings, raters, engagements, average = [], {}, {}, None
    if show_rates:
        if rating_form is None:
            rating_form = RatingForm(formdata=None)
        rating_form.engagement_id.choices = _engagement_choices()
        cv_form = cv_form or CVForm(formdata=None)
        ratings = list(consultant.ratings)
        engagements = pool.engagement_titles(rating.engagement_id for rating in ratings)
        rater_ids = {rating.rated_by_id for rating in ratings if rating.rated_by_id}
        if rater_ids:
            raters = {row.id: row.name or row.email for row in db.session.execute(
                select(User.id, User.name, User.email).where(User.id.in_(rater_ids)))}
        average = pool.average_ratings([consultant.id]).get(consultant.id)
    name = shown_name(consultant.contact, current_locale())
    return render_template("consulting_crm/pool/detail.html", consultant=consultant, name=name,
                           may_edit=may_edit, show_rates=show_rates, availability_form=availability_form,
                           rating_form=rating_form, cv_form=cv_form, ratings=ratings, raters=raters,
                           engagements=engagements, average=average), _status(availability_form, rating_form,
                                                                             cv_form)


@pool_bp.get("/<int:consultant_id>")
@require(VIEW)
def detail(consultant_id: int):
    return _detail(get_consultant(consultant_id))


def _done(consultant_id: int, message: str) -> Response:
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("consulting_pool.detail", consultant_id=consultant_id))


# --- availability ---------------------------------------------------------------------------------------

@pool_bp.post("/<int:consultant_id>/availability")
@require(EDIT)
def add_availability(consultant_id: int):
    consultant = get_consultant(consultant_id)
    form = AvailabilityForm()
    if not form.validate_on_submit():
        return _detail(consultant, availability_form=form)
    try:
        pool.add_availability(consultant, form.starts_on.data, form.ends_on.data, form.note.data or "")
    except DomainError as error:
        db.session.rollback()
        show_on_form(form, error, default="ends_on")
        return _detail(get_consultant(consultant_id), availability_form=form)
    return _done(consultant_id, _("Availability saved."))


@pool_bp.post("/<int:consultant_id>/availability/<int:availability_id>/remove")
@require(EDIT)
def remove_availability(consultant_id: int, availability_id: int) -> Response:
    consultant = get_consultant(consultant_id)
    try:
        pool.remove_availability(consultant, availability_id)
    except DomainError:
        abort(404)
    return _done(consultant_id, _("Period removed."))


# --- ratings (rates permission) -------------------------------------------------------------------------

@pool_bp.post("/<int:consultant_id>/ratings")
@require(RATES)
def add_rating(consultant_id: int):
    consultant = get_consultant(consultant_id)
    form = RatingForm()
    form.engagement_id.choices = _engagement_choices()
    if not form.validate_on_submit():
        return _detail(consultant, rating_form=form)
    try:
        pool.add_rating(consultant, form.score.data, comment=form.comment.data or "",
                        engagement_id=form.engagement_id.data or None, rated_by_id=current_user.id)
    except DomainError as error:
        db.session.rollback()
        show_on_form(form, error, default="score")
        return _detail(get_consultant(consultant_id), rating_form=form)
    return _done(consultant_id, _("Rating saved."))


@pool_bp.post("/<int:consultant_id>/ratings/<int:rating_id>/remove")
@require(RATES)
def remove_rating(consultant_id: int, rating_id: int) -> Response:
    consultant = get_consultant(consultant_id)
    try:
        pool.remove_rating(consultant, rating_id)
    except DomainError:
        abort(404)
    return _done(consultant_id, _("Rating removed."))


# --- CV files (rates permission) ------------------------------------------------------------------------

@pool_bp.post("/<int:consultant_id>/cvs")
@require(RATES)
def add_cv(consultant_id: int):
    consultant = get_consultant(consultant_id)
    form = CVForm()
    if not form.validate_on_submit():
        return _detail(consultant, cv_form=form)
    uploads = received(form.file.data)
    try:
        pool.add_cv(consultant, uploads[0] if uploads else None)
    except DomainError as error:
        db.session.rollback()
        show_on_form(form, error, default="file")
        return _detail(get_consultant(consultant_id), cv_form=form)
    return _done(consultant_id, _("CV added."))


@pool_bp.get("/<int:consultant_id>/cvs/<int:cv_id>")
@require(RATES)
def download_cv(consultant_id: int, cv_id: int):
    consultant = get_consultant(consultant_id)
    cv = pool.get_cv(consultant, cv_id)
    if cv is None:
        abort(404)
    path = pool.cv_path(cv)
    if not is_stored(path):
        abort(404)
    return send_download(path, content_type=cv.content_type, download_name=cv.display_name)


@pool_bp.post("/<int:consultant_id>/cvs/<int:cv_id>/remove")
@require(RATES)
def remove_cv(consultant_id: int, cv_id: int) -> Response:
    consultant = get_consultant(consultant_id)
    try:
        pool.remove_cv(consultant, cv_id)
    except DomainError:
        abort(404)
    return _done(consultant_id, _("CV removed."))


# --- where a contact appears (for the plugin's samaki_contact_links) -------------------------------------

def contact_links(contact) -> list:
    """A contact's pool profile ("Consultant"), one query. What an erasure must review is the free
    text and the files that may name the person: expertise, notes and CV files."""
    from core.plugins import ContactLink
    consultants = db.session.scalars(select(Consultant).where(Consultant.contact_id == contact.id)
                                     .options(selectinload(Consultant.cvs))).all()
    links = []
    for consultant in consultants:
        review = tuple(text for text in (
            _("Consultant expertise: %(text)s", text=consultant.expertise) if consultant.expertise else "",
            _("Consultant notes: %(text)s", text=consultant.notes) if consultant.notes else "") if text)
        review += tuple(_("CV file: %(name)s", name=cv.display_name) for cv in consultant.cvs)
        links.append(ContactLink(record=consultant, attribute="contact_id", role=_l("Consultant"),
                                 title=consultant.expertise or _("Consultant pool"),
                                 url=_url("consulting_pool.detail", consultant_id=consultant.id),
                                 review_on_erasure=review, unique_with=("tenant_id",)))
    return links


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
