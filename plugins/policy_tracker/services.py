"""The law and policy register: who sees and who edits an entry, the stage history rules (the stage
belongs to the instrument's list, dates never go backwards, nothing follows an ending), versions
with files, the tenants' status notes and the groups that follow a law. No Flask requests here:
rules raise DomainError with a translated message, views and the API turn it into errors."""
from __future__ import annotations

import unicodedata
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Iterator

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select

from core.errors import DomainError
from core.extensions import db
from core.models import Membership, User, WorkingGroup
from core.permissions import MANAGERS
from core.registers.institutions import get_visible_institution
from core.search import any_contains, normalise
from core.tenancy import current_tenant_id
from core.uploads import Upload, check_upload, store, tenant_folder
from plugins.policy_tracker.models import (GroupLaw, InstrumentType, Law, LawInstitution, LawVersion, LawVersionFile,
                                          PolicyStage, StageChange, StageKind, StatusNote, official_edit)
from plugins.policy_tracker.stages import stages_for

UPLOAD_AREA = "policy_laws"
OFFICIAL_FOLDER_ID = 0          # official laws' files live under UPLOAD_FOLDER/0/policy_laws
MAX_FILE_BYTES = 20 * 1024 * 1024
ZIP = (b"PK\x03\x04",)
# The files a version may have: extension -> (content type, the first bytes such a file starts with;
# none for plain text).
ALLOWED = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP),
    "odt": ("application/vnd.oasis.opendocument.text", ZIP),
    "txt": ("text/plain", ()),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)), "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
}


def official_refusal():
    return _l("Only instance operators and the conveners of a working group that follows this law may change "
              "its official entry and history. Add a status note instead.")


# --- who sees ---------------------------------------------------------------------------------------

def _visible_clause():
    tenant_id = current_tenant_id()
    if tenant_id is None:
        return Law.owner_tenant_id.is_(None)
    return or_(Law.owner_tenant_id.is_(None), Law.owner_tenant_id == tenant_id)


def visible_laws() -> Select:
    """The official register plus the current tenant's private entries (never another tenant's)."""
    return select(Law).where(_visible_clause())


def get_visible_law(law_id: int, *options) -> Law | None:
    return db.session.execute(select(Law).where(Law.id == law_id, _visible_clause()).options(*options)
                              ).unique().scalar_one_or_none()


# --- who edits --------------------------------------------------------------------------------------

def is_operator(user: User | None) -> bool:
    return bool(user is not None and getattr(user, "is_superadmin", False))


def convened_groups(user: User | None) -> list[WorkingGroup]:
    """The working groups whose convening tenant the user manages (owner or admin)."""
    if user is None or not getattr(user, "id", None):
        return []
    return list(db.session.scalars(select(WorkingGroup).join(
        Membership, Membership.tenant_id == WorkingGroup.convening_tenant_id).where(
        Membership.user_id == user.id, Membership.is_active, Membership.role.in_(MANAGERS)).order_by(
        WorkingGroup.name, WorkingGroup.id)))


def may_convene(user: User | None, group: WorkingGroup) -> bool:
    return is_operator(user) or any(g.id == group.id for g in convened_groups(user))


def may_edit_official(user: User | None, law: Law) -> bool:
    """An instance operator, or a manager of the convening tenant of a working group following the law."""
    if is_operator(user):
        return True
    if user is None or not getattr(user, "id", None) or law.id is None:
        return False
    return db.session.scalar(select(GroupLaw.id).join(WorkingGroup, WorkingGroup.id == GroupLaw.group_id).join(
        Membership, Membership.tenant_id == WorkingGroup.convening_tenant_id).where(
        GroupLaw.law_id == law.id, Membership.user_id == user.id, Membership.is_active,
        Membership.role.in_(MANAGERS)).limit(1)) is not None


def may_create_official(user: User | None) -> bool:
    return is_operator(user) or bool(convened_groups(user))


def may_edit(user: User | None, law: Law) -> bool:
    """Official entries: operators and conveners; a private entry: its owner tenant (the caller
    checks the policy.edit permission)."""
    if law.is_official:
        return may_edit_official(user, law)
    return law.owner_tenant_id == current_tenant_id()


