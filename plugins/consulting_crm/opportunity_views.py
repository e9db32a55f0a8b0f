"""Opportunity pages: the kanban board (a stage form on each card; drag and drop with
static/board.js), the filtered list, the detail page with the stage history, and the create/edit
form with the consortium partners. Thin: a form in, one service call (plugins/consulting_crm/
opportunities.py), one commit. The move endpoint answers a form post with a redirect and a JSON post
(the board's script) with JSON or problem+json."""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_currency, format_decimal
from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from core.admin.queries import member_names
from core.errors import DomainError, show_on_form
from core.extensions import db
from core.i18n import current_locale
from core.models import User
from core.pagination import paginate
from core.permissions import can, require
from core.registers.projects import project_choices
from core.registers.protection import shown_name
from core.views import safe_next
from core.web import problem
from plugins.consulting_crm import opportunities, services
from plugins.consulting_crm.models import Currency, Engagement, Opportunity, StageOutcome
from plugins.consulting_crm.opportunity_forms import (BLANK_PARTNER_ROWS, MoveForm, OpportunityFilterForm,
                                                      OpportunityForm)

opportunities_bp = Blueprint("consulting_opportunities", __name__,
                             url_prefix="/t/<tenant_slug>/consulting/opportunities", template_folder="templates")
# The board's script and styles, outside any tenant (the strict CSP allows only files from 'self').
consulting_static_bp = Blueprint("consulting_static", __name__, url_prefix="/consulting-static",
                                 static_folder="static", static_url_path="")

VIEW, EDIT = "consulting.view", "consulting.edit"
PAGE_SIZE = 25
TEMPLATES = "consulting_crm/opportunities/"


# --- what a page shows ----------------------------------------------------------------------------------

def money(amount: Decimal | None, currency: Currency | str) -> str:
    """An amount in the reader's language with its currency (riel without decimals)."""
    if amount is None:
        return ""
    return _money_text(Decimal(amount), Currency(currency).value, current_locale())


# Babel formats an amount in ≈ 100 µs and the board and lists show dozens, mostly the same few:
# a pure function of its arguments, so each is formatted once per process.
@lru_cache(maxsize=8192)
def _money_text(amount: Decimal, code: str, locale: str) -> str:
    if code == Currency.KHR.value:
        return format_currency(amount.quantize(Decimal(1)), code, locale=locale, currency_digits=False,
                               format="¤#,##0")
    return format_currency(amount.quantize(services.CENT), code, locale=locale)


def usd(amount: Decimal | None) -> str:
    return money(amount, Currency.USD)


def percent(number) -> str:
    return _("%(value)s%%", value=format_decimal(number, locale=current_locale()))


def value_usd(opportunity: Opportunity) -> Decimal | None:
    return opportunities.value_in_usd(opportunity)


def weighted_usd(opportunity: Opportunity) -> Decimal | None:
    return services.weighted_value_usd(opportunity)


def days_left_text(opportunity: Opportunity, today) -> str:
    days = opportunities.days_left(opportunity, today)
    if days is None:
        return ""
    if days == 0:
        return _("due today")
    if days > 0:
        return ngettext("%(num)s day left", "%(num)s days left", days)
    return ngettext("%(num)s day late", "%(num)s days late", -days)


def client_name(opportunity: Opportunity) -> str:
    return shown_name(opportunity.client, current_locale(), reveal=False) if opportunity.client else ""


def tenant_today():
    return g.tenant.today()


def page_helpers() -> dict:
    return {"money": money, "usd": usd, "percent": percent, "value_usd": value_usd, "weighted_usd": weighted_usd,
            "days_left_text": days_left_text, "client_name": client_name, "today": tenant_today(),
            "lang": current_locale(), "may_edit": can(EDIT)}


def _get_or_404(opportunity_id: int) -> Opportunity:
    opportunity = opportunities.get_opportunity(opportunity_id)
    if opportunity is None:
        abort(404)
    return opportunity


