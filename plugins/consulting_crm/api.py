"""The consulting JSON API under /api/v1/t/<tenant>/consulting/: opportunities (with consortium
partners and stage moves), proposals (budget lines, team), the consultant pool, engagements (with
planned and actual margin), invoices (totals, payments, balance) and the pipeline figures. Same rules
as the pages: reads need consulting.view, writes consulting.edit; a refused write is a 422 naming
the field (nothing written); PATCH needs If-Match. Rates, ratings, CVs and the costs that would
reveal them need consulting.pool.rates; a consultant's identity goes no further than
core.registers.protection allows."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import abort, g, url_for
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload, selectinload

from core.api import ApiBlueprint, refuse
from core.api.files import (FileListArgs, FileUploadSchema, as_upload, download, download_doc, file_view,
                            save_or_422)
from core.api.lists import paginate
from core.errors import DomainError
from core.extensions import db
from core.i18n import current_locale
from core.permissions import can, require
from core.registers.models import Contact
from core.registers.protection import PROTECTED_PERMISSION, shown_name
from core.search import any_contains
from plugins.consulting_crm import engagements, figures, opportunities, pool, proposals, services
from plugins.consulting_crm.models import (ConsortiumPartner, Consultant, ConsultantCV, Engagement, Invoice,
                                           InvoiceStatus, Opportunity, Payment, Proposal, ProposalFile, ProposalVersion,
                                           ProposedMember, Stage, StageMove)
from plugins.consulting_crm.schemas import (ConsultantDetailSchema, ConsultantListArgs, ConsultantPage,
                                            ConsultingFilePage, ConsultingFileSchema,
                                            EngagementDetailSchema, EngagementListArgs, EngagementPage,
                                            InvoiceDetailSchema, InvoiceListArgs, InvoicePage, OpportunityDetailSchema,
                                            OpportunityListArgs, OpportunityPage, OpportunityPatchSchema,
                                            OpportunityWriteSchema, PipelineArgs, PipelineSchema,
                                            ProposalDetailSchema, ProposalListArgs, ProposalPage, ProposalWriteSchema,
                                            StageMoveWriteSchema)

consulting_api = ApiBlueprint("consulting_api", __name__, path="consulting",
                              description="The consulting pipeline: opportunities and stage moves, proposals, "
                                          "consultants, engagements, invoices and pipeline figures.")

VIEW, EDIT, RATES = "consulting.view", "consulting.edit", "consulting.pool.rates"
ZERO = Decimal(0)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(services.cents(value))


def _number(value: Decimal | None) -> str | None:
    """A quantity, rate or percent as a decimal string without trailing zeros beyond two places."""
    if value is None:
        return None
    value = Decimal(value)
    return str(value.quantize(Decimal("0.01"))) if value == value.quantize(Decimal("0.01")) else str(value.normalize())


def _today() -> date:
    return g.tenant.today()


def _user_name(user) -> str | None:
    return (user.name or user.email) if user is not None else None


# --- opportunities ---------------------------------------------------------------------------------

def _stage_view(stage: Stage) -> dict[str, Any]:
    return {"id": stage.id, "code": stage.code, "name": stage.name_in(current_locale()), "outcome": stage.outcome}


def _opportunity_item(opportunity: Opportunity) -> dict[str, Any]:
    value_usd = services.in_usd(opportunity.estimated_value, opportunity.currency, opportunity.khr_per_usd)
    weighted = services.weighted_value_usd(opportunity)
    view = {name: getattr(opportunity, name) for name in (
        "id", "title", "client_id", "source", "call_reference", "questions_due_on", "submission_due_on",
        "expected_start_on", "currency", "rate_on", "rate_source", "probability", "owner_id", "project_id",
        "lost_reason", "closed_on")}
    view.update(client_name=shown_name(opportunity.client, current_locale(), reveal=False)
                if opportunity.client else None,
                stage=_stage_view(opportunity.stage), estimated_value=_money(opportunity.estimated_value),
                khr_per_usd=_number(opportunity.khr_per_usd), value_usd=_money(value_usd),
                weighted_value_usd=_money(weighted), owner_name=_user_name(opportunity.owner))
    return view


def opportunity_view(opportunity: Opportunity) -> dict[str, Any]:
    lang = current_locale()
    view = _opportunity_item(opportunity)
    engagement_id = db.session.scalar(select(Engagement.id).where(Engagement.opportunity_id == opportunity.id))
    view.update(description=opportunity.description, stage_entered_at=opportunity.stage_entered_at,
                partners=[{"partner_id": row.partner_id, "name": shown_name(row.partner, lang, reveal=False),
                           "share_percent": _number(row.share_percent), "role": row.role}
                          for row in sorted(opportunity.partners, key=lambda row: row.id)],
                moves=[{"from_stage_id": move.from_stage_id, "to_stage_id": move.to_stage_id,
                        "to_stage_code": move.to_stage.code, "moved_at": move.moved_at,
                        "moved_by_id": move.moved_by_id} for move in opportunity.moves],
                proposal_ids=[proposal.id for proposal in opportunity.proposals],
                engagement_id=engagement_id,
                allowed_stages=[stage.code for stage in services.stages(opportunity.tenant_id)
                                if stage.id != opportunity.stage_id and not services.missing_for(opportunity, stage)])
    return view


def _opportunity(opportunity_id: int) -> Opportunity:
    opportunity = db.session.scalar(select(Opportunity).where(Opportunity.id == opportunity_id).options(
        joinedload(Opportunity.stage), joinedload(Opportunity.client), joinedload(Opportunity.owner),
        selectinload(Opportunity.partners).joinedload(ConsortiumPartner.partner),
        selectinload(Opportunity.moves).joinedload(StageMove.to_stage), selectinload(Opportunity.proposals)))
    if opportunity is None:
        abort(404)
    return opportunity


# Field names of the opportunities' rules (shared with the form) that the API calls otherwise.
RENAMED = {"client": "client_id"}


def _partner_lines(rows: list[dict]) -> list[opportunities.PartnerLine]:
    # A PATCH's partial schema leaves nested defaults out too.
    return [opportunities.PartnerLine(row.get("partner_id"), row.get("share_percent", 0), row.get("role", ""))
            for row in rows]


def _write_opportunity(opportunity: Opportunity | None, data: dict) -> Opportunity:
    """Create or change an opportunity through the rules its form uses (plugins.consulting_crm.
    opportunities); besides, nothing the current stage needs (a won one's value…) may be taken away."""
    partners = data.pop("partners", None)
    lines = _partner_lines(partners) if partners is not None else None
    try:
        if opportunity is None:
            data.setdefault("owner_id", current_user.id)
            opportunity = opportunities.create_opportunity(g.tenant.id, partners=lines, **data)
        else:
            missing_before = {field for field, _message in services.missing_for(opportunity, opportunity.stage)}
            opportunities.update_opportunity(opportunity, partners=lines, **data)
            for field, message in services.missing_for(opportunity, opportunity.stage):
                if field not in missing_before:
                    raise DomainError(message, field)
    except DomainError as error:
        refuse(error, "title", RENAMED)
    db.session.commit()
    return opportunity


def opportunity_list_query(args: dict):
    query = select(Opportunity).options(joinedload(Opportunity.stage), joinedload(Opportunity.client),
                                        joinedload(Opportunity.owner))
    if args.get("stage"):
        query = query.where(Opportunity.stage_id.in_(select(Stage.id).where(Stage.code == args["stage"])))
    if args.get("outcome"):
        query = query.where(Opportunity.stage_id.in_(select(Stage.id).where(Stage.outcome == args["outcome"])))
    for name in ("owner_id", "client_id"):
        if args.get(name):
            query = query.where(getattr(Opportunity, name) == args[name])
    if args.get("deadline_from"):
        query = query.where(Opportunity.submission_due_on >= args["deadline_from"])
    if args.get("deadline_to"):
        query = query.where(Opportunity.submission_due_on <= args["deadline_to"])
    if (args.get("q") or "").strip():
        query = query.where(any_contains([Opportunity.title, Opportunity.call_reference], args["q"]))
    return query


OPPORTUNITY_SORT = {"title": Opportunity.title, "submission_due_on": Opportunity.submission_due_on,
                    "estimated_value": Opportunity.estimated_value, "probability": Opportunity.probability,
                    "created_at": Opportunity.created_at}


@consulting_api.route("/opportunities/")
class Opportunities(MethodView):
    @require(VIEW)
    @consulting_api.arguments(OpportunityListArgs, location="query")
    @consulting_api.response(200, OpportunityPage)
    def get(self, args):
        """Opportunities, the nearest submission deadline first unless sorted; filter by stage code,
        outcome, owner, client and a deadline range."""
        page = paginate(opportunity_list_query(args), args, OPPORTUNITY_SORT,
                        (Opportunity.submission_due_on, Opportunity.id))
        page["items"] = [_opportunity_item(opportunity) for opportunity in page["items"]]
        return page

    @require(EDIT)
    @consulting_api.arguments(OpportunityWriteSchema)
    @consulting_api.response(201, OpportunityDetailSchema)
    def post(self, data):
        """Add an opportunity; it starts in the first stage with that stage's probability unless one is
        given, owned by the token's user unless owner_id is given. A KHR value needs khr_per_usd."""
        opportunity = _write_opportunity(None, data)
        return opportunity_view(_opportunity(opportunity.id))


@consulting_api.route("/opportunities/<int:opportunity_id>")
class OpportunityById(MethodView):
    @require(VIEW)
    @consulting_api.etag
    @consulting_api.response(200, OpportunityDetailSchema)
    def get(self, opportunity_id):
        """One opportunity with its consortium partners, stage moves, proposals and the stages it may
        move to now."""
        return opportunity_view(_opportunity(opportunity_id))

    @require(EDIT)
    @consulting_api.etag
    @consulting_api.arguments(OpportunityPatchSchema(partial=True))
    @consulting_api.response(200, OpportunityDetailSchema)
    def patch(self, data, opportunity_id):
        """Change an opportunity (not its stage: POST …/stage); partners, when given, replace the current
        ones. Send If-Match with the ETag you read."""
        opportunity = _opportunity(opportunity_id)
        consulting_api.check_etag(opportunity_view(opportunity), OpportunityDetailSchema)
        _write_opportunity(opportunity, data)
        db.session.expire_all()
        return opportunity_view(_opportunity(opportunity_id))


@consulting_api.route("/opportunities/<int:opportunity_id>/stage")
class OpportunityStage(MethodView):
    @require(EDIT)
    @consulting_api.arguments(StageMoveWriteSchema)
    @consulting_api.response(200, OpportunityDetailSchema)
    def post(self, data, opportunity_id):
        """Move the opportunity to another stage (by code). A stage that needs data the opportunity
        lacks (a won one's value, a lost one's reason…) is refused with a 422 naming that field;
        moving to the current stage changes nothing."""
        opportunity = _opportunity(opportunity_id)
        stage = db.session.scalar(select(Stage).where(Stage.code == data["stage"].strip(), Stage.is_active.is_(True)))
        if stage is None:
            refuse({"stage": [_("Choose one of the stages of the list.")]})
        try:
            opportunities.move(opportunity, stage.id, user_id=current_user.id, lost_reason=data.get("lost_reason"),
                               today=_today())
        except DomainError as error:
            refuse(error, "stage")
        db.session.commit()
        db.session.expire_all()
        return opportunity_view(_opportunity(opportunity_id))


# --- proposals -------------------------------------------------------------------------------------

def _proposal_item(proposal: Proposal) -> dict[str, Any]:
    view = {name: getattr(proposal, name) for name in ("id", "opportunity_id", "title", "currency", "submitted_on",
                                                       "result")}
    view["budget_total"] = _money(proposals.budget_total(proposal))
    return view


def proposal_view(proposal: Proposal) -> dict[str, Any]:
    lang = current_locale()
    view = _proposal_item(proposal)
    view.update(feedback=proposal.feedback,
                versions=[{"id": version.id, "label": version.label, "note": version.note,
                           "files": [{"id": stored.id, "display_name": stored.display_name,
                                      "content_type": stored.content_type, "size_bytes": stored.size_bytes}
                                     for stored in version.files]} for version in proposal.versions],
                budget_lines=[{"description": line.description, "unit": line.unit, "quantity": _number(line.quantity),
                               "unit_cost": _money(line.unit_cost), "amount": _money(line.amount)}
                              for line in proposal.budget_lines],
                team=[{"consultant_id": member.consultant_id,
                       "name": shown_name(member.consultant.contact, lang, reveal=False), "role": member.role,
                       "days": _number(member.days)} for member in sorted(proposal.team, key=lambda row: row.id)])
    return view


def _proposal(proposal_id: int) -> Proposal:
    proposal = db.session.scalar(select(Proposal).where(Proposal.id == proposal_id).options(
        selectinload(Proposal.versions).selectinload(ProposalVersion.files), selectinload(Proposal.budget_lines),
        selectinload(Proposal.team).joinedload(ProposedMember.consultant).joinedload(Consultant.contact)))
    if proposal is None:
        abort(404)
    return proposal


PROPOSAL_SORT = {"submitted_on": Proposal.submitted_on, "title": Proposal.title, "created_at": Proposal.created_at}


def _create_proposal(data: dict) -> Proposal:
    """A proposal with its submission date, first version, budget lines and team, through the
    proposals' rules (plugins.consulting_crm.proposals); all or nothing."""
    opportunity = proposals.get_opportunity(data["opportunity_id"])
    if opportunity is None:
        refuse({"opportunity_id": [_("Choose one of your opportunities.")]})
    try:
        proposal = proposals.create_proposal(opportunity, title=data["title"], currency=data["currency"])
        if data.get("submitted_on"):
            proposals.submit(proposal, data["submitted_on"], today=_today())
    except DomainError as error:
        refuse(error, "title")
    if data["version_label"].strip():
        try:
            proposals.add_version(proposal, label=data["version_label"])
        except DomainError as error:
            refuse({"version_label": [str(error.message)]})
    for index, line in enumerate(data["budget_lines"]):
        try:
            proposals.add_budget_line(proposal, **line)
        except DomainError as error:
            refuse({"budget_lines": {str(index): {error.field or "description": [str(error.message)]}}})
    for index, member in enumerate(data["team"]):
        try:
            proposals.add_member(proposal, **member)
        except DomainError as error:
            refuse({"team": {str(index): {error.field or "consultant_id": [str(error.message)]}}})
    db.session.commit()
    return proposal


@consulting_api.route("/proposals/")
class Proposals(MethodView):
    @require(VIEW)
    @consulting_api.arguments(ProposalListArgs, location="query")
    @consulting_api.response(200, ProposalPage)
    def get(self, args):
        """Proposals (of one opportunity with opportunity_id), newest first unless sorted, with the total
        of their budget lines."""
        query = select(Proposal).options(selectinload(Proposal.budget_lines))
        for name in ("opportunity_id", "result"):
            if args.get(name):
                query = query.where(getattr(Proposal, name) == args[name])
        page = paginate(query, args, PROPOSAL_SORT, (Proposal.created_at.desc(), Proposal.id.desc()))
        page["items"] = [_proposal_item(proposal) for proposal in page["items"]]
        return page

    @require(EDIT)
    @consulting_api.arguments(ProposalWriteSchema)
    @consulting_api.response(201, ProposalDetailSchema)
    def post(self, data):
        """Add a proposal to an opportunity, with a first version label, budget lines and the proposed team
        (consultants of the pool); all or nothing."""
        proposal = _create_proposal(data)
        return proposal_view(_proposal(proposal.id))


@consulting_api.route("/proposals/<int:proposal_id>")
class ProposalById(MethodView):
    @require(VIEW)
    @consulting_api.response(200, ProposalDetailSchema)
    def get(self, proposal_id):
        """One proposal with its versions (and their files), budget lines with the total, and the team."""
        return proposal_view(_proposal(proposal_id))


# --- consultants -----------------------------------------------------------------------------------

def _consultant_item(consultant: Consultant, averages: dict[int, float], *, listed: bool) -> dict[str, Any]:
    rates = can(RATES)
    average = averages.get(consultant.id)
    return {"id": consultant.id, "contact_id": consultant.contact_id,
            "name": shown_name(consultant.contact, current_locale(), reveal=not listed),
            "expertise": consultant.expertise_tags, "languages": pool.language_codes(consultant.languages),
            "is_active": consultant.is_active,
            "day_rate": _money(consultant.day_rate) if rates else None,
            "rate_currency": consultant.rate_currency if rates else None,
            "average_rating": round(average, 2) if rates and average is not None else None}


def consultant_view(consultant: Consultant) -> dict[str, Any]:
    rates = can(RATES)
    view = _consultant_item(consultant, pool.average_ratings([consultant.id]) if rates else {}, listed=False)
    view.update(availability=[{"starts_on": period.starts_on, "ends_on": period.ends_on, "note": period.note}
                              for period in consultant.availability],
                ratings=[{"score": rating.score, "comment": rating.comment, "engagement_id": rating.engagement_id}
                         for rating in consultant.ratings] if rates else None,
                cvs=[{"id": cv.id, "display_name": cv.display_name, "content_type": cv.content_type,
                      "size_bytes": cv.size_bytes} for cv in consultant.cvs] if rates else None)
    return view


def _consultant(consultant_id: int) -> Consultant:
    consultant = db.session.scalar(select(Consultant).where(Consultant.id == consultant_id).options(
        joinedload(Consultant.contact), selectinload(Consultant.availability), selectinload(Consultant.ratings),
        selectinload(Consultant.cvs)))
    if consultant is None:
        abort(404)
    return consultant


@consulting_api.route("/consultants/")
class Consultants(MethodView):
    @require(VIEW)
    @consulting_api.arguments(ConsultantListArgs, location="query")
    @consulting_api.response(200, ConsultantPage)
    def get(self, args):
        """The consultant and trainer pool: search by expertise, language and availability for given
        dates. Day rates and ratings only for roles with consulting.pool.rates; protected people appear
        as a stand-in."""
        try:
            query = pool.consultant_query(
                expertise=args.get("expertise"), language=args.get("language"),
                available_from=args.get("available_from"), available_to=args.get("available_to"),
                q=args.get("q") or "", active=args.get("active"), names_of_protected=can(PROTECTED_PERMISSION))
        except DomainError as error:
            refuse(error, "q")
        page = paginate(query.order_by(None), args, {"id": Consultant.id, "created_at": Consultant.created_at},
                        (Consultant.is_active.desc(), Contact.protected, Contact.name_latin, Contact.name_km,
                         Consultant.id))
        averages = pool.average_ratings([consultant.id for consultant in page["items"]]) if can(RATES) else {}
        page["items"] = [_consultant_item(consultant, averages, listed=True) for consultant in page["items"]]
        return page


@consulting_api.route("/consultants/<int:consultant_id>")
class ConsultantById(MethodView):
    @require(VIEW)
    @consulting_api.response(200, ConsultantDetailSchema)
    def get(self, consultant_id):
        """One consultant with availability periods; rates, ratings and CVs only for roles with
        consulting.pool.rates."""
        return consultant_view(_consultant(consultant_id))


# --- engagements -----------------------------------------------------------------------------------

def _engagement_item(engagement: Engagement) -> dict[str, Any]:
    view = {name: getattr(engagement, name) for name in (
        "id", "title", "opportunity_id", "client_id", "contract_reference", "currency", "starts_on", "ends_on",
        "status")}
    view.update(client_name=shown_name(engagement.client, current_locale(), reveal=False)
                if engagement.client else None, contract_value=_money(engagement.contract_value))
    return view


def _margin_view(cost: Decimal, margin: Decimal, percent: Decimal | None) -> dict[str, Any]:
    return {"cost": _money(cost), "margin": _money(margin),
            "margin_percent": None if percent is None else float(percent)}


def engagement_view(engagement: Engagement) -> dict[str, Any]:
    lang, rates = current_locale(), can(RATES)
    view = _engagement_item(engagement)
    invoiced = set(db.session.scalars(select(Invoice.tranche_id).where(
        Invoice.engagement_id == engagement.id, Invoice.tranche_id.is_not(None),
        Invoice.status != InvoiceStatus.CANCELLED)))
    actual_days: dict[int | None, Decimal] = {}
    for line in engagement.timesheet:
        actual_days[line.assignment_id] = actual_days.get(line.assignment_id, ZERO) + (line.days or ZERO)
    margin = engagements.margin(engagement)
    view.update(khr_per_usd=_number(engagement.khr_per_usd), withholding_applies=engagement.withholding_applies,
                deliverables=[{"id": row.id, "title": row.title, "due_on": row.due_on, "status": row.status,
                               "accepted_on": row.accepted_on} for row in engagement.deliverables],
                tranches=[{"id": row.id, "label": row.label, "amount": _money(row.amount),
                           "deliverable_id": row.deliverable_id, "invoiced": row.id in invoiced}
                          for row in engagement.tranches],
                assignments=[{"consultant_id": row.consultant_id,
                              "name": shown_name(row.consultant.contact, lang, reveal=False), "role": row.role,
                              "planned_days": _number(row.planned_days),
                              "actual_days": _number(actual_days.get(row.id, ZERO)),
                              "day_rate": _money(row.day_rate) if rates else None}
                             for row in sorted(engagement.assignments, key=lambda row: row.id)],
                expenses=_money(margin.expenses),
                planned=_margin_view(margin.planned_cost, margin.planned_margin, margin.planned_percent)
                if rates else None,
                actual=_margin_view(margin.actual_cost, margin.actual_margin, margin.actual_percent)
                if rates else None)
    return view


def _engagement(engagement_id: int) -> Engagement:
    engagement = engagements.load_engagement(engagement_id)
    if engagement is None:
        abort(404)
    return engagement


@consulting_api.route("/engagements/")
class Engagements(MethodView):
    @require(VIEW)
    @consulting_api.arguments(EngagementListArgs, location="query")
    @consulting_api.response(200, EngagementPage)
    def get(self, args):
        """Engagements (contracts of won opportunities), the latest start first unless sorted."""
        query = select(Engagement).options(joinedload(Engagement.client))
        for name in ("status", "client_id"):
            if args.get(name):
                query = query.where(getattr(Engagement, name) == args[name])
        if (args.get("q") or "").strip():
            query = query.where(any_contains([Engagement.title, Engagement.contract_reference], args["q"]))
        page = paginate(query, args, {"starts_on": Engagement.starts_on, "title": Engagement.title,
                                      "contract_value": Engagement.contract_value},
                        (Engagement.starts_on.desc(), Engagement.id.desc()))
        page["items"] = [_engagement_item(engagement) for engagement in page["items"]]
        return page


@consulting_api.route("/engagements/<int:engagement_id>")
class EngagementById(MethodView):
    @require(VIEW)
    @consulting_api.response(200, EngagementDetailSchema)
    def get(self, engagement_id):
        """One engagement with its deliverables, payment tranches (and whether each is invoiced), the
        team with planned and actual days, and the planned and actual margin."""
        return engagement_view(_engagement(engagement_id))


# --- invoices --------------------------------------------------------------------------------------

def _invoice_item(invoice: Invoice, today: date) -> dict[str, Any]:
    view = {name: getattr(invoice, name) for name in (
        "id", "number", "engagement_id", "status", "issued_on", "due_on", "buyer_name", "currency")}
    paid = services.paid_amount(invoice)
    view.update(overdue=services.is_overdue(invoice, today), total=_money(invoice.total),
                amount_due=_money(invoice.amount_due), paid=_money(paid), balance=_money(invoice.amount_due - paid))
    return view


def invoice_view(invoice: Invoice) -> dict[str, Any]:
    view = _invoice_item(invoice, _today())
    view.update({name: getattr(invoice, name) for name in (
        "tranche_id", "seller_name", "seller_tax_number", "buyer_tax_number", "rate_on", "rate_source", "note")})
    view.update(khr_per_usd=_number(invoice.khr_per_usd), vat_percent=_number(invoice.vat_percent),
                withholding_percent=_number(invoice.withholding_percent), subtotal=_money(invoice.subtotal),
                vat_amount=_money(invoice.vat_amount), withholding_amount=_money(invoice.withholding_amount),
                lines=[{"description": line.description, "quantity": _number(line.quantity),
                        "unit_price": _money(line.unit_price), "amount": _money(line.quantity * line.unit_price)}
                       for line in invoice.lines],
                payments=[{"paid_on": payment.paid_on, "amount": _money(payment.amount),
                           "reference": payment.reference} for payment in invoice.payments])
    return view


def _invoice(invoice_id: int) -> Invoice:
    invoice = db.session.scalar(select(Invoice).where(Invoice.id == invoice_id).options(
        selectinload(Invoice.lines), selectinload(Invoice.payments)))
    if invoice is None:
        abort(404)
    return invoice


def invoice_list_query(args: dict, today: date):
    query = select(Invoice).options(selectinload(Invoice.payments))
    for name in ("status", "engagement_id"):
        if args.get(name):
            query = query.where(getattr(Invoice, name) == args[name])
    if args.get("overdue") is not None:
        paid = select(func.coalesce(func.sum(Payment.amount), 0)).where(
            Payment.invoice_id == Invoice.id).correlate(Invoice).scalar_subquery()
        overdue = and_(Invoice.status == InvoiceStatus.ISSUED, Invoice.due_on.is_not(None), Invoice.due_on < today,
                       Invoice.amount_due > paid)
        query = query.where(overdue if args["overdue"] else ~overdue)
    return query


@consulting_api.route("/invoices/")
class Invoices(MethodView):
    @require(VIEW)
    @consulting_api.arguments(InvoiceListArgs, location="query")
    @consulting_api.response(200, InvoicePage)
    def get(self, args):
        """Invoices and receivables, the latest issued first unless sorted; overdue=true keeps the issued
        invoices past their due date with a balance left."""
        today = _today()
        page = paginate(invoice_list_query(args, today), args, {"issued_on": Invoice.issued_on,
                                                                "due_on": Invoice.due_on, "number": Invoice.number},
                        (Invoice.issued_on.desc(), Invoice.id.desc()))
        page["items"] = [_invoice_item(invoice, today) for invoice in page["items"]]
        return page


@consulting_api.route("/invoices/<int:invoice_id>")
class InvoiceById(MethodView):
    @require(VIEW)
    @consulting_api.response(200, InvoiceDetailSchema)
    def get(self, invoice_id):
        """One invoice with its lines, VAT, withholding, totals, payments and the balance left."""
        return invoice_view(_invoice(invoice_id))


# --- pipeline --------------------------------------------------------------------------------------

MARGIN_FIGURES = ("contract_usd", "planned_cost_usd", "actual_cost_usd", "planned_margin_usd", "margin_usd")


def _pipeline_row(row: figures.PipelineRow) -> dict[str, Any]:
    return {"key": row.key, "label": str(row.label), "opportunities": row.opportunities,
            "value_usd": _money(row.value_usd), "weighted_usd": _money(row.weighted_usd)}


def _margins(row) -> dict[str, Any]:
    view = {name: _money(getattr(row, name)) for name in MARGIN_FIGURES}
    view["margin_percent"] = row.margin_percent
    return view


def pipeline_view(result: figures.PipelineFigures, *, with_engagements: bool = True) -> dict[str, Any]:
    win = result.win_rate
    filters = result.filters
    view = _margins(result)
    view.update(
        filters={"year": filters.year, "date_from": filters.date_from, "date_to": filters.date_to,
                 "owner_id": filters.owner_id, "client_type": filters.client_type},
        pipeline=_pipeline_row(result.pipeline), not_in_usd=result.not_in_usd,
        by_month=[_pipeline_row(row) for row in result.by_month],
        by_stage=[_pipeline_row(row) for row in result.by_stage],
        win_rate={"won": win.won, "lost": win.lost, "closed": win.closed, "won_usd": _money(win.won_usd),
                  "lost_usd": _money(win.lost_usd), "without_value": win.without_value, "by_count": win.by_count,
                  "by_value": win.by_value},
        stage_days=[{"code": row.code, "label": str(row.label), "stays": row.stays, "still_open": row.still_open,
                     "average_days": row.average_days} for row in result.stage_days],
        revenue=[{**_margins(row), "year": row.year, "client_type": row.client_type, "label": str(row.label),
                  "invoiced_usd": _money(row.invoiced_usd), "invoices": row.invoices, "engagements": row.engagements}
                 for row in result.revenue],
        engagements=[{**_margins(row), "id": row.id, "title": row.title, "client_type": row.client_type,
                      "year": row.year, "status": row.status} for row in result.engagements]
        if with_engagements else [],
        invoiced_usd=_money(result.invoiced_usd), generated_at=result.generated_at)
    return view


@consulting_api.route("/pipeline")
class Pipeline(MethodView):
    @require(VIEW)
    @consulting_api.arguments(PipelineArgs, location="query")
    @consulting_api.response(200, PipelineSchema)
    def get(self, args):
        """The figures of the pipeline figures page for a year or a period, an owner and a client type:
        the weighted pipeline by expected month and by stage, the win rate, the average days per stage,
        revenue and margin by client type and year, in US dollars at each row's recorded rate."""
        # One engagement's cost can give away a day rate: the per-engagement rows need the rates permission.
        return pipeline_view(figures.compute(figures.FigureFilters(**args), g.tenant.id),
                             with_engagements=can("consulting.pool.rates"))


# --- files: CVs and proposal files (core/api/files.py) --------------------------------------------

def _cv_view(cv) -> dict[str, Any]:
    return file_view(cv, url_for("consulting_api.ConsultantCVFile", consultant_id=cv.consultant_id, cv_id=cv.id),
                     created_at=cv.created_at)


def _proposal_file_view(stored) -> dict[str, Any]:
    return file_view(stored, url_for("consulting_api.ProposalFileById", proposal_id=stored.version.proposal_id,
                                     file_id=stored.id),
                     version_id=stored.version_id, version_label=stored.version.label, created_at=stored.created_at)


@consulting_api.route("/consultants/<int:consultant_id>/cvs/")
class ConsultantCVs(MethodView):
    @require(RATES)
    @consulting_api.arguments(FileListArgs, location="query")
    @consulting_api.response(200, ConsultingFilePage)
    def get(self, args, consultant_id):
        """The consultant's CVs, oldest first (consulting.pool.rates, as on the pool page)."""
        consultant = _consultant(consultant_id)
        query = select(ConsultantCV).where(ConsultantCV.consultant_id == consultant.id)
        page = paginate(query, args, {"created_at": ConsultantCV.created_at},
                        (ConsultantCV.created_at, ConsultantCV.id))
        page["items"] = [_cv_view(cv) for cv in page["items"]]
        return page

    @require(RATES)
    @consulting_api.arguments(FileUploadSchema, location="files")
    @consulting_api.response(201, ConsultingFileSchema)
    def post(self, files, consultant_id):
        """Add a CV: a PDF, Word (.docx) or OpenDocument (.odt) file of at most 10 MB whose content matches
        its name, as on the pool page."""
        consultant = _consultant(consultant_id)
        cv = save_or_422(lambda: pool.add_cv(consultant, as_upload(files["file"], pool.MAX_CV_BYTES)))
        db.session.commit()
        return _cv_view(cv)


@consulting_api.route("/consultants/<int:consultant_id>/cvs/<int:cv_id>")
class ConsultantCVFile(MethodView):
    @require(RATES)
    @download_doc(consulting_api, [content_type for content_type, _signatures in pool.CV_TYPES.values()], "The CV.")
    def get(self, consultant_id, cv_id):
        """Download a CV (consulting.pool.rates)."""
        cv = pool.get_cv(_consultant(consultant_id), cv_id) or abort(404)
        return download(pool.cv_path(cv), content_type=cv.content_type, download_name=cv.display_name)


@consulting_api.route("/proposals/<int:proposal_id>/files/")
class ProposalFiles(MethodView):
    @require(VIEW)
    @consulting_api.arguments(FileListArgs, location="query")
    @consulting_api.response(200, ConsultingFilePage)
    def get(self, args, proposal_id):
        """The files of every version of the proposal, oldest first."""
        proposal = _proposal(proposal_id)
        query = select(ProposalFile).join(ProposalFile.version).where(ProposalVersion.proposal_id == proposal.id)
        page = paginate(query, args, {"created_at": ProposalFile.created_at},
                        (ProposalFile.created_at, ProposalFile.id))
        page["items"] = [_proposal_file_view(stored) for stored in page["items"]]
        return page


@consulting_api.route("/proposals/<int:proposal_id>/versions/<int:version_id>/files")
class ProposalVersionFiles(MethodView):
    @require(EDIT)
    @consulting_api.arguments(FileUploadSchema, location="files")
    @consulting_api.response(201, ConsultingFileSchema)
    def post(self, files, proposal_id, version_id):
        """Add a file to a version of the proposal: PDF, Word (.docx), Excel (.xlsx), OpenDocument (.odt,
        .ods) or zip, at most 20 MB, content matching the name, as on the proposal's page."""
        version = proposals.get_version(_proposal(proposal_id), version_id) or abort(404)
        stored = save_or_422(lambda: proposals.add_file(version, as_upload(files["file"], proposals.MAX_FILE_BYTES)))
        db.session.commit()
        return _proposal_file_view(stored)


@consulting_api.route("/proposals/<int:proposal_id>/files/<int:file_id>")
class ProposalFileById(MethodView):
    @require(VIEW)
    @download_doc(consulting_api, [content_type for content_type, _signatures in proposals.ALLOWED.values()],
                  "The proposal's file.")
    def get(self, proposal_id, file_id):
        """Download a file of the proposal."""
        stored = proposals.get_file(_proposal(proposal_id), file_id) or abort(404)
        return download(proposals.file_path(stored), content_type=stored.content_type,
                        download_name=stored.display_name)
