"""Opportunities: creating and changing them (with their consortium partners), stage moves, and
the queries of the kanban board and the list, each with its eager loading so a page costs the same
number of SQL statements whatever the number of opportunities. No Flask here: refusals are
DomainErrors naming the form field at fault (the HTML pages and the API share these rules)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from core.errors import DomainError
from core.extensions import db
from core.models import Membership
from core.registers.models import Contact, ContactKind, Project
from plugins.consulting_crm import services
from plugins.consulting_crm.models import (ConsortiumPartner, Currency, ExchangeRate, Opportunity, OpportunitySource,
                                           Stage, StageMove, StageOutcome)

MAX_AMOUNT = Decimal("999999999999.99")        # Numeric(14, 2)
MAX_RATE = Decimal("99999999.9999")            # Numeric(12, 4)
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2100, 12, 31)
CLOSED_SHOWN_DAYS = 90     # won and lost cards stay on the board this long after closing
CARDS_SHOWN = 20           # cards per column on the board: a phone on a slow link, not a wall of hundreds
MAX_PARTNERS = 20

FIELDS = ("title", "client_id", "source", "call_reference", "description", "questions_due_on", "submission_due_on",
          "expected_start_on", "currency", "estimated_value", "khr_per_usd", "rate_on", "rate_source", "probability",
          "owner_id", "project_id")


@dataclass
class PartnerLine:
    """One consortium partner as a form or the API gives it (share as typed)."""

    partner_id: int | None
    share_percent: object = None
    role: str = ""


# --- parsing ----------------------------------------------------------------------------------------------

def _text(value, field_name: str, max_length: int, *, required: bool = False, multiline: bool = False) -> str:
    text = str(value or "").replace("\x00", "")
    text = text.strip() if multiline else " ".join(text.split())
    if required and not text:
        raise DomainError(_l("This field is required."), field_name)
    if len(text) > max_length:
        raise DomainError(_l("Use at most %(n)s characters.", n=max_length), field_name)
    return text


def _decimal(value, field_name: str, message) -> Decimal | None:
    """A number from a form ("48,000.50") or the API (48000.5); None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        number = Decimal(value.replace(",", "").replace(" ", "") if isinstance(value, str) else str(value))
        if not number.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise DomainError(message, field_name) from None
    return number


def parse_amount(value, field_name: str = "estimated_value") -> Decimal | None:
    amount = _decimal(value, field_name, _l("Give the amount as a number, for example 48000 or 48000.50."))
    if amount is None:
        return None
    services.check_amount(amount, field_name)
    if amount > MAX_AMOUNT:
        raise DomainError(_l("The amount is too large."), field_name)
    if amount != amount.quantize(services.CENT):
        raise DomainError(_l("Give the amount with at most two decimals."), field_name)
    return amount


def parse_rate(value, field_name: str = "khr_per_usd") -> Decimal | None:
    rate = _decimal(value, field_name, _l("Give the rate as a number of riel per US dollar, for example 4100."))
    if rate is None:
        return None
    if rate <= 0:
        raise DomainError(_l("The exchange rate must be more than zero."), field_name)
    if rate > MAX_RATE or rate != rate.quantize(Decimal("0.0001")):
        raise DomainError(_l("Give the rate with at most four decimals."), field_name)
    return rate


def parse_share(value) -> Decimal:
    share = _decimal(value, "partners", _l("Give each partner's share as a percentage, for example 30."))
    if share is None:
        raise DomainError(_l("Give each partner's share as a percentage, for example 30."), "partners")
    if share < 0 or share > 100:
        raise DomainError(_l("A partner's share must be between 0 and 100 %."), "partners")
    if share != share.quantize(services.CENT):
        raise DomainError(_l("Give each share with at most two decimals."), "partners")
    return share