def _stages():
    if services.ensure_default_stages(g.tenant.id):
        db.session.commit()
    return services.stages(g.tenant.id)


def _stage_choices(stages) -> list[SelectChoice]:
    lang = current_locale()
    return [SelectChoice(str(stage.id), stage.name_in(lang)) for stage in stages]


def _status(form) -> int:
    return 422 if (form.errors or form.form_errors or getattr(form, "partner_errors", None)) else 200


# --- the board ----------------------------------------------------------------------------------------------

@opportunities_bp.get("/board")
@require(VIEW)
def board():
    today = tenant_today()
    columns = opportunities.board(g.tenant.id, today, _stages())
    chosen = (request.args.get("stage") or "").strip()[:64]
    shown = [column for column in columns if column.stage.code == chosen] or columns
    lang = current_locale()
    # Every card's stage list (the move form without JavaScript) offers the same stages: named once.
    stage_options = [(column.stage.id, column.stage.outcome.value, column.stage.name_in(lang)) for column in columns]
    return render_template(TEMPLATES + "board.html", columns=columns, shown=shown, stage_options=stage_options,
                           chosen=chosen if len(shown) == 1 and shown[0].stage.code == chosen else "",
                           closed_days=opportunities.CLOSED_SHOWN_DAYS,
                           outcomes=StageOutcome, **page_helpers())


def _totals_json(today) -> dict:
    return {str(column.stage.id): {"count": format_decimal(column.count, locale=current_locale()),
                                   "total": usd(column.total_usd), "weighted": usd(column.weighted_usd)}
            for column in opportunities.board(g.tenant.id, today)}


def _card_json(opportunity: Opportunity) -> dict:
    weighted = weighted_usd(opportunity)
    return {"id": opportunity.id, "stage_id": opportunity.stage_id, "probability": percent(opportunity.probability),
            "weighted": usd(weighted) if weighted is not None else ""}


# --- stage moves ---------------------------------------------------------------------------------------------

def _move_form(opportunity: Opportunity, stages) -> MoveForm:
    form = MoveForm()
    form.stage.choices = _stage_choices(stages)
    if request.method == "GET":
        form.stage.data = request.args.get("stage") or str(opportunity.stage_id)
    return form


def _back(opportunity: Opportunity) -> str:
    return safe_next(request.values.get("next"), url_for("consulting_opportunities.detail",
                                                         opportunity_id=opportunity.id))


def _move_json(opportunity: Opportunity) -> Response:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("stage_id"), (int, str)):
        return problem(400, _("Bad request"), _("The move sent could not be read."))
    lost_reason = body.get("lost_reason")
    if lost_reason is not None and not isinstance(lost_reason, str):
        return problem(400, _("Bad request"), _("The move sent could not be read."))
    try:
        moved = opportunities.move(opportunity, body["stage_id"], user_id=current_user.id, lost_reason=lost_reason,
                                   today=tenant_today())
    except DomainError as error:
        db.session.rollback()
        return problem(422, _("This move was refused"), str(error.message),
                       errors={error.field or "stage": [str(error.message)]}, field=error.field or "stage")
    db.session.commit()
    return jsonify({"moved": moved is not None, "card": _card_json(opportunity), "columns": _totals_json(tenant_today()),
                    "message": _("Moved to %(stage)s.", stage=opportunity.stage.name_in(current_locale()))})


