"""Curricula and training manuals: a curriculum's own fields, its versions (draft, approved,
retired: a retired version stays with its files, so the courses that used it keep their history)
and the files of each version. No Flask requests here: rules raise DomainError with a translated
message, views and the API turn it into errors."""
from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, func, select

from core.errors import DomainError
from core.extensions import db
from core.search import any_contains
from core.tenancy import current_tenant_id
from core.uploads import Upload, check_upload, remove_after_commit, store, tenant_folder
from plugins.training_registry.models import Course, Curriculum, CurriculumFile, CurriculumVersion, VersionStatus

UPLOAD_AREA = "training"
MAX_FILE_BYTES = 20 * 1024 * 1024
ZIP = (b"PK\x03\x04",)
# The files a version may have: extension -> (content type, the first bytes such a file starts with).
ALLOWED = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP),
    "odt": ("application/vnd.oasis.opendocument.text", ZIP),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", ZIP),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)), "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
}

# The languages a curriculum is written in (stored as codes, as contacts' languages are).
LANGUAGES = {"km": _l("Khmer"), "en": _l("English"), "km,en": _l("Khmer and English")}


def language_label(code: str):
    return LANGUAGES.get(code, code)


# --- reading ------------------------------------------------------------------------------------------

def curriculum_list_query(*, q: str = "", status: str = "") -> Select:
    """The current tenant's curricula (the central tenant filter applies), by title: `q` searches
    the titles and the topic, `status` keeps those with a version of that status."""
    query = select(Curriculum)
    if (q or "").strip():
        query = query.where(any_contains([Curriculum.title_en, Curriculum.title_km, Curriculum.topic], q))
    if status:
        try:
            status = VersionStatus(status)
        except ValueError:
            raise DomainError(_l("Choose the version's status."), field="status") from None
        query = query.where(exists().where(CurriculumVersion.curriculum_id == Curriculum.id,
                                           CurriculumVersion.status == status))
    return query.order_by(func.lower(Curriculum.title_en), Curriculum.id)


def get_curriculum(curriculum_id: int, *options) -> Curriculum | None:
    return db.session.scalar(select(Curriculum).where(Curriculum.id == curriculum_id).options(*options))


def get_version(curriculum: Curriculum, version_id: int, *options) -> CurriculumVersion | None:
    return db.session.scalar(select(CurriculumVersion).where(
        CurriculumVersion.id == version_id, CurriculumVersion.curriculum_id == curriculum.id).options(*options))


def get_file(curriculum: Curriculum, file_id: int) -> CurriculumFile | None:
    return db.session.scalar(select(CurriculumFile).join(CurriculumVersion).where(
        CurriculumFile.id == file_id, CurriculumVersion.curriculum_id == curriculum.id))


def courses_by_version(version_ids: list[int]) -> dict[int, list[Course]]:
    """The courses run from each version, by start date (one query for any number of versions)."""
    if not version_ids:
        return {}
    found: dict[int, list[Course]] = {}
    for course in db.session.scalars(select(Course).where(Course.curriculum_version_id.in_(version_ids)).order_by(
            Course.starts_on.desc(), Course.id.desc())):
        found.setdefault(course.curriculum_version_id, []).append(course)
    return found


def newest_first(versions) -> list[CurriculumVersion]:
    """Versions newest first, the same on every database: an undated one (a draft being written)
    counts as the newest."""
    return sorted(versions, key=lambda version: (version.released_on or date.max, version.id or 0), reverse=True)


def latest_approved(curriculum: Curriculum) -> CurriculumVersion | None:
    """The most recent approved version (from the loaded versions)."""
    approved = [version for version in newest_first(curriculum.versions) if version.status is VersionStatus.APPROVED]
    return approved[0] if approved else None


# --- curricula ----------------------------------------------------------------------------------------

CURRICULUM_FIELDS = ("title_en", "title_km", "topic", "language", "description")
LIMITS = {"title_en": 300, "title_km": 300, "topic": 200, "description": 20000, "label": 100, "change_note": 20000}


def _text(value, field: str) -> str:
    text = unicodedata.normalize("NFC", str(value or "")).strip()
    if len(text) > LIMITS[field]:
        raise DomainError(_l("At most %(num)s characters.", num=LIMITS[field]), field=field)
    return text


def _check_curriculum(fields: dict, exclude_id: int | None) -> dict:
    clean = {name: _text(fields.get(name, ""), name) for name in ("title_en", "title_km", "topic", "description")}
    if not clean["title_en"]:
        raise DomainError(_l("Give the title in English."), field="title_en")
    language = (fields.get("language") or "km").strip()
    if language not in LANGUAGES:
        raise DomainError(_l("Choose the language the curriculum is written in."), field="language")
    clean["language"] = language
    query = select(Curriculum.id).where(func.lower(Curriculum.title_en) == clean["title_en"].lower())
    if exclude_id is not None:
        query = query.where(Curriculum.id != exclude_id)
    if db.session.scalar(query.limit(1)) is not None:
        raise DomainError(_l("A curriculum with this title is already in the list; open it and add a version."),
                          field="title_en")
    return clean


