"""The laws JSON API under /api/v1/t/<tenant>/policy/laws/: the register (official entries and the
organisation's private ones), each entry's stage history and versions. Same rules as the pages:
writes go through services (DomainError -> 422 naming the field; the official history of a law is
written only by operators and conveners, others get a 403 saying so)."""
from __future__ import annotations

from typing import Any

from flask import abort
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort as api_abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from core.api import ApiBlueprint, refuse
from core.api.files import as_upload, download, download_doc
from core.api.lists import paginate
from core.errors import DomainError
from core.extensions import db
from core.i18n import current_locale
from core.permissions import can, require
from core.search import any_contains
from plugins.policy_tracker import services
from plugins.policy_tracker.models import Law, LawVersion, PolicyStage, StageChange
from plugins.policy_tracker.schemas import (LawPage, PolicyLawDetailSchema, PolicyLawListArgs, PolicyLawPatchSchema,
                                            PolicyLawStageChangeSchema, PolicyLawSubListArgs, PolicyLawVersionSchema,
                                            PolicyLawVersionUploadSchema, PolicyLawWriteSchema, StageChangePage,
                                            VersionPage)

policy_api = ApiBlueprint("policy_api", __name__, path="policy",
                          description="Laws and policies: register, versions, stage history.")

LAW_SORT = {"title_en": Law.title_en, "current_stage_on": Law.current_stage_on}


def _user():
    return current_user._get_current_object()


def _refuse(error: DomainError, default_field: str):
    """A refused write: 403 when the user may not write the official entry, else a rule's 422."""
    if str(error.message) == str(services.official_refusal()):
        db.session.rollback()
        api_abort(403, messages={error.field or default_field: [str(error.message)]})
    refuse(error, default_field)


def _stage_view(stage: PolicyStage | None) -> dict | None:
    if stage is None:
        return None
    return {"id": stage.id, "code": stage.code, "name": stage.name_in(current_locale()), "name_en": stage.name_en,
            "name_km": stage.name_km, "kind": stage.kind}


def _law_item(law: Law) -> dict[str, Any]:
    return {"id": law.id, "official": law.is_official, "title_en": law.title_en, "title_km": law.title_km,
            "short_name": law.short_name, "instrument_type": law.instrument_type, "tags": law.tag_list,
            "current_stage": _stage_view(law.current_stage), "current_stage_on": law.current_stage_on,
            "is_demo": law.is_demo}


def law_view(law: Law) -> dict[str, Any]:
    view = _law_item(law)
    may_edit = services.may_edit_official(_user(), law) if law.is_official else can("policy.edit")
    view.update(summary_en=law.summary_en, summary_km=law.summary_km,
                links=[link for link in law.links.splitlines() if link.strip()],
                institution_ids=[link.institution_id for link in law.lead_institutions], may_edit=may_edit)
    return view


def _change_view(change: StageChange) -> dict[str, Any]:
    return {"id": change.id, "stage_id": change.stage_id, "stage_code": change.stage.code,
            "stage": _stage_view(change.stage), "occurred_on": change.occurred_on, "source": change.source,
            "note": change.note}


def get_law(law_id: int, *options) -> Law:
    law = services.get_visible_law(law_id, joinedload(Law.current_stage), selectinload(Law.lead_institutions),
                                   *options)
    if law is None:
        abort(404)
    return law


def _may_write(law: Law) -> None:
    if law.is_official:
        if not services.may_edit_official(_user(), law):
            api_abort(403, messages={"law": [str(services.official_refusal())]})
    elif not can("policy.edit"):
        abort(403)


def _columns(data: dict) -> dict[str, Any]:
    columns = dict(data)
    if "links" in columns:
        columns["links"] = "\n".join(columns["links"])
    return columns


# --- the register -----------------------------------------------------------------------------------

@policy_api.route("/laws/")
class Laws(MethodView):
    @require("policy.view")
    @policy_api.arguments(PolicyLawListArgs, location="query")
    @policy_api.response(200, LawPage)
    def get(self, args):
        """List the register: official entries and the organisation's private ones."""
        query = services.visible_laws().options(joinedload(Law.current_stage))
        if args.get("type"):
            query = query.where(Law.instrument_type == args["type"])
        if args.get("stage"):
            query = query.where(Law.current_stage_id.in_(select(PolicyStage.id).where(
                PolicyStage.code == args["stage"].strip())))
        if (args.get("q") or "").strip():
            query = query.where(any_contains([Law.title_en, Law.title_km, Law.short_name, Law.tags], args["q"]))
        page = paginate(query, args, LAW_SORT, (Law.title_en, Law.id))
        page["items"] = [_law_item(law) for law in page["items"]]
        return page

    @require("policy.edit")
    @policy_api.arguments(PolicyLawWriteSchema)
    @policy_api.response(201, PolicyLawDetailSchema)
    def post(self, data):
        """Add a private entry of the organisation (official entries are added on the pages by operators
        and conveners). The same type and title as a visible entry is refused."""
        try:
            law = services.create_law(actor=_user(), official=False, **_columns(data))
        except DomainError as error:
            _refuse(error, "title_en")
        db.session.commit()
        return law_view(get_law(law.id))


