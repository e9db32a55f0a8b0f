"""The consulting settings of a tenant: the seller's details and invoice numbering, VAT and
withholding rates, payment and reminder days; the stage list (rename, reorder, probability, what a
stage requires, deactivate, add); and exchange rates (entered one by one or imported from a CSV file,
all or nothing). No Flask requests here: rules raise DomainError with a translated message."""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from core.errors import DomainError
from core.extensions import db
from plugins.consulting_crm import services
from plugins.consulting_crm.models import ConsultingSettings, ExchangeRate, Opportunity, Stage, StageOutcome

DEFAULT_SOURCE = "National Bank of Cambodia"
# A Cambodian VAT TIN: a letter, three digits, a dash and nine digits (K001-901234567); checked loosely
# (spaces ignored, the dash optional) since older certificates print it in other ways.
VATTIN = re.compile(r"^[A-Z]\d{3}-?\d{9}$")
MAX_RATE = Decimal("99999999.9999")
MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_ROWS = 5000
LIMITS = {"seller_name": 300, "seller_tax_number": 64, "seller_address": 5000, "invoice_prefix": 20,
          "name_en": 200, "name_km": 200, "source": 200}
# What a stage may require of an opportunity (services.REQUIREMENTS), as the settings page names it.
REQUIREMENT_LABELS = {
    "client": _l("The client is chosen"),
    "value": _l("The estimated value is given"),
    "submission_due_on": _l("The submission deadline is given"),
    "proposal_submitted": _l("A proposal was submitted"),
    "lost_reason": _l("The reason it was lost is given"),
}


def _text(value, name: str) -> str:
    text = unicodedata.normalize("NFC", str(value or "")).strip()
    if len(text) > LIMITS[name]:
        raise DomainError(_l("Use at most %(max)d characters.", max=LIMITS[name]), name)
    return text


