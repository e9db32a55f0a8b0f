"""The consultant and trainer pool: profiles on contact persons (expertise tags, languages, day rate
and its currency, notes, active), availability periods, CV files and ratings, and the search that the
pool page, the proposals' team and the engagements' staffing share. No Flask requests here: rules
raise DomainError with a translated message; callers commit.

Availability rule: a consultant's periods never overlap. A new period that overlaps an existing
one, or starts the day after one ends (or ends the day before one starts), is merged with it into one
period. "Available for [from, to]" therefore means: one period starts on or before `from` and ends on
or after `to` (every day of the range, both ends included, lies in an availability period), and the
consultant is active. Assignments to engagements are not subtracted: the periods are what the
consultant declared."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, exists, func, literal, select
from sqlalchemy.orm import contains_eager

from core.errors import DomainError
from core.extensions import db
from core.registers.contacts import LIST_ORDER
from core.registers.models import Contact, ContactKind
from core.search import any_contains, text_contains
from core.uploads import Upload, check_upload, remove_after_commit, store, tenant_folder
from plugins.consulting_crm.models import Availability, Consultant, ConsultantCV, Currency, Engagement, Rating

RATES_PERMISSION = "consulting.pool.rates"
UPLOAD_AREA = "consulting"
MAX_CV_BYTES = 10 * 1024 * 1024
ZIP = (b"PK\x03\x04",)
# The CV files accepted: extension -> (content type, the first bytes such a file starts with).
CV_TYPES = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP),
    "odt": ("application/vnd.oasis.opendocument.text", ZIP),
}
# The working languages a consultant may have (codes as the contacts register stores them), in the
# order the form lists them.
LANGUAGES = {
    "km": _l("Khmer"), "en": _l("English"), "fr": _l("French"), "zh": _l("Chinese"), "th": _l("Thai"),
    "vi": _l("Vietnamese"), "ja": _l("Japanese"), "ko": _l("Korean"),
}
LIMITS = {"expertise": 500, "notes": 20000, "note": 300, "comment": 5000}
MAX_TAG = 100
MAX_RATE = Decimal("999999999999.99")        # what Numeric(14, 2) holds
SCORES = range(1, 6)
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def language_label(code: str):
    return LANGUAGES.get(code, code)


def language_codes(value: str) -> list[str]:
    return [code for code in (part.strip() for part in (value or "").split(",")) if code]


# --- field rules --------------------------------------------------------------------------------------

def _text(value, field: str) -> str:
    text = str(value or "").strip()
    if len(text) > LIMITS[field]:
        raise DomainError(_l("Use at most %(max)d characters.", max=LIMITS[field]), field)
    return text


def _tags(value) -> str:
    """Expertise tags separated by commas, each once (case aside), in the order given."""
    items = value.split(",") if isinstance(value, str) else (value or [])
    seen: list[str] = []
    for tag in (" ".join(str(item).split()) for item in items):
        if len(tag) > MAX_TAG:
            raise DomainError(_l("A tag can have at most %(max)d characters.", max=MAX_TAG), "expertise")
        if tag and tag.casefold() not in {known.casefold() for known in seen}:
            seen.append(tag)
    return _text(", ".join(seen), "expertise")


def _languages(value) -> str:
    codes = language_codes(value) if isinstance(value, str) else [str(code).strip() for code in value or []]
    unknown = [code for code in codes if code not in LANGUAGES]
    if unknown:
        raise DomainError(_l("Choose languages from the list."), "languages")
    return ",".join(code for code in LANGUAGES if code in codes)      # the list's order, each once


def _day_rate(value) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        rate = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        rate = None
    if rate is None or not rate.is_finite():
        raise DomainError(_l("Give the day rate as a number, for example 250 or 250.50."), "day_rate")
    if rate < 0:
        raise DomainError(_l("The day rate cannot be negative."), "day_rate")
    if rate > MAX_RATE or rate != rate.quantize(Decimal("0.01")):
        raise DomainError(_l("Give the day rate with at most two decimals and twelve digits."), "day_rate")
    return rate


def _currency(value) -> Currency:
    try:
        return Currency(getattr(value, "value", value))
    except ValueError:
        raise DomainError(_l("Choose one of the listed values."), "rate_currency") from None


def _person(contact_id) -> Contact:
    """A person among the current tenant's contacts (scoping hides the others), not erased."""
    try:
        contact_id = int(contact_id)
    except (TypeError, ValueError):
        contact_id = None
    contact = db.session.scalar(select(Contact).where(Contact.id == contact_id)) if contact_id else None
    if contact is None or contact.erased_at is not None:
        raise DomainError(_l("Choose a person from your contacts."), "contact_id")
    if contact.kind is not ContactKind.PERSON:
        raise DomainError(_l("A consultant is a person: choose a person, not an organisation."), "contact_id")
    return contact


