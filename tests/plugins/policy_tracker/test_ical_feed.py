"""Each user's iCalendar feed: reached by its secret token only (never by a session), official events
and the organisation's non-private ones, correctly escaped and folded (RFC 5545); a revoked or
unknown token is 404; only the token's hash is stored."""
import hashlib
import re
from datetime import UTC, date, timedelta

from sqlalchemy import select

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.policy_tracker import events
from plugins.policy_tracker.calendar_views import calendar_text, ical_escape, ical_fold
from plugins.policy_tracker.models import CalendarToken, EventKind, LawEvent
from tests.helpers import logout, make_member

SOON = date.today() + timedelta(days=5)


def new_feed_url(client, tenant) -> str:
    page = client.post(f"/t/{tenant.slug}/policy/calendar/feed-token").text
    match = re.search(r'id="feed-url" type="text" readonly value="([^"]+)"', page)
    assert match, "the feed address is shown once"
    return match.group(1).replace("http://localhost", "")


def unfold(body: str) -> str:
    return body.replace("\r\n ", "")


def test_feed_has_official_and_own_public_events_escaped(staff_client, tenant, other_tenant, staff, followed_law):
    db.session.add(LawEvent(law=followed_law, kind=EventKind.COMMEMORATION, title_en="A2I Day", starts_on=SOON))
    db.session.commit()
    with tenant_scope(tenant.id):
        events.create_event(tenant.id, actor=staff, title_en="Hearing; Senate, commission 2\\3",
                            place_text="Phnom Penh, Senate", starts_on=SOON)
        events.create_event(tenant.id, actor=staff, title_en="Private strategy session", starts_on=SOON,
                            is_private=True)
        db.session.commit()
    outsider = make_member(other_tenant, Role.STAFF, email="outsider@b.example")
    with tenant_scope(other_tenant.id):
        events.create_event(other_tenant.id, actor=outsider, title_en="Battambang meeting", starts_on=SOON)
        db.session.commit()
    url = new_feed_url(staff_client, tenant)
    logout(staff_client)
    response = staff_client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    body = response.get_data(as_text=True)
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode("utf-8")) <= 75 for line in body.split("\r\n"))
    text = unfold(body)
    assert text.count("BEGIN:VEVENT") == 2
    assert "SUMMARY:A2I Day" in text and "Law on Access to Information" in text
    assert "SUMMARY:Hearing\\; Senate\\, commission 2\\\\3" in text
    assert "LOCATION:Phnom Penh\\, Senate" in text
    assert f"DTSTART;VALUE=DATE:{SOON:%Y%m%d}" in text
    assert "Private strategy" not in text and "Battambang" not in text
    uids = re.findall(r"UID:(\S+)", text)
    assert len(set(uids)) == 2 and set(uids) == set(re.findall(r"UID:(\S+)", unfold(staff_client.get(url).text)))


def test_only_the_hash_is_stored_and_a_revoked_token_is_404(staff_client, tenant, staff):
    url = new_feed_url(staff_client, tenant)
    secret = url.rsplit("/", 1)[1].removesuffix(".ics")
    with tenant_scope(tenant.id):
        token = db.session.execute(select(CalendarToken)).scalar_one()
        assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in token.token_hash
    assert "A calendar address is active since" in staff_client.get(f"/t/{tenant.slug}/policy/calendar/").text
    assert secret not in staff_client.get(f"/t/{tenant.slug}/policy/calendar/").text
    staff_client.post(f"/t/{tenant.slug}/policy/calendar/feed-token/revoke")
    assert staff_client.get(url).status_code == 404


def test_a_new_address_replaces_the_old_one(staff_client, tenant):
    first = new_feed_url(staff_client, tenant)
    second = new_feed_url(staff_client, tenant)
    assert staff_client.get(first).status_code == 404 and staff_client.get(second).status_code == 200


def test_a_session_alone_never_opens_a_feed(staff_client, tenant, other_tenant, staff):
    assert staff_client.get(f"/t/{tenant.slug}/policy/calendar/feed/not-a-token.ics").status_code == 404
    url = new_feed_url(staff_client, tenant)
    # The token is bound to its organisation: the same secret under another tenant's address is 404.
    assert staff_client.get(url.replace(tenant.slug, other_tenant.slug)).status_code == 404


def test_a_former_member_s_feed_stops(client, staff_client, tenant, staff):
    from core.models import Membership
    url = new_feed_url(staff_client, tenant)
    membership = db.session.execute(select(Membership).where(Membership.user_id == staff.id)).scalar_one()
    membership.is_active = False
    db.session.commit()
    assert client.get(url).status_code == 404


def test_folding_never_splits_a_khmer_character():
    line = "SUMMARY:" + ical_escape("ទិវាសិទ្ធិទទួលបានព័ត៌មាន, ២៨ កញ្ញា; " * 4)
    folded = ical_fold(line)
    parts = folded.split("\r\n ")
    assert all(len(part.encode("utf-8")) <= 75 for part in parts) and "".join(parts) == line
    assert ical_escape("a\nb\\c") == "a\\nb\\\\c"


def test_calendar_text_is_all_day_with_stable_uid(app):
    event = LawEvent(id=7, kind=EventKind.HEARING, title_en="Hearing", title_km="សវនាការ", starts_on=date(2026, 9, 28))
    from datetime import datetime
    body = calendar_text([event], locale="km", calendar_name="Calendar", host="samaki.example",
                         now=datetime(2026, 9, 1, tzinfo=UTC))
    assert "UID:policy-event-7@samaki.example" in body and "DTEND;VALUE=DATE:20260929" in body
    assert "SUMMARY:សវនាការ" in unfold(body) and "DTSTAMP:20260901T000000Z" in body
