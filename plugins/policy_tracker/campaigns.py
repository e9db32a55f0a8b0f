"""Campaigns, recommendations and activities of a tenant: the rules, without Flask. Views and the API
call these and turn DomainError into form errors or problem+json; nothing is half-written because
every check runs before the first row changes."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from core.errors import DomainError
from core.extensions import db
from core.models import Membership, Tenant
from core.registers.institutions import get_visible_institution
from core.registers.models import Contact, ContactKind, Project
from core.registers.projects import parse_budget
from core.search import any_contains
from core.text import clean_text
from plugins.policy_tracker.models import (Activity, ActivityAttendee, ActivityKind, Campaign, CampaignLaw,
                                           CampaignMember, CampaignStakeholder, CampaignStatus, CampaignTarget,
                                           CoSubmitter, Law, LawVersion, Outcome, Recommendation)

STRATEGY_PERMISSION = "policy.campaigns.strategy"
# Columns a campaign keeps from its team's eyes unless they hold STRATEGY_PERMISSION.
STRATEGY_FIELDS = ("strategy_notes", "budget")
MAX_TEXT = 20000


# --- small input helpers ------------------------------------------------------------------------------

def _ids(values: Iterable | None) -> list[int]:
    """Distinct ids in the order given (None and blanks dropped)."""
    seen: list[int] = []
    for value in values or ():
        if value in (None, ""):
            continue
        number = int(value)
        if number not in seen:
            seen.append(number)
    return seen


# --- what the tenant may link to ----------------------------------------------------------------------

def _law_services():
    from plugins.policy_tracker import services
    return services


def visible_laws() -> Select:
    """Official laws and the current tenant's private ones (the laws module's rule when it has one)."""
    helper = getattr(_law_services(), "visible_laws", None)
    if helper is not None:
        return helper()
    from core.tenancy import current_tenant_id
    tenant_id = current_tenant_id()
    clause = Law.owner_tenant_id.is_(None)
    if tenant_id is not None:
        clause = or_(clause, Law.owner_tenant_id == tenant_id)
    return select(Law).where(clause).order_by(Law.title_en, Law.id)


def get_visible_law(law_id: int | None) -> Law | None:
    if law_id is None:
        return None
    helper = getattr(_law_services(), "get_visible_law", None)
    if helper is not None:
        return helper(law_id)
    return db.session.scalar(visible_laws().order_by(None).where(Law.id == law_id))


def _law(law_id, field: str = "law_id") -> Law:
    law = get_visible_law(int(law_id)) if law_id not in (None, "") else None
    if law is None:
        raise DomainError(_l("Choose a law or policy from the register."), field=field)
    return law


def _institution(institution_id, field: str):
    institution = get_visible_institution(int(institution_id)) if institution_id not in (None, "") else None
    if institution is None:
        raise DomainError(_l("Choose an institution from the register."), field=field)
    return institution


def member_user_ids(tenant_id: int) -> set[int]:
    """Ids of the tenant's active members (Membership is not tenant-scoped: the tenant is explicit)."""
    return set(db.session.scalars(select(Membership.user_id).where(
        Membership.tenant_id == tenant_id, Membership.is_active)))


def _contact(contact_id, field: str, *, organisation: bool = False) -> Contact:
    """One of the current tenant's contacts (scoping hides the others), not erased."""
    contact = (db.session.scalar(select(Contact).where(Contact.id == int(contact_id)))
               if contact_id not in (None, "") else None)
    if contact is None or contact.is_erased:
        raise DomainError(_l("Choose a contact of your organisation."), field=field)
    if organisation and contact.kind != ContactKind.ORGANISATION:
        raise DomainError(_l("Choose an organisation from your contacts."), field=field)
    return contact


# --- campaigns ----------------------------------------------------------------------------------------

CAMPAIGN_FIELDS = ("title", "goal", "status", "project_id", "starts_on", "ends_on", "strategy_notes", "budget")


