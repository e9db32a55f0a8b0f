"""Law pages: the register list, an entry with its timeline, create/edit, stage changes, versions
with files, status notes, groups following a law, and the operators' stage lists."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, literal, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from core.errors import DomainError, show_on_form
from core.extensions import db
from core.i18n import current_locale
from core.models import WorkingGroup, WorkingGroupMember
from core.pagination import paginate
from core.permissions import can, require
from core.registers.institutions import visible_institutions
from core.registers.models import Institution, name_in_language
from core.search import any_contains
from core.uploads import is_stored, received, send_download
from plugins.policy_tracker import services, stages
from plugins.policy_tracker.forms import (FollowForm, LawFilterForm, LawForm, StageAddForm, StageChangeForm,
                                          StageEditForm, StatusNoteForm, VersionForm)
from plugins.policy_tracker.models import (GroupLaw, InstrumentType, Law, LawInstitution, LawVersion, PolicyStage,
                                          StageChange, StageKind)

laws_bp = Blueprint("laws", __name__, url_prefix="/t/<tenant_slug>/policy/laws", template_folder="templates")

PAGE_SIZE = 25


def _user():
    return current_user._get_current_object()


def _stages_ready() -> None:
    """Seed the default stage lists the first time any page needs them (committed at once, so the
    ids a form shows are the ids its POST finds)."""
    if stages.ensure_default_stages():
        db.session.commit()


def get_law(law_id: int, *options) -> Law:
    law = services.get_visible_law(law_id, *options)
    if law is None:
        abort(404)
    return law


def _tenant_groups() -> list[WorkingGroup]:
    """The working groups the current tenant belongs to."""
    return list(db.session.scalars(select(WorkingGroup).join(
        WorkingGroupMember, WorkingGroupMember.group_id == WorkingGroup.id).where(
        WorkingGroupMember.tenant_id == g.tenant.id).order_by(WorkingGroup.name)))


def stage_choices(blank=None) -> list[SelectChoice]:
    lang = current_locale()
    rows = stages.all_stages()
    types = {kind: str(kind.label) for kind in InstrumentType}
    choices = [SelectChoice(str(stage.id), stage.name_in(lang), optgroup=types[stage.instrument_type])
               for stage in rows if stage.is_active]
    return ([SelectChoice("", blank)] + choices) if blank is not None else choices


def institution_choices() -> list[SelectChoice]:
    rows = db.session.execute(visible_institutions().with_only_columns(
        Institution.id, Institution.name_en, Institution.name_km)).all()
    lang = current_locale()
    return [SelectChoice(row.id, name_in_language(row.name_en, row.name_km, lang)) for row in rows]


# --- the list ---------------------------------------------------------------------------------------

def law_list_query(filters: dict):
    query = services.visible_laws().options(joinedload(Law.current_stage))
    if filters.get("type"):
        query = query.where(Law.instrument_type == InstrumentType(filters["type"]))
    if filters.get("stage"):
        query = query.where(Law.current_stage_id == int(filters["stage"]))
    if filters.get("tag"):
        tags = literal(",") + func.lower(func.replace(Law.tags, ", ", ",")) + literal(",")
        query = query.where(tags.contains(f",{filters['tag'].strip().lower()},", autoescape=True))
    if filters.get("group"):
        query = query.where(Law.id.in_(select(GroupLaw.law_id).where(GroupLaw.group_id == int(filters["group"]))))
    if (filters.get("q") or "").strip():
        query = query.where(any_contains([Law.title_en, Law.title_km, Law.short_name, Law.tags], filters["q"]))
    return query.order_by(Law.title_en, Law.id)


@laws_bp.get("/")
@require("policy.view")
def index() -> str:
    _stages_ready()
    form = LawFilterForm(request.args)
    form.stage.choices = stage_choices(_("Any stage"))
    form.group.choices = [SelectChoice("", _("Any group"))] + [SelectChoice(str(group.id), group.name)
                                                               for group in _tenant_groups()]
    filters: dict = {}
    if request.args:
        form.validate()
        filters = {name: field.data for name, field in form._fields.items() if field.data and not field.errors}
        if form.errors:
            flash(_("Some filters were not understood and have been ignored."), "error")
    page = paginate(law_list_query(filters), per_page=PAGE_SIZE)
    query_args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template("policy_tracker/laws/index.html", form=form, page=page, query_args=query_args)


# --- one entry --------------------------------------------------------------------------------------

@laws_bp.get("/<int:law_id>")
@require("policy.view")
def detail(law_id: int) -> str:
    law = get_law(law_id, selectinload(Law.lead_institutions).joinedload(LawInstitution.institution),
                  selectinload(Law.versions).selectinload(LawVersion.files),
                  selectinload(Law.stage_changes).joinedload(StageChange.stage), joinedload(Law.current_stage))
    user = _user()
    may_edit = can("policy.edit") and services.may_edit(user, law) if not law.is_official else \
        services.may_edit_official(user, law)
    following = services.groups_following(law)
    convened = services.convened_groups(user) if law.is_official else []
    follow_form = FollowForm()
    follow_form.group_id.choices = [(group.id, group.name) for group in convened
                                    if group.id not in {f.id for f in following}]
    notes = services.status_notes(law)
    return render_template("policy_tracker/laws/detail.html", law=law, may_edit=may_edit,
                           notes=notes, following=following,
                           convened_ids={group.id for group in convened}, follow_form=follow_form,
                           **_note_sharing(notes))


def _note_sharing(notes) -> dict:
    """The groups the notes may be shared with and each note's current shares (two queries, not
    two per note as the record pages' share panel would cost)."""
    from core.models import SharedRecord
    from core.sharing import groups_of
    if not notes or not can("core.sharing.manage"):
        return {"share_groups": [], "note_shares": {}}
    shares: dict[int, list] = {}
    for shared in db.session.scalars(select(SharedRecord).where(
            SharedRecord.record_type == "policy.status_note", SharedRecord.record_id.in_([n.id for n in notes]),
            SharedRecord.tenant_id == g.tenant.id, SharedRecord.revoked_at.is_(None))
            .options(joinedload(SharedRecord.group)).order_by(SharedRecord.id)):
        shares.setdefault(shared.record_id, []).append(shared)
    return {"share_groups": groups_of(g.tenant), "note_shares": shares}