def _day(value, field_name: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise DomainError(_l("Give a date such as 2026-12-18."), field_name) from None
    if not (EARLIEST_DAY <= value <= LATEST_DAY):
        raise DomainError(_l("Give a date between 2000 and 2100."), field_name)
    return value


def _enum(enum_class, value, field_name: str):
    try:
        return enum_class(value)
    except ValueError:
        raise DomainError(_l("Choose one of the values of the list."), field_name) from None


def _id(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1        # matches nothing: refused by the lookups below


# --- lookups ------------------------------------------------------------------------------------------------

def organisation(tenant_id: int, contact_id: int | None) -> Contact | None:
    if contact_id is None:
        return None
    return db.session.scalar(select(Contact).where(Contact.id == contact_id, Contact.tenant_id == tenant_id,
                                                   Contact.kind == ContactKind.ORGANISATION,
                                                   Contact.erased_at.is_(None)))


def is_member(tenant_id: int, user_id: int) -> bool:
    return db.session.scalar(select(Membership.id).where(Membership.tenant_id == tenant_id,
                                                         Membership.user_id == user_id,
                                                         Membership.is_active)) is not None


def latest_rate(tenant_id: int) -> ExchangeRate | None:
    """The tenant's most recent recorded rate, offered when a riel value is entered."""
    return db.session.scalar(select(ExchangeRate).where(ExchangeRate.tenant_id == tenant_id)
                             .order_by(ExchangeRate.rate_on.desc(), ExchangeRate.id.desc()).limit(1))


def get_opportunity(opportunity_id: int) -> Opportunity | None:
    """One opportunity of the current tenant (the central tenant filter applies), with what its page shows."""
    return db.session.scalar(select(Opportunity).where(Opportunity.id == opportunity_id).options(
        joinedload(Opportunity.stage), joinedload(Opportunity.client), joinedload(Opportunity.owner),
        joinedload(Opportunity.project),
        selectinload(Opportunity.partners).joinedload(ConsortiumPartner.partner)))


def get_stage(tenant_id: int, stage_id) -> Stage | None:
    stage_id = _id(stage_id)
    if stage_id is None:
        return None
    return db.session.scalar(select(Stage).where(Stage.id == stage_id, Stage.tenant_id == tenant_id))


# --- create and change ----------------------------------------------------------------------------------------

def _clean(tenant_id: int, fields: dict) -> dict:
    clean: dict = {}
    if "title" in fields:
        clean["title"] = _text(fields["title"], "title", 300, required=True)
    if "call_reference" in fields:
        clean["call_reference"] = _text(fields["call_reference"], "call_reference", 200)
    if "description" in fields:
        clean["description"] = _text(fields["description"], "description", 20000, multiline=True)
    if "rate_source" in fields:
        clean["rate_source"] = _text(fields["rate_source"], "rate_source", 200)
    if "source" in fields:
        clean["source"] = _enum(OpportunitySource, fields["source"] or OpportunitySource.CALL_FOR_PROPOSALS.value,
                                "source")
    if "currency" in fields:
        clean["currency"] = _enum(Currency, fields["currency"] or Currency.USD.value, "currency")
    for name in ("questions_due_on", "submission_due_on", "expected_start_on", "rate_on"):
        if name in fields:
            clean[name] = _day(fields[name], name)
    if clean.get("expected_start_on"):
        clean["expected_start_on"] = clean["expected_start_on"].replace(day=1)   # a month
    if "estimated_value" in fields:
        clean["estimated_value"] = parse_amount(fields["estimated_value"])
    if "khr_per_usd" in fields:
        clean["khr_per_usd"] = parse_rate(fields["khr_per_usd"])
    if "probability" in fields and fields["probability"] not in (None, ""):
        try:
            probability = int(fields["probability"])
        except (TypeError, ValueError):
            probability = -1
        if not 0 <= probability <= 100:
            raise DomainError(_l("The probability is a percentage between 0 and 100."), "probability")
        clean["probability"] = probability
    if "client_id" in fields:
        client_id = _id(fields["client_id"])
        if client_id is not None and organisation(tenant_id, client_id) is None:
            raise DomainError(_l("Choose an organisation of your contacts as the client."), "client")
        clean["client_id"] = client_id
    if "owner_id" in fields:
        owner_id = _id(fields["owner_id"])
        if owner_id is not None and not is_member(tenant_id, owner_id):
            raise DomainError(_l("The owner must be a member of your organisation."), "owner_id")
        clean["owner_id"] = owner_id
    if "project_id" in fields:
        project_id = _id(fields["project_id"])
        if project_id is not None and db.session.scalar(select(Project.id).where(
                Project.id == project_id, Project.tenant_id == tenant_id)) is None:
            raise DomainError(_l("Choose one of your organisation's projects."), "project_id")
        clean["project_id"] = project_id
    return clean


def _check_whole(opportunity: Opportunity) -> None:
    """Rules between fields, checked on the opportunity as it will be saved."""
    if (opportunity.questions_due_on and opportunity.submission_due_on
            and opportunity.questions_due_on > opportunity.submission_due_on):
        raise DomainError(_l("The deadline for questions cannot be after the submission deadline."),
                          "questions_due_on")
    services.check_rate(opportunity.currency, opportunity.khr_per_usd)
    if opportunity.currency is Currency.KHR:
        if opportunity.rate_on is None:
            raise DomainError(_l("Give the date of the exchange rate used."), "rate_on")
        if not opportunity.rate_source:
            raise DomainError(_l("Give the source of the exchange rate used (for example the National Bank of "
                                 "Cambodia)."), "rate_source")


def set_partners(opportunity: Opportunity, lines: Iterable[PartnerLine]) -> None:
    """Replace the consortium: each partner an organisation of the tenant, once, with a share of
    0–100 %, the shares together at most 100 %. Existing rows are updated in place (the pair
    opportunity–partner is unique)."""
    wanted: dict[int, tuple[Decimal, str]] = {}
    for line in lines:
        partner_id = _id(line.partner_id)
        if partner_id is None:
            continue
        if organisation(opportunity.tenant_id, partner_id) is None:
            raise DomainError(_l("Choose an organisation of your contacts as each partner."), "partners")
        if partner_id in wanted:
            raise DomainError(_l("Each partner can be listed only once."), "partners")
        wanted[partner_id] = (parse_share(line.share_percent), _text(line.role, "partners", 200))
    if len(wanted) > MAX_PARTNERS:
        raise DomainError(_l("A consortium can have at most %(n)s partners.", n=MAX_PARTNERS), "partners")
    if sum((share for share, _role in wanted.values()), Decimal(0)) > 100:
        raise DomainError(_l("The partners' shares add up to more than 100 %."), "partners")
    for row in list(opportunity.partners):
        if row.partner_id not in wanted:
            opportunity.partners.remove(row)
    existing = {row.partner_id: row for row in opportunity.partners}
    for partner_id, (share, role) in wanted.items():
        row = existing.get(partner_id)
        if row is None:
            opportunity.partners.append(ConsortiumPartner(tenant_id=opportunity.tenant_id, partner_id=partner_id,
                                                          share_percent=share, role=role))
        else:
            row.share_percent, row.role = share, role


def create_opportunity(tenant_id: int, *, partners: Iterable[PartnerLine] | None = None, **fields) -> Opportunity:
    """A new opportunity in the tenant's first stage (its probability unless one is given)."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    fields.setdefault("title", "")
    clean = _clean(tenant_id, fields)
    stage = services.first_stage(tenant_id)
    clean.setdefault("probability", stage.default_probability)
    opportunity = Opportunity(tenant_id=tenant_id, stage=stage, stage_id=stage.id, **clean)
    if opportunity.currency is None:
        opportunity.currency = Currency.USD
    opportunity.rate_source = opportunity.rate_source or ""
    _check_whole(opportunity)
    db.session.add(opportunity)
    if partners is not None:
        set_partners(opportunity, partners)
    db.session.flush()
    return opportunity


def update_opportunity(opportunity: Opportunity, *, partners: Iterable[PartnerLine] | None = None,
                       **fields) -> Opportunity:
    """Change the given fields (the stage changes only through `move`). An edit may not take away what
    the current stage needs (the value of a won opportunity, the reason of a lost one)."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    missing_before = {field for field, _message in services.missing_for(opportunity, opportunity.stage)}
    for name, value in _clean(opportunity.tenant_id, fields).items():
        setattr(opportunity, name, value)
    _check_whole(opportunity)
    for field, message in services.missing_for(opportunity, opportunity.stage):
        if field not in missing_before:
            raise DomainError(message, field)
    if partners is not None:
        set_partners(opportunity, partners)
    db.session.flush()
    return opportunity


def move(opportunity: Opportunity, stage_id, *, user_id: int | None = None, lost_reason: str | None = None,
         today: date | None = None) -> StageMove | None:
    """Move to the tenant's stage `stage_id` (services.move_to_stage checks what the stage needs);
    None when it already is there (a replayed drag and drop)."""
    stage = get_stage(opportunity.tenant_id, stage_id)
    if stage is None:
        raise DomainError(_l("Choose one of the stages of the list."), "stage")
    if stage.outcome is not StageOutcome.LOST:
        lost_reason = None          # a reason belongs to a lost opportunity only
    elif lost_reason is not None:
        lost_reason = _text(lost_reason, "lost_reason", 5000, multiline=True)
    return services.move_to_stage(opportunity, stage, user_id=user_id, lost_reason=lost_reason, today=today)


def moves_of(opportunity: Opportunity) -> list[StageMove]:
    """The opportunity's stage history, newest first, with stages and who moved it (one query)."""
    return list(db.session.scalars(select(StageMove).where(StageMove.opportunity_id == opportunity.id).options(
        joinedload(StageMove.from_stage), joinedload(StageMove.to_stage)).order_by(StageMove.id.desc())))


# --- figures of a card ------------------------------------------------------------------------------------------

def value_in_usd(opportunity: Opportunity) -> Decimal | None:
    return services.in_usd(opportunity.estimated_value, opportunity.currency, opportunity.khr_per_usd)


def days_left(opportunity: Opportunity, today: date) -> int | None:
    if opportunity.submission_due_on is None:
        return None
    return (opportunity.submission_due_on - today).days


# --- the board ----------------------------------------------------------------------------------------------------

@dataclass
class Column:
    stage: Stage
    cards: list[Opportunity] = field(default_factory=list)   # the first CARDS_SHOWN, soonest deadline first
    count: int = 0                                           # all of the stage's opportunities
    total_usd: Decimal = Decimal(0)
    weighted_usd: Decimal = Decimal(0)
    without_rate: int = 0          # riel values without a rate: not in the dollar totals

    @property
    def hidden(self) -> int:
        return self.count - len(self.cards)

    def add(self, opportunity) -> None:
        """Count `opportunity` (an Opportunity, or a row with its id, value, currency, rate and probability)."""
        self.count += 1
        if len(self.cards) < CARDS_SHOWN:
            self.cards.append(opportunity)
        if opportunity.estimated_value is None:
            return
        usd = value_in_usd(opportunity)
        if usd is None:
            self.without_rate += 1
            return
        self.total_usd += usd
        self.weighted_usd += usd * Decimal(opportunity.probability) / Decimal(100)


def _with_card_data(query: Select) -> Select:
    return query.options(joinedload(Opportunity.client), joinedload(Opportunity.owner))


def board(tenant_id: int, today: date, stages: list[Stage] | None = None) -> list[Column]:
    """One column per active stage (`stages`, else loaded), in order, with the totals of all its
    opportunities and its first CARDS_SHOWN cards (soonest deadline first; the list shows the rest).
    Won and lost cards stay for CLOSED_SHOWN_DAYS after closing. Two queries whatever the number of
    cards: the totals read every row, the shown cards' client and owner are loaded afterwards."""
    columns = [Column(stage) for stage in (stages if stages is not None else services.stages(tenant_id))]
    by_stage = {column.stage.id: column for column in columns}
    closed_since = today - timedelta(days=CLOSED_SHOWN_DAYS)
    # Only the columns the totals need: hundreds of rows, but no ORM objects.
    query = select(Opportunity.id, Opportunity.stage_id, Opportunity.estimated_value, Opportunity.currency,
                   Opportunity.khr_per_usd, Opportunity.probability).join(
        Stage, Stage.id == Opportunity.stage_id).where(
        Opportunity.tenant_id == tenant_id, Stage.is_active.is_(True),
        or_(Stage.outcome == StageOutcome.OPEN, Opportunity.closed_on.is_(None),
            Opportunity.closed_on >= closed_since)).order_by(
        Opportunity.submission_due_on.is_(None), Opportunity.submission_due_on, Opportunity.id)
    for row in db.session.execute(query):
        column = by_stage.get(row.stage_id)
        if column is not None:
            column.add(row)
    shown = [row.id for column in columns for row in column.cards]
    if shown:
        cards = {card.id: card for card in db.session.execute(
            _with_card_data(select(Opportunity).where(Opportunity.id.in_(shown)))).unique().scalars()}
        for column in columns:
            column.cards = [cards[row.id] for row in column.cards]
    return columns


# --- the list -------------------------------------------------------------------------------------------------------

@dataclass
class ListFilters:
    q: str = ""
    stage_id: int | None = None
    owner_id: int | None = None
    client_id: int | None = None
    due_from: date | None = None
    due_to: date | None = None
    currency: Currency | None = None
    newest_deadline_first: bool = False


def list_query(filters: ListFilters) -> Select:
    """The opportunities that match, by submission deadline (those without one last); with the
    stage, client and owner each row shows."""
    query = select(Opportunity).options(joinedload(Opportunity.stage), joinedload(Opportunity.client),
                                        joinedload(Opportunity.owner))
    if filters.q:
        needle = f"%{filters.q.lower()}%"
        query = query.where(or_(func.lower(Opportunity.title).like(needle),
                                func.lower(Opportunity.call_reference).like(needle)))
    if filters.stage_id is not None:
        query = query.where(Opportunity.stage_id == filters.stage_id)
    if filters.owner_id is not None:
        query = query.where(Opportunity.owner_id == filters.owner_id)
    if filters.client_id is not None:
        query = query.where(Opportunity.client_id == filters.client_id)
    if filters.due_from is not None:
        query = query.where(Opportunity.submission_due_on >= filters.due_from)
    if filters.due_to is not None:
        query = query.where(Opportunity.submission_due_on <= filters.due_to)
    if filters.currency is not None:
        query = query.where(Opportunity.currency == filters.currency)
    deadline = Opportunity.submission_due_on.desc() if filters.newest_deadline_first else \
        Opportunity.submission_due_on
    return query.order_by(Opportunity.submission_due_on.is_(None), deadline, Opportunity.id)
