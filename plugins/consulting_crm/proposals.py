"""Proposals answering an opportunity: versions with their files (checked, stored outside the web
root), budget lines in the proposal's currency, the team proposed from the consultant pool, the
submission date (which the "submitted" stage requires), the result and the donor's feedback.
No Flask requests here: rules raise DomainError with a translated message."""
from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from core.errors import DomainError
from core.extensions import db
from core.registers.models import Contact
from core.uploads import Upload, check_upload, remove_after_commit, store, tenant_folder
from plugins.consulting_crm import services
from plugins.consulting_crm.models import (BudgetLine, Consultant, Currency, Opportunity, Proposal, ProposalFile,
                                           ProposalResult, ProposalVersion, ProposedMember)

UPLOAD_AREA = "consulting"
MAX_FILE_BYTES = 20 * 1024 * 1024
ZIP = (b"PK\x03\x04",)
# The files a version may have: extension -> (content type, the first bytes such a file starts with).
ALLOWED = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP),
    "odt": ("application/vnd.oasis.opendocument.text", ZIP),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", ZIP),
    "zip": ("application/zip", ZIP),
}
LIMITS = {"title": 300, "label": 100, "note": 20000, "feedback": 20000, "description": 300, "unit": 50, "role": 200}
# Largest values the columns hold (Numeric(14, 2), Numeric(10, 2), Numeric(8, 2)).
MAX_MONEY = Decimal("999999999999.99")
MAX_QUANTITY = Decimal("99999999.99")
MAX_DAYS = Decimal("999999.99")
EARLIEST = date(2000, 1, 1)


# --- checks ------------------------------------------------------------------------------------------

def _text(value, field: str, *, required_message=None) -> str:
    text = unicodedata.normalize("NFC", str(value or "")).strip()
    if len(text) > LIMITS[field]:
        raise DomainError(_l("Use at most %(max)d characters.", max=LIMITS[field]), field)
    if required_message is not None and not text:
        raise DomainError(required_message, field)
    return text


def parse_number(value, field: str, *, maximum: Decimal, required: bool = True) -> Decimal | None:
    """A number of zero or more with at most two decimals ("1,250.50" accepted); None when empty
    and not required."""
    if isinstance(value, str):
        value = value.replace(",", "").replace(" ", "").strip()
    if value in (None, ""):
        if required:
            raise DomainError(_l("Give a number."), field)
        return None
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError(_l("Give a number such as 1250 or 12.5."), field) from None
    if not number.is_finite():
        raise DomainError(_l("Give a number such as 1250 or 12.5."), field)
    if number < 0:
        raise DomainError(_l("The number cannot be negative."), field)
    if number > maximum:
        raise DomainError(_l("The number is too large."), field)
    if number != number.quantize(Decimal("0.01")):
        raise DomainError(_l("Use at most two decimals."), field)
    return number


def _currency(value) -> Currency:
    try:
        return Currency(getattr(value, "value", value) or Currency.USD.value)
    except ValueError:
        raise DomainError(_l("Choose US dollars or riel."), "currency") from None


def _result(value) -> ProposalResult:
    try:
        return ProposalResult(getattr(value, "value", value) or ProposalResult.PENDING.value)
    except ValueError:
        raise DomainError(_l("Choose one of the listed results."), "result") from None


def _day(value, field: str, today: date | None = None) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value))
        except ValueError:
            raise DomainError(_l("Give a date as YYYY-MM-DD."), field) from None
    if not EARLIEST <= value <= (today or date.today()):
        raise DomainError(_l("Give a date between 2000 and today."), field)
    return value


# --- reading -----------------------------------------------------------------------------------------

