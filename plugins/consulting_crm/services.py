"""The consulting rules every page, the API, the figures and the demo share: money and exchange
rates, the stage list and stage moves, and invoice arithmetic (VAT, withholding, balance). No Flask
requests here: rules raise DomainError with a translated message."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.errors import DomainError
from core.extensions import db
from plugins.consulting_crm.models import (ConsultingSettings, Currency, Invoice, InvoiceStatus, Opportunity, Stage,
                                           StageMove, StageOutcome)

CENT = Decimal("0.01")

# The default pipeline, seeded for a tenant on first use: (code, English, Khmer, outcome, probability %,
# what an opportunity needs to enter the stage).
DEFAULT_STAGES = [
    ("lead", "Lead", "ឱកាសថ្មី", StageOutcome.OPEN, 10, ""),
    ("qualified", "Qualified", "បានវាយតម្លៃ", StageOutcome.OPEN, 25, "client"),
    ("writing", "Proposal writing", "កំពុងសរសេរសំណើ", StageOutcome.OPEN, 40, "client,submission_due_on"),
    ("submitted", "Submitted", "បានដាក់ស្នើ", StageOutcome.OPEN, 50, "client,value,proposal_submitted"),
    ("negotiation", "Negotiation", "ការចរចា", StageOutcome.OPEN, 75, "client,value"),
    ("won", "Won", "ឈ្នះ", StageOutcome.WON, 100, "client,value"),
    ("lost", "Lost", "ចាញ់", StageOutcome.LOST, 0, "lost_reason"),
]


# --- settings ---------------------------------------------------------------------------------------------

def settings_for(tenant_id: int) -> ConsultingSettings:
    """The tenant's consulting settings, created with the defaults on first use (not flushed)."""
    settings = db.session.scalar(select(ConsultingSettings).where(ConsultingSettings.tenant_id == tenant_id))
    if settings is None:
        settings = ConsultingSettings(tenant_id=tenant_id, vat_percent=Decimal("10"),
                                      withholding_percent=Decimal("15"), invoice_prefix="INV-",
                                      next_invoice_number=1, payment_days=30, reminder_days="7,2")
        db.session.add(settings)
    return settings


def reminder_days(settings: ConsultingSettings) -> list[int]:
    """Working days before a submission deadline on which the owner is reminded (7 and 2 by default)."""
    days = sorted({int(part) for part in settings.reminder_days.split(",") if part.strip().isdigit()}, reverse=True)
    return days or [7, 2]


# --- money --------------------------------------------------------------------------------------------------

def cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def check_amount(value: Decimal | None, field: str) -> None:
    if value is not None and value < 0:
        raise DomainError(_l("An amount cannot be negative."), field)


def check_rate(currency: Currency, khr_per_usd: Decimal | None, field: str = "khr_per_usd") -> None:
    """A KHR amount needs the rate used to compare it with dollars."""
    if khr_per_usd is not None and khr_per_usd <= 0:
        raise DomainError(_l("The exchange rate must be more than zero."), field)
    if currency is Currency.KHR and khr_per_usd is None:
        raise DomainError(_l("An amount in riel needs the exchange rate used (riel per US dollar)."), field)


def in_usd(amount: Decimal | None, currency: Currency, khr_per_usd: Decimal | None) -> Decimal | None:
    """The amount in US dollars at the recorded rate (None without an amount, or KHR without a rate)."""
    if amount is None:
        return None
    if currency is Currency.USD:
        return Decimal(amount)
    if not khr_per_usd:
        return None
    return Decimal(amount) / Decimal(khr_per_usd)


def weighted_value_usd(opportunity: Opportunity) -> Decimal | None:
    """Estimated value × probability, in US dollars."""
    usd = in_usd(opportunity.estimated_value, opportunity.currency, opportunity.khr_per_usd)
    return None if usd is None else usd * Decimal(opportunity.probability) / Decimal(100)


# --- stages ---------------------------------------------------------------------------------------------------

def ensure_default_stages(tenant_id: int) -> bool:
    """Seed the default stage list for a tenant that has none; True when it did (caller commits)."""
    if db.session.scalar(select(Stage.id).where(Stage.tenant_id == tenant_id).limit(1)) is not None:
        return False
    for position, (code, name_en, name_km, outcome, probability, requires) in enumerate(DEFAULT_STAGES):
        db.session.add(Stage(tenant_id=tenant_id, code=code, name_en=name_en, name_km=name_km, position=position,
                             outcome=outcome, default_probability=probability, requires=requires))
    db.session.flush()
    return True


