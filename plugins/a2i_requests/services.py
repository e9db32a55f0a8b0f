"""Domain rules of access-to-information requests: the workflow state machine, reference numbers,
the deadline engine (working days, holidays, clarification pauses) and exemption grounds.
Plain arguments in, DomainError out; no Flask here, so the HTML views and the API share one rule book."""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from core.errors import DomainError
from core.extensions import db
from core.models import Tenant, User
from core.tenancy import current_tenant_id
from core.workdays import WorkingCalendar
from core.registers.calendar import tenant_calendar
from core.registers.contacts import create_contact, refresh_match_keys
from core.registers.models import AgeGroup, Contact, ContactKind, Institution, Sex
from plugins.a2i_requests import webhooks
from plugins.a2i_requests.models import (ComplaintOutcome, DeadlineRules, DueRule, ExemptionGround, InfoRequest,
                                         InitialReply, RequestCounter, RequestEvent, RequestStatus)

S = RequestStatus

# The body's possible moves while it holds the request (the same after a re-request).
_BODY_MOVES = {S.AWAITING_CLARIFICATION, S.INITIAL_REPLY, S.EXTENDED, S.ANSWERED_FULL, S.ANSWERED_PART, S.REFUSED,
               S.NOT_HELD, S.TRANSFERRED, S.NO_RESPONSE, S.WITHDRAWN}
# What the requester may do with an unsatisfying result.
_REQUESTER_REMEDIES = {S.RE_REQUESTED, S.COMPLAINED, S.CLOSED}

# The state machine; allowed_transitions() documents it as a table and narrows it per request.
ALLOWED: dict[RequestStatus, set[RequestStatus]] = {
    S.DRAFT: {S.SUBMITTED, S.WITHDRAWN},
    S.SUBMITTED: set(_BODY_MOVES),
    S.RE_REQUESTED: set(_BODY_MOVES),
    # Resuming returns to the step the clock stopped in (paused_from); allowed_transitions narrows it.
    S.AWAITING_CLARIFICATION: {S.SUBMITTED, S.RE_REQUESTED, S.WITHDRAWN},
    S.INITIAL_REPLY: {S.FEE_ACCEPTED, S.EXTENDED, S.ANSWERED_FULL, S.ANSWERED_PART, S.REFUSED, S.NOT_HELD,
                      S.TRANSFERRED, S.NO_RESPONSE, S.WITHDRAWN},
    S.FEE_ACCEPTED: {S.EXTENDED, S.ANSWERED_FULL, S.ANSWERED_PART, S.REFUSED, S.NOT_HELD, S.NO_RESPONSE,
                     S.WITHDRAWN},
    S.EXTENDED: {S.ANSWERED_FULL, S.ANSWERED_PART, S.REFUSED, S.NOT_HELD, S.NO_RESPONSE, S.WITHDRAWN},
    S.ANSWERED_PART: set(_REQUESTER_REMEDIES),
    S.REFUSED: set(_REQUESTER_REMEDIES),
    S.NOT_HELD: set(_REQUESTER_REMEDIES),
    S.NO_RESPONSE: set(_REQUESTER_REMEDIES),
    S.COMPLAINED: {S.COMPLAINT_DECIDED, S.WITHDRAWN},
    S.COMPLAINT_DECIDED: {S.RE_REQUESTED, S.CLOSED},
    S.ANSWERED_FULL: {S.CLOSED},
    S.TRANSFERRED: {S.CLOSED},
    S.CLOSED: set(),
    S.WITHDRAWN: set(),
}

OPEN_STATUSES = frozenset({S.SUBMITTED, S.RE_REQUESTED, S.AWAITING_CLARIFICATION, S.INITIAL_REPLY,
                           S.FEE_ACCEPTED, S.EXTENDED, S.COMPLAINED})
FINAL_STATUSES = frozenset({S.CLOSED, S.WITHDRAWN})
# Statuses in which the body has given its answer for the round (sets answered_on, on_time…).
ANSWER_STATUSES = frozenset({S.ANSWERED_FULL, S.ANSWERED_PART, S.REFUSED, S.NOT_HELD, S.TRANSFERRED})
OUTCOME_STATUSES = ANSWER_STATUSES | {S.NO_RESPONSE}

