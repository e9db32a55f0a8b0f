"""Certificates of completion: issued only to people who met the course's completion rule, one valid
certificate per enrolment, each with an unguessable verification code checked on the public page
/verify/<code>; re-issued (new code, the old one revoked and pointing at it) or revoked with a reason.
Also the course's signatory (name, title, signature image). No Flask requests here: DomainError."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import BinaryIO, Protocol
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core import uploads
from core.columns import utcnow
from core.errors import DomainError
from core.extensions import db
from core.models import Tenant, User
from core.registers.contact_photos import image_extension
from core.tenancy import unscoped
from plugins.training_registry import services
from plugins.training_registry.models import Certificate, Course, Enrolment, EnrolmentStatus

# Codes people type from paper: no 0/O, 1/I/L or 5/S look-alikes. 12 characters of 29 give about
# 58 bits, far beyond guessing at any request rate.
CODE_ALPHABET = "ABCDEFGHJKMNPQRTUVWXYZ2346789"
CODE_LENGTH = 12
CODE_GROUP = 4
MAX_REASON = 500

SIGNATURE_AREA = "training"
SIGNATURE_MAX_BYTES = 2 * 1024 * 1024
SIGNATURE_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png)$")


# --- codes ----------------------------------------------------------------------------------------------

def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """The code as printed and shown: "ABCD-EFGH-JKLM"."""
    return "-".join(code[i:i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


def normalise_code(text: str) -> str:
    """What was typed, as stored: without dashes or spaces, in capitals ("abcd efgh-jklm" → "ABCDEFGHJKLM")."""
    return re.sub(r"[\s\-‐‑–—_.]", "", text or "").upper()


def _unused_code() -> str:
    """A fresh code. Codes are unique across all tenants (the public page looks them up without a
    tenant), so this one existence check is deliberately not tenant-scoped; it reads nothing else."""
    while True:
        code = new_code()
        taken = db.session.execute(select(Certificate.id).where(Certificate.code == code)
                                   .execution_options(samaki_unscoped=True)).first()
        if taken is None:
            return code


# --- who may get one --------------------------------------------------------------------------------------

def tenant_today(tenant_id: int) -> date:
    """Today where the tenant works (Asia/Phnom_Penh unless set otherwise)."""
    tenant = db.session.get(Tenant, tenant_id)
    return tenant.today() if tenant is not None else Tenant(timezone="Asia/Phnom_Penh").today()


def is_eligible(enrolment: Enrolment, completion: services.Completion) -> bool:
    """services.has_completed from an already computed standing (a list computes them all at once),
    and a person who was not erased (an erased person has no name to print)."""
    if enrolment.status is EnrolmentStatus.DROPPED or enrolment.contact.is_erased:
        return False
    return enrolment.status is EnrolmentStatus.COMPLETED or completion.met


def valid_certificate(enrolment: Enrolment) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id,
                                                       Certificate.revoked_at.is_(None)).order_by(Certificate.id))


def _check_eligible(enrolment: Enrolment) -> None:
    if enrolment.contact.is_erased:
        raise DomainError(_l("This person was erased: no certificate can be issued."))
    if not services.has_completed(enrolment):
        raise DomainError(_l("This participant did not complete the course: no certificate can be issued."))


def _new_certificate(enrolment: Enrolment, *, issued_by_id: int | None, on: date | None) -> Certificate:
    certificate = Certificate(tenant_id=enrolment.tenant_id, enrolment=enrolment, code=_unused_code(),
                              issued_on=on or tenant_today(enrolment.tenant_id), issued_by_id=issued_by_id)
    db.session.add(certificate)
    db.session.flush()
    return certificate


# --- issue, re-issue, revoke ----------------------------------------------------------------------------------

def issue(enrolment: Enrolment, *, issued_by_id: int | None = None, on: date | None = None) -> Certificate:
    """The enrolment's certificate: the valid one it already has, else a new one, only for someone
    who met the completion rule (flushes; the caller commits)."""
    existing = valid_certificate(enrolment)
    if existing is not None:
        return existing
    _check_eligible(enrolment)
    return _new_certificate(enrolment, issued_by_id=issued_by_id, on=on)


def issue_all(course: Course, *, issued_by_id: int | None = None, on: date | None = None) -> list[Certificate]:
    """A certificate for everyone eligible who has no valid one yet; returns the new ones."""
    standing = services.completions(course)
    enrolments = db.session.scalars(select(Enrolment).where(Enrolment.course_id == course.id).options(
        joinedload(Enrolment.contact)).order_by(Enrolment.id)).all()
    holders = set(db.session.scalars(select(Certificate.enrolment_id).join(Enrolment).where(
        Enrolment.course_id == course.id, Certificate.revoked_at.is_(None))))
    on = on or tenant_today(course.tenant_id)
    return [_new_certificate(enrolment, issued_by_id=issued_by_id, on=on) for enrolment in enrolments
            if enrolment.id not in holders and is_eligible(enrolment, standing[enrolment.id])]


def _reason(reason: str | None) -> str:
    text = " ".join((reason or "").split())
    if not text:
        raise DomainError(_l("Give the reason."), "reason")
    if len(text) > MAX_REASON:
        raise DomainError(_l("The reason can be at most %(max)d characters long.", max=MAX_REASON), "reason")
    return text


def _check_valid(certificate: Certificate) -> None:
    if not certificate.is_valid:
        raise DomainError(_l("This certificate was already revoked."))


def revoke(certificate: Certificate, reason: str | None, by: User | None = None) -> Certificate:
    """Withdraw a certificate: its code then verifies as revoked. The reason is required; who did it
    is in the audit trail (`by` is the acting user, kept for the same signature as reissue)."""
    text = _reason(reason)
    _check_valid(certificate)
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = text
    db.session.flush()
    return certificate


def reissue(certificate: Certificate, reason: str | None, by: User | None = None) -> Certificate:
    """Replace a valid certificate (a misspelt name, a lost paper): a new code and date; the old one
    is revoked with the reason and points at its replacement. Returns the new certificate."""
    text = _reason(reason)
    _check_valid(certificate)
    enrolment = certificate.enrolment
    _check_eligible(enrolment)
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = text
    db.session.flush()
    replacement = _new_certificate(enrolment, issued_by_id=by.id if by is not None else None, on=None)
    certificate.replaced_by_id = replacement.id
    db.session.flush()
    return replacement


def get_certificate(certificate_id: int) -> Certificate | None:
    """A certificate of the current tenant, with its enrolment, course and person."""
    return db.session.scalar(select(Certificate).where(Certificate.id == certificate_id).options(
        joinedload(Certificate.enrolment).joinedload(Enrolment.course),
        joinedload(Certificate.enrolment).joinedload(Enrolment.contact)))


# --- the public check ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verification:
    """All the public page may show of a certificate, and nothing else."""

    name_km: str                 # empty for a protected or erased person
    name_latin: str
    name_hidden: bool
    course_title_en: str
    course_title_km: str
    starts_on: date
    ends_on: date
    issued_on: date
    organisation_en: str
    organisation_km: str
    revoked_on: date | None
    replaced: bool

    @property
    def is_valid(self) -> bool:
        return self.revoked_on is None


def organisation_names(course: Course, tenant: Tenant) -> tuple[str, str]:
    """(English, Khmer) name of who organised the course: its organiser contact, else the tenant."""
    organiser = course.organiser
    if organiser is not None and not organiser.is_erased and (organiser.name_latin or organiser.name_km):
        return organiser.name_latin or organiser.name_km, organiser.name_km or organiser.name_latin
    return tenant.name, tenant.name


def verification(code: str, plugin_name: str = "training_registry") -> Verification | None:
    """What the public page shows for a typed code, or None when no certificate has it."""
    normalised = normalise_code(code)
    if not normalised or len(normalised) > 32:
        return None
    # The public page has no tenant: this single lookup by an unguessable code is the one place
    # that reads certificates across tenants. Everything it loads is turned into the Verification
    # below inside the block, so no lazy load happens outside it.
    with unscoped():
        certificate = db.session.scalar(select(Certificate).where(Certificate.code == normalised).options(
            joinedload(Certificate.enrolment).joinedload(Enrolment.contact),
            joinedload(Certificate.enrolment).joinedload(Enrolment.course).joinedload(Course.organiser)))
        if certificate is None:
            return None
        tenant = db.session.get(Tenant, certificate.tenant_id)
        if tenant is None or not tenant.is_active or not tenant.plugin_enabled(plugin_name):
            return None
        enrolment = certificate.enrolment
        contact, course = enrolment.contact, enrolment.course
        # Do No Harm: a protected (or erased) person's name is never shown to the public.
        hidden = contact.protected or contact.is_erased
        organisation_en, organisation_km = organisation_names(course, tenant)
        revoked_on = None
        if certificate.revoked_at is not None:
            zone = ZoneInfo(tenant.timezone or "Asia/Phnom_Penh")
            revoked_on = certificate.revoked_at.astimezone(zone).date()
        return Verification(
            name_km="" if hidden else contact.name_km, name_latin="" if hidden else contact.name_latin,
            name_hidden=hidden, course_title_en=course.title_en, course_title_km=course.title_km,
            starts_on=course.starts_on, ends_on=course.ends_on, issued_on=certificate.issued_on,
            organisation_en=organisation_en, organisation_km=organisation_km, revoked_on=revoked_on,
            replaced=certificate.replaced_by_id is not None)


# --- the signatory ---------------------------------------------------------------------------------------------

class Upload(Protocol):
    filename: str | None
    stream: BinaryIO


def signature_path(course: Course) -> Path | None:
    """The stored signature image of the course (None without one, or for a name that is not ours)."""
    if not course.signature_image or not SIGNATURE_NAME.match(course.signature_image):
        return None
    return uploads.tenant_folder(course.tenant_id, SIGNATURE_AREA) / course.signature_image


def _read_signature(upload: Upload, limit: int) -> tuple[str, bytes]:
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise DomainError(_l("The signature image is larger than %(mb)s MB.", mb=uploads.megabytes(limit)),
                          "signature")
    extension = image_extension(data)
    if extension is None or not _decodes(data):
        raise DomainError(_l("This file is not an image: upload a PNG or JPEG picture of the signature."),
                          "signature")
    return extension, data


def _decodes(data: bytes) -> bool:
    """The right first bytes are not enough for the PDF renderer: the picture must also be readable."""
    from PIL import Image
    try:
        with Image.open(BytesIO(data)) as picture:
            picture.verify()
    except Exception:   # noqa: BLE001 -- Pillow raises many kinds for a broken file; all mean "not a picture"
        return False
    return True


def update_signatory(course: Course, *, name: str, title: str, upload: Upload | None = None,
                     remove_image: bool = False, limit: int = SIGNATURE_MAX_BYTES) -> None:
    """Set who signs the course's certificates; a new signature image replaces the old one, whose
    file goes once the change is committed (flushes; the caller commits)."""
    course.signatory_name = " ".join((name or "").split())
    course.signatory_title = " ".join((title or "").split())
    old_path = signature_path(course)
    if upload is not None and getattr(upload, "filename", None):
        extension, data = _read_signature(upload, limit)
        course.signature_image = uploads.store(uploads.tenant_folder(course.tenant_id, SIGNATURE_AREA), data,
                                               extension)
    elif remove_image:
        course.signature_image = ""
    else:
        old_path = None
    db.session.flush()
    if old_path is not None:
        uploads.remove_after_commit(old_path)
