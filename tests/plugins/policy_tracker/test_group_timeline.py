"""The working-group page shows, per law the group follows, one merged timeline: the official stage
history and the members' shared notes and recommendations (who said what, when, outcome), newest
first, to members only, with a number of queries that does not grow with the rows."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.extensions import db
from core import sharing
from core.models import SharedRecord
from plugins.policy_tracker.models import Outcome
from tests.helpers import make_tenant, statements_for
from tests.plugins.policy_tracker.coalition_helpers import (add_stage_change, client_of, follow, make_group, make_law,
                                                            make_note, make_recommendation, make_stage, share)


@pytest.fixture
def picture(app, staff_client, tenant, other_tenant):
    group = make_group(tenant, other_tenant)
    law = make_law()
    follow(group, law)
    drafting = make_stage("drafting", "Drafting", 1)
    review = make_stage("review", "Inter-ministerial review", 3)
    add_stage_change(law, drafting, date(2025, 1, 10), note="Draft 1 circulated")
    add_stage_change(law, review, date(2026, 2, 1), source="Ministry press release")
    rec = make_recommendation(tenant, law, partners=[other_tenant], article="Article 14",
                              outcome=Outcome.ADOPTED, outcome_on=date(2026, 5, 5), outcome_evidence="Draft 5")
    share(staff_client, tenant, "policy.recommendation", rec.id)
    other_staff = client_of(app, other_tenant, "staff", email="staff@b.example")
    note = make_note(other_tenant, law, "Ministry promises a consultation in June.", date(2026, 3, 3),
                     source="Phone call with the drafting team")
    share(other_staff, other_tenant, "policy.status_note", note.id)
    return group, law


def test_member_sees_the_merged_timeline_newest_first(app, tenant, other_tenant, picture):
    page = client_of(app, other_tenant, "viewer").get(f"/t/{other_tenant.slug}/groups/a2iwg/").text
    assert "Laws the group follows" in page and "Law on Access to Information" in page
    expected_order = ["Outcome of Kampot CSO Network's recommendation: Adopted",            # 2026-05-05
                      "Kampot CSO Network recommended on Article 14:",                      # 2026-03-20
                      "Battambang Youth Network noted:",                                     # 2026-03-03
                      "Official: Inter-ministerial review",                                 # 2026-02-01
                      "Official: Drafting"]                                                  # 2025-01-10
    positions = [page.find(text) for text in expected_order]
    assert -1 not in positions, list(zip(expected_order, positions))
    assert positions == sorted(positions)
    assert "Jointly with Battambang Youth Network" in page and "Phone call with the drafting team" in page


def test_only_the_groups_members_see_the_picture(app, tenant, picture):
    outsider_tenant = make_tenant("siem-reap-women")
    outsider = client_of(app, outsider_tenant, "owner")
    response = outsider.get("/t/siem-reap-women/groups/a2iwg/")
    assert response.status_code == 404 and "Ministry promises" not in response.text
    assert client_of(app, tenant, "viewer").get(f"/t/{tenant.slug}/groups/a2iwg/").status_code == 200


def test_a_withdrawn_share_leaves_the_timeline(app, tenant, other_tenant, picture):
    note_share = db.session.execute(select(SharedRecord).where(
        SharedRecord.record_type == "policy.status_note")).scalar_one()
    sharing.unshare(note_share)
    db.session.commit()
    page = client_of(app, tenant, "viewer").get(f"/t/{tenant.slug}/groups/a2iwg/").text
    assert "Battambang Youth Network noted:" not in page and "Official: Drafting" in page


def test_the_timeline_costs_the_same_queries_for_more_laws_and_items(app, staff_client, tenant, other_tenant, picture):
    group, _law = picture
    reader = client_of(app, tenant, "viewer")
    before = statements_for(reader, f"/t/{tenant.slug}/groups/a2iwg/")
    stage = make_stage("assembly", "National Assembly", 5)
    for number in range(3):
        another = make_law(title_en=f"Sub-decree number {number}", short_name=f"SD{number}")
        follow(group, another)
        add_stage_change(another, stage, date(2026, 6, number + 1))
        for day in range(1, 4):
            note = make_note(tenant, another, f"Note {number}-{day}", date(2026, 7, day))
            share(staff_client, tenant, "policy.status_note", note.id)
    assert statements_for(reader, f"/t/{tenant.slug}/groups/a2iwg/") == before


def test_each_law_shows_at_most_thirty_items(app, staff_client, tenant, other_tenant, picture, monkeypatch):
    from plugins.policy_tracker import group_views
    monkeypatch.setattr(group_views, "ITEMS_PER_LAW", 3)
    group, _law = picture
    timelines = group_views.law_timelines(group, tenant)
    assert len(timelines) == 1 and len(timelines[0].items) == 3
    assert timelines[0].items[0].kind == "outcome"


def test_the_picture_reads_in_khmer(app, tenant, other_tenant, picture):
    _group, law = picture
    law.title_km = "ច្បាប់ស្តីពីសិទ្ធិទទួលបានព័ត៌មាន"
    other_tenant.default_locale = "km"
    db.session.commit()
    response = client_of(app, other_tenant, "viewer").get(f"/t/{other_tenant.slug}/groups/a2iwg/")
    assert response.status_code == 200 and 'lang="km"' in response.text
    assert "ច្បាប់ស្តីពីសិទ្ធិទទួលបានព័ត៌មាន" in response.text and "Ministry promises" in response.text
