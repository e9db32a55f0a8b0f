"""The policy calendar pages: upcoming events (official and the organisation's own), adding and
changing the organisation's events, following laws and groups, and each user's iCalendar feed
(reached by its secret token only, never by the session)."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.columns import utcnow
from core.errors import DomainError, show_on_form
from core.extensions import db
from core.i18n import current_locale
from core.models import Membership, User
from core.models.sharing import WorkingGroup
from core.permissions import can, require
from core.web import public
from plugins.policy_tracker import events, subscriptions
from plugins.policy_tracker.event_forms import EventForm, FollowForm
from plugins.policy_tracker.models import CalendarToken, Law, LawEvent

policy_calendar_bp = Blueprint("policy_calendar", __name__, url_prefix="/t/<tenant_slug>/policy/calendar",
                               template_folder="templates")

CALENDAR_DAYS = 60
FEED_DAYS = 366


def _me() -> User:
    return current_user._get_current_object()


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _active_token() -> CalendarToken | None:
    return db.session.execute(select(CalendarToken).where(
        CalendarToken.user_id == current_user.id, CalendarToken.revoked_at.is_(None))).scalars().first()


def _followed(subscriptions_: list) -> tuple[dict[int, Law], dict[int, WorkingGroup]]:
    law_ids = [s.law_id for s in subscriptions_ if s.law_id]
    group_ids = [s.group_id for s in subscriptions_ if s.group_id]
    laws = {law.id: law for law in db.session.execute(
        events.visible_laws_query(g.tenant.id).where(Law.id.in_(law_ids))).scalars()} if law_ids else {}
    groups = {group.id: group for group in db.session.execute(
        select(WorkingGroup).where(WorkingGroup.id.in_(group_ids))).scalars()} if group_ids else {}
    return laws, groups


def _render_index(feed_url: str | None = None):
    upcoming = events.upcoming_events(g.tenant, _me(), days=CALENDAR_DAYS)
    followed = subscriptions.subscriptions_of(g.tenant.id, _me())
    laws, groups = _followed(followed)
    followed_group_ids = {s.group_id for s in followed if s.group_id}
    my_groups = [group for group in subscriptions.groups_of_tenant(g.tenant.id) if group.id not in followed_group_ids]
    return render_template("policy_tracker/calendar/index.html", upcoming=upcoming, days=CALENDAR_DAYS,
                           locale=current_locale(), followed=followed, followed_laws=laws, followed_groups=groups,
                           my_groups=my_groups,
                           token=_active_token(), feed_url=feed_url,
                           may_change=events.changeable(g.tenant.id, _me()) if can("policy.edit") else (lambda event: False))


@policy_calendar_bp.route("/")
@require("policy.view")
def index():
    return _render_index()


# --- the organisation's events -----------------------------------------------------------------------

def _event_form(event: LawEvent | None = None) -> EventForm:
    form = EventForm(obj=event)
    form.law_id.choices = [("", _("No single law"))] + [(str(law_id), title) for law_id, title in
                                                       events.law_choices(g.tenant.id, current_locale())]
    if event is not None:
        del form.official            # an event stays official or the organisation's own
    if event is not None and request.method == "GET":
        form.law_id.data = str(event.law_id) if event.law_id else ""
        form.kind.data = event.kind.value
    return form


def _fields(form: EventForm) -> dict:
    return {"title_en": form.title_en.data, "title_km": form.title_km.data, "kind": form.kind.data,
            "starts_on": form.starts_on.data, "law_id": form.law_id_value(), "place_text": form.place_text.data,
            "remind_days_before": form.remind_days_before.data, "is_private": form.is_private.data}


@policy_calendar_bp.route("/events/new", methods=["GET", "POST"])
@require("policy.edit")
def event_new():
    form = _event_form()
    if request.method == "GET" and request.args.get("law_id", "").isdigit():
        form.law_id.data = request.args["law_id"]
    if form.validate_on_submit():
        try:
            events.create_event(g.tenant.id, actor=_me(), official=form.official.data, **_fields(form))
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The event has been added."), "success")
            return redirect(url_for("policy_calendar.index"))
    return render_template("policy_tracker/calendar/form.html", form=form, event=None)


def _get_event(event_id: int) -> LawEvent:
    event = events.get_event(g.tenant.id, event_id)
    if event is None:
        abort(404)
    return event


@policy_calendar_bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@require("policy.edit")
def event_edit(event_id: int):
    event = _get_event(event_id)
    if not events.may_change(g.tenant.id, event, _me()):
        abort(403)
    form = _event_form(event)
    if form.validate_on_submit():
        try:
            events.update_event(g.tenant.id, event, actor=_me(), **_fields(form))
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The event has been saved."), "success")
            return redirect(url_for("policy_calendar.index"))
    return render_template("policy_tracker/calendar/form.html", form=form, event=event)


@policy_calendar_bp.route("/events/<int:event_id>/delete", methods=["POST"])
@require("policy.edit")
def event_delete(event_id: int):
    event = _get_event(event_id)
    try:
        events.delete_event(g.tenant.id, event, actor=_me())
    except DomainError:
        db.session.rollback()
        abort(403)
    db.session.commit()
    flash(_("The event has been deleted."), "success")
    return redirect(url_for("policy_calendar.index"))


# --- following laws and groups ---------------------------------------------------------------------------

def _back(form: FollowForm):
    target = form.next.data or ""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return redirect(target)
    return redirect(url_for("policy_calendar.index"))


def _follow(action, done_message) -> Response:
    form = FollowForm()
    if not form.validate_on_submit():
        abort(400)
    target = form.target()
    if target is None:
        abort(400)
    law_id, group_id = target
    try:
        action(g.tenant.id, _me(), law_id=law_id, group_id=group_id)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _back(form)
    db.session.commit()
    flash(done_message, "success")
    return _back(form)


@policy_calendar_bp.route("/subscribe", methods=["POST"])
@require("policy.view")
def subscribe():
    """Follow a law (law_id) or everything a working group follows (group_id)."""
    return _follow(subscriptions.subscribe, _("You will be notified of changes, in your language."))


@policy_calendar_bp.route("/unsubscribe", methods=["POST"])
@require("policy.view")
def unsubscribe():
    return _follow(subscriptions.unsubscribe, _("You no longer follow it."))


# --- the personal calendar feed -----------------------------------------------------------------------

@policy_calendar_bp.route("/feed-token", methods=["POST"])
@require("policy.view")
def feed_token_create():
    """A new secret feed address (any earlier one stops working); shown once, only its hash kept."""
    for token in db.session.execute(select(CalendarToken).where(
            CalendarToken.user_id == current_user.id, CalendarToken.revoked_at.is_(None))).scalars():
        token.revoked_at = utcnow()
    secret = secrets.token_urlsafe(32)
    db.session.add(CalendarToken(user_id=current_user.id, token_hash=_token_hash(secret)))
    db.session.commit()
    feed_url = url_for("policy_calendar.feed", token=secret, _external=True)
    flash(_("Copy your calendar address now: it is shown only once."), "success")
    return _render_index(feed_url=feed_url)


@policy_calendar_bp.route("/feed-token/revoke", methods=["POST"])
@require("policy.view")
def feed_token_revoke():
    for token in db.session.execute(select(CalendarToken).where(
            CalendarToken.user_id == current_user.id, CalendarToken.revoked_at.is_(None))).scalars():
        token.revoked_at = utcnow()
    db.session.commit()
    flash(_("Your calendar address no longer works."), "success")
    return redirect(url_for("policy_calendar.index"))


@policy_calendar_bp.route("/feed/<token>.ics")
@public
def feed(token: str):
    """The token user's upcoming events as iCalendar: official ones and the organisation's own that
    are not private. Authenticated by the token alone (any session is ignored); 404 otherwise."""
    if len(token) > 100:
        abort(404)
    row = db.session.execute(select(CalendarToken).where(
        CalendarToken.token_hash == _token_hash(token), CalendarToken.revoked_at.is_(None),
        CalendarToken.tenant_id == g.tenant.id)).scalar_one_or_none()
    if row is None:
        abort(404)
    user = db.session.get(User, row.user_id)
    member = db.session.execute(select(Membership.id).where(
        Membership.user_id == row.user_id, Membership.tenant_id == g.tenant.id, Membership.is_active)).first()
    if user is None or not user.is_active or member is None:
        abort(404)
    today = events.tenant_today(g.tenant)
    upcoming = events.upcoming_events(g.tenant, user, days=FEED_DAYS, from_date=today - timedelta(days=30),
                                      include_private=False)
    with force_locale(user.locale or g.tenant.default_locale or "en"):
        body = calendar_text(upcoming, locale=current_locale(),
                             calendar_name=_("Policy calendar: %(tenant)s", tenant=g.tenant.name),
                             host=request.host.split(":")[0] or "samaki", now=utcnow())
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Cache-Control"] = "private, max-age=900"
    response.headers["Content-Disposition"] = 'inline; filename="policy-calendar.ics"'
    return response


# --- iCalendar (RFC 5545) ------------------------------------------------------------------------------

def ical_escape(text: str) -> str:
    """A TEXT value: backslash, semicolon, comma and line breaks escaped (RFC 5545 3.3.11)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n"))