@contextmanager
def writing(law: Law, actor: User | None) -> Iterator[None]:
    """Write `law` or what hangs off it: checks the right, opens official_edit() for official rows
    and flushes inside it (the guard runs on flush)."""
    if law.is_official and current_tenant_id() is not None:
        if not may_edit_official(actor, law):
            raise DomainError(official_refusal())
        with official_edit():
            yield
            db.session.flush()
        return
    if not law.is_official and law.owner_tenant_id != current_tenant_id() and current_tenant_id() is not None:
        raise DomainError(_l("This entry belongs to another organisation."))
    yield
    db.session.flush()


# --- the register -----------------------------------------------------------------------------------

def _title_key(title: str) -> str:
    return " ".join(normalise(unicodedata.normalize("NFC", title or "")).split())


def find_duplicate(instrument_type: InstrumentType, title_en: str, title_km: str, *,
                   exclude_id: int | None = None) -> Law | None:
    """A visible entry of the same type with the same English or Khmer title (case and spaces aside)."""
    keys = {key for key in (_title_key(title_en), _title_key(title_km)) if key}
    if not keys:
        return None
    query = visible_laws().where(Law.instrument_type == instrument_type)
    if exclude_id is not None:
        query = query.where(Law.id != exclude_id)
    for law in db.session.scalars(query):     # one type of a register of hundreds: compared here
        if _title_key(law.title_en) in keys or (_title_key(law.title_km) and _title_key(law.title_km) in keys):
            return law
    return None


def _tags(tags: str | list[str] | None) -> str:
    items = tags.split(",") if isinstance(tags, str) else (tags or [])
    seen: list[str] = []
    for tag in (t.strip() for t in items):
        if tag and tag.lower() not in {s.lower() for s in seen}:
            seen.append(tag)
    return ", ".join(seen)


def _links(links: str | list[str] | None) -> str:
    items = links.splitlines() if isinstance(links, str) else (links or [])
    return "\n".join(link.strip() for link in items if link.strip())


def _institutions(law: Law, institution_ids: list[int] | None) -> None:
    if institution_ids is None:
        return
    wanted: list[int] = []
    for institution_id in institution_ids:
        if institution_id in wanted:
            continue
        if get_visible_institution(institution_id) is None:
            raise DomainError(_l("Choose lead institutions from the register."), field="institution_ids")
        wanted.append(institution_id)
    for link in list(law.lead_institutions):
        if link.institution_id not in wanted:
            law.lead_institutions.remove(link)
    have = {link.institution_id for link in law.lead_institutions}
    for institution_id in wanted:
        if institution_id not in have:
            law.lead_institutions.append(LawInstitution(law=law, institution_id=institution_id))


def _check_fields(title_en: str, title_km: str, instrument_type, exclude_id: int | None) -> InstrumentType:
    try:
        instrument_type = InstrumentType(instrument_type)
    except ValueError:
        raise DomainError(_l("Choose a type of instrument."), field="instrument_type") from None
    if not (title_en or "").strip():
        raise DomainError(_l("Give the title in English."), field="title_en")
    duplicate = find_duplicate(instrument_type, title_en, title_km, exclude_id=exclude_id)
    if duplicate is not None:
        raise DomainError(_l("“%(title)s” is already in the register as a %(type)s; open that entry instead.",
                             title=duplicate.title_en, type=duplicate.instrument_type.label), field="title_en")
    return instrument_type


LAW_TEXT_FIELDS = ("short_name", "summary_en", "summary_km")


def create_law(*, title_en: str, title_km: str = "", instrument_type, actor: User | None, official: bool = False,
               institution_ids: list[int] | None = None, tags="", links="", short_name: str = "",
               summary_en: str = "", summary_km: str = "", is_demo: bool = False) -> Law:
    """A new entry: the tenant's private one, or (operators and conveners) an official one."""
    instrument_type = _check_fields(title_en, title_km, instrument_type, None)
    tenant_id = current_tenant_id()
    if official and tenant_id is not None and not may_create_official(actor):
        raise DomainError(official_refusal(), field="official")
    law = Law(owner_tenant_id=None if official else tenant_id, title_en=title_en.strip(),
              title_km=(title_km or "").strip(), instrument_type=instrument_type, short_name=(short_name or "").strip(),
              summary_en=(summary_en or "").strip(), summary_km=(summary_km or "").strip(), tags=_tags(tags),
              links=_links(links), is_demo=is_demo)
    with writing(law, actor):
        db.session.add(law)
        _institutions(law, institution_ids)
    return law