# --- profiles -------------------------------------------------------------------------------------------

_UNCHANGED = object()


def create_consultant(contact_id, *, expertise="", languages=("km",), notes: str = "", is_active: bool = True,
                      day_rate=None, rate_currency=Currency.USD) -> Consultant:
    """Put a contact person in the pool (flushes). A person already in it is refused on `contact_id`."""
    contact = _person(contact_id)
    if db.session.scalar(select(Consultant.id).where(Consultant.contact_id == contact.id)) is not None:
        raise DomainError(_l("This person is already in the pool; edit their profile instead."), "contact_id")
    consultant = Consultant(tenant_id=contact.tenant_id, contact=contact, expertise=_tags(expertise),
                            languages=_languages(languages), notes=_text(notes, "notes"),
                            is_active=bool(is_active), day_rate=_day_rate(day_rate),
                            rate_currency=_currency(rate_currency))
    db.session.add(consultant)
    db.session.flush()
    return consultant


def update_consultant(consultant: Consultant, *, expertise=_UNCHANGED, languages=_UNCHANGED, notes=_UNCHANGED,
                      is_active=_UNCHANGED, day_rate=_UNCHANGED, rate_currency=_UNCHANGED) -> Consultant:
    """Change the fields given (a caller that may not see rates leaves them out: they stay as they were)."""
    values = {}
    if expertise is not _UNCHANGED:
        values["expertise"] = _tags(expertise)
    if languages is not _UNCHANGED:
        values["languages"] = _languages(languages)
    if notes is not _UNCHANGED:
        values["notes"] = _text(notes, "notes")
    if is_active is not _UNCHANGED:
        values["is_active"] = bool(is_active)
    if day_rate is not _UNCHANGED:
        values["day_rate"] = _day_rate(day_rate)
    if rate_currency is not _UNCHANGED:
        values["rate_currency"] = _currency(rate_currency)
    for name, value in values.items():      # all checked before anything changes
        setattr(consultant, name, value)
    db.session.flush()
    return consultant


def get_consultant(consultant_id: int) -> Consultant | None:
    """One consultant of the current tenant with their contact (tenant scoping hides the others)."""
    return db.session.scalar(select(Consultant).join(Consultant.contact).options(contains_eager(Consultant.contact))
                             .where(Consultant.id == consultant_id))


# --- search ---------------------------------------------------------------------------------------------

def check_period(start: date | None, end: date | None, *, field: str = "ends_on") -> None:
    """A period of whole days, both included: first day on or before the last, both in EARLIEST..LATEST."""
    if start is None or end is None:
        raise DomainError(_l("Give both the first and the last day."), field)
    if not (EARLIEST <= start <= LATEST and EARLIEST <= end <= LATEST):
        raise DomainError(_l("Give dates between %(first)s and %(last)s.", first=EARLIEST.year, last=LATEST.year),
                          field)
    if end < start:
        raise DomainError(_l("The last day cannot be before the first day."), field)


