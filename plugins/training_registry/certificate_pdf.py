"""Certificates as PDF: an A4 landscape page per certificate, a Khmer side (Khmer digits) and an
English side, the signatory with the signature image, and the verification code with a QR code to
the public /verify page. HTML and CSS rendered by WeasyPrint with the vendored Khmer font; rendering
reads nothing from the network (only the package's font files and data: URLs)."""
from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from core import uploads
from core.models import Tenant
from core.pdf import (
    CORE_ROOT,
    FONT_BOLD,
    FONT_REGULAR,
    english_date,
    khmer_date,
    khmer_digits,  # noqa: F401  (kept importable from here)
    package_fetcher,
    render_pdf,
)
from plugins.training_registry import certificates
from plugins.training_registry.models import Certificate

PACKAGE_ROOTS = (CORE_ROOT, Path(__file__).resolve().parent)
_SIGNATURE_TYPES = {"png": "image/png", "jpg": "image/jpeg"}


@dataclass(frozen=True)
class CertificateContent:
    """Everything printed on one certificate."""

    name_km: str
    name_latin: str
    course_title_km: str
    course_title_en: str
    starts_on: date
    ends_on: date
    issued_on: date
    organisation_km: str
    organisation_en: str
    signatory_name: str
    signatory_title: str
    signature_data_uri: str         # "" without a signature image
    code: str                       # as printed: ABCD-EFGH-JKLM
    verify_url: str


def verify_url(code: str) -> str:
    """The absolute address printed on the certificate: the instance's public BASE_URL, never the
    host a request happened to name."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for("certificate_verify.verify",
                                                               code=certificates.format_code(code))


def _signature_data_uri(path: Path | None) -> str:
    kind = _SIGNATURE_TYPES.get(path.suffix.lstrip(".")) if path is not None else None
    if kind is None or not uploads.is_stored(path):
        return ""
    return f"data:{kind};base64," + base64.b64encode(uploads.read(path)).decode("ascii")


def certificate_content(certificate: Certificate, tenant: Tenant, signature_uris: dict | None = None) -> CertificateContent:
    """What `certificate` prints (the caller decided that the reader may see the person's name).
    `signature_uris` caches the course's signature image across a bundle."""
    enrolment = certificate.enrolment
    contact, course = enrolment.contact, enrolment.course
    organisation_en, organisation_km = certificates.organisation_names(course, tenant)
    cache = signature_uris if signature_uris is not None else {}
    if course.id not in cache:
        cache[course.id] = _signature_data_uri(certificates.signature_path(course))
    return CertificateContent(
        name_km=contact.name_km or contact.name_latin, name_latin=contact.name_latin or contact.name_km,
        course_title_km=course.title_km or course.title_en, course_title_en=course.title_en or course.title_km,
        starts_on=course.starts_on, ends_on=course.ends_on, issued_on=certificate.issued_on,
        organisation_km=organisation_km, organisation_en=organisation_en,
        signatory_name=course.signatory_name, signatory_title=course.signatory_title,
        signature_data_uri=cache[course.id], code=certificates.format_code(certificate.code),
        verify_url=verify_url(certificate.code))


# --- the two sides' words -------------------------------------------------------------------------------

def _side(content: CertificateContent, locale: str) -> dict:
    """The printed sentences of one side, in that side's language whatever the reader's language."""
    khmer = locale == "km"
    day = khmer_date if khmer else english_date
    with force_locale(locale):
        if content.starts_on == content.ends_on:
            held = _("held on %(date)s", date=day(content.starts_on))
        else:
            held = _("held from %(start)s to %(end)s", start=day(content.starts_on), end=day(content.ends_on))
        return {
            "lang": locale,
            "heading": _("Certificate of completion"),
            "certifies": _("This is to certify that"),
            "name": content.name_km if khmer else content.name_latin,
            "completed": _("has successfully completed the training course"),
            "title": content.course_title_km if khmer else content.course_title_en,
            "held": held,
            "organised": _("organised by %(organisation)s",
                           organisation=content.organisation_km if khmer else content.organisation_en),
            "issued": _("Issued on %(date)s", date=day(content.issued_on)),
            "code_label": _("Verification code"),
            "check_label": _("Check this certificate at"),
        }


def _qr_data_uri(url: str) -> str:
    import segno
    # PNG rather than SVG: WeasyPrint lays a PNG out at once; 8 px a module prints sharp at 30 mm.
    return segno.make(url, error="m").png_data_uri(scale=8, border=2, dark="#1b2a3a")


def _page(content: CertificateContent) -> dict:
    return {"content": content, "km": _side(content, "km"), "en": _side(content, "en"),
            "qr": _qr_data_uri(content.verify_url)}


# --- rendering -------------------------------------------------------------------------------------------

def render(contents: list[CertificateContent]) -> bytes:
    """One PDF with a page per certificate."""
    # The template alone, without the page context processors (menus, notifications): nothing else is printed.
    template = current_app.jinja_env.get_template("training_registry/certificates/pdf.html")
    html = template.render(pages=[_page(c) for c in contents], font_regular=FONT_REGULAR.as_uri(),
                           font_bold=FONT_BOLD.as_uri())
    return render_pdf(html, PACKAGE_ROOTS)


def _package_fetcher():
    """The fetcher certificates render with: data: URLs and the application's own files only."""
    return package_fetcher(PACKAGE_ROOTS)
