"""The course's certificates page: who is eligible, issuing, re-issuing and revoking with their
permissions, protected participants, the signatory, and tenant isolation."""
from __future__ import annotations

from io import BytesIO
from pathlib import Path

from sqlalchemy import func, select

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.training_registry import certificates, services
from plugins.training_registry.models import Certificate, Course
from tests.helpers import login, logout, make_member, statements_for
from tests.plugins.training_registry.certificate_helpers import PNG, attend, enrolment_of, issue_for
from tests.plugins.training_registry.conftest import add_course, add_people


def page_url(course: Course) -> str:
    return f"/t/kampot-network/training/certificates/courses/{course.id}"


def certificate_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Certificate))


def test_staff_sees_who_completed_and_issues_a_certificate(staff_client, tenant, enrolled, people):
    attend(tenant, enrolled, [people[0]])
    page = staff_client.get(page_url(enrolled))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Sok Sreyny" in html and "Completed the course" in html and "Has not completed the course" in html
    assert "Attended 3 of 3 sessions" in html and "Issue the certificate" in html

    with tenant_scope(tenant.id):
        enrolment_id = enrolment_of(enrolled, people[0]).id
    response = staff_client.post(page_url(enrolled) + "/issue", data={"enrolment_id": enrolment_id})
    assert response.status_code == 302
    certificate = db.session.scalar(select(Certificate))
    html = staff_client.get(page_url(enrolled)).get_data(as_text=True)
    assert certificates.format_code(certificate.code) in html and "Valid" in html
    assert "Download all certificates (PDF)" in html


def test_issuing_for_someone_who_did_not_complete_is_refused_and_nothing_saved(staff_client, tenant, enrolled, people):
    attend(tenant, enrolled, [people[1]], days=[1])
    with tenant_scope(tenant.id):
        enrolment_id = enrolment_of(enrolled, people[1]).id
    response = staff_client.post(page_url(enrolled) + "/issue", data={"enrolment_id": enrolment_id})
    assert response.status_code == 422
    assert "This participant did not complete the course: no certificate can be issued." in response.get_data(
        as_text=True)
    assert certificate_count() == 0


def test_issue_all_from_the_page(staff_client, tenant, enrolled, people):
    attend(tenant, enrolled, people[:3])
    html = staff_client.get(page_url(enrolled)).get_data(as_text=True)
    assert "Issue all 3 certificates" in html
    response = staff_client.post(page_url(enrolled) + "/issue-all", follow_redirects=True)
    assert "3 certificates issued." in response.get_data(as_text=True)
    assert certificate_count() == 3


def test_staff_cannot_revoke_or_reissue_and_viewers_cannot_issue(client, tenant, enrolled, people, staff, viewer):
    attend(tenant, enrolled, [people[0]])
    certificate, = issue_for(tenant, enrolled, [people[0]])
    login(client, staff.email)
    base = f"/t/kampot-network/training/certificates/{certificate.id}"
    assert client.get(base + "/revoke").status_code == 403
    assert client.post(base + "/revoke", data={"reason": "no"}).status_code == 403
    assert client.post(base + "/reissue", data={"reason": "no"}).status_code == 403
    assert "Revoke" not in client.get(page_url(enrolled)).get_data(as_text=True)
    logout(client)
    login(client, viewer.email)
    assert client.get(page_url(enrolled)).status_code == 200
    assert client.post(page_url(enrolled) + "/issue-all").status_code == 403
    assert client.post(page_url(enrolled) + "/signatory", data={"signatory_name": "X"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).is_valid


def test_admin_revokes_with_a_reason(admin_client, tenant, enrolled, people):
    attend(tenant, enrolled, [people[0]])
    certificate, = issue_for(tenant, enrolled, [people[0]])
    url = f"/t/kampot-network/training/certificates/{certificate.id}/revoke"
    form = admin_client.get(url)
    assert form.status_code == 200 and "Sok Sreyny" in form.get_data(as_text=True)
    refused = admin_client.post(url, data={"reason": ""})
    assert refused.status_code == 422 and "Give the reason." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).is_valid
    done = admin_client.post(url, data={"reason": "Issued by mistake"}, follow_redirects=True)
    assert "revoked" in done.get_data(as_text=True) and "Reason: Issued by mistake" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).revoked_reason == "Issued by mistake"