# The details each target status accepts (anything else is a programming error).
STEP_DETAILS: dict[RequestStatus, set[str]] = {
    S.SUBMITTED: {"receipt_number"},
    S.RE_REQUESTED: {"receipt_number"},
    S.INITIAL_REPLY: {"initial_reply", "fee_amount"},
    S.FEE_ACCEPTED: {"fee_waived"},
    S.EXTENDED: {"extension_reason", "extended_to"},
    S.REFUSED: {"exemption_ground_code", "disclosed_summary"},
    S.ANSWERED_FULL: {"disclosed_summary"},
    S.ANSWERED_PART: {"disclosed_summary", "exemption_ground_code"},
    S.TRANSFERRED: {"transferred_to_id"},
    S.COMPLAINT_DECIDED: {"complaint_outcome"},
}

DEFAULT_RULES = dict(initial_reply_days=5, initial_reply_working=True, information_days=15,
                     information_working=True, extension_cap_days=40, extension_cap_working=True)


def allowed_transitions(req: InfoRequest) -> list[RequestStatus]:
    """The statuses the request may move to now, in the enum's order (what the UI offers).

    The whole state machine (ALLOWED, narrowed here where the request's facts matter):
    from                    -> to
    draft                   -> submitted, withdrawn
    submitted, re_requested -> awaiting_clarification, initial_reply, extended, answered_full, answered_part,
                               refused, not_held, transferred, no_response, withdrawn
    awaiting_clarification  -> the step it paused from (submitted or re_requested), withdrawn
    initial_reply           -> fee_accepted (only when a fee was stated), extended, answered_full, answered_part,
                               refused, not_held, transferred, no_response, withdrawn
    fee_accepted            -> extended, answered_full, answered_part, refused, not_held, no_response, withdrawn
    extended                -> answered_full, answered_part, refused, not_held, no_response, withdrawn
    answered_part, refused,
    not_held, no_response   -> re_requested, complained, closed
    complained              -> complaint_decided, withdrawn
    complaint_decided       -> re_requested, closed
    answered_full,
    transferred             -> closed
    closed, withdrawn       -> (final)

    Choices made: clarification is asked before the written initial reply (the draft law's order), so only
    submitted/re_requested can pause; one extension per round (no extended -> extended); a request becomes
    no_response only once its due date has passed; a transferred request is closed here and followed up as a
    new request to the named body.
    """
    allowed = set(ALLOWED[req.status])
    if req.status == S.AWAITING_CLARIFICATION:
        allowed = {s for s in allowed if s == S.WITHDRAWN or s == (req.paused_from or S.SUBMITTED)}
    if req.status == S.INITIAL_REPLY and req.initial_reply != InitialReply.FEE_STATED:
        allowed.discard(S.FEE_ACCEPTED)
    return [status for status in RequestStatus if status in allowed]


# --- reference numbers ------------------------------------------------------------------------

