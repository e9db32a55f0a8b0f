"""Certificates as PDF: the exact Khmer and English text (as pdftotext reads it), Khmer digits, the
code and verification address, one page per certificate in a course's bundle, protected people left
out for roles that may not see them, and no fetching outside the application."""
from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.training_registry import certificate_pdf, certificates
from tests.helpers import login, make_member
from tests.plugins.training_registry.certificate_helpers import PNG, attend, issue_for, nfc, pdf_pages, pdf_text
from tests.plugins.training_registry.conftest import PEOPLE

COURSE_KM = "សិទ្ធិទទួលបានព័ត៌មានសម្រាប់ក្រុមប្រឹក្សាឃុំ"
COURSE_EN = "Access to information for commune councils"


def pdf_url(certificate) -> str:
    return f"/t/kampot-network/training/certificates/{certificate.id}/certificate.pdf"


def bundle_url(course) -> str:
    return f"/t/kampot-network/training/certificates/courses/{course.id}/certificates.pdf"


def test_khmer_digits_and_dates():
    assert certificate_pdf.khmer_digits("2026-03 No. 15") == "២០២៦-០៣ No. ១៥"
    assert certificate_pdf.khmer_date(date(2026, 3, 2)) == "២ មីនា ២០២៦"
    assert certificate_pdf.english_date(date(2026, 3, 2)) == "2 March 2026"


@pytest.mark.parametrize("index", [0, 3])     # the bundle test below checks every person's name
def test_pdf_has_the_exact_khmer_and_english_names_title_and_code(staff_client, tenant, enrolled, people, index):
    attend(tenant, enrolled, [people[index]])
    certificate, = issue_for(tenant, enrolled, [people[index]])
    response = staff_client.get(pdf_url(certificate))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    text = pdf_text(response.data)
    name_km, name_latin = PEOPLE[index][0], PEOPLE[index][1]
    assert nfc(name_km) in text and name_latin in text
    assert nfc(COURSE_KM) in text and COURSE_EN in text
    code = certificates.format_code(certificate.code)
    assert code in text and f"/verify/{code}" in text
    assert "២ មីនា ២០២៦" in text and "៤ មីនា ២០២៦" in text          # the Khmer side's dates, Khmer digits
    assert "2 March 2026" in text and "4 March 2026" in text
    assert "Kampot CSO Network" in text and "Pich Sophea" in text and "Executive Director" in text


def test_pdf_only_for_a_valid_certificate(admin_client, tenant, enrolled, people, admin_user):
    attend(tenant, enrolled, [people[0]])
    certificate, = issue_for(tenant, enrolled, [people[0]])
    with tenant_scope(tenant.id):
        certificates.revoke(certificate, "Mistake", admin_user)
        db.session.commit()
    assert admin_client.get(pdf_url(certificate)).status_code == 404


def test_bundle_has_a_page_per_certificate_and_leaves_protected_people_out_for_viewers(client, tenant, enrolled,
                                                                                      people):
    attend(tenant, enrolled, people)
    issue_for(tenant, enrolled, people)
    admin, viewer = make_member(tenant, Role.ADMIN), make_member(tenant, Role.VIEWER)
    login(client, admin.email)
    everything = client.get(bundle_url(enrolled))
    assert everything.status_code == 200 and everything.headers["X-Certificates-Left-Out"] == "0"
    pages = pdf_pages(everything.data)
    assert len(pages) == 5
    assert any(nfc("ស៊ាន ពិសី") in page and "Sean Pisey" in page for page in pages)
    for page, (name_km, name_latin, *_rest) in zip(pages, sorted(PEOPLE, key=lambda p: p[1])):
        assert nfc(name_km) in page and name_latin in page       # one person per page, sorted by name

    client.post("/logout")
    login(client, viewer.email)
    page = client.get(f"/t/kampot-network/training/certificates/courses/{enrolled.id}").get_data(as_text=True)
    assert "1 protected participant is not shown to you" in page
    visible = client.get(bundle_url(enrolled))
    assert visible.status_code == 200 and visible.headers["X-Certificates-Left-Out"] == "1"
    text = pdf_text(visible.data)
    assert len(pdf_pages(visible.data)) == 4
    assert "Sean Pisey" not in text and nfc("ស៊ាន ពិសី") not in text


def test_bundle_without_certificates_says_so(staff_client, enrolled):
    response = staff_client.get(bundle_url(enrolled), follow_redirects=True)
    assert "There is no certificate to download yet." in response.get_data(as_text=True)


def test_signature_image_is_printed(staff_client, tenant, enrolled, people):
    staff_client.post(f"/t/kampot-network/training/certificates/courses/{enrolled.id}/signatory",
                      data={"signatory_name": "Chea Bopha", "signatory_title": "Director",
                            "signature": (BytesIO(PNG), "sig.png")}, content_type="multipart/form-data")
    attend(tenant, enrolled, [people[0]])
    certificate, = issue_for(tenant, enrolled, [people[0]])
    pdf = staff_client.get(pdf_url(certificate)).data
    text = pdf_text(pdf)
    assert "Chea Bopha" in text and "Director" in text
    assert pdf.count(b"/Subtype /Image") >= 1     # the signature (the QR code is vector graphics)


def test_rendering_fetches_only_application_files(app):
    fetcher = certificate_pdf._package_fetcher()
    for url in ("http://example.org/logo.png", "https://example.org/font.woff2", "file:///etc/passwd",
                "ftp://example.org/x"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    # The vendored WOFF2 font, handed to WeasyPrint already decompressed (TrueType).
    assert fetcher.fetch(certificate_pdf.FONT_REGULAR.as_uri()).read(4) == b"\x00\x01\x00\x00"
