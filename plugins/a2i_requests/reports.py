"""Statistics, the overdue view across bodies, published requests, the results-framework figures and
the "My work" list of a user's requests due soon."""
from __future__ import annotations


from datetime import date, timedelta

from flask import (Blueprint, abort, current_app, flash, g, has_request_context, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.wrappers import Response
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from core import sharing
from core.periods import period_bounds
from core.audit import record_event
from core.disaggregation import breakdown_of_keys
from core.columns import utcnow
from core.csv_export import csv_response
from core.errors import DomainError
from core.extensions import db
from core.i18n import current_locale
from core.models import Membership
from core.permissions import can, registry, require
from core.plugins import Indicator, Widget, WorkItem
from core.registers.institutions import visible_institutions
from core.registers.models import Institution, InstitutionKind
from core.tenancy import tenant_scope
from core.web import public
from plugins.a2i_requests import services, statistics
from plugins.a2i_requests.models import InfoRequest, RequestStatus, StatisticsSnapshot

reports_bp = Blueprint("a2i_reports", __name__, url_prefix="/t/<tenant_slug>/a2i", template_folder="templates")

PAGE_SIZE = 25
WIDGET_SIZE = 5
GROUP_LABELS = {"body": _l("Public body"), "kind": _l("Kind of body"), "province": _l("Province")}
DATED_BY_LABELS = {"submitted": _l("Date submitted"), "answered": _l("Date answered")}
DISTRICT_TARGET = 30
MINISTRY_TARGET = 20


# --- filter forms (read from the query string, so no CSRF) ------------------------------------------

class _QueryForm(FlaskForm):
    class Meta:
        csrf = False


def _kind_choices():
    return [SelectChoice("", _("All kinds of body"))] + [SelectChoice(kind.value, kind.label) for kind in InstitutionKind]


def _province_choices():
    provinces = db.session.execute(visible_institutions().where(Institution.kind == InstitutionKind.PROVINCE)).scalars()
    locale = current_locale()
    return [SelectChoice("", _("All provinces"))] + [SelectChoice(str(p.id), p.name_in(locale)) for p in provinces]


class BodyFilterForm(_QueryForm):
    kind = SelectField(_l("Kind of body"), validators=[Optional()])
    province = SelectField(_l("Province"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = _kind_choices()
        self.province.choices = _province_choices()

    @property
    def province_id(self) -> int | None:
        return int(self.province.data) if self.province.data else None


class StatisticsFilterForm(BodyFilterForm):
    group_by = SelectField(_l("Group by"), default="body",
                           choices=lambda: [SelectChoice(value, label) for value, label in GROUP_LABELS.items()])
    dated_by = SelectField(_l("Count requests by"), default="submitted",
                           choices=lambda: [SelectChoice(value, label) for value, label in DATED_BY_LABELS.items()])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("Until"), validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_("The end of the period must not be before its start."))


class PublishedFilterForm(_QueryForm):
    q = StringField(_l("Public body"), validators=[Optional(), Length(max=200)])
    status = SelectField(_l("Status"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [SelectChoice("", _("Any status"))] + [
            SelectChoice(s.value, s.label) for s in RequestStatus if s != RequestStatus.DRAFT]



def _query_args() -> dict:
    return {key: value for key, value in request.args.items() if key != "page"}


def _read(form_class):
    """The filter form bound to the query string and whether its values may be used."""
    form = form_class(request.args)
    valid = form.validate() if request.args else True
    return form, valid


def statistics_filters(form: StatisticsFilterForm) -> dict:
    return dict(date_from=form.date_from.data, date_to=form.date_to.data, kind=form.kind.data or None,
                province_id=form.province_id, dated_by=form.dated_by.data or "submitted")


# --- statistics -----------------------------------------------------------------------------------

# Endpoint "statistics" (the view is named statistics_view so it does not shadow the module).
@reports_bp.get("/statistics", endpoint="statistics")
@require("a2i.request.view")
def statistics_view() -> tuple[str, int] | str:
    form, valid = _read(StatisticsFilterForm)
    if not valid:
        return render_template("a2i_requests/statistics.html", form=form, rows=None, total=None,
                               query_args=_query_args()), 422
    filters = statistics_filters(form)
    rows, total = statistics.statistics_table(form.group_by.data or "body", locale=current_locale(), **filters)
    return render_template("a2i_requests/statistics.html", form=form, rows=rows, total=total,
                           group_label=GROUP_LABELS[form.group_by.data or "body"], query_args=_query_args(),
                           share_groups=sharing.groups_of(g.tenant) if can("core.sharing.manage") else [])


def _csv_header() -> list[str]:
    return [_("Group"), _("Requests"), _("Answered in full (%)"), _("Answered in part (%)"), _("Refused (%)"),
            _("Extended (%)"), _("Transferred (%)"), _("Answered on time (%)"), _("Complaints"),
            _("Mean working days to answer"), _("Median working days to answer")]


def _csv_row(row: statistics.StatRow) -> list:
    return [row.label, row.requests, row.answered_full, row.answered_part, row.refused, row.extended,
            row.transferred, row.on_time, row.complaints, "" if row.mean_days is None else row.mean_days,
            "" if row.median_days is None else row.median_days]


@reports_bp.get("/statistics.csv")
@require("a2i.request.view")
def statistics_csv() -> Response | tuple[str, int]:
    form, valid = _read(StatisticsFilterForm)
    if not valid:
        return render_template("a2i_requests/statistics.html", form=form, rows=None, total=None,
                               query_args=_query_args()), 422
    filters = statistics_filters(form)
    group_by = form.group_by.data or "body"
    rows, total = statistics.statistics_table(group_by, locale=current_locale(), **filters)
    record_event("export", tenant_id=g.tenant.id, model="InfoRequestStatistics",
                 changes={"group_by": group_by, "filters": {k: str(v) for k, v in filters.items() if v}})
    db.session.commit()
    return csv_response(f"a2i-statistics-{g.tenant.slug}.csv", _csv_header(),
                        [_csv_row(row) for row in [*rows, total]])


def snapshot_text(rows: list[statistics.StatRow], total: statistics.StatRow) -> str:
    """The statistics as plain lines, readable in a group feed without the original tables."""
    return "\n".join(_("%(group)s: %(num)s requests, %(full)s%% answered in full, %(part)s%% in part, "
                       "%(refused)s%% refused, %(on_time)s%% on time", group=row.label, num=row.requests,
                       full=row.answered_full, part=row.answered_part, refused=row.refused, on_time=row.on_time)
                     for row in [*rows, total])


@reports_bp.post("/statistics/share")
@require("core.sharing.manage")
def share_statistics() -> Response:
    """Freeze the statistics on screen into a snapshot and share it with one of the tenant's groups."""
    form = StatisticsFilterForm(request.form)
    group = sharing.group_for_member(g.tenant, request.form.get("group", ""))
    if group is None or not form.validate():
        abort(400)
    filters = statistics_filters(form)
    rows, total = statistics.statistics_table(form.group_by.data or "body", locale=current_locale(), **filters)
    period = " – ".join(d.isoformat() for d in (filters["date_from"], filters["date_to"]) if d)
    snapshot = StatisticsSnapshot(title=_("Disclosure statistics of %(tenant)s", tenant=g.tenant.name),
                                  period=period or _("All time"), table=snapshot_text(rows, total))
    db.session.add(snapshot)
    db.session.flush()
    try:
        sharing.share(snapshot, "a2i.statistics", group, g.tenant)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("Shared with %(group)s. Its members see only the published fields.", group=group.name), "success")
    return redirect(url_for("a2i_reports.statistics", **{k: v for k, v in request.form.items()
                                                          if k in form._fields and k != "csrf_token"}))


# --- overdue ----------------------------------------------------------------------------------------

@reports_bp.get("/overdue")
@require("a2i.request.view")
def overdue() -> tuple[str, int] | str:
    form, valid = _read(BodyFilterForm)
    today = services.tenant_today(g.tenant.id)
    context = dict(form=form, page=None, recent=[], today=today, query_args=_query_args(),
                   calendar=services.calendar_for(g.tenant.id), days_left=services.days_left)
    if not valid:
        return render_template("a2i_requests/overdue.html", **context), 422
    kind, province_id = form.kind.data or None, form.province_id
    context["page"] = db.paginate(statistics.overdue_query(today, kind, province_id), per_page=PAGE_SIZE,
                                  max_per_page=PAGE_SIZE, error_out=False)
    context["recent"] = db.session.execute(statistics.recently_overdue(today, 7, kind, province_id)).scalars().all()
    return render_template("a2i_requests/overdue.html", **context)


# --- publication ----------------------------------------------------------------------------------

def _request_or_404(request_id: int) -> InfoRequest:
    # A query, not session.get: the tenant filter applies to queries, not to the identity map.
    req = db.session.execute(select(InfoRequest).where(InfoRequest.id == request_id)).scalar_one_or_none()
    if req is None:
        abort(404)
    return req


def _back_to(req: InfoRequest) -> str:
    return url_for("a2i.detail", request_id=req.id)


@reports_bp.post("/requests/<int:request_id>/publish")
@require("a2i.request.publish")
def publish(request_id: int) -> Response:
    req = _request_or_404(request_id)
    if req.status == RequestStatus.DRAFT:
        flash(_("A draft cannot be published: submit the request first."), "error")
        return redirect(_back_to(req))
    if req.published_at is None:
        req.published_at = utcnow()
        db.session.commit()
    flash(_("%(reference)s is now on the public page.", reference=req.reference), "success")
    return redirect(_back_to(req))


@reports_bp.post("/requests/<int:request_id>/unpublish")
@require("a2i.request.publish")
def unpublish(request_id: int) -> Response:
    req = _request_or_404(request_id)
    if req.published_at is not None:
        req.published_at = None
        db.session.commit()
    flash(_("%(reference)s is no longer on the public page.", reference=req.reference), "success")
    return redirect(_back_to(req))


@public
@reports_bp.get("/published/")
def published_list() -> tuple[str, int] | str:
    form, valid = _read(PublishedFilterForm)
    page = None
    if valid:
        page = db.paginate(statistics.published_query(form.q.data or "", form.status.data or None),
                           per_page=PAGE_SIZE, max_per_page=PAGE_SIZE, error_out=False)
    return render_template("a2i_requests/published_list.html", form=form, page=page,
                           query_args=_query_args()), 200 if valid else 422


@public
@reports_bp.get("/published/<int:request_id>")
def published_detail(request_id: int) -> str:
    req = statistics.published_request(request_id)
    if req is None:
        abort(404)
    return render_template("a2i_requests/published_detail.html", req=req)


# --- for the lead to wire into hooks --------------------------------------------------------------

def overdue_widget(tenant, user) -> Widget | None:
    """Dashboard card with the most overdue requests (None when the user may not see requests)."""
    if not can("a2i.request.view"):
        return None
    with tenant_scope(tenant.id):
        today = services.tenant_today(tenant.id)
        query = statistics.overdue_query(today)
        most_overdue = db.session.execute(query.limit(WIDGET_SIZE)).scalars().all()
        total = db.session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
        calendar = services.calendar_for(tenant.id)
        items = [{"reference": req.reference, "subject": req.subject, "body": req.body.name_in(current_locale()),
                  "due_on": req.due_on, "days_late": -services.days_left(req.due_on, today, calendar)}
                 for req in most_overdue]
    context = {"requests": items, "total": total, "url": url_for("a2i_reports.overdue", tenant_slug=tenant.slug)}
    return Widget(_l("Overdue information requests"), "a2i_requests/widget_overdue.html", context, order=20)




def _path(endpoint: str, **values) -> str:
    """A link to one of the tenant's pages, also outside a request (a snapshot frozen by a job)."""
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def _drill_down(tenant, kind: InstitutionKind, start: date, end: date) -> str:
    """The statistics page listing, body by body, the requests of `kind` answered in the period: the
    records behind an active-disclosers figure."""
    return _path("a2i_reports.statistics", tenant_slug=tenant.slug, group_by="body", kind=kind.value,
                 dated_by="answered", date_from=start.isoformat(), date_to=end.isoformat())


def indicators(tenant, period) -> list[Indicator]:
    """Results-framework figures: bodies that answered at least one request on time in the period, with
    the bodies counted as instance-wide keys (see statistics.active_discloser_keys), their breakdown
    by province and a link to the statistics behind them. Two queries."""
    start, end = period_bounds(period)
    with tenant_scope(tenant.id):
        districts = statistics.active_discloser_keys(start, end, InstitutionKind.DISTRICT)
        ministries = statistics.active_discloser_keys(start, end, InstitutionKind.MINISTRY)
    return [
        Indicator("a2i.active_districts", _l("Districts actively disclosing information"), len(districts),
                  target=DISTRICT_TARGET, unit=_("districts"),
                  breakdown={"province": breakdown_of_keys(districts).get("province", {})}, keys=districts,
                  url=_drill_down(tenant, InstitutionKind.DISTRICT, start, end), permission="a2i.request.view"),
        Indicator("a2i.active_ncdd_ministries", _l("NCDD member ministries actively disclosing information"),
                  len(ministries), target=MINISTRY_TARGET, unit=_("ministries"),
                  breakdown={"province": breakdown_of_keys(ministries).get("province", {})}, keys=ministries,
                  url=_drill_down(tenant, InstitutionKind.MINISTRY, start, end), permission="a2i.request.view"),
    ]


# --- my work ----------------------------------------------------------------------------------------

MY_WORK_DAYS = 7        # calendar days ahead that count as "due soon"
MY_WORK_SIZE = 10


def my_work(tenant, user) -> list[WorkItem]:
    """Open requests assigned to `user` that are overdue or due within a week, soonest first (at most
    ten): one query, plus the tenant's calendar to say how late each one is in working days."""
    if user is None or not getattr(user, "id", None):
        return []
    # The user's own role in `tenant` (the hook may run outside that tenant's request).
    membership = db.session.scalar(select(Membership).where(Membership.tenant_id == tenant.id,
                                                            Membership.user_id == user.id))
    if membership is None or not membership.is_active or not registry().role_has(membership.role,
                                                                                  "a2i.request.view"):
        return []
    with tenant_scope(tenant.id):
        today = services.tenant_today(tenant.id)
        found = db.session.execute(
            select(InfoRequest.id, InfoRequest.reference, InfoRequest.subject, InfoRequest.due_on)
            .where(InfoRequest.assignee_id == user.id, InfoRequest.status.in_(services.OPEN_STATUSES),
                   InfoRequest.due_on.is_not(None), InfoRequest.due_on <= today + timedelta(days=MY_WORK_DAYS))
            .order_by(InfoRequest.due_on, InfoRequest.id).limit(MY_WORK_SIZE)).all()
        calendar = services.calendar_for(tenant.id) if found else None
    items = []
    for req in found:
        items.append(WorkItem(title=f"{req.reference} · {req.subject}", kind=_("Information request"),
                              url=_path("a2i.detail", tenant_slug=tenant.slug, request_id=req.id),
                              due_on=req.due_on, note=_due_note(req.due_on, today, calendar)))
    return items


def _due_note(due_on: date, today: date, calendar) -> str:
    days = services.days_left(due_on, today, calendar)
    if due_on < today:
        # Due on a Friday and seen on the Saturday: late, though no working day has passed yet.
        if not days:
            return _("Overdue")
        return ngettext("Overdue by %(num)s working day", "Overdue by %(num)s working days", -days)
    if due_on == today:
        return _("Reply due today")
    if not days:
        return _("Reply due")
    return ngettext("Reply due in %(num)s working day", "Reply due in %(num)s working days", days)