def next_reference(tenant_id: int, year: int) -> str:
    """The next reference of the tenant's year, e.g. A2I-2026-0007. The counter row is locked until
    the caller's transaction ends, so two requests created at once never share a number."""
    session = db.session
    table = RequestCounter.__table__
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        session.execute(insert(table).values(tenant_id=tenant_id, year=year, last_number=0)
                        .on_conflict_do_nothing(index_elements=["tenant_id", "year"]))
    counter = session.execute(
        select(RequestCounter).where(RequestCounter.tenant_id == tenant_id, RequestCounter.year == year)
        .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()
    if counter is None:
        counter = RequestCounter(tenant_id=tenant_id, year=year, last_number=0)
        session.add(counter)
    counter.last_number = (counter.last_number or 0) + 1
    return f"A2I-{year}-{counter.last_number:04d}"


def tenant_today(tenant_id: int) -> date:
    """Today's date where the tenant works (Asia/Phnom_Penh unless set otherwise)."""
    tenant = db.session.get(Tenant, tenant_id)
    return tenant.today() if tenant is not None else Tenant(timezone="Asia/Phnom_Penh").today()


def create_request(tenant_id: int, *, subject: str, question: str, body_id: int, actor: User | None,
                   **fields: Any) -> InfoRequest:
    """A new draft request with its reference; assigned to the actor unless an assignee is given.
    The requester is an existing contact (requester_contact_id) or is described by the fields of
    REQUESTER_FIELDS (requester_name, requester_contact, requester_sex…), which create a contact."""
    if not (subject or "").strip():
        raise DomainError(_l("Give the request a subject."), field="subject")
    if not (question or "").strip():
        raise DomainError(_l("Write the question asked of the body."), field="question")
    if _visible_body(tenant_id, body_id) is None:
        raise DomainError(_l("Choose a public body from the register."), field="body_id")
    described = {name: fields.pop(name) for name in REQUESTER_FIELDS if name in fields}
    contact_id = fields.pop("requester_contact_id", None)
    fields.setdefault("assignee_id", actor.id if actor is not None else None)
    req = InfoRequest(tenant_id=tenant_id, reference=next_reference(tenant_id, tenant_today(tenant_id).year),
                      subject=subject.strip(), question=question, body_id=body_id, status=S.DRAFT, **fields)
    set_requester(req, contact_id=contact_id, **described)
    db.session.add(req)
    return req


# --- requesters (contacts of the core register) ---------------------------------------------------

# How a requester was described before requesters became contacts; the page's "new requester" fields
# and the API's legacy fields still use these names, and create a contact.
REQUESTER_FIELDS = ("requester_name", "requester_contact", "requester_sex", "requester_age_group",
                    "protected_requester", "consent_recorded", "guardian_consent", "requester_user_id")
CONSENT_SCOPE = "A2I request"
_KHMER_LETTER = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]")


def requester_contact(tenant_id: int, contact_id: int) -> Contact:
    """A person contact of the tenant that may be named as a requester (DomainError otherwise)."""
    contact = db.session.scalar(select(Contact).where(Contact.id == contact_id, Contact.tenant_id == tenant_id))
    if contact is None or contact.kind != ContactKind.PERSON:
        raise DomainError(_l("Choose a person from your contacts."), field="requester_contact_id")
    return contact


def describes_requester(fields: dict) -> bool:
    """Whether requester fields record anything (a name or contact, or only figures such as sex)."""
    return bool((fields.get("requester_name") or "").strip() or (fields.get("requester_contact") or "").strip()
                or fields.get("requester_user_id") or fields.get("protected_requester")
                or fields.get("consent_recorded")
                or Sex(fields.get("requester_sex") or Sex.NOT_RECORDED) != Sex.NOT_RECORDED
                or AgeGroup(fields.get("requester_age_group") or AgeGroup.NOT_RECORDED) != AgeGroup.NOT_RECORDED)


# The contact register's field names -> the request's requester fields (to put an error where the user typed).
_CONTACT_FIELD_OF = {"name_latin": "requester_name", "name_km": "requester_name", "phone": "requester_contact",
                     "email": "requester_contact", "guardian_consent": "guardian_consent",
                     "consent_on": "consent_recorded", "sex": "requester_sex", "age_group": "requester_age_group"}