def _row_id(value) -> int | None:
    """An id from a form or the query string; None for anything that cannot be a row's id."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) <= 9 else None


def get_opportunity(opportunity_id) -> Opportunity | None:
    row_id = _row_id(opportunity_id)
    return None if row_id is None else db.session.scalar(select(Opportunity).where(Opportunity.id == row_id))


def get_proposal(proposal_id: int, *, full: bool = False) -> Proposal | None:
    """A proposal of the current tenant; `full` loads what its page shows in a fixed number of queries."""
    query = select(Proposal).where(Proposal.id == proposal_id).options(joinedload(Proposal.opportunity))
    if full:
        query = query.options(selectinload(Proposal.versions).selectinload(ProposalVersion.files),
                              selectinload(Proposal.budget_lines),
                              selectinload(Proposal.team).joinedload(ProposedMember.consultant)
                              .joinedload(Consultant.contact))
    return db.session.scalar(query)


def proposals_of(opportunity: Opportunity) -> list[Proposal]:
    return list(db.session.scalars(select(Proposal).where(Proposal.opportunity_id == opportunity.id).order_by(
        Proposal.id)))


def get_version(proposal: Proposal, version_id: int) -> ProposalVersion | None:
    return db.session.scalar(select(ProposalVersion).where(ProposalVersion.id == version_id,
                                                           ProposalVersion.proposal_id == proposal.id))


def get_file(proposal: Proposal, file_id: int) -> ProposalFile | None:
    return db.session.scalar(select(ProposalFile).join(ProposalVersion).where(
        ProposalFile.id == file_id, ProposalVersion.proposal_id == proposal.id))


def get_line(proposal: Proposal, line_id: int) -> BudgetLine | None:
    return db.session.scalar(select(BudgetLine).where(BudgetLine.id == line_id, BudgetLine.proposal_id == proposal.id))


def get_member(proposal: Proposal, member_id: int) -> ProposedMember | None:
    return db.session.scalar(select(ProposedMember).where(ProposedMember.id == member_id,
                                                          ProposedMember.proposal_id == proposal.id))


def pool() -> list[Consultant]:
    """The tenant's active consultants with their contact, by name (one query)."""
    return list(db.session.scalars(select(Consultant).join(Contact, Contact.id == Consultant.contact_id).where(
        Consultant.is_active.is_(True), Contact.erased_at.is_(None)).options(joinedload(Consultant.contact))
        .order_by(Contact.name_latin, Contact.name_km, Consultant.id)))


# --- money -------------------------------------------------------------------------------------------

def budget_total(proposal: Proposal) -> Decimal:
    """The sum of the budget lines, to the cent, in the proposal's currency."""
    return services.cents(sum((line.amount for line in proposal.budget_lines), Decimal("0")))


def total_in_usd(proposal: Proposal) -> Decimal | None:
    """The budget total in US dollars at the opportunity's rate (None for riel without a rate)."""
    usd = services.in_usd(budget_total(proposal), proposal.currency, proposal.opportunity.khr_per_usd)
    return None if usd is None else services.cents(usd)


# --- proposals ---------------------------------------------------------------------------------------

def create_proposal(opportunity: Opportunity, *, title: str = "", currency=None) -> Proposal:
    """A new proposal for the opportunity (titled as the opportunity unless given), in its currency
    unless another is chosen. Flushes; the caller commits."""
    if opportunity is None:
        raise DomainError(_l("Choose the opportunity the proposal answers."), "opportunity")
    title = _text(title, "title") or opportunity.title
    proposal = Proposal(tenant_id=opportunity.tenant_id, opportunity=opportunity, title=title,
                        currency=_currency(currency or opportunity.currency), result=ProposalResult.PENDING,
                        feedback="")
    db.session.add(proposal)
    db.session.flush()
    return proposal


def update_proposal(proposal: Proposal, *, title: str, currency, result, feedback: str = "",
                    submitted_on=None, today: date | None = None) -> Proposal:
    """Change the title, currency, submission date, result and the donor's feedback. A proposal is
    won or lost only once submitted."""
    title = _text(title, "title", required_message=_l("Give the proposal a title."))
    currency = _currency(currency)
    result = _result(result)
    submitted_on = _day(submitted_on, "submitted_on", today)
    feedback = _text(feedback, "feedback")
    if result in (ProposalResult.WON, ProposalResult.LOST) and submitted_on is None:
        raise DomainError(_l("A proposal is won or lost only after it was submitted: give the submission date."),
                          "submitted_on")
    proposal.title, proposal.currency, proposal.result = title, currency, result
    proposal.submitted_on, proposal.feedback = submitted_on, feedback
    db.session.flush()
    return proposal


def submit(proposal: Proposal, submitted_on, today: date | None = None) -> Proposal:
    """Record the day the proposal was sent to the donor (the "submitted" stage needs it)."""
    day = _day(submitted_on, "submitted_on", today)
    if day is None:
        raise DomainError(_l("Give the date the proposal was submitted."), "submitted_on")
    if proposal.result is ProposalResult.WITHDRAWN:
        raise DomainError(_l("This proposal was withdrawn."), "submitted_on")
    proposal.submitted_on = day
    db.session.flush()
    return proposal


# --- versions and files ------------------------------------------------------------------------------

def check_file(upload: Upload) -> tuple[str, str, str]:
    """(display name, extension, content type) of an acceptable file; DomainError on `file` otherwise."""
    return check_upload(upload, allowed=ALLOWED, max_bytes=MAX_FILE_BYTES, wrong_type_message=_l(
        "Upload a PDF, Word (docx), Excel (xlsx), OpenDocument (odt, ods) or zip file."))


def file_path(stored: ProposalFile) -> Path:
    return tenant_folder(stored.tenant_id, UPLOAD_AREA) / stored.storage_name