@opportunities_bp.route("/<int:opportunity_id>/move", methods=["GET", "POST"])
@require(EDIT)
def move(opportunity_id: int):
    """POST: a card's form or the board's script. GET (or a refused form post): a page that asks
    for what the stage needs, such as the reason an opportunity was lost."""
    opportunity = _get_or_404(opportunity_id)
    if request.method == "POST" and request.is_json:
        return _move_json(opportunity)
    stages = _stages()
    form = _move_form(opportunity, stages)
    target = opportunities.get_stage(g.tenant.id, form.stage.data)
    if form.validate_on_submit():
        lost_reason = form.lost_reason.data if target is not None and target.outcome is StageOutcome.LOST else None
        try:
            moved = opportunities.move(opportunity, form.stage.data, user_id=current_user.id,
                                       lost_reason=lost_reason, today=tenant_today())
        except DomainError as error:
            db.session.rollback()
            opportunity = _get_or_404(opportunity_id)
            show_on_form(form, error, default="stage")
        else:
            db.session.commit()
            if moved is not None:
                flash(_("%(title)s moved to %(stage)s.", title=opportunity.title,
                        stage=opportunity.stage.name_in(current_locale())), "success")
            return redirect(_back(opportunity))
    return render_template(TEMPLATES + "move.html", opportunity=opportunity, form=form, target=target,
                           next=request.values.get("next", ""), outcomes=StageOutcome,
                           **page_helpers()), _status(form)


# --- the list -------------------------------------------------------------------------------------------------