@policy_api.route("/laws/<int:law_id>")
class LawById(MethodView):
    @require("policy.view")
    @policy_api.etag
    @policy_api.response(200, PolicyLawDetailSchema)
    def get(self, law_id):
        """One entry of the register."""
        return law_view(get_law(law_id))

    @require("policy.view")
    @policy_api.etag
    @policy_api.arguments(PolicyLawPatchSchema(partial=True))
    @policy_api.response(200, PolicyLawDetailSchema)
    def patch(self, data, law_id):
        """Change an entry's own fields; send If-Match with the ETag you read. Official entries: operators
        and conveners of a group that follows the law only (others: 403)."""
        law = get_law(law_id, selectinload(Law.stage_changes))
        _may_write(law)
        policy_api.check_etag(law_view(law), PolicyLawDetailSchema)
        columns = _columns(data)
        institution_ids = columns.pop("institution_ids", None)
        try:
            services.update_law(law, actor=_user(), institution_ids=institution_ids, **columns)
        except DomainError as error:
            _refuse(error, "title_en")
        db.session.commit()
        return law_view(get_law(law_id))


# --- stage history ----------------------------------------------------------------------------------

@policy_api.route("/laws/<int:law_id>/stages")
class Stages(MethodView):
    @require("policy.view")
    @policy_api.arguments(PolicyLawSubListArgs, location="query")
    @policy_api.response(200, StageChangePage)
    def get(self, args, law_id):
        """The entry's stage history, oldest first."""
        get_law(law_id)
        query = select(StageChange).options(joinedload(StageChange.stage)).where(StageChange.law_id == law_id)
        page = paginate(query, args, {}, (StageChange.occurred_on, StageChange.id))
        page["items"] = [_change_view(change) for change in page["items"]]
        return page

    @require("policy.view")
    @policy_api.arguments(PolicyLawStageChangeSchema)
    @policy_api.response(201, PolicyLawStageChangeSchema)
    def post(self, data, law_id):
        """Record a stage change: a stage of the law's type, a date not before the latest change, never
        after an ending (returned, withdrawn, superseded)."""
        law = get_law(law_id, selectinload(Law.stage_changes).joinedload(StageChange.stage))
        _may_write(law)
        services.law_stages(law)          # the type's list exists before a code is looked up
        stage_id = data.get("stage_id")
        if stage_id is None:
            stage_id = db.session.scalar(select(PolicyStage.id).where(
                PolicyStage.instrument_type == law.instrument_type, PolicyStage.code == data["stage_code"].strip()))
            if stage_id is None:
                refuse({"stage_code": [str(services.stage_not_in_list(law))]})
        try:
            change = services.record_stage_change(law, stage_id, data["occurred_on"], source=data["source"],
                                                  note=data["note"], actor=_user())
        except DomainError as error:
            _refuse(error, "stage_id")
        db.session.commit()
        return _change_view(change)


# --- versions ---------------------------------------------------------------------------------------

@policy_api.route("/laws/<int:law_id>/versions")
class Versions(MethodView):
    @require("policy.view")
    @policy_api.arguments(PolicyLawSubListArgs, location="query")
    @policy_api.response(200, VersionPage)
    def get(self, args, law_id):
        """The entry's versions (draft 1, draft 2…), oldest first, with their files' names."""
        get_law(law_id)
        query = select(LawVersion).options(selectinload(LawVersion.files)).where(LawVersion.law_id == law_id)
        return paginate(query, args, {}, (LawVersion.dated_on, LawVersion.id))

    @require("policy.view")
    @policy_api.arguments(PolicyLawVersionSchema)
    @policy_api.response(201, PolicyLawVersionSchema)
    def post(self, data, law_id):
        """Add a version; its files are uploaded on the entry's page."""
        law = get_law(law_id)
        _may_write(law)
        try:
            version = services.add_version(law, label=data["label"], dated_on=data["dated_on"],
                                           source=data["source"], note=data["note"], actor=_user())
        except DomainError as error:
            _refuse(error, "label")
        db.session.commit()
        return version


# --- version files (core/api/files.py) --------------------------------------------------------------

@policy_api.route("/laws/<int:law_id>/versions/upload")
class VersionUpload(MethodView):
    @require("policy.view")
    @policy_api.arguments(PolicyLawVersionUploadSchema, location="files")
    @policy_api.response(201, PolicyLawVersionSchema)
    def post(self, data, law_id):
        """Add a version with its file, as on the entry's page (multipart: the version's fields and the
        file): PDF, Word (.docx), OpenDocument (.odt), text, PNG or JPEG, at most 20 MB, content matching
        the name. Who may write is the same as for POST …/versions."""
        law = get_law(law_id)
        _may_write(law)
        upload = as_upload(data["file"], services.MAX_FILE_BYTES)
        if upload is None:
            refuse({"file": [_("Choose a file to upload.")]})
        try:
            version = services.add_version(law, label=data["label"], dated_on=data.get("dated_on"),
                                           source=data["source"], note=data["note"], files=[upload], actor=_user())
            db.session.flush()
        except DomainError as error:
            _refuse(error, "file")
        db.session.commit()
        return version


@policy_api.route("/laws/<int:law_id>/files/<int:file_id>")
class LawFile(MethodView):
    @require("policy.view")
    @download_doc(policy_api, [content_type for content_type, _signatures in services.ALLOWED.values()],
                  "The version's file.")
    def get(self, law_id, file_id):
        """Download a file of one of the entry's versions (listed in …/versions)."""
        law = get_law(law_id)
        stored = services.get_version_file(law, file_id) or abort(404)
        return download(services.file_path(law, stored), content_type=stored.content_type,
                        download_name=stored.display_name)