def new_requester(tenant_id: int, *, requester_name: str = "", requester_contact: str = "",
                  requester_sex: Sex | str = Sex.NOT_RECORDED, requester_age_group: AgeGroup | str = AgeGroup.NOT_RECORDED,
                  protected_requester: bool = False, consent_recorded: bool = False, guardian_consent: bool = False,
                  requester_user_id: int | None = None) -> Contact:
    """A person contact for a requester typed in with the request: the name goes to the Khmer or the
    Latin name by its script, the contact to the e-mail or the phone. A name needs recorded consent.
    A requester without a name (only sex or age group recorded, for statistics) is an anonymous
    contact, outside the register's rule that a contact has a name."""
    name = (requester_name or "").strip()
    reach = (requester_contact or "").strip()
    if name and not consent_recorded:
        raise DomainError(_l("Record the requester's consent before saving their name."), field="consent_recorded")
    if requester_user_id is not None:
        user = db.session.get(User, requester_user_id)
        if user is not None:
            name = name or user.name or ""
            reach = reach or user.email
    is_email = "@" in reach and " " not in reach
    if not is_email and len(reach) > 50:
        raise DomainError(_l("A phone number may have at most 50 characters."), field="requester_contact")
    try:
        sex, age_group = Sex(requester_sex or Sex.NOT_RECORDED), AgeGroup(requester_age_group or AgeGroup.NOT_RECORDED)
    except ValueError:
        raise DomainError(_l("Choose a listed value."), field="requester_sex") from None
    khmer = bool(_KHMER_LETTER.search(name))
    # The register refuses consent dated after its own today (UTC); the tenant's may be a day ahead.
    consent_on = min(tenant_today(tenant_id), date.today()) if consent_recorded else None
    fields = dict(tenant_id=tenant_id, kind=ContactKind.PERSON, name_km=name if khmer else "",
                  name_latin="" if khmer else name, email=reach if is_email else "", phone="" if is_email else reach,
                  sex=sex, age_group=age_group, protected=bool(protected_requester),
                  consent_scope=CONSENT_SCOPE if consent_recorded else "", consent_on=consent_on,
                  guardian_consent=bool(guardian_consent))
    if not name:
        contact = Contact(**fields)
        refresh_match_keys(contact)
        db.session.add(contact)
        db.session.flush()
        return contact
    try:
        return create_contact(**fields)
    except DomainError as error:
        raise DomainError(error.message, field=_CONTACT_FIELD_OF.get(error.field or "", "requester_name")) from None


def update_requester(contact: Contact, **described: Any) -> None:
    """Change a requester contact from the legacy requester fields given (the API's PATCH)."""
    if "requester_name" in described:
        name = (described["requester_name"] or "").strip()
        khmer = bool(_KHMER_LETTER.search(name))
        contact.name_km, contact.name_latin = (name, "") if khmer else ("", name)
    if "requester_contact" in described:
        reach = (described["requester_contact"] or "").strip()
        is_email = "@" in reach and " " not in reach
        if not is_email and len(reach) > 50:
            raise DomainError(_l("A phone number may have at most 50 characters."), field="requester_contact")
        contact.email, contact.phone = (reach, "") if is_email else ("", reach)
    if described.get("requester_sex") is not None:
        contact.sex = Sex(described["requester_sex"])
    if described.get("requester_age_group") is not None:
        contact.age_group = AgeGroup(described["requester_age_group"])
    if described.get("protected_requester") is not None:
        contact.protected = bool(described["protected_requester"])
    if described.get("consent_recorded") is not None:
        if described["consent_recorded"] and not contact.consent_on:
            contact.consent_scope = contact.consent_scope or CONSENT_SCOPE
            contact.consent_on = min(tenant_today(contact.tenant_id), date.today())
        elif not described["consent_recorded"]:
            contact.consent_scope, contact.consent_on = "", None
    touched = "requester_name" in described or described.get("consent_recorded") is not None
    if touched and (contact.name_km or contact.name_latin) and not contact.consent_on:
        raise DomainError(_l("Record the requester's consent before saving their name."), field="consent_recorded")
    refresh_match_keys(contact)


def set_requester(req: InfoRequest, *, contact_id: int | None = None, **described: Any) -> None:
    """Link the request to an existing contact, or to a new one made from `described` (REQUESTER_FIELDS).
    Both at once is an error; neither leaves the requester as it is."""
    tenant_id = req.tenant_id or current_tenant_id()
    if contact_id is not None and describes_requester(described):
        raise DomainError(_l("Choose a requester from your contacts or describe a new one, not both."),
                          field="requester_contact_id")
    if contact_id is not None:
        req.requester = requester_contact(tenant_id, contact_id)
    elif describes_requester(described):
        req.requester = new_requester(tenant_id, **described)