def _law_form(law: Law | None = None) -> LawForm:
    form = LawForm(obj=law) if law is not None else LawForm()
    form.institution_ids.choices = institution_choices()
    if law is not None or not services.may_create_official(_user()):
        del form.official
    if request.method == "GET" and law is not None:
        form.instrument_type.data = law.instrument_type.value
        form.institution_ids.data = [link.institution_id for link in law.lead_institutions]
    return form


def _law_fields(form: LawForm) -> dict:
    return {"title_en": form.title_en.data, "title_km": form.title_km.data or "",
            "instrument_type": form.instrument_type.data, "short_name": form.short_name.data or "",
            "tags": form.tags.data or "", "links": form.links.data or "", "summary_en": form.summary_en.data or "",
            "summary_km": form.summary_km.data or "", "institution_ids": form.institution_ids.data or []}


@laws_bp.route("/new", methods=["GET", "POST"])
@require("policy.edit")
def create():
    form = _law_form()
    if form.validate_on_submit():
        official = bool("official" in form and form.official.data)
        try:
            law = services.create_law(actor=_user(), official=official, **_law_fields(form))
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("“%(title)s” added to the register.", title=law.title_in(current_locale())), "success")
            return redirect(url_for("laws.detail", law_id=law.id))
    failed = bool(form.errors or form.form_errors)
    return render_template("policy_tracker/laws/form.html", form=form, law=None), 422 if failed else 200


@laws_bp.route("/<int:law_id>/edit", methods=["GET", "POST"])
@require("policy.view")
def edit(law_id: int):
    law = get_law(law_id, selectinload(Law.lead_institutions), selectinload(Law.stage_changes))
    user = _user()
    _check_writer(law)
    form = _law_form(law)
    if form.validate_on_submit():
        try:
            services.update_law(law, actor=user, **_law_fields(form))
        except DomainError as error:
            db.session.rollback()
            law = get_law(law_id)
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("laws.detail", law_id=law.id))
    failed = bool(form.errors or form.form_errors)
    return render_template("policy_tracker/laws/form.html", form=form, law=law), 422 if failed else 200


def refuse(message) -> None:
    """403 with the reason on the error page (the generic text would not say who may do it)."""
    abort(make_response(render_template("errors/error.html", code=403, title=_("Not allowed"),
                                        description=str(message)), 403))


def _check_writer(law: Law) -> None:
    """403 with the reason for a member who may not write this entry's history or versions."""
    if law.is_official:
        if not services.may_edit_official(_user(), law):
            refuse(services.official_refusal())
    elif not can("policy.edit"):
        abort(403)


@laws_bp.route("/<int:law_id>/stages/new", methods=["GET", "POST"])
@require("policy.view")
def record_stage(law_id: int):
    _stages_ready()
    law = get_law(law_id, selectinload(Law.stage_changes).joinedload(StageChange.stage))
    _check_writer(law)
    form = StageChangeForm()
    lang = current_locale()
    form.stage_id.choices = [(stage.id, stage.name_in(lang)) for stage in services.law_stages(law)]
    if form.validate_on_submit():
        try:
            services.record_stage_change(law, form.stage_id.data, form.occurred_on.data, source=form.source.data,
                                         note=form.note.data, actor=_user())
        except DomainError as error:
            db.session.rollback()
            law = get_law(law_id)
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Stage change recorded."), "success")
            return redirect(url_for("laws.detail", law_id=law.id))
    failed = bool(form.errors or form.form_errors)
    return render_template("policy_tracker/laws/record_stage.html", form=form, law=law), 422 if failed else 200