def _whole(value, name: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DomainError(_l("Give a whole number."), name) from None
    if not low <= number <= high:
        raise DomainError(_l("Give a number between %(low)s and %(high)s.", low=low, high=high), name)
    return number


def _percent(value, name: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError(_l("Give a percentage between 0 and 100."), name) from None
    if not number.is_finite() or not Decimal("0") <= number <= Decimal("100") \
            or number != number.quantize(Decimal("0.01")):
        raise DomainError(_l("Give a percentage between 0 and 100."), name)
    return number


# --- invoicing and reminders -----------------------------------------------------------------------

def clean_tax_number(value) -> str:
    """A VAT TIN in its usual shape (K001-901234567), or a DomainError; empty is allowed."""
    text = re.sub(r"\s+", "", str(value or "")).upper()
    if not text:
        return ""
    if not VATTIN.match(text):
        raise DomainError(_l("Give the VAT TIN as a letter, 3 digits, a dash and 9 digits, e.g. K001-901234567."),
                          "seller_tax_number")
    return text if "-" in text else f"{text[:4]}-{text[4:]}"


def clean_reminder_days(value) -> str:
    """Working days before a deadline, e.g. "7,2": whole numbers from 1 to 60, largest first."""
    parts = [part.strip() for part in str(value or "").replace(";", ",").split(",") if part.strip()]
    if not parts or not all(part.isdigit() and 1 <= int(part) <= 60 for part in parts):
        raise DomainError(_l("Give working days between 1 and 60 separated by commas, e.g. 7,2."), "reminder_days")
    return ",".join(str(day) for day in sorted({int(part) for part in parts}, reverse=True))


def update_settings(settings: ConsultingSettings, **fields) -> ConsultingSettings:
    """Check every field first, then change them all (nothing half-saved). The next invoice number
    may only go up: numbers already issued must never come again."""
    clean = {
        "seller_name": _text(fields.get("seller_name"), "seller_name"),
        "seller_tax_number": clean_tax_number(fields.get("seller_tax_number")),
        "seller_address": _text(fields.get("seller_address"), "seller_address"),
        "vat_percent": _percent(fields.get("vat_percent"), "vat_percent"),
        "withholding_percent": _percent(fields.get("withholding_percent"), "withholding_percent"),
        "invoice_prefix": _text(fields.get("invoice_prefix"), "invoice_prefix"),
        "next_invoice_number": _whole(fields.get("next_invoice_number"), "next_invoice_number", 1, 999_999_999),
        "payment_days": _whole(fields.get("payment_days"), "payment_days", 0, 365),
        "reminder_days": clean_reminder_days(fields.get("reminder_days")),
    }
    if clean["invoice_prefix"] and not re.match(r"^[\w\-/.]+$", clean["invoice_prefix"]):
        raise DomainError(_l("Use letters, digits, dashes, slashes or dots in the prefix."), "invoice_prefix")
    current = settings.next_invoice_number or 1
    if clean["next_invoice_number"] < current:
        raise DomainError(_l("The next invoice number cannot go down (it is %(num)s now).", num=current),
                          "next_invoice_number")
    for name, value in clean.items():
        setattr(settings, name, value)
    db.session.flush()
    return settings


# --- stages -------------------------------------------------------------------------------------------

def _requires(value) -> str:
    words = value if isinstance(value, (list, tuple, set)) else str(value or "").split(",")
    words = [str(word).strip() for word in words if str(word).strip()]
    unknown = [word for word in words if word not in REQUIREMENT_LABELS]
    if unknown:
        raise DomainError(_l("Choose what the stage requires from the list."), "requires")
    return ",".join(word for word in REQUIREMENT_LABELS if word in words)


def _outcome(value) -> StageOutcome:
    try:
        return StageOutcome(getattr(value, "value", value))
    except ValueError:
        raise DomainError(_l("Choose whether the stage is open, won or lost."), "outcome") from None


def _check_outcomes_active(tenant_id: int) -> None:
    """At least one active open, one won and one lost stage (the board and stage moves need them)."""
    active = set(db.session.scalars(select(Stage.outcome).where(Stage.tenant_id == tenant_id,
                                                                Stage.is_active.is_(True)).distinct()))
    for outcome, message in ((StageOutcome.OPEN, _l("At least one open stage must stay in use.")),
                             (StageOutcome.WON, _l("At least one won stage must stay in use.")),
                             (StageOutcome.LOST, _l("At least one lost stage must stay in use."))):
        if outcome not in active:
            raise DomainError(message, "is_active")


def update_stage(stage: Stage, *, name_en, name_km="", position, default_probability, requires="",
                 is_active=True) -> Stage:
    """Rename, move, change the probability and requirements of, or (de)activate a stage. A stage
    with opportunities in it stays in use until they are moved."""
    name_en = _text(name_en, "name_en")
    if not name_en:
        raise DomainError(_l("Give the stage a name in English."), "name_en")
    name_km = _text(name_km, "name_km")
    position = _whole(position, "position", 0, 10_000)
    probability = _whole(default_probability, "default_probability", 0, 100)
    requires = _requires(requires)
    is_active = bool(is_active)
    if stage.is_active and not is_active:
        waiting = db.session.scalar(select(func.count(Opportunity.id)).where(Opportunity.stage_id == stage.id))
        if waiting:
            raise DomainError(_l("%(num)s opportunities are in this stage: move them before it goes out of use.",
                                 num=waiting), "is_active")
    stage.name_en, stage.name_km, stage.position = name_en, name_km, position
    stage.default_probability, stage.requires, stage.is_active = probability, requires, is_active
    db.session.flush()
    _check_outcomes_active(stage.tenant_id)
    return stage


def add_stage(tenant_id: int, *, name_en, name_km="", outcome=StageOutcome.OPEN, default_probability=10,
              requires="") -> Stage:
    """A new stage at the end of the list with a code made from its English name."""
    services.ensure_default_stages(tenant_id)
    name_en = _text(name_en, "name_en")
    if not name_en:
        raise DomainError(_l("Give the stage a name in English."), "name_en")
    name_km = _text(name_km, "name_km")
    outcome = _outcome(outcome)
    probability = _whole(default_probability, "default_probability", 0, 100)
    requires = _requires(requires)
    base = "".join(ch if ch.isalnum() else "_" for ch in name_en.lower()).strip("_")[:50] or "stage"
    codes = set(db.session.scalars(select(Stage.code).where(Stage.tenant_id == tenant_id)))
    code, counter = base, 2
    while code in codes:
        code, counter = f"{base}_{counter}", counter + 1
    last = db.session.scalar(select(func.max(Stage.position)).where(Stage.tenant_id == tenant_id)) or 0
    stage = Stage(tenant_id=tenant_id, code=code, name_en=name_en, name_km=name_km, position=last + 1,
                  outcome=outcome, default_probability=probability, requires=requires, is_active=True)
    db.session.add(stage)
    db.session.flush()
    return stage


# --- exchange rates -------------------------------------------------------------------------------------

def rate_list_query() -> Select:
    return select(ExchangeRate).order_by(ExchangeRate.rate_on.desc(), ExchangeRate.source, ExchangeRate.id.desc())


def _rate(value, name: str = "khr_per_usd") -> Decimal:
    text = str(value if value is not None else "").replace(",", "").replace(" ", "").strip()
    try:
        rate = Decimal(text)
    except (InvalidOperation, ValueError):
        raise DomainError(_l("Give the riel per US dollar as a number, e.g. 4100."), name) from None
    if not rate.is_finite() or rate <= 0:
        raise DomainError(_l("The exchange rate must be more than zero."), name)
    if rate > MAX_RATE or rate != rate.quantize(Decimal("0.0001")):
        raise DomainError(_l("Give the riel per US dollar with at most 4 decimals."), name)
    return rate


def _rate_day(value, name: str = "rate_on", today: date | None = None) -> date:
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        text = str(value or "").strip()
        value = None
        for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                value = datetime.strptime(text, pattern).date()
                break
            except ValueError:
                continue
        if value is None:
            raise DomainError(_l("Give a date as YYYY-MM-DD."), name)
    if not date(2000, 1, 1) <= value <= (today or date.today()):
        raise DomainError(_l("Give a date between 2000 and today."), name)
    return value


def _source(value) -> str:
    return _text(value, "source") or DEFAULT_SOURCE


def add_rate(tenant_id: int, *, rate_on, khr_per_usd, source=DEFAULT_SOURCE, today: date | None = None
             ) -> tuple[ExchangeRate, bool]:
    """Record a rate; one already recorded for the same day and source is replaced. Returns the
    rate and whether it replaced one."""
    day, rate, source = _rate_day(rate_on, today=today), _rate(khr_per_usd), _source(source)
    existing = db.session.scalar(select(ExchangeRate).where(ExchangeRate.tenant_id == tenant_id,
                                                            ExchangeRate.rate_on == day, ExchangeRate.source == source))
    if existing is not None:
        existing.khr_per_usd = rate
        db.session.flush()
        return existing, True
    row = ExchangeRate(tenant_id=tenant_id, rate_on=day, khr_per_usd=rate, source=source)
    db.session.add(row)
    db.session.flush()
    return row, False


def remove_rate(rate: ExchangeRate) -> None:
    """Forget a rate (opportunities, engagements and invoices keep the rate they copied)."""
    db.session.delete(rate)
    db.session.flush()


@dataclass
class RateImport:
    """What an import found: per-line errors (nothing saved when there is one), else the counts."""

    errors: list[tuple[int, str]] = field(default_factory=list)
    added: int = 0
    replaced: int = 0


def import_rates(tenant_id: int, data: bytes, today: date | None = None) -> RateImport:
    """Rates from a CSV file with the columns date,khr_per_usd[,source] (a header line is optional).
    Every line is checked first; with any error nothing is saved. A rate for a day and source
    already recorded is replaced."""
    result = RateImport()
    if not data:
        raise DomainError(_l("The file is empty."), "file")
    if len(data) > MAX_IMPORT_BYTES:
        raise DomainError(_l("The file is larger than %(mb)s MB.", mb=1), "file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(_l("Save the file as CSV in UTF-8 and try again."), "file") from None
    rows = list(csv.reader(io.StringIO(text)))
    checked: dict[tuple[date, str], Decimal] = {}
    for number, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if number == 1 and cells[0].lower() in ("date", "rate_on", "day"):
            continue
        if len(checked) + len(result.errors) >= MAX_IMPORT_ROWS:
            result.errors.append((number, str(_l("At most %(num)s lines at a time.", num=MAX_IMPORT_ROWS))))
            break
        if len(cells) not in (2, 3):
            result.errors.append((number, str(_l("Give a date, the riel per US dollar and, if you wish, a source."))))
            continue
        try:
            day = _rate_day(cells[0], today=today)
            rate = _rate(cells[1])
            source = _source(cells[2] if len(cells) == 3 else "")
        except DomainError as error:
            result.errors.append((number, str(error.message)))
            continue
        if (day, source) in checked:
            result.errors.append((number, str(_l("This date and source are already on an earlier line."))))
            continue
        checked[(day, source)] = rate
    if result.errors:
        return result
    if not checked:
        raise DomainError(_l("The file has no rates."), "file")
    existing = {(row.rate_on, row.source): row for row in db.session.scalars(select(ExchangeRate).where(
        ExchangeRate.tenant_id == tenant_id, ExchangeRate.rate_on.in_(sorted({day for day, _source in checked}))))}
    for (day, source), rate in checked.items():
        row = existing.get((day, source))
        if row is not None:
            row.khr_per_usd = rate
            result.replaced += 1
        else:
            db.session.add(ExchangeRate(tenant_id=tenant_id, rate_on=day, khr_per_usd=rate, source=source))
            result.added += 1
    db.session.flush()
    return result
