"""Requests pages: list, detail, create/edit, workflow steps, correspondence and attachments."""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, func, literal, or_, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from core.errors import DomainError, form_status, show_on_form
from core.extensions import db
from core.i18n import current_locale
from core.pagination import paginate
from core.permissions import can, require
from core.plugins import SearchHit
from core.search import any_contains
from core.uploads import is_stored, send_download
from core.registers.institutions import visible_institutions
from core.registers.models import Contact, Institution, name_in_language
from core.registers.protection import may_see_identity, shown_name
from plugins.a2i_requests import attachments, services
from plugins.a2i_requests.forms import (DEFAULT_SORT, NEW_REQUESTER_FIELDS, STEP_FIELDS, AttachmentForm,
                                        CorrespondenceForm, RequestFilterForm, RequestForm, TransitionForm, sort_order)
from plugins.a2i_requests.models import (Attachment, Channel, Correspondence, CorrespondenceKind, Direction, DueRule,
                                         ExemptionGround, InfoRequest, RequestEvent, RequestStatus)

requests_bp = Blueprint("a2i", __name__, url_prefix="/t/<tenant_slug>/a2i", template_folder="templates")

PAGE_SIZE = 25
# --- shared helpers ---------------------------------------------------------------------------


def body_choices(blank=None) -> list[SelectChoice]:
    """Visible public bodies for a select, grouped by kind (visible_bodies sorts national bodies first)."""
    bodies = db.session.execute(visible_institutions().with_only_columns(   # columns only: no ORM objects
        Institution.id, Institution.kind, Institution.name_en, Institution.name_km)).all()
    lang = current_locale()
    kinds = {kind: str(kind.label) for kind in {body.kind for body in bodies}}   # translate each kind once
    choices = [SelectChoice(str(body.id), name_in_language(body.name_en, body.name_km, lang),
                            optgroup=kinds[body.kind]) for body in bodies]
    return ([SelectChoice("", blank)] + choices) if blank is not None else choices


def get_request(request_id: int, *options) -> InfoRequest:
    """One request of the current tenant (tenant scoping hides the others: 404)."""
    req = db.session.execute(select(InfoRequest).where(InfoRequest.id == request_id)
                             .options(joinedload(InfoRequest.body), joinedload(InfoRequest.assignee),
                                      joinedload(InfoRequest.requester), *options)
                             ).unique().scalar_one_or_none()
    if req is None:
        abort(404)
    return req


def can_see_requester(req: InfoRequest) -> bool:
    """Do No Harm, decided by the core: a protected requester is known only to those allowed to see
    protected people and to the request's assignee."""
    return req.requester is None or may_see_identity(req.requester, named_user_ids=[req.assignee_id])


def requester_name(req: InfoRequest, locale: str) -> str:
    """The requester's name for the current user (a view of a protected one is logged)."""
    contact = req.requester
    if contact is not None and not contact.protected and not contact.is_erased and not (
            contact.name_km or contact.name_latin):
        return _("Unnamed requester")
    return shown_name(contact, locale, named_user_ids=[req.assignee_id])


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


# --- the list ---------------------------------------------------------------------------------

def request_list_query(filters: dict, today: date) -> Select:
    """The requests list with its filters and sort, body and assignee loaded in the same statement."""
    query = select(InfoRequest).options(joinedload(InfoRequest.body), joinedload(InfoRequest.assignee))
    if filters.get("status"):
        query = query.where(InfoRequest.status == RequestStatus(filters["status"]))
    if filters.get("body"):
        query = query.where(InfoRequest.body_id == int(filters["body"]))
    if filters.get("assignee"):
        query = query.where(InfoRequest.assignee_id == int(filters["assignee"]))
    if filters.get("tag"):
        tags = literal(",") + func.lower(func.replace(InfoRequest.tags, ", ", ",")) + literal(",")
        query = query.where(tags.contains(f",{filters['tag'].strip().lower()},", autoescape=True))
    if filters.get("q"):
        text = filters["q"].strip()
        query = query.where(or_(InfoRequest.subject.icontains(text, autoescape=True),
                                InfoRequest.reference.icontains(text, autoescape=True)))
    if filters.get("overdue"):
        query = query.where(InfoRequest.due_on.is_not(None), InfoRequest.due_on < today,
                            InfoRequest.status.in_(services.OPEN_STATUSES))
    return query.order_by(*sort_order(filters.get("sort") or DEFAULT_SORT))


def list_filters(args) -> tuple[RequestFilterForm, dict]:
    """The filters given in `args` (the list page's and its CSV's query string); values that are
    not valid are dropped and shown as field errors."""
    form = RequestFilterForm(args)
    if not args:
        return form, {}
    form.validate()
    return form, {name: field.data for name, field in form._fields.items() if field.data and not field.errors}