def stages(tenant_id: int, *, active_only: bool = True) -> list[Stage]:
    query = select(Stage).where(Stage.tenant_id == tenant_id).order_by(Stage.position, Stage.id)
    if active_only:
        query = query.where(Stage.is_active.is_(True))
    return list(db.session.scalars(query))


def first_stage(tenant_id: int) -> Stage:
    ensure_default_stages(tenant_id)
    return stages(tenant_id)[0]


# What each `requires` word checks, and the message when it is missing.
REQUIREMENTS = {
    "client": (lambda o: o.client_id is not None, _l("Choose the client first."), "client"),
    "value": (lambda o: o.estimated_value is not None and o.estimated_value > 0,
              _l("Enter the estimated value first."), "estimated_value"),
    "submission_due_on": (lambda o: o.submission_due_on is not None,
                          _l("Enter the submission deadline first."), "submission_due_on"),
    "proposal_submitted": (lambda o: any(p.submitted_on for p in o.proposals),
                           _l("Record the submitted proposal (with its submission date) first."), "stage"),
    "lost_reason": (lambda o: bool((o.lost_reason or "").strip()), _l("Give the reason the opportunity was lost."),
                    "lost_reason"),
}


def missing_for(opportunity: Opportunity, stage: Stage) -> list[tuple[str, object]]:
    """(field, message) for each requirement of `stage` the opportunity does not meet."""
    needs = [word.strip() for word in stage.requires.split(",") if word.strip()]
    if stage.outcome is StageOutcome.WON and "value" not in needs:
        needs.append("value")
    if stage.outcome is StageOutcome.LOST and "lost_reason" not in needs:
        needs.append("lost_reason")
    missing = []
    for word in needs:
        check, message, field = REQUIREMENTS.get(word, (lambda o: True, "", ""))
        if not check(opportunity):
            missing.append((field, message))
    return missing


def move_to_stage(opportunity: Opportunity, stage: Stage, *, user_id: int | None = None,
                  lost_reason: str | None = None, today: date | None = None) -> StageMove | None:
    """Move an opportunity to `stage` after checking the data the stage needs; records the move (for
    days per stage), sets the stage's default probability and the closing date of a won or lost one.
    Moving to the current stage is a no-op (a replayed drag and drop)."""
    if stage.tenant_id != opportunity.tenant_id or not stage.is_active:
        raise DomainError(_l("Choose one of the stages of the list."), "stage")
    if stage.id == opportunity.stage_id:
        return None
    if lost_reason is not None:
        opportunity.lost_reason = lost_reason.strip()
    missing = missing_for(opportunity, stage)
    if missing:
        field, message = missing[0]
        raise DomainError(message, field)
    move = StageMove(tenant_id=opportunity.tenant_id, opportunity=opportunity, from_stage_id=opportunity.stage_id,
                     to_stage_id=stage.id, moved_by_id=user_id)
    db.session.add(move)
    opportunity.stage = stage
    opportunity.stage_id = stage.id
    opportunity.stage_entered_at = datetime.now(timezone.utc)
    opportunity.probability = stage.default_probability
    opportunity.closed_on = (today or date.today()) if stage.outcome is not StageOutcome.OPEN else None
    db.session.flush()
    return move


# --- invoices ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InvoiceTotals:
    subtotal: Decimal
    vat_amount: Decimal
    total: Decimal               # subtotal + VAT
    withholding_amount: Decimal  # kept by the buyer and paid to the tax department for the seller
    amount_due: Decimal          # what the buyer pays: total − withholding


def invoice_totals(lines, vat_percent: Decimal, withholding_percent: Decimal) -> InvoiceTotals:
    """Totals of (quantity, unit price) lines: VAT on the subtotal, withholding on the subtotal
    (Cambodian withholding tax is levied on the amount before VAT), each rounded to the cent."""
    subtotal = cents(sum((Decimal(q) * Decimal(p) for q, p in lines), Decimal("0")))
    vat = cents(subtotal * Decimal(vat_percent) / 100)
    withholding = cents(subtotal * Decimal(withholding_percent) / 100)
    return InvoiceTotals(subtotal, vat, subtotal + vat, withholding, subtotal + vat - withholding)


def paid_amount(invoice: Invoice) -> Decimal:
    return sum((payment.amount for payment in invoice.payments), Decimal("0"))


def balance(invoice: Invoice) -> Decimal:
    return invoice.amount_due - paid_amount(invoice)


def is_overdue(invoice: Invoice, today: date | None = None) -> bool:
    return (invoice.status is InvoiceStatus.ISSUED and invoice.due_on is not None
            and invoice.due_on < (today or date.today()) and balance(invoice) > 0)