def consultant_query(*, expertise: str | None = None, language: str | None = None,
                     available_from: date | None = None, available_to: date | None = None, q: str = "",
                     active: bool | None = True, names_of_protected: bool = False) -> Select:
    """The pool's consultants with their contacts, by name (erased people left out).

    `expertise` matches a part of the tags; `language` is a code of LANGUAGES; a date range keeps
    those available for all of it (module docstring; one date alone means that day); `q` matches
    the Khmer or Latin name, a protected person's only when `names_of_protected` (the reader may see
    it), so a search never reveals who hides behind a stand-in."""
    query = (select(Consultant).join(Contact, Contact.id == Consultant.contact_id)
             .options(contains_eager(Consultant.contact)).where(Contact.erased_at.is_(None)))
    if active is not None:
        query = query.where(Consultant.is_active.is_(bool(active)))
    if expertise and expertise.strip():
        query = query.where(text_contains(Consultant.expertise, expertise.strip()))
    if language:
        if language not in LANGUAGES:
            raise DomainError(_l("Choose languages from the list."), "language")
        padded = literal(",") + func.replace(Consultant.languages, " ", "") + literal(",")
        query = query.where(padded.contains(f",{language},", autoescape=True))
    if available_from is not None or available_to is not None:
        start, end = available_from or available_to, available_to or available_from
        check_period(start, end, field="available_to")
        query = query.where(exists().where(Availability.consultant_id == Consultant.id,
                                           Availability.starts_on <= start, Availability.ends_on >= end))
    text = (q or "").strip()
    if text:
        by_name = any_contains([Contact.name_latin, Contact.name_km], text)
        if not names_of_protected:
            by_name = and_(by_name, Contact.protected.is_(False))
        query = query.where(by_name)
    # Protected people sort as if nameless (their place in an alphabetical list would hint at the name).
    return query.order_by(Consultant.is_active.desc(), *LIST_ORDER[:2], Consultant.id)


def search_consultants(expertise: str | None = None, language: str | None = None,
                       available_from: date | None = None, available_to: date | None = None, q: str = "", *,
                       active: bool | None = True, names_of_protected: bool = False) -> list[Consultant]:
    """Active consultants matching every filter given (consultant_query), contacts loaded: one query."""
    return list(db.session.scalars(consultant_query(
        expertise=expertise, language=language, available_from=available_from, available_to=available_to, q=q,
        active=active, names_of_protected=names_of_protected)))


def is_available(consultant: Consultant, start: date, end: date) -> bool:
    """Whether an active consultant's availability periods cover every day from `start` to `end`.
    Walks the union of the periods, so it holds even for periods written around add_availability."""
    check_period(start, end)
    if not consultant.is_active:
        return False
    day = start                      # the first day not yet covered
    for period in sorted(consultant.availability, key=lambda p: p.starts_on):
        if period.ends_on < day:
            continue
        if period.starts_on > day:
            return False
        if period.ends_on >= end:
            return True
        day = period.ends_on + timedelta(days=1)
    return False


# --- availability ---------------------------------------------------------------------------------------

def add_availability(consultant: Consultant, starts_on: date | None, ends_on: date | None,
                     note: str = "") -> Availability:
    """Record a period of availability, merged with the periods it overlaps or touches (the
    earliest of them is kept and widened, the others removed; notes are joined)."""
    check_period(starts_on, ends_on)
    note = _text(note, "note")
    touching = [period for period in consultant.availability
                if period.starts_on <= ends_on + timedelta(days=1) and period.ends_on >= starts_on - timedelta(days=1)]
    if not touching:
        period = Availability(tenant_id=consultant.tenant_id, starts_on=starts_on, ends_on=ends_on, note=note)
        consultant.availability.append(period)
        db.session.flush()
        return period
    touching.sort(key=lambda p: (p.starts_on, p.id or 0))
    kept = touching[0]
    notes = [period.note for period in touching if period.note] + ([note] if note else [])
    joined = "; ".join(dict.fromkeys(notes))
    if len(joined) > LIMITS["note"]:
        joined = joined[:LIMITS["note"] - 1] + "…"
    kept.starts_on = min([starts_on] + [p.starts_on for p in touching])
    kept.ends_on = max([ends_on] + [p.ends_on for p in touching])
    kept.note = joined
    for period in touching[1:]:
        consultant.availability.remove(period)
    db.session.flush()
    return kept


def remove_availability(consultant: Consultant, availability_id: int) -> None:
    period = next((p for p in consultant.availability if p.id == availability_id), None)
    if period is None:
        raise DomainError(_l("This consultant has no such period."))
    consultant.availability.remove(period)
    db.session.flush()


# --- ratings ---------------------------------------------------------------------------------------------