def _store_file(version: ProposalVersion, upload: Upload, checked: tuple[str, str, str]) -> ProposalFile:
    name, extension, content_type = checked
    storage_name = store(tenant_folder(version.tenant_id, UPLOAD_AREA), upload.data, extension)
    stored = ProposalFile(tenant_id=version.tenant_id, display_name=name, storage_name=storage_name,
                          content_type=content_type, size_bytes=len(upload.data))
    version.files.append(stored)
    return stored


def add_version(proposal: Proposal, *, label: str, note: str = "", files: list[Upload] | None = None
                ) -> ProposalVersion:
    """A new version (draft, final, revised after questions…) with its files, all checked first."""
    label = _text(label, "label", required_message=_l("Name the version (for example: final, revised 2)."))
    note = _text(note, "note")
    taken = db.session.scalar(select(ProposalVersion.id).where(
        ProposalVersion.proposal_id == proposal.id, func.lower(ProposalVersion.label) == label.lower()).limit(1))
    if taken is not None:
        raise DomainError(_l("This proposal already has a version called “%(label)s”.", label=label), "label")
    checked = [(upload, check_file(upload)) for upload in files or []]
    version = ProposalVersion(tenant_id=proposal.tenant_id, proposal=proposal, label=label, note=note)
    db.session.add(version)
    for upload, result in checked:
        _store_file(version, upload, result)
    db.session.flush()
    return version


def add_file(version: ProposalVersion, upload: Upload | None) -> ProposalFile:
    if upload is None:
        raise DomainError(_l("Choose a file to upload."), "file")
    stored = _store_file(version, upload, check_file(upload))
    db.session.flush()
    return stored


def remove_file(stored: ProposalFile) -> None:
    """Remove a file; the stored file is deleted once the change is committed."""
    path = file_path(stored)
    stored.version.files.remove(stored)
    db.session.flush()
    remove_after_commit(path)


# --- budget lines -------------------------------------------------------------------------------------

def _line_fields(description, unit, quantity, unit_cost) -> dict:
    return {"description": _text(description, "description", required_message=_l("Describe the budget line.")),
            "unit": _text(unit, "unit"),
            "quantity": parse_number(quantity, "quantity", maximum=MAX_QUANTITY),
            "unit_cost": parse_number(unit_cost, "unit_cost", maximum=MAX_MONEY)}


def _check_amount(quantity: Decimal, unit_cost: Decimal) -> None:
    if quantity * unit_cost > MAX_MONEY:
        raise DomainError(_l("The number is too large."), "unit_cost")


def add_budget_line(proposal: Proposal, *, description, unit="", quantity, unit_cost) -> BudgetLine:
    """A line at the end of the budget: quantity × unit cost in the proposal's currency."""
    fields = _line_fields(description, unit, quantity, unit_cost)
    _check_amount(fields["quantity"], fields["unit_cost"])
    last = db.session.scalar(select(func.max(BudgetLine.position)).where(BudgetLine.proposal_id == proposal.id))
    line = BudgetLine(tenant_id=proposal.tenant_id, proposal=proposal, position=(last or 0) + 1, **fields)
    db.session.add(line)
    db.session.flush()
    return line


def update_budget_line(line: BudgetLine, *, description, unit="", quantity, unit_cost) -> BudgetLine:
    fields = _line_fields(description, unit, quantity, unit_cost)
    _check_amount(fields["quantity"], fields["unit_cost"])
    for name, value in fields.items():
        setattr(line, name, value)
    db.session.flush()
    return line


def remove_budget_line(line: BudgetLine) -> None:
    line.proposal.budget_lines.remove(line)
    db.session.flush()


# --- the proposed team -----------------------------------------------------------------------------

def add_member(proposal: Proposal, *, consultant_id, role: str = "", days=None) -> ProposedMember:
    """A consultant of the tenant's pool proposed for the team, with a role and days (zero or more)."""
    row_id = _row_id(consultant_id)
    consultant = None if row_id is None else db.session.scalar(select(Consultant).where(Consultant.id == row_id))
    if consultant is None or not consultant.is_active:
        raise DomainError(_l("Choose a consultant of your pool."), "consultant_id")
    role = _text(role, "role")
    days = parse_number(days, "days", maximum=MAX_DAYS, required=False)
    if any(member.consultant_id == consultant.id for member in proposal.team):
        raise DomainError(_l("This consultant is already in the proposed team."), "consultant_id")
    member = ProposedMember(tenant_id=proposal.tenant_id, proposal=proposal, consultant=consultant, role=role,
                            days=days)
    db.session.add(member)
    db.session.flush()
    return member


def remove_member(member: ProposedMember) -> None:
    member.proposal.team.remove(member)
    db.session.flush()