def create_curriculum(**fields) -> Curriculum:
    """A new curriculum of the current tenant (title_en required; title_km, topic, language, description)."""
    clean = _check_curriculum(fields, None)
    curriculum = Curriculum(tenant_id=current_tenant_id(), **clean)
    db.session.add(curriculum)
    db.session.flush()
    return curriculum


def update_curriculum(curriculum: Curriculum, **fields) -> Curriculum:
    """Change a curriculum's own fields; those not given keep their value."""
    merged = {name: fields.get(name, getattr(curriculum, name)) for name in CURRICULUM_FIELDS}
    clean = _check_curriculum(merged, curriculum.id)
    for name, value in clean.items():
        setattr(curriculum, name, value)
    db.session.flush()
    return curriculum


# --- versions -----------------------------------------------------------------------------------------

def _status(status) -> VersionStatus:
    try:
        return VersionStatus(status or VersionStatus.DRAFT)
    except ValueError:
        raise DomainError(_l("Choose the version's status."), field="status") from None


def _check_label(curriculum: Curriculum, label, exclude_id: int | None) -> str:
    label = _text(label, "label")
    if not label:
        raise DomainError(_l("Name the version (for example: 2nd edition 2025)."), field="label")
    query = select(CurriculumVersion.id).where(CurriculumVersion.curriculum_id == curriculum.id,
                                               func.lower(CurriculumVersion.label) == label.lower())
    if exclude_id is not None:
        query = query.where(CurriculumVersion.id != exclude_id)
    if db.session.scalar(query.limit(1)) is not None:
        raise DomainError(_l("This curriculum already has a version called “%(label)s”.", label=label),
                          field="label")
    return label


def _check_date(released_on) -> date | None:
    if released_on is not None and not isinstance(released_on, date):
        raise DomainError(_l("Give the release date as a date."), field="released_on")
    return released_on


def add_version(curriculum: Curriculum, *, label: str, released_on: date | None = None, change_note: str = "",
                status=VersionStatus.DRAFT, files: list[Upload] | None = None) -> CurriculumVersion:
    """A new edition of the curriculum, with its files (all checked before anything is written)."""
    label = _check_label(curriculum, label, None)
    released_on = _check_date(released_on)
    status = _status(status)
    change_note = _text(change_note, "change_note")
    checked = [(check_file(upload), upload.data) for upload in files or []]
    version = CurriculumVersion(tenant_id=curriculum.tenant_id, curriculum=curriculum, label=label,
                                released_on=released_on, change_note=change_note, status=status)
    db.session.add(version)
    for (name, extension, content_type), data in checked:
        _store_file(version, name, extension, content_type, data)
    db.session.flush()
    return version


def update_version(version: CurriculumVersion, **fields) -> CurriculumVersion:
    """Change a version's label, release date, change note or status (retiring keeps it and its files)."""
    label = _check_label(version.curriculum, fields.get("label", version.label), version.id)
    released_on = _check_date(fields.get("released_on", version.released_on))
    status = _status(fields.get("status", version.status))
    change_note = _text(fields.get("change_note", version.change_note), "change_note")
    version.label, version.released_on, version.status, version.change_note = label, released_on, status, change_note
    db.session.flush()
    return version


# --- files --------------------------------------------------------------------------------------------

def check_file(upload: Upload) -> tuple[str, str, str]:
    """(display name, extension, content type) of an acceptable file; DomainError on `file` otherwise.
    The name's extension must be one we accept and the content must start as that type does."""
    return check_upload(upload, allowed=ALLOWED, max_bytes=MAX_FILE_BYTES, wrong_type_message=_l(
        "Upload a PDF, Word (docx), OpenDocument (odt), PowerPoint (pptx), Excel (xlsx) or image (png, jpg) file."))


def file_folder(tenant_id: int) -> Path:
    return tenant_folder(tenant_id, UPLOAD_AREA)


def file_path(stored: CurriculumFile) -> Path:
    return file_folder(stored.tenant_id) / stored.storage_name


def _store_file(version: CurriculumVersion, name: str, extension: str, content_type: str,
                data: bytes) -> CurriculumFile:
    storage_name = store(file_folder(version.tenant_id), data, extension)
    stored = CurriculumFile(tenant_id=version.tenant_id, display_name=name,
                            storage_name=storage_name, content_type=content_type, size_bytes=len(data))
    version.files.append(stored)
    return stored


def add_file(version: CurriculumVersion, upload: Upload) -> CurriculumFile:
    """Attach one more file to a version (the stored file goes again if the change is rolled back)."""
    name, extension, content_type = check_file(upload)
    stored = _store_file(version, name, extension, content_type, upload.data)
    db.session.flush()
    return stored


def remove_file(stored: CurriculumFile) -> None:
    """Remove a file from its version; the stored file is deleted once the change is committed."""
    path = file_path(stored)
    stored.version.files.remove(stored)
    db.session.flush()
    remove_after_commit(path)