def average_ratings(consultant_ids) -> dict[int, float]:
    """The average score of each consultant that has ratings (one query); others are left out."""
    ids = list({int(cid) for cid in consultant_ids})
    if not ids:
        return {}
    rows = db.session.execute(select(Rating.consultant_id, func.avg(Rating.score)).where(
        Rating.consultant_id.in_(ids)).group_by(Rating.consultant_id))
    return {consultant_id: float(average) for consultant_id, average in rows}


def engagement_titles(engagement_ids) -> dict[int, str]:
    """Titles of the tenant's engagements by id (one query)."""
    ids = list({int(eid) for eid in engagement_ids if eid is not None})
    if not ids:
        return {}
    return dict(db.session.execute(select(Engagement.id, Engagement.title).where(Engagement.id.in_(ids))).all())


def add_rating(consultant: Consultant, score, *, comment: str = "", engagement_id=None,
               rated_by_id: int | None = None) -> Rating:
    """Rate a consultant from 1 to 5, optionally for one of the tenant's engagements (once per engagement)."""
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = None
    if score not in SCORES:
        raise DomainError(_l("Give a score from 1 to 5."), "score")
    comment = _text(comment, "comment")
    if engagement_id in (None, ""):
        engagement_id = None
    else:
        try:
            engagement_id = int(engagement_id)
        except (TypeError, ValueError):
            engagement_id = None
        if engagement_id is None or db.session.scalar(
                select(Engagement.id).where(Engagement.id == engagement_id)) is None:
            raise DomainError(_l("Choose one of your engagements."), "engagement_id")
        if db.session.scalar(select(Rating.id).where(Rating.consultant_id == consultant.id,
                                                     Rating.engagement_id == engagement_id)) is not None:
            raise DomainError(_l("This consultant is already rated for this engagement."), "engagement_id")
    rating = Rating(tenant_id=consultant.tenant_id, score=score, comment=comment, engagement_id=engagement_id,
                    rated_by_id=rated_by_id)
    consultant.ratings.append(rating)
    db.session.flush()
    return rating


def remove_rating(consultant: Consultant, rating_id: int) -> None:
    rating = next((r for r in consultant.ratings if r.id == rating_id), None)
    if rating is None:
        raise DomainError(_l("This consultant has no such rating."))
    consultant.ratings.remove(rating)
    db.session.flush()


# --- CV files -----------------------------------------------------------------------------------------

def check_cv(upload: Upload) -> tuple[str, str, str]:
    """(display name, extension, content type) of an acceptable CV; DomainError on `file` otherwise."""
    return check_upload(upload, allowed=CV_TYPES, max_bytes=MAX_CV_BYTES,
                        wrong_type_message=_l("Upload the CV as a PDF, Word (docx) or OpenDocument (odt) file."))


def cv_path(cv: ConsultantCV) -> Path:
    return tenant_folder(cv.tenant_id, UPLOAD_AREA) / cv.storage_name


def add_cv(consultant: Consultant, upload: Upload | None) -> ConsultantCV:
    """Store a CV of the consultant (the file goes again if the change is rolled back)."""
    if upload is None:
        raise DomainError(_l("Choose a file to upload."), "file")
    name, extension, content_type = check_cv(upload)
    storage_name = store(tenant_folder(consultant.tenant_id, UPLOAD_AREA), upload.data, extension)
    cv = ConsultantCV(tenant_id=consultant.tenant_id, display_name=name, storage_name=storage_name,
                      content_type=content_type, size_bytes=len(upload.data))
    consultant.cvs.append(cv)
    db.session.flush()
    return cv


def get_cv(consultant: Consultant, cv_id: int) -> ConsultantCV | None:
    return db.session.scalar(select(ConsultantCV).where(ConsultantCV.id == cv_id,
                                                        ConsultantCV.consultant_id == consultant.id))


def remove_cv(consultant: Consultant, cv_id: int) -> None:
    """Remove a CV; its file is deleted once the change is committed."""
    cv = next((c for c in consultant.cvs if c.id == cv_id), None)
    if cv is None:
        raise DomainError(_l("This consultant has no such CV."))
    path = cv_path(cv)
    consultant.cvs.remove(cv)
    db.session.flush()
    remove_after_commit(path)
