"""Factories for the coalition tests (sharing, group timeline, indicators, widget, demo): build
exactly the rows a test needs, official rows outside any tenant as an operator's seed would."""
from __future__ import annotations

from datetime import date

from core.extensions import db
from core.models import WorkingGroup, WorkingGroupMember
from core.tenancy import tenant_scope
from plugins.policy_tracker.models import (Activity, Campaign, CampaignStatus, CoSubmitter, GroupLaw, InstrumentType,
                                           Law, LawEvent, PolicyStage, Recommendation, StageChange,
                                           StatusNote)
from tests.helpers import login, make_member


def make_group(convener, *others, slug: str = "a2iwg", name: str = "A2I Working Group") -> WorkingGroup:
    group = WorkingGroup(slug=slug, name=name, convening_tenant_id=convener.id)
    group.members += [WorkingGroupMember(tenant_id=t.id) for t in (convener, *others)]
    db.session.add(group)
    db.session.commit()
    return group


def make_law(title_en: str = "Law on Access to Information", short_name: str = "A2I law", **fields) -> Law:
    law = Law(title_en=title_en, short_name=short_name, instrument_type=fields.pop("instrument_type", InstrumentType.LAW),
              **fields)
    db.session.add(law)
    db.session.commit()
    return law


def make_stage(code: str, name_en: str, position: int, name_km: str = "") -> PolicyStage:
    stage = PolicyStage(instrument_type=InstrumentType.LAW, code=code, name_en=name_en, name_km=name_km,
                        position=position)
    db.session.add(stage)
    db.session.commit()
    return stage


def add_stage_change(law: Law, stage: PolicyStage, occurred_on: date, note: str = "", source: str = "") -> StageChange:
    change = StageChange(law=law, stage=stage, occurred_on=occurred_on, note=note, source=source)
    db.session.add(change)
    law.current_stage, law.current_stage_on = stage, occurred_on
    db.session.commit()
    return change


def follow(group: WorkingGroup, law: Law) -> GroupLaw:
    row = GroupLaw(group_id=group.id, law_id=law.id)
    db.session.add(row)
    db.session.commit()
    return row


def make_campaign(tenant, **fields) -> Campaign:
    with tenant_scope(tenant.id):
        fields.setdefault("title", "Adopt the A2I law")
        fields.setdefault("status", CampaignStatus.ACTIVE)
        campaign = Campaign(**fields)
        db.session.add(campaign)
        db.session.commit()
        return campaign


def make_recommendation(tenant, law: Law, *, partners=(), **fields) -> Recommendation:
    with tenant_scope(tenant.id):
        fields.setdefault("text_en", "Reply within 5 working days.")
        fields.setdefault("submitted_on", date(2026, 3, 20))
        rec = Recommendation(law_id=law.id, **fields)
        rec.co_submitters += [CoSubmitter(partner_tenant_id=partner.id) for partner in partners]
        db.session.add(rec)
        db.session.commit()
        return rec


def make_note(tenant, law: Law, text: str, noted_on: date, source: str = "") -> StatusNote:
    with tenant_scope(tenant.id):
        note = StatusNote(law_id=law.id, text=text, noted_on=noted_on, source=source)
        db.session.add(note)
        db.session.commit()
        return note


def make_activity(tenant, campaign: Campaign | None, title: str, occurred_on: date, total: int = 0, women: int = 0,
                  public: bool = False) -> Activity:
    with tenant_scope(tenant.id):
        activity = Activity(campaign_id=campaign.id if campaign else None, title=title, occurred_on=occurred_on,
                            participants_total=total, participants_women=women, is_public=public)
        db.session.add(activity)
        db.session.commit()
        return activity


def make_event(title_en: str, starts_on: date, owner=None, **fields) -> LawEvent:
    event = LawEvent(title_en=title_en, starts_on=starts_on, owner_tenant_id=owner.id if owner else None, **fields)
    db.session.add(event)
    db.session.commit()
    return event


def client_of(app, tenant, role: str = "staff", email: str | None = None):
    user = make_member(tenant, role, email=email or f"{role}@{tenant.slug}.example")
    client = app.test_client()
    login(client, user.email)
    return client


def share(client, tenant, record_type: str, record_id: int, group_slug: str = "a2iwg"):
    return client.post(f"/t/{tenant.slug}/groups/share", data={"record_type": record_type, "record_id": record_id,
                                                               "group": group_slug}, follow_redirects=True)