def _visible_body(tenant_id: int, body_id: int | None) -> Institution | None:
    body = db.session.get(Institution, body_id) if body_id else None
    if body is None or body.owner_tenant_id not in (None, tenant_id):
        return None
    return body


# --- exemption grounds, rules, calendar ---------------------------------------------------------

def default_exemption_grounds() -> list[tuple[str, str, str]]:
    """The refusal grounds every tenant starts with: (code, English label, Khmer label)."""
    return [
        ("national_security", "National security and defence", "សន្តិសុខជាតិ និងការពារជាតិ"),
        ("international_relations", "International relations", "ទំនាក់ទំនងអន្តរជាតិ"),
        ("economic_interest", "National economic interest", "ផលប្រយោជន៍សេដ្ឋកិច្ចជាតិ"),
        ("personal_privacy", "Personal privacy", "ឯកជនភាពបុគ្គល"),
        ("investigation_or_court", "Ongoing investigation or court case",
         "ការស៊ើបអង្កេត ឬនីតិវិធីតុលាការកំពុងដំណើរការ"),
        ("commercial_secrets", "Commercial or trade secrets", "អាថ៌កំបាំងពាណិជ្ជកម្ម"),
        ("internal_deliberation", "Internal deliberation before a decision",
         "ការពិភាក្សាផ្ទៃក្នុងមុនការសម្រេចចិត្ត"),
        ("cabinet_confidentiality", "Confidentiality of the Council of Ministers",
         "ការសម្ងាត់នៃទីស្តីការគណៈរដ្ឋមន្ត្រី"),
        ("public_safety", "Public safety or health", "សុវត្ថិភាព ឬសុខភាពសាធារណៈ"),
        ("other", "Other ground given by the body", "មូលហេតុផ្សេងទៀតដែលស្ថាប័នបានលើកឡើង"),
    ]


def ensure_exemption_grounds(tenant_id: int) -> list[ExemptionGround]:
    """Add the default grounds the tenant lacks (never re-activates one it switched off); returns all."""
    existing = {g.code: g for g in db.session.execute(
        select(ExemptionGround).where(ExemptionGround.tenant_id == tenant_id)).scalars()}
    for code, label_en, label_km in default_exemption_grounds():
        if code not in existing:
            existing[code] = ExemptionGround(tenant_id=tenant_id, code=code, label_en=label_en,
                                             label_km=label_km, is_active=True)
            db.session.add(existing[code])
    return list(existing.values())


def active_ground(tenant_id: int, code: str) -> ExemptionGround | None:
    return db.session.execute(select(ExemptionGround).where(
        ExemptionGround.tenant_id == tenant_id, ExemptionGround.code == code,
        ExemptionGround.is_active.is_(True))).scalar_one_or_none()


def rules_for(tenant_id: int) -> DeadlineRules:
    """The tenant's deadline periods, created with the draft law's defaults on first use."""
    rules = db.session.execute(
        select(DeadlineRules).where(DeadlineRules.tenant_id == tenant_id)).scalar_one_or_none()
    if rules is None:
        rules = DeadlineRules(tenant_id=tenant_id, **DEFAULT_RULES)
        db.session.add(rules)
    return rules


def calendar_for(tenant_id: int) -> WorkingCalendar:
    """National holidays plus the tenant's own closure days: the core calendar every module uses."""
    return tenant_calendar(tenant_id)


# --- deadlines --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Deadline:
    """When the body must act next, and under which rule (both None while nothing is owed)."""

    due_on: date | None
    rule: DueRule | None


NO_DEADLINE = Deadline(None, None)


def _pauses(req: InfoRequest) -> list[tuple[date, date | None]]:
    """(asked, answered) dates of each wait for the requester's clarification, from the events."""
    pauses: list[tuple[date, date | None]] = []
    start: date | None = None
    for event in req.events:
        if event.to_status == S.AWAITING_CLARIFICATION:
            start = event.occurred_on
        elif start is not None and event.from_status == S.AWAITING_CLARIFICATION:
            pauses.append((start, event.occurred_on))
            start = None
    if start is not None:
        pauses.append((start, None))
    return pauses