@requests_bp.get("/requests/")
@require("a2i.request.view")
def index() -> str:
    form, filters = list_filters(request.args)
    if form.errors:
        flash(_("Some filters were not understood and have been ignored."), "error")
    today = services.tenant_today(g.tenant.id)
    page = paginate(request_list_query(filters, today), per_page=PAGE_SIZE)
    calendar = services.calendar_for(g.tenant.id)
    days = {req.id: services.days_left(req.due_on, today, calendar) for req in page.items if req.due_on}
    query_args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template("a2i_requests/index.html", form=form, page=page, days=days, query_args=query_args)


# --- create and edit --------------------------------------------------------------------------

def _request_form(req: InfoRequest | None = None) -> RequestForm:
    form = RequestForm(obj=req) if req is not None else RequestForm()
    if req is not None and not can_see_requester(req):
        # Someone who may not know the protected requester can neither see nor replace them.
        for name in ("requester_contact_id", *NEW_REQUESTER_FIELDS):
            delattr(form, name)
    if request.method == "GET":
        if req is None:
            form.assignee_id.data = current_user.id
        else:
            form.channel.data = req.channel.value
    return form


def _form_fields(form: RequestForm) -> dict:
    """The request's own columns from the form."""
    return {
        "channel": Channel(form.channel.data),
        "tags": ", ".join(tag for tag in (t.strip() for t in (form.tags.data or "").split(",")) if tag),
        "assignee_id": _int_or_none(form.assignee_id.data),
    }


def _requester_fields(form: RequestForm) -> dict | None:
    """The requester as the form gives it: an existing contact's id or a new requester's description
    (None when the form does not show the requester to this user)."""
    if "requester_contact_id" not in form:
        return None
    return {"contact_id": _int_or_none(form.requester_contact_id.data),
            "requester_name": (form.requester_name.data or "").strip(),
            "requester_contact": (form.requester_contact.data or "").strip(),
            "requester_sex": form.requester_sex.data, "requester_age_group": form.requester_age_group.data,
            "consent_recorded": bool(form.consent_recorded.data),
            "guardian_consent": bool(form.guardian_consent.data),
            "protected_requester": bool(form.protected_requester.data)}


@requests_bp.route("/requests/new", methods=["GET", "POST"])
@require("a2i.request.edit")
def create() -> Response | tuple[str, int]:
    form = _request_form()
    if form.validate_on_submit():
        requester = _requester_fields(form) or {}
        try:
            req = services.create_request(g.tenant.id, subject=form.subject.data, question=form.question.data,
                                          body_id=int(form.body_id.data), actor=current_user._get_current_object(),
                                          requester_contact_id=requester.pop("contact_id", None),
                                          **requester, **_form_fields(form))
            db.session.flush()
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Request %(reference)s saved as a draft.", reference=req.reference), "success")
            return redirect(url_for("a2i.detail", request_id=req.id))
    failed = bool(form.errors or form.form_errors)
    return render_template("a2i_requests/form.html", form=form, req=None), 422 if failed else 200


@requests_bp.route("/requests/<int:request_id>/edit", methods=["GET", "POST"])
@require("a2i.request.edit")
def edit(request_id: int) -> Response | tuple[str, int]:
    req = get_request(request_id)
    form = _request_form(req)
    if form.validate_on_submit():
        req.subject, req.question, req.body_id = form.subject.data.strip(), form.question.data, int(form.body_id.data)
        for name, value in _form_fields(form).items():
            setattr(req, name, value)
        requester = _requester_fields(form)
        try:
            if requester is not None:
                contact_id = requester.pop("contact_id")
                if services.describes_requester(requester):
                    # Describing a new requester replaces the one the select still shows.
                    contact_id = None if contact_id == req.requester_contact_id else contact_id
                    services.set_requester(req, contact_id=contact_id, **requester)
                elif contact_id is None:
                    req.requester = None
                else:
                    services.set_requester(req, contact_id=contact_id)
            db.session.flush()
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Request %(reference)s saved.", reference=req.reference), "success")
            return redirect(url_for("a2i.detail", request_id=req.id))
    failed = bool(form.errors or form.form_errors)
    return render_template("a2i_requests/form.html", form=form, req=req), 422 if failed else 200


# --- detail -----------------------------------------------------------------------------------

def _deadline_window_start(req: InfoRequest) -> date | None:
    if req.due_rule == DueRule.INFORMATION:
        return req.fee_accepted_on or req.initial_reply_on
    return req.clock_start_on


