"""The policy calendar: upcoming official events and the organisation's own (never another's), with
their law; members add, change and delete their organisation's events; official events are written
only by operators and conveners; bad input is a clear error and nothing is saved."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.errors import DomainError
from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.policy_tracker import events
from plugins.policy_tracker.models import EventKind, LawEvent
from tests.helpers import login, make_member
from tests.plugins.policy_tracker.policy_events_helpers import private_law

SOON = date.today() + timedelta(days=5)


def own_event(tenant, actor, title, **fields) -> LawEvent:
    with tenant_scope(tenant.id):
        event = events.create_event(tenant.id, actor=actor, title_en=title, starts_on=fields.pop("starts_on", SOON),
                                    **fields)
        db.session.commit()
        return event


def test_calendar_lists_official_and_own_events_never_anothers(client, tenant, other_tenant, staff, followed_law):
    db.session.add(LawEvent(law=followed_law, kind=EventKind.CONSULTATION_DEADLINE, title_en="Comments due on draft 3",
                            starts_on=SOON))
    db.session.commit()
    own_event(tenant, staff, "Our coalition workshop", kind="workshop", place_text="Kampot")
    outsider = make_member(other_tenant, Role.STAFF, email="outsider@b.example")
    own_event(other_tenant, outsider, "Battambang secret strategy meeting", is_private=True)
    own_event(tenant, staff, "Far away meeting", starts_on=date.today() + timedelta(days=200))
    login(client, staff.email)
    page = client.get(f"/t/{tenant.slug}/policy/calendar/").text
    assert "Comments due on draft 3" in page and "Law on Access to Information" in page
    assert "Our coalition workshop" in page and "Kampot" in page
    assert "Battambang secret" not in page and "Far away meeting" not in page
    upcoming = events.upcoming_events(other_tenant, outsider)
    assert [e.title_en for e in upcoming] == ["Comments due on draft 3", "Battambang secret strategy meeting"]


def test_member_adds_edits_and_deletes_an_event(staff_client, tenant, staff, followed_law):
    base = f"/t/{tenant.slug}/policy/calendar"
    assert staff_client.get(f"{base}/events/new").status_code == 200
    response = staff_client.post(f"{base}/events/new", data={
        "title_en": "Hearing, Senate; commission 2", "title_km": "", "kind": "hearing", "starts_on": SOON.isoformat(),
        "law_id": str(followed_law.id), "place_text": "", "remind_days_before": "2", "is_private": "y"})
    assert response.status_code == 302
    with tenant_scope(tenant.id):
        event = db.session.execute(select(LawEvent)).scalar_one()
        assert event.owner_tenant_id == tenant.id and event.is_private and event.law_id == followed_law.id
    response = staff_client.post(f"{base}/events/{event.id}/edit", data={
        "title_en": "Senate hearing", "kind": "hearing", "starts_on": SOON.isoformat(), "law_id": "",
        "remind_days_before": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(LawEvent, event.id).title_en == "Senate hearing"
    assert staff_client.post(f"{base}/events/{event.id}/delete").status_code == 302
    assert db.session.get(LawEvent, event.id) is None


def test_bad_event_input_is_a_clear_error_and_nothing_is_saved(staff_client, tenant):
    base = f"/t/{tenant.slug}/policy/calendar"
    page = staff_client.post(f"{base}/events/new", data={"title_en": "", "kind": "hearing", "starts_on": "2026-13-40",
                                                          "law_id": "", "remind_days_before": "400"}).text
    assert "This field is required." in page or "Not a valid date value." in page
    assert "Number must be between 0 and 60." in page
    page = staff_client.post(f"{base}/events/new", data={"title_en": "Official?", "kind": "other",
                                                          "starts_on": SOON.isoformat(), "law_id": "",
                                                          "remind_days_before": "3", "official": "y"}).text
    assert "Only instance operators and conveners" in page
    assert db.session.execute(select(LawEvent)).first() is None


def test_a_viewer_cannot_add_events(client, tenant, viewer):
    login(client, viewer.email)
    assert client.get(f"/t/{tenant.slug}/policy/calendar/events/new").status_code == 403
    assert "Add an event" not in client.get(f"/t/{tenant.slug}/policy/calendar/").text


def test_official_events_only_by_operators_and_conveners(tenant, other_tenant, admin_user, staff, followed_law):
    member_b = make_member(other_tenant, Role.OWNER, email="owner@b.example")
    with tenant_scope(other_tenant.id), pytest.raises(DomainError):
        events.create_event(other_tenant.id, actor=member_b, official=True, title_en="Hearing", starts_on=SOON,
                            law_id=followed_law.id)
    db.session.rollback()
    with tenant_scope(tenant.id), pytest.raises(DomainError):   # staff are not conveners
        events.create_event(tenant.id, actor=staff, official=True, title_en="Hearing", starts_on=SOON,
                            law_id=followed_law.id)
    db.session.rollback()
    with tenant_scope(tenant.id):   # a manager of the convening tenant
        event = events.create_event(tenant.id, actor=admin_user, official=True, title_en="Hearing", starts_on=SOON,
                                    law_id=followed_law.id, is_private=True)
        db.session.commit()
    assert event.owner_tenant_id is None and not event.is_private
    with tenant_scope(other_tenant.id):   # everyone sees it; the other tenant may not change it
        assert events.get_event(other_tenant.id, event.id) is not None
        with pytest.raises(DomainError):
            events.update_event(other_tenant.id, event, actor=member_b, title_en="Changed")
    db.session.rollback()


def test_another_organisations_event_or_private_law_is_out_of_reach(staff_client, tenant, other_tenant, staff):
    outsider = make_member(other_tenant, Role.STAFF, email="outsider@b.example")
    theirs = own_event(other_tenant, outsider, "Their workshop")
    law = private_law(other_tenant)
    assert staff_client.get(f"/t/{tenant.slug}/policy/calendar/events/{theirs.id}/edit").status_code == 404
    assert staff_client.post(f"/t/{tenant.slug}/policy/calendar/events/{theirs.id}/delete").status_code == 404
    with tenant_scope(tenant.id), pytest.raises(DomainError):
        events.create_event(tenant.id, actor=staff, title_en="On their law", starts_on=SOON, law_id=law.id)
    db.session.rollback()
    assert db.session.get(LawEvent, theirs.id).title_en == "Their workshop"


def test_calendar_page_costs_the_same_with_more_events(admin_client, tenant, admin_user, followed_law):
    from tests.helpers import statements_for
    url = f"/t/{tenant.slug}/policy/calendar/"

    def add(n):
        for i in range(n):
            db.session.add(LawEvent(law=followed_law, title_en=f"Official {i}", starts_on=SOON))
        db.session.commit()
        own_event(tenant, admin_user, f"Own {n}")

    add(1)
    admin_client.get(url)                    # warm up (first-request work is not per row)
    few = statements_for(admin_client, url)
    add(8)
    page = admin_client.get(url).text
    assert page.count(">Edit<") == 11        # the convener edits official events and the organisation's own
    assert statements_for(admin_client, url) == few