def paused_days(req: InfoRequest, since: date, calendar: WorkingCalendar, *, working_days: bool = True) -> int:
    """Days the clock stood still in finished clarification waits that began on or after `since`."""
    total = 0
    for asked, answered in _pauses(req):
        if answered is None or asked < since:
            continue
        total += calendar.working_days_between(asked, answered) if working_days else (answered - asked).days
    return total


def _period_end(req: InfoRequest, start: date, days: int, working: bool, calendar: WorkingCalendar) -> date:
    return calendar.add_days(start, days + paused_days(req, start, calendar, working_days=working),
                             working_days=working)


def extension_cap(req: InfoRequest, rules: DeadlineRules, calendar: WorkingCalendar) -> date | None:
    """The latest date an extension may reach: the cap counted from receipt, plus clarification waits."""
    if req.clock_start_on is None:
        return None
    return _period_end(req, req.clock_start_on, rules.extension_cap_days, rules.extension_cap_working, calendar)


def _last_event_on(req: InfoRequest, status: RequestStatus) -> date | None:
    dates = [event.occurred_on for event in req.events if event.to_status == status]
    return dates[-1] if dates else None


def compute_deadline(req: InfoRequest, rules: DeadlineRules, calendar: WorkingCalendar) -> Deadline:
    """The deadline the request's current status runs against.

    submitted / re_requested        initial-reply period from receipt (clock_start_on)
    initial_reply, fee stated       none: the requester must first accept the fee
    initial_reply, no fee           information period from the initial reply (nothing to accept)
    fee_accepted                    information period from fee_accepted_on
    extended                        extended_to, never beyond the extension cap from receipt
    awaiting_clarification          none: the clock is stopped
    answered, final and the rest    none
    Each period is lengthened by the days spent waiting for clarification after it started.
    """
    status = req.status
    if status in (S.SUBMITTED, S.RE_REQUESTED) and req.clock_start_on:
        return Deadline(_period_end(req, req.clock_start_on, rules.initial_reply_days,
                                    rules.initial_reply_working, calendar), DueRule.INITIAL_REPLY)
    if status == S.INITIAL_REPLY and req.initial_reply != InitialReply.FEE_STATED and req.initial_reply_on:
        return Deadline(_period_end(req, req.initial_reply_on, rules.information_days,
                                    rules.information_working, calendar), DueRule.INFORMATION)
    if status == S.FEE_ACCEPTED and req.fee_accepted_on:
        return Deadline(_period_end(req, req.fee_accepted_on, rules.information_days,
                                    rules.information_working, calendar), DueRule.INFORMATION)
    if status == S.EXTENDED and req.extended_to:
        waited = paused_days(req, _last_event_on(req, S.EXTENDED) or req.extended_to, calendar)
        due = calendar.add_working_days(req.extended_to, waited) if waited else req.extended_to
        cap = extension_cap(req, rules, calendar)
        return Deadline(min(due, cap) if cap else due, DueRule.EXTENSION)
    return NO_DEADLINE


def days_left(due_on: date, today: date, calendar: WorkingCalendar) -> int:
    """Working days from today to the due date: 0 on the day, negative once late."""
    if due_on >= today:
        return calendar.working_days_between(today, due_on)
    return -calendar.working_days_between(due_on, today)


def overdue_requests(today: date) -> Select:
    """Open requests whose due date has passed, most overdue first (tenant-filtered centrally)."""
    return (select(InfoRequest).where(InfoRequest.due_on.is_not(None), InfoRequest.due_on < today,
                                      InfoRequest.status.in_(OPEN_STATUSES))
            .order_by(InfoRequest.due_on, InfoRequest.id))


def due_soon(today: date, within_working_days: int = 2, *, calendar: WorkingCalendar | None = None) -> Select:
    """Open requests due from today up to `within_working_days` working days ahead, soonest first."""
    if calendar is None:
        tenant_id = current_tenant_id()
        calendar = calendar_for(tenant_id) if tenant_id is not None else WorkingCalendar()
    until = calendar.add_working_days(today, within_working_days)
    return (select(InfoRequest).where(InfoRequest.due_on.is_not(None), InfoRequest.due_on >= today,
                                      InfoRequest.due_on <= until, InfoRequest.status.in_(OPEN_STATUSES))
            .order_by(InfoRequest.due_on, InfoRequest.id))