def ical_fold(line: str) -> str:
    """A content line folded at 75 octets (never inside a UTF-8 character), continuations starting
    with a space (RFC 5545 3.1)."""
    parts, current, size, limit = [], "", 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, 74     # the leading space of a continuation counts
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def calendar_text(upcoming: list[LawEvent], *, locale: str, calendar_name: str, host: str, now: datetime) -> str:
    """The events as one VCALENDAR: all-day VEVENTs with a UID that stays the same for an event."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Samaki//Policy calendar//EN", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{ical_escape(calendar_name)}"]
    for event in upcoming:
        description = [str(event.kind.label)]
        if event.law is not None:
            description.append(event.law.title_in(locale))
        lines += ["BEGIN:VEVENT",
                  f"UID:policy-event-{event.id}@{host}",
                  f"DTSTAMP:{_stamp(now)}",
                  f"DTSTART;VALUE=DATE:{event.starts_on:%Y%m%d}",
                  f"DTEND;VALUE=DATE:{event.starts_on + timedelta(days=1):%Y%m%d}",
                  f"SUMMARY:{ical_escape(event.title_in(locale))}",
                  f"DESCRIPTION:{ical_escape(chr(10).join(description))}",
                  f"CATEGORIES:{ical_escape(str(event.kind.label))}",
                  "TRANSP:TRANSPARENT"]
        if event.place_text:
            lines.append(f"LOCATION:{ical_escape(event.place_text)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(ical_fold(line) + "\r\n" for line in lines)