def _render_detail(req: InfoRequest):
    today = services.tenant_today(g.tenant.id)
    calendar = services.calendar_for(g.tenant.id)
    days = services.days_left(req.due_on, today, calendar) if req.due_on else None
    start = _deadline_window_start(req)
    holidays = calendar.holidays_in(start, req.due_on, current_locale()) if req.due_on and start else []
    ground = None
    if req.exemption_ground_code:
        ground = db.session.execute(select(ExemptionGround).where(
            ExemptionGround.code == req.exemption_ground_code)).scalar_one_or_none()
    return render_template(
        "a2i_requests/detail.html", req=req, days=days, holidays=holidays, ground=ground,
        show_requester=can_see_requester(req), requester_name=requester_name(req, current_locale()),
        transitions=services.allowed_transitions(req), locale=current_locale())


def _file_form_page(req: InfoRequest, form, *, title: str, action: str, submit: str, status: int = 200):
    """The page of one of the request's file forms (correspondence, attachment): on their own pages,
    not on the request's, which every viewer opens and a phone scrolls through."""
    form.file.description = _("PDF, JPEG or PNG image, Word, Excel, OpenDocument or text file, up to %(mb)s MB.",
                              mb=attachments.megabytes(attachments.max_bytes()))
    return render_template("a2i_requests/file_form.html", req=req, form=form, title=title, action=action,
                           submit=submit), status


def _detail_request(request_id: int) -> InfoRequest:
    req = get_request(request_id, joinedload(InfoRequest.transferred_to),
                      selectinload(InfoRequest.events).joinedload(RequestEvent.actor),
                      selectinload(InfoRequest.correspondence), selectinload(InfoRequest.attachments))
    # Every file of the request is loaded already: hand each entry its own instead of a query.
    files_of_entry: dict[int, list[Attachment]] = defaultdict(list)
    for file in req.attachments:
        if file.correspondence_id is not None:
            files_of_entry[file.correspondence_id].append(file)
    for entry in req.correspondence:
        set_committed_value(entry, "attachments", files_of_entry[entry.id])
    return req


@requests_bp.get("/requests/<int:request_id>")
@require("a2i.request.view")
def detail(request_id: int):
    # A view of a protected requester is logged by shown_name and kept by the core's after-request hook.
    return _render_detail(_detail_request(request_id))


# --- workflow steps ---------------------------------------------------------------------------

def _step_status(status: str) -> RequestStatus:
    try:
        return RequestStatus(status)
    except ValueError:
        abort(400)


def _transition_form(req: InfoRequest, to: RequestStatus) -> TransitionForm:
    form = TransitionForm()
    form.keep_only(to)
    if request.method == "GET":
        form.occurred_on.data = services.tenant_today(g.tenant.id)
    if "exemption_ground_code" in form:
        lang = current_locale()
        grounds = [ground for ground in services.ensure_exemption_grounds(g.tenant.id) if ground.is_active]
        form.exemption_ground_code.choices = [SelectChoice("", _("Choose…"))] + [
            SelectChoice(ground.code, ground.label_in(lang)) for ground in sorted(grounds, key=lambda gr: gr.id or 0)]
    if "transferred_to_id" in form:
        form.transferred_to_id.choices = [choice for choice in body_choices(_("Choose a body…"))
                                          if choice.value != str(req.body_id)]
    return form


def _details(form: TransitionForm, to: RequestStatus) -> dict:
    details = {}
    for name in sorted(STEP_FIELDS.get(to, set())):
        value = getattr(form, name).data
        if name == "transferred_to_id":
            value = _int_or_none(value)
        elif isinstance(value, str):
            value = value.strip() or None
        details[name] = value
    return details


@requests_bp.route("/requests/<int:request_id>/transition/<status>", methods=["GET", "POST"])
@require("a2i.request.edit")
def transition(request_id: int, status: str):
    req = get_request(request_id, selectinload(InfoRequest.events))
    to = _step_status(status)
    if to not in services.allowed_transitions(req):
        flash(_("A request that is %(status)s cannot become %(to)s.", status=req.status.label, to=to.label), "error")
        return redirect(url_for("a2i.detail", request_id=req.id))
    form = _transition_form(req, to)
    if form.validate_on_submit():
        try:
            services.transition(req, to, actor=current_user._get_current_object(), on=form.occurred_on.data,
                                note=(form.note.data or "").strip(), **_details(form, to))
            db.session.flush()
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Request %(reference)s is now: %(status)s.", reference=req.reference, status=to.label), "success")
            return redirect(url_for("a2i.detail", request_id=req.id))
    failed = bool(form.errors or form.form_errors)
    return render_template("a2i_requests/transition.html", form=form, req=req, to=to), 422 if failed else 200


# --- correspondence and attachments -----------------------------------------------------------