def _clean_campaign(campaign: Campaign | None, fields: dict) -> dict:
    unknown = set(fields) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise TypeError(f"unknown campaign fields: {sorted(unknown)}")
    values = {}
    if "title" in fields or campaign is None:
        values["title"] = clean_text(fields.get("title"), "title", 300, required=True)
    if "goal" in fields:
        values["goal"] = clean_text(fields["goal"], "goal", MAX_TEXT, multiline=True)
    if "strategy_notes" in fields:
        values["strategy_notes"] = clean_text(fields["strategy_notes"], "strategy_notes", MAX_TEXT, multiline=True)
    if "status" in fields:
        try:
            values["status"] = CampaignStatus(fields["status"] or CampaignStatus.PLANNED)
        except ValueError:
            raise DomainError(_l("Choose a status from the list."), field="status") from None
    if "budget" in fields:
        values["budget"] = parse_budget(fields["budget"])
    if "project_id" in fields:
        project_id = fields["project_id"]
        if project_id in (None, ""):
            values["project_id"] = None
        else:
            if db.session.scalar(select(Project.id).where(Project.id == int(project_id))) is None:
                raise DomainError(_l("Choose one of your organisation's projects."), field="project_id")
            values["project_id"] = int(project_id)
    for name in ("starts_on", "ends_on"):
        if name in fields:
            values[name] = fields[name] or None
    starts = values.get("starts_on", campaign.starts_on if campaign else None)
    ends = values.get("ends_on", campaign.ends_on if campaign else None)
    if starts and ends and ends < starts:
        raise DomainError(_l("The campaign cannot end before it starts."), field="ends_on")
    return values


def create_campaign(tenant_id: int, **fields) -> Campaign:
    """A new campaign of the tenant (flushes; the caller commits)."""
    values = _clean_campaign(None, fields)
    campaign = Campaign(tenant_id=tenant_id, goal="", strategy_notes="", status=CampaignStatus.PLANNED)
    for name, value in values.items():
        setattr(campaign, name, value)
    db.session.add(campaign)
    db.session.flush()
    return campaign


def update_campaign(campaign: Campaign, **fields) -> Campaign:
    for name, value in _clean_campaign(campaign, fields).items():
        setattr(campaign, name, value)
    db.session.flush()
    return campaign


def set_campaign_laws(campaign: Campaign, law_ids: Iterable) -> None:
    """The campaign follows exactly these laws (each must be visible to the tenant)."""
    wanted = _ids(law_ids)
    for law_id in wanted:
        _law(law_id, "law_ids")
    _replace(campaign.laws, "law_id", wanted, lambda law_id: CampaignLaw(
        tenant_id=campaign.tenant_id, campaign_id=campaign.id, law_id=law_id))


def set_campaign_targets(campaign: Campaign, institution_ids: Iterable) -> None:
    wanted = _ids(institution_ids)
    for institution_id in wanted:
        _institution(institution_id, "institution_ids")
    _replace(campaign.targets, "institution_id", wanted, lambda institution_id: CampaignTarget(
        tenant_id=campaign.tenant_id, campaign_id=campaign.id, institution_id=institution_id))


def set_campaign_team(campaign: Campaign, user_ids: Iterable) -> None:
    wanted = _ids(user_ids)
    if set(wanted) - member_user_ids(campaign.tenant_id):
        raise DomainError(_l("Choose members of your organisation."), field="user_ids")
    _replace(campaign.team, "user_id", wanted, lambda user_id: CampaignMember(
        tenant_id=campaign.tenant_id, campaign_id=campaign.id, user_id=user_id))


def _replace(rows: list, attribute: str, wanted: list[int], make) -> None:
    """Make the collection hold exactly `wanted` (by `attribute`), keeping rows that stay."""
    for row in list(rows):
        if getattr(row, attribute) not in wanted:
            rows.remove(row)
    present = {getattr(row, attribute) for row in rows}
    rows.extend(make(value) for value in wanted if value not in present)
    db.session.flush()


def add_stakeholder(campaign: Campaign, contact_id, role: str = "") -> CampaignStakeholder:
    contact = _contact(contact_id, "contact_id")
    role = clean_text(role, "role", 200)
    for stakeholder in campaign.stakeholders:
        if stakeholder.contact_id == contact.id:
            stakeholder.role = role
            db.session.flush()
            return stakeholder
    stakeholder = CampaignStakeholder(tenant_id=campaign.tenant_id, campaign_id=campaign.id,
                                      contact_id=contact.id, role=role)
    campaign.stakeholders.append(stakeholder)
    db.session.flush()
    return stakeholder


def remove_stakeholder(campaign: Campaign, stakeholder_id: int) -> None:
    for stakeholder in list(campaign.stakeholders):
        if stakeholder.id == stakeholder_id:
            campaign.stakeholders.remove(stakeholder)
            db.session.flush()
            return
    raise DomainError(_l("This stakeholder is not on the campaign."), field="stakeholder_id")


