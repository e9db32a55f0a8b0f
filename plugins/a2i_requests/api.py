"""The A2I JSON API under /api/v1/t/<tenant>/a2i/: public bodies, requests with their workflow steps,
events and correspondence, and disclosure statistics. Same permissions and rules as the pages:
writes go through services (DomainError -> 422 with the field at fault) and are audited on flush."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, g, url_for
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from core.api import ApiBlueprint, refuse
from core.api.files import FileListArgs, download, download_doc, file_view, save_or_422
from core.api.lists import paginate
from core.errors import DomainError
from core.extensions import db
from core.i18n import current_locale
from core.models import Membership
from core.permissions import require
from core.search import any_contains
from core.workdays import WorkingCalendar
from core.registers.institutions import get_visible_institution, visible_institutions
from core.registers.models import Institution
from core.registers.protection import shown_name
from plugins.a2i_requests import attachments, services, statistics
from plugins.a2i_requests.forms import SORT_COLUMNS
from plugins.a2i_requests.models import Attachment, Correspondence, InfoRequest, RequestEvent
from plugins.a2i_requests.schemas import (DETAIL_NAMES, AttachmentFileSchema, AttachmentPage, AttachmentUploadSchema,
                                          BodyListArgs, BodyPage, BodySchema, CorrespondencePage, CorrespondenceSchema,
                                          EventPage, RequestDetailSchema, RequestListArgs, RequestPage,
                                          RequestPatchSchema, RequestWriteSchema, StatisticsArgs, StatisticsSchema,
                                          SubListArgs, TransitionSchema)
from plugins.a2i_requests.views import can_see_requester

a2i_api = ApiBlueprint("a2i_api", __name__, path="a2i",
                       description="Access-to-information requests, public bodies and disclosure statistics.")

BODY_SORT = {"name_en": Institution.name_en, "kind": Institution.kind}
# Input fields that describe the requester (legacy, before requesters were contacts) or name it.
REQUESTER_FIELDS = ("requester_name", "requester_contact", "consent_recorded", "protected_requester",
                    "requester_sex", "requester_age_group")


# --- representations ------------------------------------------------------------------------------

def _request_item(req: InfoRequest, today: date, calendar: WorkingCalendar) -> dict[str, Any]:
    return {
        "id": req.id, "reference": req.reference, "subject": req.subject, "body_id": req.body_id,
        "body_name": req.body.name_in(current_locale()), "channel": req.channel, "status": req.status,
        "tags": req.tag_list, "assignee_id": req.assignee_id,
        "assignee_name": (req.assignee.name or req.assignee.email) if req.assignee else None,
        "submitted_on": req.submitted_on, "due_on": req.due_on, "due_rule": req.due_rule,
        "days_left": services.days_left(req.due_on, today, calendar) if req.due_on else None,
        "answered_on": req.answered_on, "on_time": req.on_time,
    }


DETAIL_COLUMNS = ("question", "protected_requester", "requester_sex", "requester_age_group", "receipt_number",
                  "clock_start_on", "initial_reply", "initial_reply_on", "fee_amount", "fee_accepted_on",
                  "fee_waived", "extension_reason", "extended_to", "outcome", "working_days_to_answer",
                  "was_extended", "was_transferred", "transferred_to_id", "exemption_ground_code", "complained",
                  "complaint_outcome", "disclosed_summary", "closed_on")


def request_view(req: InfoRequest) -> dict[str, Any]:
    """The request as the token's user may see it (a protected requester only for those the core
    allows and the assignee; each such view is logged); the same dict feeds the response and its ETag."""
    today = services.tenant_today(req.tenant_id)
    view = _request_item(req, today, services.calendar_for(req.tenant_id))
    view.update({name: getattr(req, name) for name in DETAIL_COLUMNS})
    contact = req.requester
    shown = can_see_requester(req) and contact is not None and not contact.is_erased
    name = shown_name(contact, current_locale(), named_user_ids=[req.assignee_id]) if shown else None
    if shown and contact.protected:
        # Keep the log of this view: after a POST or PATCH has committed, nothing else would.
        db.session.commit()
    view.update(allowed_transitions=services.allowed_transitions(req), published=req.is_published,
                requester_hidden=contact is not None and not shown,
                requester_contact_id=req.requester_contact_id,
                requester_name=(name if contact.name_km or contact.name_latin else "") if shown else None,
                requester_contact=(contact.phone or contact.email) if shown else None,
                requester_user_id=None,
                consent_recorded=bool(contact.consent_on or contact.consent_scope) if shown else None)
    return view


def _body_view(body: Institution) -> dict[str, Any]:
    return {name: getattr(body, name) for name in BodySchema().fields}


def _event_view(event: RequestEvent) -> dict[str, Any]:
    return {"id": event.id, "occurred_on": event.occurred_on, "from_status": event.from_status,
            "to_status": event.to_status, "note": event.note, "details": event.details or {},
            "actor_id": event.actor_id,
            "actor_name": (event.actor.name or event.actor.email) if event.actor else None}


# --- lookups --------------------------------------------------------------------------------------

def get_request(request_id: int, *options) -> InfoRequest:
    """One request of the current tenant (tenant scoping hides the others: 404)."""
    req = db.session.execute(select(InfoRequest).where(InfoRequest.id == request_id).options(
        joinedload(InfoRequest.body), joinedload(InfoRequest.assignee), joinedload(InfoRequest.requester),
        *options)).unique().scalar_one_or_none()
    if req is None:
        abort(404)
    return req


def _is_member(user_id: int) -> bool:
    return db.session.scalar(select(Membership.id).where(
        Membership.tenant_id == g.tenant.id, Membership.user_id == user_id, Membership.is_active)) is not None


def _check_references(data: dict) -> dict[str, list[str]]:
    """Field errors for a body the tenant cannot see or an assignee who is not a member."""
    errors: dict[str, list[str]] = {}
    if "body_id" in data and get_visible_institution(data["body_id"]) is None:
        errors["body_id"] = [_("Choose a public body from the register.")]
    if data.get("assignee_id") is not None and not _is_member(data["assignee_id"]):
        errors["assignee_id"] = [_("Choose a member of your organisation.")]
    return errors


def _columns(data: dict) -> dict[str, Any]:
    """Request columns from validated input (tags as the stored comma-separated text)."""
    columns = dict(data)
    if "tags" in columns:
        columns["tags"] = ", ".join(tag.strip() for tag in columns["tags"] if tag.strip())
    for name in ("subject", "requester_name", "requester_contact"):
        if name in columns:
            columns[name] = columns[name].strip()
    return columns


# --- public bodies --------------------------------------------------------------------------------

@a2i_api.route("/bodies/")
class Bodies(MethodView):
    @require("a2i.request.view")
    @a2i_api.arguments(BodyListArgs, location="query")
    @a2i_api.response(200, BodyPage)
    def get(self, args):
        """List the public bodies the organisation sees: the shared register and its own additions."""
        query = visible_institutions().order_by(None)
        if args.get("kind"):
            query = query.where(Institution.kind == args["kind"])
        if args.get("province_id"):
            query = query.where(or_(Institution.province_id == args["province_id"],
                                    Institution.id == args["province_id"]))
        if (args.get("q") or "").strip():
            query = query.where(any_contains([Institution.name_en, Institution.name_km, Institution.code], args["q"]))
        page = paginate(query, args, BODY_SORT, (Institution.name_en, Institution.id))
        page["items"] = [_body_view(body) for body in page["items"]]
        return page


@a2i_api.route("/bodies/<int:body_id>")
class BodyById(MethodView):
    @require("a2i.request.view")
    @a2i_api.response(200, BodySchema)
    def get(self, body_id):
        """One public body (404 for another organisation's private body); the same record as
        /institutions/<id>, kept at this path for existing clients."""
        body = get_visible_institution(body_id)
        if body is None:
            abort(404)
        return _body_view(body)


# --- requests -------------------------------------------------------------------------------------

@a2i_api.route("/requests/")
class Requests(MethodView):
    @require("a2i.request.view")
    @a2i_api.arguments(RequestListArgs, location="query")
    @a2i_api.response(200, RequestPage)
    def get(self, args):
        """List requests (newest first unless sorted); the requester's identity is never listed."""
        today = services.tenant_today(g.tenant.id)
        query = select(InfoRequest).options(joinedload(InfoRequest.body), joinedload(InfoRequest.assignee))
        if args.get("status"):
            query = query.where(InfoRequest.status == args["status"])
        if args.get("body_id"):
            query = query.where(InfoRequest.body_id == args["body_id"])
        if args.get("assignee_id"):
            query = query.where(InfoRequest.assignee_id == args["assignee_id"])
        if args.get("overdue"):
            query = query.where(InfoRequest.due_on.is_not(None), InfoRequest.due_on < today,
                                InfoRequest.status.in_(services.OPEN_STATUSES))
        if (args.get("q") or "").strip():
            query = query.where(any_contains([InfoRequest.reference, InfoRequest.subject], args["q"]))
        page = paginate(query, args, SORT_COLUMNS, (InfoRequest.id.desc(),))
        calendar = services.calendar_for(g.tenant.id)
        page["items"] = [_request_item(req, today, calendar) for req in page["items"]]
        return page

    @require("a2i.request.edit")
    @a2i_api.arguments(RequestWriteSchema)
    @a2i_api.response(201, RequestDetailSchema)
    def post(self, data):
        """File a new draft request; it is assigned to the token's user unless assignee_id is given."""
        errors = _check_references(data)
        if errors:
            refuse(errors)
        columns = _columns(data)
        subject, question, body_id = columns.pop("subject"), columns.pop("question"), columns.pop("body_id")
        try:
            req = services.create_request(g.tenant.id, subject=subject, question=question, body_id=body_id,
                                          actor=current_user._get_current_object(), **columns)
            db.session.flush()
        except DomainError as error:
            refuse(error, "subject")
        db.session.commit()
        return request_view(get_request(req.id))


@a2i_api.route("/requests/<int:request_id>")
class RequestById(MethodView):
    @require("a2i.request.view")
    @a2i_api.etag
    @a2i_api.response(200, RequestDetailSchema)
    def get(self, request_id):
        """One request with its deadline, the steps it may take next and (when allowed) its requester."""
        return request_view(get_request(request_id))

    @require("a2i.request.edit")
    @a2i_api.etag
    @a2i_api.arguments(RequestPatchSchema(partial=True))
    @a2i_api.response(200, RequestDetailSchema)
    def patch(self, data, request_id):
        """Change a request's own fields (not its status: use transitions); send If-Match with the ETag
        you read. Requester fields of a protected requester may only be changed by those who may see them."""
        req = get_request(request_id)
        a2i_api.check_etag(request_view(req), RequestDetailSchema)
        errors = _check_references(data)
        if not can_see_requester(req):
            errors |= {name: [_("Only the assignee and managers may change a protected requester.")]
                       for name in (*REQUESTER_FIELDS, "requester_contact_id") if name in data}
        if errors:
            refuse(errors)
        columns = _columns(data)
        described = {name: columns.pop(name) for name in REQUESTER_FIELDS if name in columns}
        try:
            if "requester_contact_id" in columns:
                contact_id = columns.pop("requester_contact_id")
                if contact_id is None and not services.describes_requester(described):
                    req.requester = None
                else:
                    services.set_requester(req, contact_id=contact_id, **described)
            elif described and req.requester is not None:
                services.update_requester(req.requester, **described)
            elif described:
                services.set_requester(req, **described)
            for name, value in columns.items():
                setattr(req, name, value)
            db.session.flush()
        except DomainError as error:
            refuse(error, "requester_contact_id")
        db.session.commit()
        return request_view(get_request(request_id))


@a2i_api.route("/requests/<int:request_id>/transitions")
class Transitions(MethodView):
    @require("a2i.request.edit")
    @a2i_api.arguments(TransitionSchema)
    @a2i_api.response(200, RequestDetailSchema)
    def post(self, data, request_id):
        """Move the request one step along its workflow (see allowed_transitions); returns the request with
        its new status and due date. A step that is not allowed, or lacks its details, is a 422."""
        req = get_request(request_id, selectinload(InfoRequest.events))
        to = data["to"]
        if to not in services.allowed_transitions(req):
            refuse({"to": [_("A request that is %(status)s cannot become %(to)s.",
                               status=req.status.label, to=to.label)]})
        accepted = services.STEP_DETAILS.get(to, set())
        given = {name: data[name] for name in DETAIL_NAMES if data.get(name) not in (None, "")}
        unused = sorted(set(given) - accepted)
        if unused:
            refuse({name: [_("This detail is not recorded for the step %(to)s.", to=to.label)] for name in unused})
        try:
            services.transition(req, to, actor=current_user._get_current_object(), on=data["occurred_on"],
                                note=data["note"].strip(), **given)
            db.session.flush()
        except DomainError as error:
            refuse(error, "to")
        db.session.commit()
        return request_view(get_request(request_id))


@a2i_api.route("/requests/<int:request_id>/events")
class Events(MethodView):
    @require("a2i.request.view")
    @a2i_api.arguments(SubListArgs, location="query")
    @a2i_api.response(200, EventPage)
    def get(self, args, request_id):
        """The request's workflow steps, oldest first."""
        get_request(request_id)
        query = select(RequestEvent).options(joinedload(RequestEvent.actor)).where(
            RequestEvent.request_id == request_id)
        page = paginate(query, args, {"occurred_on": RequestEvent.occurred_on},
                        (RequestEvent.occurred_on, RequestEvent.id))
        page["items"] = [_event_view(event) for event in page["items"]]
        return page


@a2i_api.route("/requests/<int:request_id>/correspondence")
class CorrespondenceList(MethodView):
    @require("a2i.request.view")
    @a2i_api.arguments(SubListArgs, location="query")
    @a2i_api.response(200, CorrespondencePage)
    def get(self, args, request_id):
        """Letters, e-mails, calls and meetings about the request, oldest first."""
        get_request(request_id)
        query = select(Correspondence).options(selectinload(Correspondence.attachments)).where(
            Correspondence.request_id == request_id)
        return paginate(query, args, {"occurred_on": Correspondence.occurred_on},
                        (Correspondence.occurred_on, Correspondence.id))

    @require("a2i.request.edit")
    @a2i_api.arguments(CorrespondenceSchema)
    @a2i_api.response(201, CorrespondenceSchema)
    def post(self, data, request_id):
        """Record correspondence about the request. Attach its files to the request with
        POST …/attachments/ (multipart)."""
        req = get_request(request_id)
        entry = Correspondence(tenant_id=g.tenant.id, request_id=req.id, kind=data["kind"],
                               direction=data["direction"], occurred_on=data["occurred_on"],
                               summary=data["summary"].strip())
        db.session.add(entry)
        db.session.commit()
        return entry


# --- statistics -----------------------------------------------------------------------------------

def _stat_view(row: statistics.StatRow) -> dict[str, Any]:
    view = dict(vars(row))
    key = row.key.value if hasattr(row.key, "value") else row.key
    view["key"] = None if key is None else str(key)
    return view


@a2i_api.route("/statistics")
class Statistics(MethodView):
    @require("a2i.request.view")
    @a2i_api.arguments(StatisticsArgs, location="query")
    @a2i_api.response(200, StatisticsSchema)
    def get(self, args):
        """Disclosure statistics of submitted requests per body, body kind or province, with the total."""
        group_by = args.pop("group_by")
        filters = {name: args.get(name) for name in ("date_from", "date_to", "kind", "province_id")}
        rows, total = statistics.statistics_table(group_by, locale=current_locale(), **filters)
        return {"group_by": group_by, "rows": [_stat_view(row) for row in rows], "total": _stat_view(total)}


# --- attachments (core/api/files.py) --------------------------------------------------------------

def _attachment_view(attachment: Attachment) -> dict[str, Any]:
    return file_view(attachment, url_for("a2i_api.AttachmentFile", request_id=attachment.request_id,
                                         attachment_id=attachment.id),
                     correspondence_id=attachment.correspondence_id, created_at=attachment.created_at)


@a2i_api.route("/requests/<int:request_id>/attachments/")
class Attachments(MethodView):
    @require("a2i.request.view")
    @a2i_api.arguments(FileListArgs, location="query")
    @a2i_api.response(200, AttachmentPage)
    def get(self, args, request_id):
        """The files attached to the request (and to its correspondence), oldest first."""
        get_request(request_id)
        query = select(Attachment).where(Attachment.request_id == request_id)
        page = paginate(query, args, {"created_at": Attachment.created_at}, (Attachment.created_at, Attachment.id))
        page["items"] = [_attachment_view(item) for item in page["items"]]
        return page

    @require("a2i.request.edit")
    @a2i_api.arguments(AttachmentUploadSchema, location="files")
    @a2i_api.response(201, AttachmentFileSchema)
    def post(self, files, request_id):
        """Attach a file to the request (or to one of its correspondence entries), as on its page: PDF,
        JPEG, PNG, Word (.docx), Excel (.xlsx), OpenDocument (.odt) or text (.txt), at most 10 MB
        (A2I_MAX_ATTACHMENT_BYTES); the content must match the name's extension."""
        req = get_request(request_id)
        entry_id = files.get("correspondence_id")
        if entry_id is not None and db.session.scalar(select(Correspondence.id).where(
                Correspondence.id == entry_id, Correspondence.request_id == req.id)) is None:
            refuse({"correspondence_id": [_("Choose correspondence recorded on this request.")]})
        stored = save_or_422(lambda: attachments.save_upload(files["file"], tenant_id=g.tenant.id, request_id=req.id,
                                                             uploaded_by_id=current_user.id,
                                                             correspondence_id=entry_id))
        db.session.commit()
        return _attachment_view(stored)


@a2i_api.route("/requests/<int:request_id>/attachments/<int:attachment_id>")
class AttachmentFile(MethodView):
    @require("a2i.request.view")
    @download_doc(a2i_api, attachments.CONTENT_TYPES.values(), "The attached file.")
    def get(self, request_id, attachment_id):
        """Download an attached file (the same permission as the request's page)."""
        attachment = db.session.execute(select(Attachment).where(
            Attachment.id == attachment_id, Attachment.request_id == request_id)).scalar_one_or_none()
        if attachment is None:
            abort(404)
        return download(attachments.storage_path(attachment), content_type=attachment.content_type,
                        download_name=attachment.display_name)
