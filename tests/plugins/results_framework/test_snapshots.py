"""Freezing a period through the pages: the values stored are the live values of that moment, later
data does not move them, a period is frozen once, a correction is a new snapshot linked to the one
it corrects, only managers freeze, and another organisation's snapshots are out of reach."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from core.extensions import db
from core.models import Role
from core.models.audit import AuditEvent
from core.periods import parse_period
from core.tenancy import tenant_scope
from plugins.results_framework import services
from plugins.results_framework.models import Snapshot, SnapshotValue, Unit
from tests.helpers import csrf_token_from, login, make_member, statements_for
from tests.plugins.results_framework.conftest import enter, make_indicator


def base(tenant) -> str:
    return f"/t/{tenant.slug}/results/snapshots"


def two_indicators(tenant, outcome):
    trained = make_indicator(tenant, outcome, "1.1.1", name_en="People trained", targets={"2025": 400, "2025-Q1": 100})
    women = make_indicator(tenant, outcome, "1.1.2", name_en="Share of women among people trained",
                           name_km="ភាគរយស្ត្រីក្នុងចំណោមអ្នកបានទទួលការបណ្តុះបណ្តាល", unit=Unit.PERCENT,
                           targets={"2025": 50})
    enter(tenant, trained, "2025-Q1", 120, breakdown={"sex": {"female": 70, "male": 50}},
          comment="Two workshops in Kampot")
    enter(tenant, women, "2025-Q1", "58.3")
    return trained, women


def freeze_through_page(client, tenant, period_key: str, **fields):
    page = client.get(f"{base(tenant)}/freeze", query_string={"kind": parse_period(period_key).kind.value,
                                                              "period": period_key})
    assert page.status_code == 200, page.text
    data = {"csrf_token": csrf_token_from(page.text), "period": period_key, "comment": "", **fields}
    return client.post(f"{base(tenant)}/freeze", data=data)


def stored(tenant) -> list[Snapshot]:
    with tenant_scope(tenant.id):
        return list(db.session.scalars(select(Snapshot).order_by(Snapshot.id)))


def test_manager_sees_live_values_and_freezes_them(admin_client, tenant, outcome, admin_user):
    trained, women = two_indicators(tenant, outcome)
    page = admin_client.get(f"{base(tenant)}/freeze", query_string={"kind": "quarter", "period": "2025-Q1"})
    assert page.status_code == 200
    text = page.text
    for shown in ["Q1 2025 as it stands now", "1.1.1 · People trained", "120", "58.3%", "Target",
                  "Comment on 1.1.1", "Two workshops in Kampot", "Freeze Q1 2025"]:
        assert shown in text, shown
    response = admin_client.post(f"{base(tenant)}/freeze", data={
        "csrf_token": csrf_token_from(text), "period": "2025-Q1", "comment": "Quarterly report to the board",
        f"note_{women.id}": "Counted from the attendance sheets"})
    assert response.status_code == 302
    [snapshot] = stored(tenant)
    assert response.headers["Location"].endswith(f"{base(tenant)}/{snapshot.id}")
    with tenant_scope(tenant.id):
        live = services.values_for(tenant, services.all_indicators(tenant.id), parse_period("2025-Q1"))
        frozen = {value.indicator_id: value for value in db.session.get(Snapshot, snapshot.id).values}
    assert snapshot.frozen_by_id == admin_user.id and snapshot.comment == "Quarterly report to the board"
    for indicator_id, value in live.items():
        assert frozen[indicator_id].value == value.value
        assert frozen[indicator_id].target == value.target
        assert frozen[indicator_id].breakdown == value.breakdown
    assert frozen[trained.id].value == Decimal("120") and frozen[trained.id].target == Decimal("100")
    assert frozen[trained.id].comment == "Two workshops in Kampot"          # the value's own comment, kept
    assert frozen[women.id].comment == "Counted from the attendance sheets"
    detail = admin_client.get(response.headers["Location"]).text
    for shown in ["Snapshot of Q1 2025", "In force", "Quarterly report to the board", "People trained", "120",
                  "Counted from the attendance sheets", "Breakdown", "Female: 70", "Frozen by Admin of kampot-network"]:
        assert shown in detail, shown


def test_later_data_does_not_change_the_snapshot(admin_client, tenant, outcome):
    trained, _women = two_indicators(tenant, outcome)
    assert freeze_through_page(admin_client, tenant, "2025-Q1").status_code == 302
    enter(tenant, trained, "2025-Q1", 135, comment="A late attendance sheet")
    [snapshot] = stored(tenant)
    with tenant_scope(tenant.id):
        value = db.session.scalar(select(SnapshotValue).where(SnapshotValue.snapshot_id == snapshot.id,
                                                              SnapshotValue.indicator_id == trained.id))
        assert value.value == Decimal("120")
        assert services.values_for(tenant, [trained], parse_period("2025-Q1"))[trained.id].value == Decimal("135")
    detail = admin_client.get(f"{base(tenant)}/{snapshot.id}").text
    assert "120" in detail and "A late attendance sheet" not in detail.split("Value now")[0]


def test_freezing_a_frozen_period_again_is_refused_on_the_form(admin_client, tenant, outcome):
    two_indicators(tenant, outcome)
    assert freeze_through_page(admin_client, tenant, "2025-Q1").status_code == 302
    page = admin_client.get(f"{base(tenant)}/freeze", query_string={"kind": "quarter", "period": "2025-Q1"})
    assert "This period is already frozen." in page.text and "Q1 2025 (frozen)" in page.text
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    response = admin_client.post(f"{base(tenant)}/freeze", data={
        "csrf_token": csrf_token_from(page.text), "period": "2025-Q1", "comment": "Again"})
    assert response.status_code == 422
    assert "Q1 2025 is already frozen. Record a correction instead." in response.text
    assert len(stored(tenant)) == 1
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events      # nothing written at all


def test_bad_periods_are_form_errors(admin_client, tenant, outcome):
    two_indicators(tenant, outcome)
    outside = admin_client.get(f"{base(tenant)}/freeze", query_string={"kind": "year", "period": "2031"})
    assert outside.status_code == 422
    assert "2031 is outside the plan&#39;s years 2024–2028." in outside.text
    page = admin_client.get(f"{base(tenant)}/freeze")
    token = csrf_token_from(page.text)
    nonsense = admin_client.post(f"{base(tenant)}/freeze", data={"csrf_token": token, "period": "Q5-2025"})
    assert nonsense.status_code == 422 and "is not a period" in nonsense.text
    missing = admin_client.post(f"{base(tenant)}/freeze", data={"csrf_token": token, "period": ""})
    assert missing.status_code == 422 and "Choose a period." in missing.text
    future = admin_client.post(f"{base(tenant)}/freeze", data={"csrf_token": token, "period": "2028-Q4"})
    assert future.status_code == 422 and "Q4 2028 has not started yet." in future.text
    assert stored(tenant) == []


def test_the_period_list_follows_the_kind_chosen(admin_client, tenant, outcome):
    years = admin_client.get(f"{base(tenant)}/freeze", query_string={"kind": "year"}).text
    assert '<option value="2025">2025</option>' in years and "2025-Q1" not in years
    fiscal = admin_client.get(f"{base(tenant)}/freeze", query_string={"kind": "fiscal_year"}).text
    assert 'value="FY2025-07"' in fiscal and "FY 2025–2026 (July–June)" in fiscal
    # The kind changed after a quarter was chosen: the years are listed, nothing is shown to freeze.
    changed = admin_client.get(f"{base(tenant)}/freeze", query_string={"kind": "year", "period": "2025-Q1"}).text
    assert '<option value="2025">2025</option>' in changed and "Freeze Q1 2025" not in changed


def test_freezing_is_audited_in_the_same_transaction(admin_client, tenant, outcome, admin_user):
    two_indicators(tenant, outcome)
    assert freeze_through_page(admin_client, tenant, "2025-Q1").status_code == 302
    [snapshot] = stored(tenant)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.model == "Snapshot",
                                                       AuditEvent.record_id == str(snapshot.id)))
    assert event.action == "insert" and event.actor_id == admin_user.id and event.tenant_id == tenant.id
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.model == "SnapshotValue")) == 2
    # Rolled back, the snapshot and its audit events go together: they are one transaction.
    with tenant_scope(tenant.id):
        services.freeze(tenant, parse_period("2025-Q2"), actor_id=admin_user.id)
        db.session.flush()
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.model == "Snapshot")) == 2
        db.session.rollback()
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.model == "Snapshot")) == 1
    assert len(stored(tenant)) == 1


def test_correction_is_a_new_snapshot_linked_to_the_one_it_corrects(admin_client, tenant, outcome):
    trained, _women = two_indicators(tenant, outcome)
    assert freeze_through_page(admin_client, tenant, "2025-Q1", **{f"note_{trained.id}": "From the register"}
                               ).status_code == 302
    [first] = stored(tenant)
    enter(tenant, trained, "2025-Q1", 135)
    detail = admin_client.get(f"{base(tenant)}/{first.id}").text
    assert "Record a correction" in detail and "Value now" in detail and "135" in detail
    # The reason is required.
    refused = admin_client.post(f"{base(tenant)}/{first.id}/correct",
                                data={"csrf_token": csrf_token_from(detail), "comment": "  "})
    assert refused.status_code == 422 and "Say why the snapshot is corrected." in refused.text
    assert len(stored(tenant)) == 1
    response = admin_client.post(f"{base(tenant)}/{first.id}/correct", data={
        "csrf_token": csrf_token_from(detail), "comment": "A late attendance sheet from Kep"})
    assert response.status_code == 302
    _first, correction = stored(tenant)
    assert correction.corrects_id == first.id and correction.period_key == "2025-Q1"
    assert correction.comment == "A late attendance sheet from Kep"
    with tenant_scope(tenant.id):
        values = {value.indicator_id: value for value in db.session.get(Snapshot, correction.id).values}
        old = {value.indicator_id: value for value in db.session.get(Snapshot, first.id).values}
    assert values[trained.id].value == Decimal("135") and old[trained.id].value == Decimal("120")
    assert values[trained.id].comment == "From the register"      # the frozen comment carried over
    assert services.current_snapshots(tenant.id, ["2025-Q1"])["2025-Q1"].id == correction.id
    new_page = admin_client.get(response.headers["Location"]).text
    assert "Corrects" in new_page and "A late attendance sheet from Kep" in new_page and "In force" in new_page
    assert f'href="{base(tenant)}/{first.id}"' in new_page
    old_page = admin_client.get(f"{base(tenant)}/{first.id}").text
    assert "Replaced by a correction" in old_page and "Corrected by" in old_page
    assert f'href="{base(tenant)}/{correction.id}"' in old_page
    assert 'id="correction"' in old_page and "Only the snapshot in force can be corrected." in old_page
    # Correcting the replaced one is refused on the form.
    again = admin_client.post(f"{base(tenant)}/{first.id}/correct", data={
        "csrf_token": csrf_token_from(old_page), "comment": "Another reason"})
    assert again.status_code == 422 and "Only the snapshot in force for a period can be corrected." in again.text
    assert len(stored(tenant)) == 2


def test_list_shows_periods_newest_first_with_who_froze_and_corrections(admin_client, tenant, outcome):
    two_indicators(tenant, outcome)
    for key in ("2025-Q1", "2025-Q2", "2025"):
        assert freeze_through_page(admin_client, tenant, key).status_code == 302
    q1 = stored(tenant)[0]
    detail = admin_client.get(f"{base(tenant)}/{q1.id}").text
    assert admin_client.post(f"{base(tenant)}/{q1.id}/correct", data={
        "csrf_token": csrf_token_from(detail), "comment": "Typo in Kampot"}).status_code == 302
    page = admin_client.get(f"{base(tenant)}/").text
    assert page.index(">2025<") < page.index("Q2 2025") < page.index("Q1 2025")
    assert page.count("Frozen by Admin of kampot-network") == 4
    assert page.count("In force") == 3 and page.count("Replaced by a correction") == 1
    assert "Corrects the snapshot frozen on" in page and "Typo in Kampot" in page


def test_viewer_and_staff_cannot_freeze_a_period(client, tenant, outcome):
    two_indicators(tenant, outcome)
    for role in (Role.VIEWER, Role.STAFF):
        user = make_member(tenant, role)
        login(client, user.email)
        assert client.get(f"{base(tenant)}/freeze").status_code == 403
        assert client.post(f"{base(tenant)}/freeze", data={"period": "2025-Q1"}).status_code == 403
        assert client.get(f"{base(tenant)}/").status_code == 200      # they may still read them
        client.post("/logout")
    assert stored(tenant) == []


def test_viewer_reads_a_snapshot_but_cannot_correct_it(client, tenant, outcome, admin_user):
    two_indicators(tenant, outcome)
    with tenant_scope(tenant.id):
        snapshot = services.freeze(tenant, parse_period("2025-Q1"), actor_id=admin_user.id)
        db.session.commit()
    viewer = make_member(tenant, Role.VIEWER)
    login(client, viewer.email)
    page = client.get(f"{base(tenant)}/{snapshot.id}")
    assert page.status_code == 200 and "People trained" in page.text
    assert "Record a correction" not in page.text and "Freeze a period" not in page.text
    assert client.post(f"{base(tenant)}/{snapshot.id}/correct", data={"comment": "Mine"}).status_code == 403
    assert len(stored(tenant)) == 1


def test_another_organisations_snapshot_is_not_found(client, tenant, other_tenant, outcome, admin_user):
    two_indicators(tenant, outcome)
    with tenant_scope(tenant.id):
        snapshot = services.freeze(tenant, parse_period("2025-Q1"), actor_id=admin_user.id,
                                   comment="Kampot board report")
        db.session.commit()
    owner_b = make_member(other_tenant, Role.OWNER, email="owner@b.example")
    login(client, owner_b.email)
    # Their own URL space, tenant A's id: nothing.
    own = f"/t/{other_tenant.slug}/results/snapshots"
    assert client.get(f"{own}/{snapshot.id}").status_code == 404
    assert client.post(f"{own}/{snapshot.id}/correct", data={"comment": "Not mine"}).status_code == 404
    assert client.post(f"{own}/{snapshot.id}/edit").status_code == 404
    listing = client.get(f"{own}/").text
    assert "Kampot board report" not in listing and "Q1 2025" not in listing
    # Tenant A's URL space: not a member.
    assert client.get(f"{base(tenant)}/{snapshot.id}").status_code == 404
    assert len(stored(tenant)) == 1


def test_query_count_does_not_grow_with_snapshots_or_indicators(admin_client, tenant, outcome, admin_user):
    first = make_indicator(tenant, outcome, "1.1.1")
    enter(tenant, first, "2025-Q1", 5, breakdown={"sex": {"female": 3, "male": 2}})
    with tenant_scope(tenant.id):
        snapshot = services.freeze(tenant, parse_period("2025-Q1"), actor_id=admin_user.id)
        db.session.commit()
    detail, listing = f"{base(tenant)}/{snapshot.id}", f"{base(tenant)}/"
    few = statements_for(admin_client, detail), statements_for(admin_client, listing)
    with tenant_scope(tenant.id):
        for number in range(2, 8):
            indicator = make_indicator(tenant, outcome, f"1.1.{number}", targets={"2025": number})
            enter(tenant, indicator, "2025-Q1", number, breakdown={"sex": {"female": number}})
        later = services.freeze(tenant, parse_period("2025-Q1"), actor_id=admin_user.id,
                                corrects=db.session.get(Snapshot, snapshot.id), comment="More indicators")
        for key in ("2025-Q2", "2025-Q3", "2025"):
            services.freeze(tenant, parse_period(key), actor_id=admin_user.id)
        db.session.commit()
    assert (statements_for(admin_client, f"{base(tenant)}/{later.id}"), statements_for(admin_client, listing)) == few