def set_stakeholders(campaign: Campaign, stakeholders: Iterable[tuple]) -> None:
    """The campaign's stakeholders become exactly these (contact id, role) pairs."""
    wanted = {}
    for contact_id, role in stakeholders:
        wanted[_contact(contact_id, "stakeholders").id] = clean_text(role, "stakeholders", 200)
    for row in list(campaign.stakeholders):
        if row.contact_id not in wanted:
            campaign.stakeholders.remove(row)
    for contact_id, role in wanted.items():
        add_stakeholder(campaign, contact_id, role)


def campaign_list_query(*, q: str | None = None, status=None, law_id: int | None = None,
                        project_id: int | None = None, date_from: date | None = None,
                        date_to: date | None = None) -> Select:
    """The tenant's campaigns; with dates, those whose period (when given) overlaps them (as the
    "active campaigns" indicator counts)."""
    query = select(Campaign).options(joinedload(Campaign.project))
    if status:
        query = query.where(Campaign.status == CampaignStatus(status))
    if date_to:
        query = query.where(or_(Campaign.starts_on.is_(None), Campaign.starts_on <= date_to))
    if date_from:
        query = query.where(or_(Campaign.ends_on.is_(None), Campaign.ends_on >= date_from))
    if law_id:
        query = query.where(Campaign.id.in_(select(CampaignLaw.campaign_id).where(CampaignLaw.law_id == law_id)))
    if project_id:
        query = query.where(Campaign.project_id == project_id)
    if (q or "").strip():
        query = query.where(any_contains([Campaign.title, Campaign.goal], q))
    return query.order_by(Campaign.starts_on.desc().nulls_last(), Campaign.id.desc())


def load_campaign(campaign_id: int) -> Campaign | None:
    """One of the tenant's campaigns with everything its page shows (scoping hides the others)."""
    return db.session.execute(select(Campaign).where(Campaign.id == campaign_id).options(
        joinedload(Campaign.project),
        selectinload(Campaign.laws).joinedload(CampaignLaw.law),
        selectinload(Campaign.targets).joinedload(CampaignTarget.institution),
        selectinload(Campaign.team).joinedload(CampaignMember.user),
        selectinload(Campaign.stakeholders).joinedload(CampaignStakeholder.contact),
        selectinload(Campaign.activities))).unique().scalar_one_or_none()


# --- recommendations ----------------------------------------------------------------------------------

RECOMMENDATION_FIELDS = ("law_id", "version_id", "article", "campaign_id", "text_en", "text_km",
                         "submitted_to_id", "submitted_on", "partner_tenant_ids", "organisation_ids")