def test_admin_reissues_with_a_new_code(admin_client, tenant, enrolled, people):
    attend(tenant, enrolled, [people[0]])
    old, = issue_for(tenant, enrolled, [people[0]])
    old_code = certificates.format_code(old.code)
    response = admin_client.post(f"/t/kampot-network/training/certificates/{old.id}/reissue",
                                 data={"reason": "Name misspelt"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    db.session.expire_all()
    new = db.session.scalar(select(Certificate).where(Certificate.revoked_at.is_(None)))
    assert new.id != old.id and certificates.format_code(new.code) in html
    assert old_code in html and "replaced by a newer certificate" in html


def test_protected_participants_are_left_out_for_staff_and_shown_to_admins(client, tenant, enrolled, people, staff,
                                                                           admin_user):
    attend(tenant, enrolled, people)
    issue_for(tenant, enrolled, [people[4]])         # Sean Pisey, protected
    login(client, staff.email)
    html = client.get(page_url(enrolled)).get_data(as_text=True)
    assert "Sean Pisey" not in html and "ស៊ាន ពិសី" not in html and "Protected person" not in html
    assert "1 protected participant is not shown to you, nor their certificate." in html
    assert "Issue all 4 certificates" in html
    with tenant_scope(tenant.id):
        protected_enrolment = enrolment_of(enrolled, people[4]).id
        protected_certificate = db.session.scalar(select(Certificate)).id
    assert client.post(page_url(enrolled) + "/issue", data={"enrolment_id": protected_enrolment}).status_code == 404
    assert client.get(f"/t/kampot-network/training/certificates/{protected_certificate}/certificate.pdf"
                      ).status_code == 404
    logout(client)
    login(client, admin_user.email)
    html = client.get(page_url(enrolled)).get_data(as_text=True)
    assert "Sean Pisey" in html and "not shown to you" not in html


def test_another_tenants_course_is_not_found(staff_client, other_tenant, people):
    foreign = add_course(other_tenant, title_en="Budget literacy")
    other_person, = add_people(other_tenant, [("ផល្លា", "Phalla", people[0].sex, 1990, people[0].age_group,
                                                False, False, False)])
    with tenant_scope(other_tenant.id):
        services.enrol(foreign, other_person)
        db.session.commit()
    attend(other_tenant, foreign, [other_person])
    certificate, = issue_for(other_tenant, foreign, [other_person])
    assert staff_client.get(page_url(foreign)).status_code == 404
    assert staff_client.post(page_url(foreign) + "/issue-all").status_code == 404
    assert staff_client.get(page_url(foreign) + "/certificates.pdf").status_code == 404
    assert staff_client.get(f"/t/kampot-network/training/certificates/{certificate.id}/certificate.pdf"
                            ).status_code == 404


def test_signatory_and_signature_image(staff_client, app, tenant, enrolled):
    url = page_url(enrolled) + "/signatory"
    response = staff_client.post(url, data={"signatory_name": " Chea  Bopha ", "signatory_title": "Director",
                                            "signature": (BytesIO(PNG), "sig.png")},
                                 content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    course = db.session.get(Course, enrolled.id)
    assert course.signatory_name == "Chea Bopha" and course.signatory_title == "Director"
    folder = Path(app.config["UPLOAD_FOLDER"]) / str(tenant.id) / "training"
    first = folder / course.signature_image
    assert first.read_bytes() == PNG
    shown = staff_client.get(page_url(enrolled) + "/signature")
    assert shown.status_code == 200 and shown.mimetype == "image/png" and shown.data == PNG

    not_image = staff_client.post(url, data={"signatory_name": "X", "signature": (BytesIO(b"GIF89a...."), "s.png")},
                                  content_type="multipart/form-data")
    assert not_image.status_code == 422
    assert "This file is not an image" in not_image.get_data(as_text=True)
    fake_png = staff_client.post(url, data={"signature": (BytesIO(PNG[:12] + b"garbage"), "s.png")},
                                 content_type="multipart/form-data")
    assert fake_png.status_code == 422
    too_big = staff_client.post(url, data={"signature": (BytesIO(PNG + b"\0" * (2 * 1024 * 1024)), "big.png")},
                                content_type="multipart/form-data")
    assert too_big.status_code == 422 and "larger than 2 MB" in too_big.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Course, enrolled.id).signatory_name == "Chea Bopha"
    assert sorted(p.name for p in folder.iterdir()) == [first.name]     # nothing left of the refused uploads

    replaced = staff_client.post(url, data={"signatory_name": "Chea Bopha", "signature": (BytesIO(PNG), "new.png")},
                                 content_type="multipart/form-data")
    assert replaced.status_code == 302
    db.session.expire_all()
    second = folder / db.session.get(Course, enrolled.id).signature_image
    assert second.is_file() and not first.exists()
    removed = staff_client.post(url, data={"signatory_name": "Chea Bopha", "remove_signature": "y"})
    assert removed.status_code == 302 and not second.exists()


def test_page_queries_do_not_grow_with_participants(client, tenant, enrolled, people, app):
    admin = make_member(tenant, Role.ADMIN)
    login(client, admin.email)
    attend(tenant, enrolled, people[:2])
    issue_for(tenant, enrolled, people[:2])
    client.get(page_url(enrolled))       # the first view of a protected name is logged (and committed) once
    few = statements_for(client, page_url(enrolled))
    attend(tenant, enrolled, people[2:])
    issue_for(tenant, enrolled, people[2:])
    more = add_people(tenant, [(f"ថ្មី {n}", f"New {n}", people[0].sex, 1995, people[0].age_group, False, False,
                                False) for n in range(6)])
    with tenant_scope(tenant.id):
        for person in more:
            services.enrol(enrolled, person)
        db.session.commit()
    assert statements_for(client, page_url(enrolled)) == few
