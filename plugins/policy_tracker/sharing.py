"""What the policy tracker lets tenants share with working groups: a campaign, a status note, a
recommendation. Each type lists exactly the fields a share publishes (as plain text, copied by
core.sharing); a campaign's stakeholders, team, budget and strategy notes are never among them."""
from __future__ import annotations

from datetime import date

from flask import current_app, has_app_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from core.extensions import db
from core.models import Tenant
from core.plugins import ShareableType
from core.registers.models import Contact, ContactKind, Institution
from plugins.policy_tracker.models import (Activity, Campaign, CampaignLaw, CoSubmitter, Law, Recommendation,
                                           StatusNote)

CAMPAIGN, STATUS_NOTE, RECOMMENDATION = "policy.campaign", "policy.status_note", "policy.recommendation"
TITLE_EXCERPT = 80


def shareable_types() -> list[ShareableType]:
    return [
        ShareableType(
            name=CAMPAIGN, label=_l("Advocacy campaign"), model=Campaign,
            fields={"title": _l("Title"), "goal": _l("Goal"), "shared_laws": _l("Linked laws"),
                    "status": _l("Status"), "shared_period": _l("Period"),
                    "shared_activities": _l("Public activities")},
            title=lambda campaign: campaign.title),
        ShareableType(
            name=STATUS_NOTE, label=_l("Status note on a law"), model=StatusNote,
            fields={"shared_law_id": _l("Law register number"), "shared_law": _l("Law"),
                    "noted_on": _l("Date"), "text": _l("Note"), "source": _l("Source")},
            title=lambda note: _title(note.law, note.noted_on.isoformat() if note.noted_on else "", note.text)),
        ShareableType(
            name=RECOMMENDATION, label=_l("Recommendation on a law"), model=Recommendation,
            fields={"shared_law_id": _l("Law register number"), "shared_law": _l("Law"), "article": _l("Article"),
                    "text_en": _l("Recommendation (English)"), "text_km": _l("Recommendation (Khmer)"),
                    "submitted_on": _l("Submitted on"), "shared_submitted_to": _l("Submitted to"),
                    "outcome": _l("Outcome"), "outcome_on": _l("Outcome decided on"),
                    "shared_co_submitters": _l("Submitted jointly with")},
            title=lambda rec: _title(rec.law, rec.article, rec.text_en or rec.text_km)),
    ]


def _excerpt(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= TITLE_EXCERPT else text[:TITLE_EXCERPT - 1] + "…"


def _title(law: Law | None, middle: str, text: str) -> str:
    parts = [(law.short_name or law.title_en or law.title_km) if law else "", middle, _excerpt(text)]
    return " · ".join(part for part in parts if part)


# --- published values (read by the @property methods at the end of the model classes) ----------------

def law_text(law: Law | None) -> str:
    """Both titles of the law, for members reading in either language."""
    if law is None:
        return ""
    return " / ".join(title for title in (law.title_en, law.title_km) if title)


def institution_text(institution: Institution | None) -> str:
    if institution is None:
        return ""
    return " / ".join(name for name in (institution.name_en, institution.name_km) if name)


def period_text(starts_on: date | None, ends_on: date | None) -> str:
    if starts_on is None and ends_on is None:
        return ""
    return f"{starts_on.isoformat() if starts_on else '…'} – {ends_on.isoformat() if ends_on else '…'}"


def campaign_laws_text(campaign: Campaign) -> str:
    """One line per linked law (queried, so a link added in this transaction is included)."""
    laws = db.session.execute(select(Law).join(CampaignLaw, CampaignLaw.law_id == Law.id).where(
        CampaignLaw.campaign_id == campaign.id).order_by(Law.title_en)).scalars()
    return "\n".join(law_text(law) for law in laws)


def public_activities_text(campaign: Campaign) -> str:
    """One line per activity marked public: date · kind · title (never attendees or counts). Kinds
    are written in the owner's language, like the rest of what it shares."""
    activities = db.session.execute(select(Activity).where(
        Activity.campaign_id == campaign.id, Activity.is_public.is_(True))
        .order_by(Activity.occurred_on, Activity.id)).scalars().all()
    if not activities:
        return ""
    owner = db.session.get(Tenant, campaign.tenant_id)
    with force_locale(owner.default_locale if owner is not None and owner.default_locale else "en"):
        return "\n".join(f"{activity.occurred_on.isoformat()} · {activity.kind.label} · {activity.title}"
                         for activity in activities)


def co_submitters_text(recommendation: Recommendation) -> str:
    """The organisations that submitted jointly: member tenants and organisation contacts (never a
    person, never a protected or erased contact)."""
    rows = db.session.execute(select(CoSubmitter.partner_tenant_id, CoSubmitter.organisation_id).where(
        CoSubmitter.recommendation_id == recommendation.id).order_by(CoSubmitter.id)).all()
    tenant_ids = [row.partner_tenant_id for row in rows if row.partner_tenant_id]
    contact_ids = [row.organisation_id for row in rows if row.organisation_id]
    names = []
    if tenant_ids:
        names += db.session.execute(select(Tenant.name).where(Tenant.id.in_(tenant_ids))
                                    .order_by(Tenant.name)).scalars().all()
    if contact_ids:
        organisations = db.session.execute(select(Contact).where(
            Contact.id.in_(contact_ids), Contact.kind == ContactKind.ORGANISATION, Contact.protected.is_(False),
            Contact.erased_at.is_(None)).order_by(Contact.name_latin)).scalars()
        names += [" / ".join(n for n in (org.name_latin, org.name_km) if n) for org in organisations]
    return "\n".join(name for name in names if name)


# --- keep shares current when a campaign's activities or laws, or a recommendation's co-submitters change

def _note_changed_parents(session: Session, flush_context) -> None:
    """core.sharing refreshes a shared record when the record itself changed; these published values
    also depend on child rows, so their parent is queued for the same refresh."""
    if not has_app_context() or "samaki" not in current_app.extensions:
        return
    parents = []
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, (Activity, CampaignLaw)) and obj.campaign_id:
            parents.append((Campaign, obj.campaign_id))
        elif isinstance(obj, CoSubmitter) and obj.recommendation_id:
            parents.append((Recommendation, obj.recommendation_id))
    # A parent flushed in this same round is new (not shared yet) or already queued by the core.
    in_flush = {(type(obj), obj.id) for obj in list(session.new) + list(session.dirty) + list(session.deleted)
                if isinstance(obj, (Campaign, Recommendation))}
    records = [session.get(model, record_id) for model, record_id in dict.fromkeys(parents)
               if (model, record_id) not in in_flush]
    records = [record for record in records if record is not None]
    if records:
        session.info.setdefault("samaki_shared_changes", []).extend(records)


def install_share_refresh() -> None:
    if not event.contains(Session, "after_flush", _note_changed_parents):
        event.listen(Session, "after_flush", _note_changed_parents)
