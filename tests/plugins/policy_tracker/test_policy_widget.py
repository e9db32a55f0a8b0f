"""The dashboard card: the next deadlines (official events and the tenant's own, 30 days ahead) and
the latest stage changes on the laws the tenant sees."""
from __future__ import annotations

from datetime import timedelta

from plugins.policy_tracker.reports import tenant_today
from tests.helpers import statements_for
from tests.plugins.policy_tracker.coalition_helpers import add_stage_change, make_event, make_law, make_stage


def test_dashboard_shows_next_deadlines_and_latest_stage_changes(staff_client, tenant, other_tenant):
    today = tenant_today(tenant)
    make_event("Consultation deadline on draft 4", today + timedelta(days=5))
    make_event("Our workshop on the draft", today + timedelta(days=12), owner=tenant, is_private=True)
    make_event("Their private meeting", today + timedelta(days=6), owner=other_tenant)
    make_event("A2I Day far ahead", today + timedelta(days=45))
    make_event("Past hearing", today - timedelta(days=2))
    law = make_law()
    theirs = make_law(title_en="Their private draft", short_name="Private draft", owner_tenant_id=other_tenant.id)
    stage = make_stage("council", "Council of Ministers", 4)
    add_stage_change(law, stage, today - timedelta(days=3))
    add_stage_change(theirs, stage, today - timedelta(days=1))
    page = staff_client.get(f"/t/{tenant.slug}/").text
    assert "Next deadlines" in page and "Latest stage changes" in page
    assert "Consultation deadline on draft 4" in page and "Our workshop on the draft" in page
    assert "in 5 days" in page
    for hidden in ["Their private meeting", "A2I Day far ahead", "Past hearing", "Private draft"]:
        assert hidden not in page, hidden
    assert "A2I law → Council of Ministers" in page


def test_the_card_is_light(staff_client, tenant):
    stage = make_stage("council", "Council of Ministers", 4)
    today = tenant_today(tenant)
    url = f"/t/{tenant.slug}/"
    make_event("One deadline", today + timedelta(days=3))
    few = statements_for(staff_client, url)
    for number in range(6):
        make_event(f"Deadline {number}", today + timedelta(days=number + 1))
        add_stage_change(make_law(title_en=f"Law {number}", short_name=f"L{number}"), stage, today)
    assert statements_for(staff_client, url) == few


def test_empty_card_says_so(staff_client, tenant):
    page = staff_client.get(f"/t/{tenant.slug}/").text
    assert "No deadline or event in the coming days." in page and "No stage change recorded yet." in page


def test_the_card_reads_in_khmer(staff_client, tenant):
    from core.extensions import db
    law = make_law(title_km="ច្បាប់ស្តីពីសិទ្ធិទទួលបានព័ត៌មាន", short_name="")
    add_stage_change(law, make_stage("council", "Council of Ministers", 4, name_km="គណៈរដ្ឋមន្ត្រី"),
                     tenant_today(tenant))
    tenant.default_locale = "km"
    db.session.commit()
    page = staff_client.get(f"/t/{tenant.slug}/").text
    assert "ច្បាប់ស្តីពីសិទ្ធិទទួលបានព័ត៌មាន → គណៈរដ្ឋមន្ត្រី" in page
