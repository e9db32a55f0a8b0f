"""Proposal pages: a new proposal for an opportunity (/new?opportunity=<id>), one proposal with its
versions and files, budget (total in its currency, riel also in dollars at the opportunity's rate),
proposed team and the opportunity's other proposals; forms to edit it, record its submission, add
versions and files, budget lines and team members. Thin: forms in, one service call, one commit."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from core.errors import DomainError, show_on_form
from core.extensions import db
from core.i18n import current_locale
from core.permissions import can, require
from core.registers.protection import shown_name
from core.uploads import is_stored, received, send_download
from plugins.consulting_crm import proposals
from plugins.consulting_crm.models import Currency, Proposal
from plugins.consulting_crm.proposal_forms import (BudgetLineForm, FileForm, MemberForm, NewProposalForm, ProposalForm,
                                                   SubmitForm, VersionForm)

proposals_bp = Blueprint("consulting_proposals", __name__, url_prefix="/t/<tenant_slug>/consulting/proposals",
                         template_folder="templates")

VIEW, EDIT = "consulting.view", "consulting.edit"


def _status(form) -> int:
    return 422 if (form.errors or form.form_errors) else 200


def _proposal_or_404(proposal_id: int, *, full: bool = False) -> Proposal:
    proposal = proposals.get_proposal(proposal_id, full=full)
    if proposal is None:
        abort(404)
    return proposal


def _back(proposal_id: int, anchor: str = "") -> Response:
    return redirect(url_for("consulting_proposals.detail", proposal_id=proposal_id) + (f"#{anchor}" if anchor else ""))


def _consultant_choices() -> list[SelectChoice]:
    lang = current_locale()
    return [SelectChoice("", _("Choose a consultant"))] + [
        SelectChoice(str(consultant.id), shown_name(consultant.contact, lang, reveal=False))
        for consultant in proposals.pool()]


def money(amount, currency: Currency) -> str:
    from flask_babel import format_currency
    return format_currency(amount, currency.value)


def _run(form, action, proposal_id: int, message: str, anchor: str = ""):
    """Run the service call `action`: commit, flash and go back to the proposal; on a refusal roll
    back, put it on the form and return None (the caller shows the form again with 422)."""
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        show_on_form(form, error)
        return None
    db.session.commit()
    flash(message, "success")
    return _back(proposal_id, anchor)


# --- a new proposal and one proposal ------------------------------------------------------------

@proposals_bp.route("/new", methods=["GET", "POST"])
@require(EDIT)
def new():
    opportunity = proposals.get_opportunity(request.args.get("opportunity"))
    if opportunity is None:
        abort(404)
    form = NewProposalForm()
    if request.method == "GET":
        form.currency.data = opportunity.currency.value
    if form.validate_on_submit():
        try:
            proposal = proposals.create_proposal(opportunity, title=form.title.data or "",
                                                 currency=form.currency.data)
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
            opportunity = proposals.get_opportunity(request.args.get("opportunity"))
        else:
            db.session.commit()
            flash(_("Proposal added."), "success")
            return _back(proposal.id)
    return render_template("consulting_crm/proposals/new.html", form=form, opportunity=opportunity), _status(form)


@proposals_bp.get("/<int:proposal_id>")
@require(VIEW)
def detail(proposal_id: int) -> str:
    proposal = _proposal_or_404(proposal_id, full=True)
    lang = current_locale()
    team = [(member, shown_name(member.consultant.contact, lang, reveal=False)) for member in proposal.team]
    may_edit = can(EDIT)
    forms = {}
    if may_edit:
        forms = {"line": BudgetLineForm(formdata=None, prefix="line"), "member": MemberForm(formdata=None),
                 "submit": SubmitForm(formdata=None)}
        forms["member"].consultant_id.choices = _consultant_choices()
    return render_template("consulting_crm/proposals/detail.html", proposal=proposal,
                           opportunity=proposal.opportunity, siblings=proposals.proposals_of(proposal.opportunity),
                           team=team, total=proposals.budget_total(proposal),
                           total_usd=proposals.total_in_usd(proposal), money=money, usd=Currency.USD, may_edit=may_edit, forms=forms)


@proposals_bp.route("/<int:proposal_id>/edit", methods=["GET", "POST"])
@require(EDIT)
def edit(proposal_id: int):
    proposal = _proposal_or_404(proposal_id)
    form = ProposalForm(obj=proposal)
    if request.method == "GET":
        form.currency.data, form.result.data = proposal.currency.value, proposal.result.value
    if form.validate_on_submit():
        saved = _run(form, lambda: proposals.update_proposal(
            proposal, title=form.title.data, currency=form.currency.data, result=form.result.data,
            feedback=form.feedback.data or "", submitted_on=form.submitted_on.data), proposal_id, _("Proposal saved."))
        if saved:
            return saved
        proposal = _proposal_or_404(proposal_id)
    return render_template("consulting_crm/proposals/form.html", form=form, proposal=proposal,
                           action=url_for("consulting_proposals.edit", proposal_id=proposal_id),
                           heading=_("Edit the proposal")), _status(form)


@proposals_bp.route("/<int:proposal_id>/submit", methods=["GET", "POST"])
@require(EDIT)
def submit(proposal_id: int):
    proposal = _proposal_or_404(proposal_id)
    form = SubmitForm()
    if form.validate_on_submit():
        saved = _run(form, lambda: proposals.submit(proposal, form.submitted_on.data), proposal_id,
                     _("Submission recorded."))
        if saved:
            return saved
        proposal = _proposal_or_404(proposal_id)
    return render_template("consulting_crm/proposals/form.html", form=form, proposal=proposal,
                           action=url_for("consulting_proposals.submit", proposal_id=proposal_id),
                           heading=_("Record the submission")), _status(form)


# --- versions and files -------------------------------------------------------------------------

@proposals_bp.route("/<int:proposal_id>/versions/new", methods=["GET", "POST"])
@require(EDIT)
def add_version(proposal_id: int):
    proposal = _proposal_or_404(proposal_id)
    form = VersionForm()
    if form.validate_on_submit():
        saved = _run(form, lambda: proposals.add_version(proposal, label=form.label.data, note=form.note.data or "",
                                                         files=received(form.file.data)),
                     proposal_id, _("Version added."), "versions")
        if saved:
            return saved
        proposal = _proposal_or_404(proposal_id)
    return render_template("consulting_crm/proposals/form.html", form=form, proposal=proposal, multipart=True,
                           action=url_for("consulting_proposals.add_version", proposal_id=proposal_id),
                           heading=_("Add a version")), _status(form)


@proposals_bp.route("/<int:proposal_id>/versions/<int:version_id>/files/new", methods=["GET", "POST"])
@require(EDIT)
def add_file(proposal_id: int, version_id: int):
    proposal = _proposal_or_404(proposal_id)
    version = proposals.get_version(proposal, version_id)
    if version is None:
        abort(404)
    form = FileForm()
    if form.validate_on_submit():
        uploads = received(form.file.data)
        saved = _run(form, lambda: proposals.add_file(version, uploads[0] if uploads else None), proposal_id,
                     _("File added."), "versions")
        if saved:
            return saved
        proposal = _proposal_or_404(proposal_id)
        version = proposals.get_version(proposal, version_id)
    return render_template("consulting_crm/proposals/form.html", form=form, proposal=proposal, multipart=True,
                           action=url_for("consulting_proposals.add_file", proposal_id=proposal_id,
                                          version_id=version_id),
                           heading=_("Add a file to %(version)s", version=version.label)), _status(form)


@proposals_bp.get("/<int:proposal_id>/files/<int:file_id>")
@require(VIEW)
def download(proposal_id: int, file_id: int):
    proposal = _proposal_or_404(proposal_id)
    stored = proposals.get_file(proposal, file_id)
    if stored is None:
        abort(404)
    path = proposals.file_path(stored)
    if not is_stored(path):
        abort(404)
    return send_download(path, content_type=stored.content_type, download_name=stored.display_name)


@proposals_bp.post("/<int:proposal_id>/files/<int:file_id>/remove")
@require(EDIT)
def remove_file(proposal_id: int, file_id: int) -> Response:
    proposal = _proposal_or_404(proposal_id)
    stored = proposals.get_file(proposal, file_id)
    if stored is None:
        abort(404)
    name = stored.display_name
    proposals.remove_file(stored)
    db.session.commit()
    flash(_("“%(name)s” removed.", name=name), "success")
    return _back(proposal_id, "versions")


# --- budget lines -------------------------------------------------------------------------------

def _line_fields(form: BudgetLineForm) -> dict:
    return {"description": form.description.data, "unit": form.unit.data or "", "quantity": form.quantity.data,
            "unit_cost": form.unit_cost.data}


@proposals_bp.route("/<int:proposal_id>/budget/new", methods=["GET", "POST"])
@require(EDIT)
def add_line(proposal_id: int):
    proposal = _proposal_or_404(proposal_id)
    form = BudgetLineForm(prefix="line")
    if form.validate_on_submit():
        saved = _run(form, lambda: proposals.add_budget_line(proposal, **_line_fields(form)), proposal_id,
                     _("Budget line added."), "budget")
        if saved:
            return saved
        proposal = _proposal_or_404(proposal_id)
    return render_template("consulting_crm/proposals/form.html", form=form, proposal=proposal,
                           action=url_for("consulting_proposals.add_line", proposal_id=proposal_id),
                           heading=_("Add a budget line")), _status(form)


@proposals_bp.route("/<int:proposal_id>/budget/<int:line_id>/edit", methods=["GET", "POST"])
@require(EDIT)
def edit_line(proposal_id: int, line_id: int):
    proposal = _proposal_or_404(proposal_id)
    line = proposals.get_line(proposal, line_id)
    if line is None:
        abort(404)
    form = BudgetLineForm(prefix="line")
    if request.method == "GET":
        form.description.data, form.unit.data = line.description, line.unit
        form.quantity.data, form.unit_cost.data = str(line.quantity), str(line.unit_cost)
    if form.validate_on_submit():
        saved = _run(form, lambda: proposals.update_budget_line(line, **_line_fields(form)), proposal_id,
                     _("Budget line saved."), "budget")
        if saved:
            return saved
        proposal = _proposal_or_404(proposal_id)
    return render_template("consulting_crm/proposals/form.html", form=form, proposal=proposal,
                           action=url_for("consulting_proposals.edit_line", proposal_id=proposal_id, line_id=line_id),
                           heading=_("Edit the budget line")), _status(form)


@proposals_bp.post("/<int:proposal_id>/budget/<int:line_id>/remove")
@require(EDIT)
def remove_line(proposal_id: int, line_id: int) -> Response:
    proposal = _proposal_or_404(proposal_id)
    line = proposals.get_line(proposal, line_id)
    if line is None:
        abort(404)
    proposals.remove_budget_line(line)
    db.session.commit()
    flash(_("Budget line removed."), "success")
    return _back(proposal_id, "budget")


# --- the proposed team --------------------------------------------------------------------------

@proposals_bp.route("/<int:proposal_id>/team/new", methods=["GET", "POST"])
@require(EDIT)
def add_member(proposal_id: int):
    proposal = _proposal_or_404(proposal_id)
    form = MemberForm()
    form.consultant_id.choices = _consultant_choices()
    if form.validate_on_submit():
        saved = _run(form, lambda: proposals.add_member(proposal, consultant_id=form.consultant_id.data,
                                                        role=form.role.data or "", days=form.days.data),
                     proposal_id, _("Team member added."), "team")
        if saved:
            return saved
        proposal = _proposal_or_404(proposal_id)
    return render_template("consulting_crm/proposals/form.html", form=form, proposal=proposal,
                           action=url_for("consulting_proposals.add_member", proposal_id=proposal_id),
                           heading=_("Add a team member")), _status(form)


@proposals_bp.post("/<int:proposal_id>/team/<int:member_id>/remove")
@require(EDIT)
def remove_member(proposal_id: int, member_id: int) -> Response:
    proposal = _proposal_or_404(proposal_id)
    member = proposals.get_member(proposal, member_id)
    if member is None:
        abort(404)
    proposals.remove_member(member)
    db.session.commit()
    flash(_("Team member removed."), "success")
    return _back(proposal_id, "team")
