"""The public /verify/<code> page: anyone may check a code without logging in; it shows only the
name, course, dates, issuing organisation and status, never anything else about the person, and no
name at all for a protected participant."""
from __future__ import annotations

from core.extensions import db
from core.models import TenantPlugin
from core.tenancy import tenant_scope
from plugins.training_registry import certificates
from tests.helpers import login, make_member
from tests.plugins.training_registry.certificate_helpers import attend, issue_for


def verify_url(certificate) -> str:
    return f"/verify/{certificates.format_code(certificate.code)}"


def assert_not_cached(response) -> None:
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_anyone_sees_name_course_dates_organisation_and_status_only(client, tenant, enrolled, people):
    sok = people[0]
    sok.phone, sok.email, sok.address = "012 345 678", "sreyny@example.org", "Village 3"
    db.session.commit()
    attend(tenant, enrolled, [sok])
    certificate, = issue_for(tenant, enrolled, [sok])
    response = client.get(verify_url(certificate))
    assert response.status_code == 200
    assert_not_cached(response)
    html = response.get_data(as_text=True)
    assert "Valid certificate" in html
    assert "សុខ ស្រីនី" in html and "Sok Sreyny" in html
    assert "Access to information for commune councils" in html and "សិទ្ធិទទួលបានព័ត៌មានសម្រាប់ក្រុមប្រឹក្សាឃុំ" in html
    assert "Mar 2, 2026" in html and "Mar 4, 2026" in html and "Kampot CSO Network" in html
    for private in ("012 345 678", "sreyny@example.org", "Village 3", "2001", "Female", "IDPoor", "Chan Dara"):
        assert private not in html, private


def test_the_code_may_be_typed_without_dashes_in_small_letters(client, tenant, enrolled, people):
    attend(tenant, enrolled, [people[1]])
    certificate, = issue_for(tenant, enrolled, [people[1]])
    response = client.get(f"/verify/{certificate.code.lower()}")
    assert response.status_code == 200 and "Chan Dara" in response.get_data(as_text=True)
    assert certificates.format_code(certificate.code) in response.get_data(as_text=True)


def test_a_protected_participant_is_only_a_valid_certificate(client, tenant, enrolled, people):
    attend(tenant, enrolled, [people[4]])
    certificate, = issue_for(tenant, enrolled, [people[4]])
    html = client.get(verify_url(certificate)).get_data(as_text=True)
    assert "Valid certificate" in html and "Access to information for commune councils" in html
    assert "Sean Pisey" not in html and "ស៊ាន ពិសី" not in html and "Protected person" not in html
    assert "Kampot CSO Network" not in html


def test_revoked_and_replaced_certificates_say_so(client, tenant, enrolled, people, admin_user):
    attend(tenant, enrolled, people[:2])
    revoked, replaced = issue_for(tenant, enrolled, people[:2])
    with tenant_scope(tenant.id):
        certificates.revoke(revoked, "Attendance sheet was forged", admin_user)
        newer = certificates.reissue(replaced, "Name misspelt", admin_user)
        db.session.commit()
    html = client.get(verify_url(revoked)).get_data(as_text=True)
    assert "This certificate was revoked on" in html and "Valid certificate" not in html
    assert "forged" not in html                       # the reason is for administrators only
    html = client.get(verify_url(replaced)).get_data(as_text=True)
    assert "replaced by a newer certificate" in html and certificates.format_code(newer.code) not in html
    assert "Valid certificate" in client.get(verify_url(newer)).get_data(as_text=True)


def test_unknown_code_is_a_translated_404(client, tenant, enrolled):
    response = client.get("/verify/AAAA-BBBB-CCCC")
    assert response.status_code == 404
    assert_not_cached(response)
    assert "No certificate has this code." in response.get_data(as_text=True)
    assert client.get("/verify/" + "A" * 200).status_code == 404
    khmer = client.get("/verify/AAAA-BBBB-CCCC", headers={"Accept-Language": "km"})
    assert khmer.status_code == 404 and 'lang="km"' in khmer.get_data(as_text=True)


def test_a_member_of_another_tenant_can_check_a_code(client, tenant, other_tenant, enrolled, people):
    attend(tenant, enrolled, [people[0]])
    certificate, = issue_for(tenant, enrolled, [people[0]])
    login(client, make_member(other_tenant).email)
    response = client.get(verify_url(certificate))
    assert response.status_code == 200 and "Sok Sreyny" in response.get_data(as_text=True)


def test_no_check_when_the_tenant_switched_the_training_registry_off(client, tenant, enrolled, people):
    attend(tenant, enrolled, [people[0]])
    certificate, = issue_for(tenant, enrolled, [people[0]])
    db.session.add(TenantPlugin(tenant_id=tenant.id, plugin="training_registry", enabled=False))
    db.session.commit()
    assert client.get(verify_url(certificate)).status_code == 404