def _clean_recommendation(rec: Recommendation | None, tenant_id: int, fields: dict) -> dict:
    unknown = set(fields) - set(RECOMMENDATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown recommendation fields: {sorted(unknown)}")
    values: dict = {}
    if "law_id" in fields or rec is None:
        values["law_id"] = _law(fields.get("law_id")).id
    law_id = values.get("law_id", rec.law_id if rec else None)
    for name in ("text_en", "text_km"):
        if name in fields:
            values[name] = clean_text(fields[name], name, MAX_TEXT, multiline=True)
    text_en = values.get("text_en", rec.text_en if rec else "")
    text_km = values.get("text_km", rec.text_km if rec else "")
    if not (text_en or text_km):
        raise DomainError(_l("Write the recommendation in Khmer or in English."), field="text_en")
    if "article" in fields:
        values["article"] = clean_text(fields["article"], "article", 100)
    if "version_id" in fields or "law_id" in values:
        version_id = fields.get("version_id", rec.version_id if rec else None)
        if version_id in (None, ""):
            values["version_id"] = None
        else:
            version = db.session.get(LawVersion, int(version_id))
            if version is None or version.law_id != law_id:
                raise DomainError(_l("Choose a version of this law."), field="version_id")
            values["version_id"] = version.id
    if "campaign_id" in fields:
        campaign_id = fields["campaign_id"]
        if campaign_id in (None, ""):
            values["campaign_id"] = None
        else:
            if db.session.scalar(select(Campaign.id).where(Campaign.id == int(campaign_id))) is None:
                raise DomainError(_l("Choose one of your organisation's campaigns."), field="campaign_id")
            values["campaign_id"] = int(campaign_id)
    if "submitted_to_id" in fields:
        target = fields["submitted_to_id"]
        values["submitted_to_id"] = None if target in (None, "") else _institution(target, "submitted_to_id").id
    if "submitted_on" in fields:
        values["submitted_on"] = fields["submitted_on"] or None
    if "partner_tenant_ids" in fields:
        partners = _ids(fields["partner_tenant_ids"])
        if tenant_id in partners:
            raise DomainError(_l("Your own organisation is the submitter, not a co-submitter."),
                              field="partner_tenant_ids")
        known = set(db.session.scalars(select(Tenant.id).where(Tenant.id.in_(partners), Tenant.is_active)))
        if set(partners) - known:
            raise DomainError(_l("Choose organisations that use this system."), field="partner_tenant_ids")
        values["partner_tenant_ids"] = partners
    if "organisation_ids" in fields:
        values["organisation_ids"] = [_contact(contact_id, "organisation_ids", organisation=True).id
                                      for contact_id in _ids(fields["organisation_ids"])]
    return values


def _apply_co_submitters(rec: Recommendation, values: dict) -> None:
    partners = values.pop("partner_tenant_ids", None)
    organisations = values.pop("organisation_ids", None)
    if partners is not None:
        for row in [row for row in rec.co_submitters if row.partner_tenant_id is not None]:
            if row.partner_tenant_id not in partners:
                rec.co_submitters.remove(row)
        present = {row.partner_tenant_id for row in rec.co_submitters}
        rec.co_submitters.extend(CoSubmitter(tenant_id=rec.tenant_id, partner_tenant_id=partner)
                                 for partner in partners if partner not in present)
    if organisations is not None:
        for row in [row for row in rec.co_submitters if row.organisation_id is not None]:
            if row.organisation_id not in organisations:
                rec.co_submitters.remove(row)
        present = {row.organisation_id for row in rec.co_submitters}
        rec.co_submitters.extend(CoSubmitter(tenant_id=rec.tenant_id, organisation_id=organisation)
                                 for organisation in organisations if organisation not in present)


def create_recommendation(tenant_id: int, *, actor=None, **fields) -> Recommendation:
    """A recommendation of the tenant; a joint submission names its co-submitters here and stays
    one recommendation (counted once)."""
    values = _clean_recommendation(None, tenant_id, fields)
    rec = Recommendation(tenant_id=tenant_id, text_en="", text_km="", article="", outcome=Outcome.PENDING,
                         outcome_evidence="", created_by_id=getattr(actor, "id", None))
    _apply_co_submitters(rec, values)
    for name, value in values.items():
        setattr(rec, name, value)
    db.session.add(rec)
    db.session.flush()
    return rec


def update_recommendation(rec: Recommendation, **fields) -> Recommendation:
    values = _clean_recommendation(rec, rec.tenant_id, fields)
    _apply_co_submitters(rec, values)
    for name, value in values.items():
        setattr(rec, name, value)
    db.session.flush()
    return rec


def decide_outcome(rec: Recommendation, outcome, *, on: date | None, evidence: str | None) -> Recommendation:
    """Record what became of the recommendation. Only the submitting tenant reaches its row (a
    co-submitter only reads it). Any decision but "pending" needs the date and the evidence (a link
    or a reference); going back to pending clears both."""
    try:
        outcome = Outcome(outcome)
    except ValueError:
        raise DomainError(_l("Choose an outcome from the list."), field="outcome") from None
    evidence = clean_text(evidence, "outcome_evidence", MAX_TEXT, multiline=True)
    if outcome == Outcome.PENDING:
        rec.outcome, rec.outcome_on, rec.outcome_evidence = outcome, None, ""
    else:
        if on is None:
            raise DomainError(_l("Give the date the outcome was known."), field="outcome_on")
        if not evidence:
            raise DomainError(_l("Give the evidence of the outcome: a link or a reference."),
                              field="outcome_evidence")
        if rec.submitted_on and on < rec.submitted_on:
            raise DomainError(_l("The outcome cannot come before the submission."), field="outcome_on")
        rec.outcome, rec.outcome_on, rec.outcome_evidence = outcome, on, evidence
    db.session.flush()
    return rec


def recommendation_list_query(*, law_id: int | None = None, campaign_id: int | None = None, outcome=None,
                              date_from: date | None = None, date_to: date | None = None,
                              q: str | None = None) -> Select:
    """The tenant's own recommendations (filters of the list page and the API)."""
    query = select(Recommendation).options(joinedload(Recommendation.law), joinedload(Recommendation.campaign),
                                           joinedload(Recommendation.submitted_to))
    if law_id:
        query = query.where(Recommendation.law_id == law_id)
    if campaign_id:
        query = query.where(Recommendation.campaign_id == campaign_id)
    if outcome:
        query = query.where(Recommendation.outcome == Outcome(outcome))
    if date_from:
        query = query.where(Recommendation.submitted_on >= date_from)
    if date_to:
        query = query.where(Recommendation.submitted_on <= date_to)
    if (q or "").strip():
        query = query.where(any_contains([Recommendation.text_en, Recommendation.text_km,
                                          Recommendation.article], q))
    return query.order_by(Recommendation.submitted_on.desc().nulls_last(), Recommendation.id.desc())


def load_recommendation(rec_id: int) -> Recommendation | None:
    """One of the tenant's own recommendations (scoping hides the others)."""
    return db.session.execute(select(Recommendation).where(Recommendation.id == rec_id).options(
        joinedload(Recommendation.law), joinedload(Recommendation.version), joinedload(Recommendation.campaign),
        joinedload(Recommendation.submitted_to), selectinload(Recommendation.co_submitters))
    ).unique().scalar_one_or_none()


def _co_submitted_ids(tenant_id: int) -> Select:
    return select(CoSubmitter.recommendation_id).where(CoSubmitter.partner_tenant_id == tenant_id)


def co_submitted_recommendations(tenant_id: int, rec_id: int | None = None) -> list[Recommendation]:
    """Recommendations another tenant recorded with `tenant_id` as a co-submitter, for reading only.

    This is the one place the module reads another tenant's rows. The central tenant filter would
    hide them, so the query runs with `samaki_unscoped` — knowingly, and narrowly: the WHERE clause
    keeps only recommendations whose CoSubmitter row names this tenant, and only the recommendation,
    its law, version and institution are loaded (never the owner's campaign, contacts or team).
    Callers show these rows read-only; every write path loads through the scoped load_recommendation."""
    query = (select(Recommendation)
             .where(Recommendation.id.in_(_co_submitted_ids(tenant_id)))
             .options(joinedload(Recommendation.law), joinedload(Recommendation.version),
                      joinedload(Recommendation.submitted_to))
             .order_by(Recommendation.submitted_on.desc().nulls_last(), Recommendation.id.desc())
             .execution_options(samaki_unscoped=True))
    if rec_id is not None:
        query = query.where(Recommendation.id == rec_id)
    return list(db.session.execute(query).unique().scalars())


def submitters_of(rec: Recommendation) -> list[str]:
    """The names of the tenants that submitted `rec` (the owner first), for the read-only view."""
    partner_ids = select(CoSubmitter.partner_tenant_id).where(
        CoSubmitter.recommendation_id == rec.id, CoSubmitter.partner_tenant_id.is_not(None))
    rows = db.session.execute(select(Tenant.id, Tenant.name).where(
        or_(Tenant.id == rec.tenant_id, Tenant.id.in_(partner_ids.execution_options(samaki_unscoped=True))))
        .execution_options(samaki_unscoped=True)).all()
    rows.sort(key=lambda row: (row.id != rec.tenant_id, row.name))
    return [row.name for row in rows]


def _counted_ids(tenant_id: int | None, *, own_only: bool = False) -> Select:
    """Ids of the recommendations a tenant counts: its own and (unless own_only) those it co-submitted.
    Co-submitted ones are another tenant's rows: callers run the query with samaki_unscoped, knowingly,
    and this WHERE clause is what narrows it (see co_submitted_recommendations)."""
    ids = select(Recommendation.id).where(Recommendation.tenant_id == tenant_id)
    return ids if own_only or tenant_id is None else ids.union(_co_submitted_ids(tenant_id))


def _in_period(query: Select, period) -> Select:
    """A decided recommendation counts when its outcome date is in the period; a pending one when it
    was submitted by the period's end (it was still pending then)."""
    if not period:
        return query
    start, end = period
    decided = Recommendation.outcome != Outcome.PENDING
    conditions_decided, conditions_pending = [decided], [~decided]
    if start:
        conditions_decided.append(Recommendation.outcome_on >= start)
    if end:
        conditions_decided.append(Recommendation.outcome_on <= end)
        conditions_pending.append(or_(Recommendation.submitted_on.is_(None), Recommendation.submitted_on <= end))
    return query.where(or_(and_(*conditions_decided), and_(*conditions_pending)))


def _empty_counts() -> dict[Outcome, int]:
    return {outcome: 0 for outcome in Outcome}


def recommendations_taken_up(law_id: int | None = None, campaign_id: int | None = None,
                             period: tuple[date | None, date | None] | None = None,
                             *, tenant_id: int | None = None) -> dict[Outcome, int]:
    """How many of the tenant's recommendations ended in each outcome: its own and those it
    co-submitted, each recommendation once however many organisations signed it (a campaign is the
    tenant's own, so per campaign only its own count). Outcomes without any count 0. One query."""
    from core.tenancy import current_tenant_id
    tenant_id = tenant_id or current_tenant_id()
    query = select(Recommendation.outcome, func.count(Recommendation.id)).where(
        Recommendation.id.in_(_counted_ids(tenant_id, own_only=campaign_id is not None)))
    if law_id:
        query = query.where(Recommendation.law_id == law_id)
    if campaign_id:
        query = query.where(Recommendation.campaign_id == campaign_id)
    query = _in_period(query, period).group_by(Recommendation.outcome)
    counts = _empty_counts()
    for outcome, number in db.session.execute(query.execution_options(samaki_unscoped=True)).all():
        counts[Outcome(outcome)] = number
    return counts


def taken_up_table(group_by: str, period=None) -> list[tuple[object, dict[Outcome, int]]]:
    """The "taken up" summary per law (own and co-submitted recommendations) or per campaign (own):
    (law or campaign, counts) for each that has recommendations. Two queries, however many rows."""
    from core.tenancy import current_tenant_id
    tenant_id = current_tenant_id()
    per_campaign = group_by == "campaign"
    column = Recommendation.campaign_id if per_campaign else Recommendation.law_id
    query = select(column, Recommendation.outcome, func.count(Recommendation.id)).where(
        Recommendation.id.in_(_counted_ids(tenant_id, own_only=per_campaign)), column.is_not(None))
    query = _in_period(query, period).group_by(column, Recommendation.outcome)
    counts: dict[int, dict[Outcome, int]] = {}
    for key, outcome, number in db.session.execute(query.execution_options(samaki_unscoped=True)).all():
        counts.setdefault(key, _empty_counts())[Outcome(outcome)] = number
    if not counts:
        return []
    if per_campaign:
        rows = db.session.scalars(select(Campaign).where(Campaign.id.in_(counts)).order_by(Campaign.title, Campaign.id))
    else:   # an official law, or the tenant's own private one, or (co-submitted) the owner's private one
        rows = db.session.scalars(select(Law).where(Law.id.in_(counts)).order_by(Law.title_en, Law.id))
    return [(row, counts[row.id]) for row in rows]


# --- activities ---------------------------------------------------------------------------------------

ACTIVITY_FIELDS = ("kind", "title", "occurred_on", "campaign_id", "place_id", "summary", "is_public",
                   "participants_total", "participants_women", "participants_youth", "participants_disability",
                   "attendee_ids")
COUNT_FIELDS = ("participants_women", "participants_youth", "participants_disability")


def _count(value, field: str) -> int:
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        raise DomainError(_l("Give a whole number."), field=field) from None
    if number < 0:
        raise DomainError(_l("A count cannot be negative."), field=field)
    if number > 1_000_000:
        raise DomainError(_l("This count is too large."), field=field)
    return number


def _clean_activity(activity: Activity | None, fields: dict) -> dict:
    unknown = set(fields) - set(ACTIVITY_FIELDS)
    if unknown:
        raise TypeError(f"unknown activity fields: {sorted(unknown)}")
    values: dict = {}
    if "title" in fields or activity is None:
        values["title"] = clean_text(fields.get("title"), "title", 300, required=True)
    if "occurred_on" in fields or activity is None:
        if not fields.get("occurred_on"):
            raise DomainError(_l("Give the date of the activity."), field="occurred_on")
        values["occurred_on"] = fields["occurred_on"]
    if "kind" in fields:
        try:
            values["kind"] = ActivityKind(fields["kind"] or ActivityKind.MEETING)
        except ValueError:
            raise DomainError(_l("Choose a kind from the list."), field="kind") from None
    if "summary" in fields:
        values["summary"] = clean_text(fields["summary"], "summary", MAX_TEXT, multiline=True)
    if "is_public" in fields:
        values["is_public"] = bool(fields["is_public"])
    if "campaign_id" in fields:
        campaign_id = fields["campaign_id"]
        if campaign_id in (None, ""):
            values["campaign_id"] = None
        elif db.session.scalar(select(Campaign.id).where(Campaign.id == int(campaign_id))) is None:
            raise DomainError(_l("Choose one of your organisation's campaigns."), field="campaign_id")
        else:
            values["campaign_id"] = int(campaign_id)
    if "place_id" in fields:
        place_id = fields["place_id"]
        if place_id in (None, ""):
            values["place_id"] = None
        else:
            from core.registers.models import Place
            if db.session.get(Place, int(place_id)) is None:
                raise DomainError(_l("Choose a place from the gazetteer."), field="place_id")
            values["place_id"] = int(place_id)
    for name in ("participants_total", *COUNT_FIELDS):
        if name in fields:
            values[name] = _count(fields[name], name)
    total = values.get("participants_total", activity.participants_total if activity else 0)
    for name in COUNT_FIELDS:
        number = values.get(name, getattr(activity, name) if activity else 0)
        if number > total:
            raise DomainError(_l("This count cannot be larger than the total (%(total)s).", total=total),
                              field=name)
    if "attendee_ids" in fields:
        values["attendee_ids"] = [_contact(contact_id, "attendee_ids").id
                                  for contact_id in _ids(fields["attendee_ids"])]
    return values


def _apply_activity(activity: Activity, values: dict) -> None:
    attendees = values.pop("attendee_ids", None)
    for name, value in values.items():
        setattr(activity, name, value)
    if attendees is not None:
        for row in list(activity.attendees):
            if row.contact_id not in attendees:
                activity.attendees.remove(row)
        present = {row.contact_id for row in activity.attendees}
        activity.attendees.extend(ActivityAttendee(tenant_id=activity.tenant_id, contact_id=contact_id)
                                  for contact_id in attendees if contact_id not in present)


def create_activity(tenant_id: int, **fields) -> Activity:
    values = _clean_activity(None, fields)
    activity = Activity(tenant_id=tenant_id, kind=ActivityKind.MEETING, summary="", is_public=False,
                        participants_total=0, participants_women=0, participants_youth=0,
                        participants_disability=0)
    _apply_activity(activity, values)
    db.session.add(activity)
    db.session.flush()
    return activity


def update_activity(activity: Activity, **fields) -> Activity:
    _apply_activity(activity, _clean_activity(activity, fields))
    db.session.flush()
    return activity


def activity_list_query(*, campaign_id: int | None = None, kind=None, date_from: date | None = None,
                        date_to: date | None = None, q: str | None = None, of_campaigns: bool = False) -> Select:
    """The tenant's activities; `of_campaigns` keeps those of a campaign (as the indicators count)."""
    query = select(Activity).options(joinedload(Activity.campaign), joinedload(Activity.place))
    if campaign_id:
        query = query.where(Activity.campaign_id == campaign_id)
    if of_campaigns:
        query = query.where(Activity.campaign_id.is_not(None))
    if kind:
        query = query.where(Activity.kind == ActivityKind(kind))
    if date_from:
        query = query.where(Activity.occurred_on >= date_from)
    if date_to:
        query = query.where(Activity.occurred_on <= date_to)
    if (q or "").strip():
        query = query.where(any_contains([Activity.title, Activity.summary], q))
    return query.order_by(Activity.occurred_on.desc(), Activity.id.desc())


def load_activity(activity_id: int) -> Activity | None:
    return db.session.execute(select(Activity).where(Activity.id == activity_id).options(
        joinedload(Activity.campaign), joinedload(Activity.place),
        selectinload(Activity.attendees).joinedload(ActivityAttendee.contact))).unique().scalar_one_or_none()


# --- search and contact links (hooks) -----------------------------------------------------------------

def search_campaigns(query: str) -> list:
    """Campaigns, recommendations and activities whose texts contain `query` (never a stakeholder's,
    attendee's or strategy text)."""
    from flask import url_for

    from core.permissions import can
    from core.plugins import SearchHit
    text = (query or "").strip()
    if not text or not can("policy.view"):
        return []
    hits = [SearchHit(title=campaign.title, url=url_for("campaigns.detail", campaign_id=campaign.id),
                      kind=_("Campaign"), snippet=str(campaign.status.label))
            for campaign in db.session.scalars(select(Campaign).where(any_contains(
                [Campaign.title, Campaign.goal], text)).order_by(Campaign.id.desc()).limit(20))]
    hits += [SearchHit(title=_("Recommendation on %(law)s", law=rec.law.title_en),
                       url=url_for("campaigns.recommendation", rec_id=rec.id), kind=_("Recommendation"),
                       snippet=(rec.text_en or rec.text_km)[:200])
             for rec in db.session.scalars(select(Recommendation).options(joinedload(Recommendation.law)).where(
                 any_contains([Recommendation.text_en, Recommendation.text_km, Recommendation.article], text))
                 .order_by(Recommendation.id.desc()).limit(20))]
    hits += [SearchHit(title=activity.title, url=url_for("campaigns.activity", activity_id=activity.id),
                       kind=_("Campaign activity"), snippet=activity.occurred_on.isoformat())
             for activity in db.session.scalars(select(Activity).where(any_contains(
                 [Activity.title, Activity.summary], text)).order_by(Activity.id.desc()).limit(20))]
    return hits


def _url(endpoint: str, **values) -> str:
    try:
        from flask import url_for
        return url_for(endpoint, **values)
    except Exception:   # outside a tenant's request (a command merging contacts): no address to give
        return ""


def contact_links(contact: Contact) -> list:
    """Where a contact appears in the module: as a campaign stakeholder, an activity attendee or a
    co-submitting organisation of a recommendation (one query per model). The free text listed for
    erasure is what may name the person: the stakeholder's role, the campaign's goal and strategy
    notes, the activity's summary, the recommendation's text."""
    from core.plugins import ContactLink
    links = []
    stakeholders = db.session.execute(select(CampaignStakeholder, Campaign).join(
        Campaign, Campaign.id == CampaignStakeholder.campaign_id).where(
        CampaignStakeholder.contact_id == contact.id).order_by(CampaignStakeholder.id)).all()
    for stakeholder, campaign in stakeholders:
        review = [text for text in (
            _("Role: %(text)s", text=stakeholder.role) if stakeholder.role else "",
            _("Campaign goal: %(text)s", text=campaign.goal) if campaign and campaign.goal else "",
            _("Strategy notes: %(text)s", text=campaign.strategy_notes) if campaign and campaign.strategy_notes
            else "") if text]
        links.append(ContactLink(record=stakeholder, attribute="contact_id", role=_l("Campaign stakeholder"),
                                 title=campaign.title if campaign else "",
                                 url=_url("campaigns.detail", campaign_id=stakeholder.campaign_id),
                                 review_on_erasure=tuple(review), unique_with=("campaign_id",)))
    attendances = db.session.execute(select(ActivityAttendee, Activity).join(
        Activity, Activity.id == ActivityAttendee.activity_id).where(ActivityAttendee.contact_id == contact.id)
        .order_by(Activity.occurred_on, Activity.id)).all()
    for attendee, activity in attendances:
        review = [_("Activity summary: %(text)s", text=activity.summary)] if activity.summary else []
        links.append(ContactLink(record=attendee, attribute="contact_id", role=_l("Activity attendee"),
                                 title=f"{activity.occurred_on.isoformat()} · {activity.title}",
                                 url=_url("campaigns.activity", activity_id=activity.id),
                                 review_on_erasure=tuple(review), unique_with=("activity_id",)))
    co_submissions = db.session.execute(select(CoSubmitter, Recommendation).join(
        Recommendation, Recommendation.id == CoSubmitter.recommendation_id).where(
        CoSubmitter.organisation_id == contact.id).order_by(Recommendation.id)).all()
    for co_submitter, rec in co_submissions:
        review = [text for text in (rec.text_en, rec.text_km) if text]
        links.append(ContactLink(record=co_submitter, attribute="organisation_id", role=_l("Co-submitter"),
                                 title=_("Recommendation #%(id)s", id=rec.id),
                                 url=_url("campaigns.recommendation", rec_id=rec.id),
                                 review_on_erasure=tuple(_("Recommendation text: %(text)s", text=text)
                                                         for text in review)))
    return links