def _int(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


@opportunities_bp.get("/")
@require(VIEW)
def index():
    stages = _stages()
    form = OpportunityFilterForm(request.args)
    form.stage.choices = [SelectChoice("", _("Any stage"))] + _stage_choices(stages)
    form.validate()
    currency = form.currency.data if form.currency.data in {c.value for c in Currency} else None
    filters = opportunities.ListFilters(
        q=(form.q.data or "").strip()[:200], stage_id=_int(form.stage.data),
        owner_id=None if form.owner.errors else form.owner.data,
        client_id=None if form.client.errors else form.client.data, due_from=form.due_from.data if not form.due_from.errors else None,
        due_to=form.due_to.data if not form.due_to.errors else None,
        currency=Currency(currency) if currency else None, newest_deadline_first=form.sort.data == "-deadline")
    page = paginate(opportunities.list_query(filters), per_page=PAGE_SIZE)
    query_args = {name: value for name, value in request.args.items(multi=False) if name != "page" and value}
    active = any(value for name, value in query_args.items() if name != "sort")
    return render_template(TEMPLATES + "index.html", page=page, form=form, query_args=query_args, active=active,
                           **page_helpers())


# --- one opportunity ------------------------------------------------------------------------------------------

@opportunities_bp.get("/<int:opportunity_id>")
@require(VIEW)
def detail(opportunity_id: int):
    opportunity = _get_or_404(opportunity_id)
    moves = opportunities.moves_of(opportunity)
    mover_ids = {move.moved_by_id for move in moves if move.moved_by_id}
    movers = {row.id: row.name or row.email for row in db.session.execute(
        select(User.id, User.name, User.email).where(User.id.in_(mover_ids))).all()} if mover_ids else {}
    move_form = None
    if can(EDIT):
        move_form = _move_form(opportunity, _stages())
    lang = current_locale()
    partners = [(row, shown_name(row.partner, lang, reveal=False)) for row in opportunity.partners]
    engagement_id = db.session.scalar(select(Engagement.id).where(Engagement.opportunity_id == opportunity.id))
    return render_template(TEMPLATES + "detail.html", opportunity=opportunity, moves=moves, movers=movers,
                           move_form=move_form, partners=partners, outcomes=StageOutcome,
                           engagement_id=engagement_id, may_edit_work=can(EDIT), **page_helpers())


def _plain(number: Decimal | None) -> str:
    return "" if number is None else format(Decimal(number).normalize(), "f")


def _initial(opportunity: Opportunity | None) -> dict:
    if opportunity is None:
        data = {"owner_id": str(current_user.id), "probability": services.first_stage(g.tenant.id).default_probability}
        rate = opportunities.latest_rate(g.tenant.id)
        if rate is not None:
            data.update(khr_per_usd=_plain(rate.khr_per_usd), rate_on=rate.rate_on, rate_source=rate.source)
        return data
    return {"title": opportunity.title, "client": opportunity.client_id, "source": opportunity.source.value,
            "call_reference": opportunity.call_reference, "description": opportunity.description,
            "questions_due_on": opportunity.questions_due_on, "submission_due_on": opportunity.submission_due_on,
            "expected_start_on": opportunity.expected_start_on, "currency": opportunity.currency.value,
            "estimated_value": _plain(opportunity.estimated_value), "khr_per_usd": _plain(opportunity.khr_per_usd),
            "rate_on": opportunity.rate_on, "rate_source": opportunity.rate_source,
            "probability": opportunity.probability, "owner_id": str(opportunity.owner_id or ""),
            "project_id": str(opportunity.project_id or ""),
            "partners": [{"partner": row.partner_id, "share_percent": _plain(row.share_percent), "role": row.role}
                         for row in opportunity.partners]}


def _opportunity_form(opportunity: Opportunity | None = None) -> OpportunityForm:
    form = OpportunityForm() if request.method == "POST" else OpportunityForm(data=_initial(opportunity))
    form.owner_id.choices = [SelectChoice("", _("No owner"))] + [
        SelectChoice(str(user_id), name) for user_id, name in member_names(g.tenant.id)]
    form.project_id.choices = [SelectChoice("", _("No project"))] + [
        SelectChoice(str(project_id), label) for project_id, label in project_choices(
            g.tenant, current_locale(), keep_id=opportunity.project_id if opportunity else None)]
    if request.method == "GET":
        for _row in range(BLANK_PARTNER_ROWS):
            form.partners.append_entry()
    return form


def _fields(form: OpportunityForm) -> dict:
    return {"title": form.title.data, "client_id": form.client.data, "source": form.source.data,
            "call_reference": form.call_reference.data, "description": form.description.data,
            "questions_due_on": form.questions_due_on.data, "submission_due_on": form.submission_due_on.data,
            "expected_start_on": form.expected_start_on.data, "currency": form.currency.data,
            "estimated_value": form.estimated_value.data, "khr_per_usd": form.khr_per_usd.data,
            "rate_on": form.rate_on.data, "rate_source": form.rate_source.data, "probability": form.probability.data,
            "owner_id": form.owner_id.data or None, "project_id": form.project_id.data or None}


def _partner_lines(form: OpportunityForm) -> list[opportunities.PartnerLine] | None:
    """The partner rows as posted; None (leave the partners as they are) when the post has none."""
    if not any(name.startswith("partners-") for name in request.form):
        return None
    return [opportunities.PartnerLine(row.form.partner.data, row.form.share_percent.data, row.form.role.data or "")
            for row in form.partners]


def _save(form: OpportunityForm, action):
    """Run the service call; on success commit and go to the opportunity, on a refusal roll back and
    show it on the form (None: render the page again)."""
    try:
        opportunity = action()
    except DomainError as error:
        db.session.rollback()
        if error.field == "partners":
            form.partner_errors.append(str(error.message))
        else:
            show_on_form(form, error)
        return None
    db.session.commit()
    flash(_("Opportunity saved."), "success")
    return redirect(url_for("consulting_opportunities.detail", opportunity_id=opportunity.id))


def _render_form(form: OpportunityForm, opportunity: Opportunity | None):
    return render_template(TEMPLATES + "form.html", form=form, opportunity=opportunity,
                           **page_helpers()), _status(form)


@opportunities_bp.route("/new", methods=["GET", "POST"])
@require(EDIT)
def new():
    form = _opportunity_form()
    if form.validate_on_submit():
        saved = _save(form, lambda: opportunities.create_opportunity(g.tenant.id, partners=_partner_lines(form),
                                                                     **_fields(form)))
        if saved:
            return saved
    return _render_form(form, None)


@opportunities_bp.route("/<int:opportunity_id>/edit", methods=["GET", "POST"])
@require(EDIT)
def edit(opportunity_id: int):
    opportunity = _get_or_404(opportunity_id)
    form = _opportunity_form(opportunity)
    if form.validate_on_submit():
        saved = _save(form, lambda: opportunities.update_opportunity(opportunity, partners=_partner_lines(form),
                                                                     **_fields(form)))
        if saved:
            return saved
    return _render_form(form, opportunity)