@requests_bp.route("/requests/<int:request_id>/correspondence", methods=["GET", "POST"])
@require("a2i.request.edit")
def add_correspondence(request_id: int):
    req = get_request(request_id)
    form = CorrespondenceForm()
    if request.method == "GET":
        form.occurred_on.data = services.tenant_today(g.tenant.id)
    stored: Attachment | None = None
    if form.validate_on_submit():
        try:
            entry = Correspondence(tenant_id=g.tenant.id, request_id=req.id,
                                   kind=CorrespondenceKind(form.kind.data), direction=Direction(form.direction.data),
                                   occurred_on=form.occurred_on.data, summary=(form.summary.data or "").strip())
            db.session.add(entry)
            db.session.flush()
            if form.file.data and form.file.data.filename:
                stored = attachments.save_upload(form.file.data, tenant_id=g.tenant.id, request_id=req.id,
                                                 uploaded_by_id=current_user.id, correspondence_id=entry.id)
            db.session.flush()
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error, default="file")
        else:
            db.session.commit()
            flash(_("Correspondence recorded."), "success")
            return redirect(url_for("a2i.detail", request_id=req.id) + "#correspondence")
    if stored is not None:
        attachments.discard_file(stored)
    return _file_form_page(req, form, title=_("Record correspondence"), submit=_("Record"),
                           action=url_for("a2i.add_correspondence", request_id=req.id), status=form_status(form))


@requests_bp.route("/requests/<int:request_id>/attachments", methods=["GET", "POST"])
@require("a2i.request.edit")
def add_attachment(request_id: int):
    req = get_request(request_id)
    form = AttachmentForm()
    if form.validate_on_submit():
        try:
            stored = attachments.save_upload(form.file.data, tenant_id=g.tenant.id, request_id=req.id,
                                             uploaded_by_id=current_user.id)
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error, default="file")
        else:
            try:
                db.session.commit()
            except Exception:
                db.session.rollback()
                attachments.discard_file(stored)
                raise
            flash(_("File %(name)s attached.", name=stored.display_name), "success")
            return redirect(url_for("a2i.detail", request_id=req.id) + "#attachments")
    return _file_form_page(req, form, title=_("Upload a file"), submit=_("Upload"),
                           action=url_for("a2i.add_attachment", request_id=req.id), status=form_status(form))


@requests_bp.get("/attachments/<int:attachment_id>")
@require("a2i.request.view")
def download(attachment_id: int):
    attachment = db.session.execute(select(Attachment).where(Attachment.id == attachment_id)).scalar_one_or_none()
    if attachment is None:
        abort(404)
    path = attachments.storage_path(attachment)
    if not is_stored(path):
        abort(404)
    return send_download(path, content_type=attachment.content_type, download_name=attachment.display_name)


# --- search -----------------------------------------------------------------------------------

def search_requests(query: str) -> list[SearchHit]:
    """Requests whose reference, subject or question contain `query` (never the requester's identity)."""
    text = (query or "").strip()
    if not text or not can("a2i.request.view"):
        return []
    rows = db.session.execute(select(InfoRequest).where(any_contains(
        [InfoRequest.reference, InfoRequest.subject, InfoRequest.question], text)).order_by(
        InfoRequest.id.desc()).limit(20)).scalars()
    return [SearchHit(title=f"{req.reference} · {req.subject}", url=url_for("a2i.detail", request_id=req.id),
                      kind=_("Information request"), snippet=str(req.status.label)) for req in rows]


# --- where a contact appears (samaki_contact_links) -------------------------------------------

def _request_url(req: InfoRequest) -> str:
    try:
        return url_for("a2i.detail", request_id=req.id)
    except Exception:   # outside a tenant's request (a command merging contacts): no address to give
        return ""


def contact_links(contact: Contact) -> list:
    """One ContactLink per request the contact asked, in one query, with the free text and files an
    erasure must review because they may name the person (the question, correspondence, attachments)."""
    from core.plugins import ContactLink
    requests = db.session.execute(
        select(InfoRequest).where(InfoRequest.requester_contact_id == contact.id)
        .options(joinedload(InfoRequest.correspondence), joinedload(InfoRequest.attachments))
        .order_by(InfoRequest.id)).unique().scalars().all()
    links = []
    for req in requests:
        review = [_("Question of %(reference)s: %(text)s", reference=req.reference, text=req.question)]
        review += [_("Correspondence of %(day)s: %(summary)s", day=entry.occurred_on.isoformat(),
                     summary=entry.summary) for entry in req.correspondence if entry.summary]
        review += [_("File: %(name)s", name=file.display_name) for file in req.attachments]
        links.append(ContactLink(record=req, attribute="requester_contact_id", role=_l("Requester"),
                                 title=f"{req.reference} · {req.subject}", url=_request_url(req),
                                 review_on_erasure=tuple(review)))
    return links
