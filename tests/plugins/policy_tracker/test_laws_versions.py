"""Versions of a law with their files: added by those who may write the entry, the file checked,
stored outside the web root and downloaded by anyone who sees the entry."""
import io

from sqlalchemy import func, select

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.policy_tracker import services
from plugins.policy_tracker.models import LawVersion, LawVersionFile
from tests.helpers import login, make_member

PDF = b"%PDF-1.4\n% draft 2 of the A2I law\n"


def test_a_convener_adds_a_version_with_a_file_that_members_download(client, followed_law, tenant, other_tenant):
    login(client, make_member(tenant, Role.ADMIN).email)
    url = f"/t/{tenant.slug}/policy/laws/{followed_law.id}/versions/new"
    response = client.post(url, data={"label": "Draft 2", "dated_on": "2022-08-30", "source": "Ministry website",
                                      "file": (io.BytesIO(PDF), "សេចក្តីព្រាង ២.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    stored = db.session.scalar(select(LawVersionFile))
    assert stored.display_name == "សេចក្តីព្រាង ២.pdf" and stored.content_type == "application/pdf"
    html = client.get(f"/t/{tenant.slug}/policy/laws/{followed_law.id}").get_data(as_text=True)
    assert "Draft 2" in html and "សេចក្តីព្រាង ២.pdf" in html
    client.post("/logout")
    login(client, make_member(other_tenant, Role.VIEWER, email="viewer@b.example").email)
    download = client.get(f"/t/{other_tenant.slug}/policy/laws/{followed_law.id}/files/{stored.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_a_file_that_is_not_what_it_says_is_refused_and_nothing_saved(client, followed_law, tenant):
    login(client, make_member(tenant, Role.ADMIN).email)
    response = client.post(f"/t/{tenant.slug}/policy/laws/{followed_law.id}/versions/new",
                           data={"label": "Draft 3", "file": (io.BytesIO(b"MZ\x90 not a pdf"), "draft.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "does not match" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(LawVersion.id))) == 0


def test_a_member_cannot_add_versions_to_an_official_entry(client, law, tenant):
    login(client, make_member(tenant, Role.OWNER).email)
    response = client.post(f"/t/{tenant.slug}/policy/laws/{law.id}/versions/new", data={"label": "Draft 9"})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(LawVersion.id))) == 0


def test_another_tenants_private_file_is_not_found(client, stages_seeded, tenant, other_tenant):
    with tenant_scope(other_tenant.id):
        private = services.create_law(title_en="Their watch list", instrument_type="law", actor=None)
        version = services.add_version(private, label="Leaked draft", actor=None,
                                       files=[services.Upload("leak.pdf", PDF)])
        db.session.commit()
        file_id, law_id = version.files[0].id, private.id
    login(client, make_member(tenant, Role.OWNER).email)
    assert client.get(f"/t/{tenant.slug}/policy/laws/{law_id}/files/{file_id}").status_code == 404
    assert client.get(f"/t/{tenant.slug}/policy/laws/{law_id}").status_code == 404