def update_law(law: Law, *, actor: User | None, institution_ids: list[int] | None = None, **fields) -> Law:
    """Change an entry's own fields (any of title_en, title_km, instrument_type, tags, links, short_name,
    summary_en, summary_km). A type with a history cannot change (its stages would not belong)."""
    title_en = fields.get("title_en", law.title_en)
    title_km = fields.get("title_km", law.title_km)
    instrument_type = fields.get("instrument_type", law.instrument_type)
    new_type = _check_fields(title_en, title_km, instrument_type, law.id)
    if new_type != law.instrument_type and law.stage_changes:
        raise DomainError(_l("This entry already has a stage history; its type cannot change."),
                          field="instrument_type")
    with writing(law, actor):
        law.title_en, law.title_km, law.instrument_type = title_en.strip(), (title_km or "").strip(), new_type
        if "tags" in fields:
            law.tags = _tags(fields["tags"])
        if "links" in fields:
            law.links = _links(fields["links"])
        for name in LAW_TEXT_FIELDS:
            if name in fields:
                setattr(law, name, (fields[name] or "").strip())
        _institutions(law, institution_ids)
    return law


# --- following groups -------------------------------------------------------------------------------

def groups_following(law: Law) -> list[WorkingGroup]:
    return list(db.session.scalars(select(WorkingGroup).join(GroupLaw, GroupLaw.group_id == WorkingGroup.id).where(
        GroupLaw.law_id == law.id).order_by(WorkingGroup.name)))


def follow(group: WorkingGroup, law: Law, actor: User | None) -> GroupLaw:
    """The group follows an official entry (its conveners then edit it)."""
    if not may_convene(actor, group):
        raise DomainError(_l("Only the conveners of %(group)s may choose the laws it follows.", group=group.name),
                          field="group_id")
    if not law.is_official:
        raise DomainError(_l("A working group follows entries of the shared register, not a private entry."),
                          field="group_id")
    existing = db.session.scalar(select(GroupLaw).where(GroupLaw.group_id == group.id, GroupLaw.law_id == law.id))
    if existing is not None:
        return existing
    link = GroupLaw(group_id=group.id, law=law)
    db.session.add(link)
    db.session.flush()
    return link


def unfollow(group: WorkingGroup, law: Law, actor: User | None) -> None:
    if not may_convene(actor, group):
        raise DomainError(_l("Only the conveners of %(group)s may choose the laws it follows.", group=group.name),
                          field="group_id")
    existing = db.session.scalar(select(GroupLaw).where(GroupLaw.group_id == group.id, GroupLaw.law_id == law.id))
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()


# --- stage history ----------------------------------------------------------------------------------

def latest_change(law: Law) -> StageChange | None:
    return law.stage_changes[-1] if law.stage_changes else None


def stage_not_in_list(law: Law):
    return _l("This stage is not in the list of a %(type)s.", type=law.instrument_type.label)


def record_stage_change(law: Law, stage: PolicyStage | int, occurred_on: date, *, source: str = "", note: str = "",
                        actor: User | None) -> StageChange:
    """Add a step to the history. Skipping and repeating stages are allowed; the stage must be an
    active one of the law's type, the date not before the latest change, and nothing follows an ending."""
    if isinstance(stage, int):
        stage = db.session.get(PolicyStage, stage)
    if stage is None or stage.instrument_type != law.instrument_type:
        raise DomainError(stage_not_in_list(law), field="stage_id")
    if not stage.is_active:
        raise DomainError(_l("The stage %(stage)s is no longer in use.", stage=stage.name_en), field="stage_id")
    if not isinstance(occurred_on, date):
        raise DomainError(_l("Give the date of the change."), field="occurred_on")
    latest = latest_change(law)
    if latest is not None and latest.stage.kind == StageKind.ENDING:
        raise DomainError(_l("The history ended on %(date)s (%(stage)s); no further stage can follow.",
                             date=latest.occurred_on.isoformat(), stage=latest.stage.name_en), field="stage_id")
    if latest is not None and occurred_on < latest.occurred_on:
        raise DomainError(_l("The date %(date)s is before the latest change (%(latest)s): dates never go backwards.",
                             date=occurred_on.isoformat(), latest=latest.occurred_on.isoformat()),
                          field="occurred_on")
    with writing(law, actor):
        change = StageChange(law=law, stage=stage, occurred_on=occurred_on, source=(source or "").strip(),
                             note=(note or "").strip(), recorded_by_id=getattr(actor, "id", None))
        db.session.add(change)
        law.current_stage, law.current_stage_on = stage, occurred_on
    _notify(law, change)
    return change