# --- transitions ------------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    """A JSON-safe copy of a detail value (enums by value, dates as ISO strings)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


def _as_enum(enum_class, value, field: str, message):
    if isinstance(value, enum_class):
        return value
    try:
        return enum_class(value)
    except ValueError:
        raise DomainError(message, field=field) from None


def transition(req: InfoRequest, to: RequestStatus, *, actor: User | None, on: date, note: str = "",
               **details: Any) -> RequestEvent:
    """Move the request to `to` on date `on`, check and record the step's details, write a RequestEvent
    and recompute the due date. Raises DomainError; never commits."""
    to = RequestStatus(to)
    unknown = set(details) - STEP_DETAILS.get(to, set())
    if unknown:
        raise TypeError(f"unexpected details for {to.value}: {', '.join(sorted(unknown))}")
    if to not in allowed_transitions(req):
        raise DomainError(_l("A request that is %(status)s cannot become %(to)s.",
                             status=req.status.label, to=to.label))
    _check_date(req, on)

    rules, calendar = rules_for(req.tenant_id), calendar_for(req.tenant_id)
    due_before = compute_deadline(req, rules, calendar).due_on
    from_status = req.status
    recorded = {key: value for key, value in details.items() if value not in (None, "")}

    if from_status == S.AWAITING_CLARIFICATION and to != S.WITHDRAWN:
        recorded["paused_working_days"] = calendar.working_days_between(req.clock_paused_on or on, on)
        req.paused_from, req.clock_paused_on = None, None
    elif to == S.SUBMITTED or to == S.RE_REQUESTED:
        _start_round(req, on, details.get("receipt_number"))
    elif to == S.AWAITING_CLARIFICATION:
        req.paused_from, req.clock_paused_on = from_status, on
    elif to == S.INITIAL_REPLY:
        reply = details.get("initial_reply")
        if not reply:
            raise DomainError(_l("Record what the body's initial reply said."), field="initial_reply")
        req.initial_reply = _as_enum(InitialReply, reply, "initial_reply", _l("Choose a listed initial reply."))
        req.initial_reply_on = on
        req.fee_amount = (details.get("fee_amount") or "").strip()
    elif to == S.FEE_ACCEPTED:
        req.fee_accepted_on = on
        req.fee_waived = bool(details.get("fee_waived", False))
        recorded["fee_waived"] = req.fee_waived
    elif to == S.EXTENDED:
        _extend(req, on, details, due_before, rules, calendar)
    elif to == S.NO_RESPONSE and due_before is not None and on <= due_before:
        raise DomainError(_l("The body still has until %(due)s to reply.", due=due_before.isoformat()),
                          field="occurred_on")

    if to in (S.REFUSED, S.ANSWERED_PART):
        code = (details.get("exemption_ground_code") or "").strip()
        if to == S.REFUSED and not code:
            raise DomainError(_l("Choose the ground the body gave for refusing."), field="exemption_ground_code")
        if code:
            ensure_exemption_grounds(req.tenant_id)
            if active_ground(req.tenant_id, code) is None:
                raise DomainError(_l("This exemption ground is not in use."), field="exemption_ground_code")
            req.exemption_ground_code = code
    if to == S.TRANSFERRED:
        body = _visible_body(req.tenant_id, details.get("transferred_to_id"))
        if body is None:
            raise DomainError(_l("Name the body the request was transferred to."), field="transferred_to_id")
        if body.id == req.body_id:
            raise DomainError(_l("A request cannot be transferred to the body it was sent to."),
                              field="transferred_to_id")
        req.transferred_to_id, req.was_transferred = body.id, True
    if to in (S.ANSWERED_FULL, S.ANSWERED_PART, S.REFUSED) and details.get("disclosed_summary"):
        req.disclosed_summary = details["disclosed_summary"]
    if to == S.COMPLAINED:
        req.complained = True
    if to == S.COMPLAINT_DECIDED:
        outcome = details.get("complaint_outcome")
        if not outcome:
            raise DomainError(_l("Record the complaint's outcome."), field="complaint_outcome")
        req.complaint_outcome = _as_enum(ComplaintOutcome, outcome, "complaint_outcome",
                                         _l("Choose a listed complaint outcome."))
    if to in OUTCOME_STATUSES:
        _record_outcome(req, to, on, due_before, calendar)
    if to in FINAL_STATUSES:
        req.closed_on = on

    req.status = to
    event = RequestEvent(tenant_id=req.tenant_id, occurred_on=on, actor_id=actor.id if actor is not None else None,
                         from_status=from_status, to_status=to, note=note or "",
                         details={key: _plain(value) for key, value in recorded.items()})
    req.events.append(event)
    deadline = compute_deadline(req, rules, calendar)
    req.due_on, req.due_rule = deadline.due_on, deadline.rule
    webhooks.status_changed(req, from_status, on)
    return event


