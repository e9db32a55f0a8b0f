"""Helpers of the certificate tests: people who completed the course, certificates issued, and the
text of a PDF as pdftotext reads it."""
from __future__ import annotations

import subprocess
import unicodedata
from io import BytesIO

from sqlalchemy import select

from core.extensions import db
from core.tenancy import tenant_scope
from plugins.training_registry import certificates, services
from plugins.training_registry.models import Certificate, Course, Enrolment


def enrolment_of(course: Course, person) -> Enrolment:
    return db.session.scalar(select(Enrolment).where(Enrolment.course_id == course.id,
                                                     Enrolment.contact_id == person.id))


def attend(tenant, course: Course, people, days=None) -> None:
    """Mark `people` present at the course's sessions (all of them, or the given day numbers)."""
    with tenant_scope(tenant.id):
        sessions = sorted(course.sessions, key=lambda s: s.starts_on)
        for person in people:
            enrolment = enrolment_of(course, person)
            for number, session in enumerate(sessions, start=1):
                if days is None or number in days:
                    services.record_attendance(session, enrolment, True)
        db.session.commit()


def issue_for(tenant, course: Course, people) -> list[Certificate]:
    with tenant_scope(tenant.id):
        issued = [certificates.issue(enrolment_of(course, person)) for person in people]
        db.session.commit()
    return issued


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as pdftotext extracts it, NFC-normalised."""
    assert pdf.startswith(b"%PDF-")
    result = subprocess.run(["/usr/bin/pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                            check=True, timeout=60)
    return unicodedata.normalize("NFC", result.stdout.decode("utf-8"))


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page (pdftotext ends every page with a form feed)."""
    return pdf_text(pdf).split("\f")[:-1]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def png_bytes(width: int = 120, height: int = 40) -> bytes:
    from PIL import Image, ImageDraw
    picture = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    ImageDraw.Draw(picture).line([(5, 30), (40, 8), (70, 32), (115, 10)], fill=(20, 30, 90, 255), width=3)
    out = BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


PNG = png_bytes()   # a small drawn signature