def _notify(law: Law, change: StageChange) -> None:
    try:
        from plugins.policy_tracker.subscriptions import notify_stage_change
    except ImportError:
        return
    notify_stage_change(law, change)


def law_stages(law: Law, *, active_only: bool = True) -> list[PolicyStage]:
    return stages_for(law.instrument_type, active_only=active_only)


# --- versions and files -----------------------------------------------------------------------------

def check_file(upload: Upload) -> tuple[str, str, str]:
    """(display name, extension, content type) of an acceptable file; DomainError on `file` otherwise."""
    return check_upload(upload, allowed=ALLOWED, max_bytes=MAX_FILE_BYTES, wrong_type_message=_l(
        "Upload a PDF, Word (docx), OpenDocument (odt), text or image (png, jpg) file."))


def file_folder(law: Law) -> Path:
    return tenant_folder(law.owner_tenant_id or OFFICIAL_FOLDER_ID, UPLOAD_AREA)


def file_path(law: Law, stored: LawVersionFile) -> Path:
    return file_folder(law) / stored.storage_name


def add_version(law: Law, *, label: str, dated_on: date | None = None, source: str = "", note: str = "",
                files: list[Upload] | None = None, actor: User | None) -> LawVersion:
    """A text of the law (draft 1, draft 2, the promulgated text) with its files."""
    label = (label or "").strip()
    if not label:
        raise DomainError(_l("Name the version (for example: Draft 2)."), field="label")
    checked = [(check_file(upload), upload.data) for upload in files or []]
    with writing(law, actor):
        version = LawVersion(law=law, label=label, dated_on=dated_on, source=(source or "").strip(),
                             note=(note or "").strip())
        db.session.add(version)
        for (name, extension, content_type), data in checked:
            storage_name = store(file_folder(law), data, extension)
            version.files.append(LawVersionFile(version=version, display_name=name, storage_name=storage_name,
                                                content_type=content_type, size_bytes=len(data)))
    return version


def get_version_file(law: Law, file_id: int) -> LawVersionFile | None:
    return db.session.scalar(select(LawVersionFile).join(LawVersion).where(
        LawVersionFile.id == file_id, LawVersion.law_id == law.id))


# --- the tenant's status notes ----------------------------------------------------------------------

def add_status_note(law: Law, *, noted_on: date, text: str, source: str = "", actor: User | None) -> StatusNote:
    """A member's note on where a law stands (the tenant's own; shown apart from the official history)."""
    text = (text or "").strip()
    if not text:
        raise DomainError(_l("Write the note."), field="text")
    if not isinstance(noted_on, date):
        raise DomainError(_l("Give the date of the note."), field="noted_on")
    note = StatusNote(tenant_id=current_tenant_id(), law=law, noted_on=noted_on, text=text,
                      source=(source or "").strip(), author_id=getattr(actor, "id", None))
    db.session.add(note)
    db.session.flush()
    return note


def status_notes(law: Law) -> list[StatusNote]:
    """The current tenant's notes on the law, newest first (tenant scoping hides the others)."""
    return list(db.session.scalars(select(StatusNote).where(StatusNote.law_id == law.id).order_by(
        StatusNote.noted_on.desc(), StatusNote.id.desc())))


# --- search -----------------------------------------------------------------------------------------

def search_laws(query: str) -> list:
    """Global search hits: visible entries whose titles, short name or tags contain `query`."""
    from flask import url_for
    from flask_babel import get_locale

    from core.permissions import can
    from core.plugins import SearchHit
    text = (query or "").strip()
    if not text or not can("policy.view"):
        return []
    rows = db.session.scalars(visible_laws().where(any_contains(
        [Law.title_en, Law.title_km, Law.short_name, Law.tags], text)).order_by(Law.title_en, Law.id).limit(20))
    locale = str(get_locale() or "en")
    return [SearchHit(title=law.title_in(locale), url=url_for("laws.detail", law_id=law.id),
                      kind=_l("Law or policy"), snippet=str(law.instrument_type.label)) for law in rows]