@laws_bp.route("/<int:law_id>/versions/new", methods=["GET", "POST"])
@require("policy.view")
def add_version(law_id: int):
    law = get_law(law_id)
    _check_writer(law)
    form = VersionForm()
    if form.validate_on_submit():
        files = received(form.file.data)
        try:
            services.add_version(law, label=form.label.data, dated_on=form.dated_on.data, source=form.source.data,
                                 note=form.note.data, files=files, actor=_user())
        except DomainError as error:
            db.session.rollback()
            law = get_law(law_id)
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Version added."), "success")
            return redirect(url_for("laws.detail", law_id=law.id))
    failed = bool(form.errors or form.form_errors)
    return render_template("policy_tracker/laws/add_version.html", form=form, law=law), 422 if failed else 200


@laws_bp.get("/<int:law_id>/files/<int:file_id>")
@require("policy.view")
def download(law_id: int, file_id: int):
    law = get_law(law_id)
    stored = services.get_version_file(law, file_id)
    if stored is None:
        abort(404)
    path = services.file_path(law, stored)
    if not is_stored(path):
        abort(404)
    return send_download(path, content_type=stored.content_type, download_name=stored.display_name)


@laws_bp.route("/<int:law_id>/notes/new", methods=["GET", "POST"])
@require("policy.edit")
def add_note(law_id: int):
    law = get_law(law_id)
    form = StatusNoteForm()
    if form.validate_on_submit():
        try:
            services.add_status_note(law, noted_on=form.noted_on.data, text=form.text.data, source=form.source.data,
                                     actor=_user())
        except DomainError as error:
            db.session.rollback()
            law = get_law(law_id)
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Status note added."), "success")
            return redirect(url_for("laws.detail", law_id=law.id))
    failed = bool(form.errors or form.form_errors)
    return render_template("policy_tracker/laws/add_note.html", form=form, law=law), 422 if failed else 200


def _group_from_form() -> WorkingGroup:
    try:
        group_id = int(request.form.get("group_id", ""))
    except ValueError:
        abort(400)
    group = db.session.get(WorkingGroup, group_id)
    if group is None:
        abort(404)
    return group


@laws_bp.post("/<int:law_id>/follow")
@require("policy.view")
def follow(law_id: int) -> Response:
    return _change_following(law_id, services.follow, _("%(group)s now follows this law."))


@laws_bp.post("/<int:law_id>/unfollow")
@require("policy.view")
def unfollow(law_id: int) -> Response:
    return _change_following(law_id, services.unfollow, _("%(group)s no longer follows this law."))


def _change_following(law_id: int, change, message: str) -> Response:
    """A convener makes the group in the form follow the law, or stop following it."""
    law = get_law(law_id)
    group = _group_from_form()
    try:
        change(group, law, _user())
    except DomainError as error:
        db.session.rollback()
        refuse(error.message)
    db.session.commit()
    flash(message % {"group": group.name}, "success")
    return redirect(url_for("laws.detail", law_id=law.id))


# --- the operators' stage lists ---------------------------------------------------------------------

def _operator_only() -> None:
    if not services.is_operator(_user()):
        abort(403)


def _instrument_type(value: str) -> InstrumentType:
    try:
        return InstrumentType(value)
    except ValueError:
        abort(404)


@laws_bp.route("/stages/<instrument>", methods=["GET", "POST"])
@require("policy.view")
def stage_list(instrument: str):
    """The stage list of one instrument type: rename, reorder, (de)activate, add (operators)."""
    kind = _instrument_type(instrument)
    _operator_only()
    _stages_ready()
    add_form = StageAddForm(prefix="add")
    status = 200
    if request.method == "POST":
        stage_id = request.form.get("stage_id", type=int)
        if stage_id:
            stage = db.session.get(PolicyStage, stage_id)
            if stage is None or stage.instrument_type != kind:
                abort(404)
            form = StageEditForm(prefix=f"s{stage.id}")
            if form.validate_on_submit():
                try:
                    stages.update_stage(stage, name_en=form.name_en.data, name_km=form.name_km.data or "",
                                        position=form.position.data, is_active=bool(form.is_active.data))
                    db.session.flush()
                except DomainError as error:
                    db.session.rollback()
                    flash(str(error.message), "error")
                else:
                    db.session.commit()
                    flash(_("Stage saved."), "success")
                    return redirect(url_for("laws.stage_list", instrument=kind.value))
            else:
                flash(_("Check the stage's name and position."), "error")
                status = 422
        elif add_form.validate_on_submit():
            try:
                stages.add_stage(kind, name_en=add_form.name_en.data, name_km=add_form.name_km.data or "",
                                 kind=StageKind(add_form.kind.data))
            except DomainError as error:
                db.session.rollback()
                show_on_form(add_form, error)
                status = 422
            else:
                db.session.commit()
                flash(_("Stage added."), "success")
                return redirect(url_for("laws.stage_list", instrument=kind.value))
        else:
            status = 422
    rows = stages.stages_for(kind)
    forms = []
    for stage in rows:
        form = StageEditForm(prefix=f"s{stage.id}", formdata=None, obj=stage)
        forms.append((stage, form))
    return render_template("policy_tracker/laws/stages.html", kind=kind, forms=forms, add_form=add_form,
                           types=list(InstrumentType)), status
