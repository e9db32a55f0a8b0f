"""Event reminders go out once, `remind_days_before` days ahead, in each user's language: an
official event to the law's subscribers, an organisation's event to its members."""
from datetime import UTC, date, datetime

from core.extensions import db
from core.jobs import run_due
from core.models import Role
from core.tenancy import tenant_scope
from plugins.policy_tracker import events, subscriptions
from plugins.policy_tracker.models import EventKind, LawEvent
from plugins.policy_tracker.reminders import send_reminders
from tests.helpers import make_member
from tests.plugins.policy_tracker.policy_events_helpers import (
    khmer,
    notifications_of,
    texts_of,
)

# Monday 21 September 2026, 09:00 in Phnom Penh: A2I Day (28 September) is a week away.
NOW = datetime(2026, 9, 21, 2, 0, tzinfo=UTC)


def official_event(law, starts_on=date(2026, 9, 28), remind_days_before=7) -> LawEvent:
    event = LawEvent(law=law, kind=EventKind.COMMEMORATION, title_en="A2I Day", title_km="ទិវាសិទ្ធិទទួលបានព័ត៌មាន",
                     starts_on=starts_on, remind_days_before=remind_days_before)
    db.session.add(event)
    db.session.commit()
    return event


def test_a_law_subscriber_is_reminded_once_in_khmer(tenant, other_tenant, staff, group, followed_law):
    khmer_reader = make_member(other_tenant, Role.STAFF, email="sokha@b.example", locale="km")
    with tenant_scope(other_tenant.id):
        subscriptions.subscribe(other_tenant.id, khmer_reader, group_id=group.id)
        db.session.commit()
    bystander = make_member(tenant, Role.MEMBER, email="bystander@a.example")
    official_event(followed_law)
    assert send_reminders(NOW) == 1
    (text,) = texts_of(khmer_reader, "km")
    assert "ទិវាសិទ្ធិទទួលបានព័ត៌មាន" in text and khmer(text)
    assert notifications_of(bystander) == [] and notifications_of(staff) == []
    assert send_reminders(NOW) == 0                     # the next run does not repeat it
    assert send_reminders(datetime(2026, 9, 22, 2, 0, tzinfo=UTC)) == 0
    assert len(notifications_of(khmer_reader)) == 1


def test_no_reminder_before_its_day(tenant, staff, followed_law):
    with tenant_scope(tenant.id):
        subscriptions.subscribe(tenant.id, staff, law_id=followed_law.id)
        db.session.commit()
    official_event(followed_law, remind_days_before=3)
    assert send_reminders(NOW) == 0 and notifications_of(staff) == []
    assert send_reminders(datetime(2026, 9, 25, 2, 0, tzinfo=UTC)) == 1
    assert "A2I Day" in texts_of(staff)[0]


def test_an_organisations_event_reminds_its_members_only(tenant, other_tenant, staff):
    colleague = make_member(tenant, Role.VIEWER, email="viewer@a.example", locale="km")
    outsider = make_member(other_tenant, Role.STAFF, email="outsider@b.example")
    with tenant_scope(tenant.id):
        events.create_event(tenant.id, actor=staff, title_en="Hearing on the commune budget",
                            title_km="សវនាការអំពីថវិកាឃុំ", kind=EventKind.HEARING, starts_on=date(2026, 9, 23),
                            is_private=True, remind_days_before=2)
        db.session.commit()
    assert send_reminders(NOW) == 1
    assert "Hearing on the commune budget" in texts_of(staff)[0]
    assert "សវនាការអំពីថវិកាឃុំ" in texts_of(colleague, "km")[0]
    assert notifications_of(outsider) == []


def test_a_moved_event_is_reminded_again(tenant, staff):
    with tenant_scope(tenant.id):
        event = events.create_event(tenant.id, actor=staff, title_en="Workshop", starts_on=date(2026, 9, 22),
                                    remind_days_before=1)
        db.session.commit()
    assert send_reminders(NOW) == 1
    with tenant_scope(tenant.id):
        events.update_event(tenant.id, event, actor=staff, starts_on=date(2026, 9, 24))
        db.session.commit()
    assert send_reminders(datetime(2026, 9, 23, 2, 0, tzinfo=UTC)) == 1
    assert len(notifications_of(staff)) == 2


def test_reminders_run_as_a_scheduled_job(tenant, staff):
    with tenant_scope(tenant.id):
        events.create_event(tenant.id, actor=staff, title_en="Workshop", starts_on=date(2026, 9, 22))
        db.session.commit()
    assert "policy.event_reminders" in run_due(NOW)
    assert len(notifications_of(staff)) == 1


def test_a_switched_off_module_reminds_nobody(tenant, staff):
    from core.admin.services import set_plugin_enabled
    with tenant_scope(tenant.id):
        events.create_event(tenant.id, actor=staff, title_en="Workshop", starts_on=date(2026, 9, 22))
        db.session.commit()
    set_plugin_enabled(tenant, "policy_tracker", False)
    db.session.commit()
    send_reminders(NOW)
    assert notifications_of(staff) == []