def _check_date(req: InfoRequest, on: date) -> None:
    if not isinstance(on, date) or isinstance(on, datetime):
        raise DomainError(_l("Give the date this happened."), field="occurred_on")
    if on > tenant_today(req.tenant_id):
        raise DomainError(_l("The date cannot be in the future."), field="occurred_on")
    previous = max((event.occurred_on for event in req.events), default=None)
    if previous is not None and on < previous:
        raise DomainError(_l("The date cannot be before the request's previous step (%(previous)s).",
                             previous=previous.isoformat()), field="occurred_on")


def _start_round(req: InfoRequest, on: date, receipt_number: str | None) -> None:
    """Submission or re-request: the receipt starts a new clock; the previous round's steps are cleared."""
    if req.status == S.DRAFT:
        req.submitted_on = on
    req.clock_start_on = on
    req.receipt_number = (receipt_number or "").strip()
    req.initial_reply, req.initial_reply_on, req.fee_amount = None, None, ""
    req.fee_accepted_on, req.fee_waived = None, False
    req.extended_to, req.extension_reason = None, ""


def _extend(req: InfoRequest, on: date, details: dict, due_before: date | None, rules: DeadlineRules,
            calendar: WorkingCalendar) -> None:
    reason = (details.get("extension_reason") or "").strip()
    if not reason:
        raise DomainError(_l("Give the written reasons the body gave for the extension."), field="extension_reason")
    extended_to = details.get("extended_to")
    if not isinstance(extended_to, date):
        raise DomainError(_l("Give the date the extension runs to."), field="extended_to")
    if due_before is not None and extended_to <= due_before:
        raise DomainError(_l("The extension must end after the current due date (%(due)s).",
                             due=due_before.isoformat()), field="extended_to")
    cap = extension_cap(req, rules, calendar)
    if cap is not None and extended_to > cap:
        if rules.extension_cap_working:
            message = _l("An extension may run at most %(days)s working days from receipt, until %(cap)s.",
                         days=rules.extension_cap_days, cap=cap.isoformat())
        else:
            message = _l("An extension may run at most %(days)s days from receipt, until %(cap)s.",
                         days=rules.extension_cap_days, cap=cap.isoformat())
        raise DomainError(message, field="extended_to")
    req.extension_reason, req.extended_to, req.was_extended = reason, extended_to, True


def _record_outcome(req: InfoRequest, to: RequestStatus, on: date, due_before: date | None,
                    calendar: WorkingCalendar) -> None:
    """The statistics columns: outcome, answer date, working days taken (clock stops excluded), on time."""
    req.outcome = to
    if to == S.NO_RESPONSE:
        req.answered_on, req.working_days_to_answer, req.on_time = None, None, False
        return
    req.answered_on = on
    if req.clock_start_on is not None:
        req.working_days_to_answer = (calendar.working_days_between(req.clock_start_on, on)
                                      - paused_days(req, req.clock_start_on, calendar))
    req.on_time = due_before is None or on <= due_before
