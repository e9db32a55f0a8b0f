"""Importing contacts from CSV and Excel: a preview first (counts, rows with their errors), nothing
imported before the user accepts, then the valid rows created with their organisations, audited."""
from __future__ import annotations

from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEvent
from core.registers.models import Contact, ContactAffiliation, ContactImport, ContactKind, Sex
from core.tenancy import tenant_scope
from tests.core.registers.contact_io_helpers import (COMMUNE_CODE, accept, contact_names, csv_bytes, import_id_from,
                                                     make_places, upload, xlsx_bytes)

ROWS = [
    {"kind": "person", "name_km": "សុខ ដារា", "name_latin": "Sok Dara", "sex": "female", "birth_year": "1996",
     "idpoor": "yes", "place_code": COMMUNE_CODE, "phone": "012 345 678", "organisation": "Kampot Youth Network",
     "role": "member", "tags": "youth, land", "languages": "km,en", "consent_scope": "trainings",
     "consent_on": "2026-03-02", "consent_method": "written"},
    {"kind": "person", "name_latin": "Chan Vuthy", "sex": "m", "age_group": "31_59", "disability": "no"},
    {"kind": "organisation", "name_latin": "Kampot Youth Network", "organisation_type": "cbo"},
]


def count_contacts(tenant) -> int:
    with tenant_scope(tenant.id):
        return db.session.scalar(select(func.count(Contact.id)))


def test_csv_preview_shows_counts_and_imports_nothing_until_accepted(staff_client, tenant):
    make_places()
    rows = ROWS + [{"name_latin": "Keo Srey", "place_code": "999999"}]
    response = upload(staff_client, tenant, csv_bytes(rows))
    import_id = import_id_from(response)
    assert count_contacts(tenant) == 0
    page = staff_client.get(f"/t/{tenant.slug}/contacts/io/import/{import_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Nothing has been imported yet." in html
    assert "Rows with errors" in html
    assert 'Line 5: no place in the gazetteer has the code "999999".' in html.replace("&#34;", '"')
    assert "Sok Dara" in html and "Chan Vuthy" in html
    assert count_contacts(tenant) == 0


def test_accepting_imports_the_valid_rows_with_their_organisation(staff_client, tenant):
    commune = make_places()
    import_id = import_id_from(upload(staff_client, tenant, csv_bytes(ROWS + [{"name_latin": "", "sex": "female"}])))
    response = accept(staff_client, tenant, import_id)
    assert response.status_code == 302
    flash = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Import done: 3 contacts added" in flash
    assert contact_names(tenant) == ["Chan Vuthy", "Kampot Youth Network", "Sok Dara"]
    with tenant_scope(tenant.id):
        dara = db.session.execute(select(Contact).where(Contact.name_latin == "Sok Dara")).scalar_one()
        assert (dara.sex, dara.birth_year, dara.idpoor, dara.place_id) == (Sex.FEMALE, 1996, True, commune.id)
        assert dara.tag_list == ["youth", "land"] and dara.match_phone == "012345678"
        affiliation = db.session.execute(select(ContactAffiliation)).scalar_one()
        assert affiliation.person_id == dara.id and affiliation.role == "member"
        assert affiliation.organisation.kind == ContactKind.ORGANISATION
        # the organisation row of the file is the one linked, not a second copy
        assert db.session.scalar(select(func.count(Contact.id)).where(Contact.kind == ContactKind.ORGANISATION)) == 1
        assert db.session.scalar(select(func.count(ContactImport.id))) == 0
        event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "contacts.import")).scalar_one()
        assert event.changes["imported"] == 3 and event.changes["skipped_with_errors"] == 1
        # the contacts audit their own inserts, without the identity in the diff
        inserts = db.session.execute(select(AuditEvent).where(AuditEvent.model == "Contact",
                                                              AuditEvent.action == "insert")).scalars().all()
        assert len(inserts) == 3
        assert all("Sok Dara" not in str(event.changes) for event in inserts)


def test_xlsx_preview_and_accept(staff_client, tenant):
    make_places()
    rows = [dict(ROWS[0], birth_year=1996, place_code=int(COMMUNE_CODE)), ROWS[1],
            {"name_latin": "Lim Sophea", "consent_on": __import__("datetime").datetime(2026, 1, 5), "sex": "female"}]
    import_id = import_id_from(upload(staff_client, tenant, xlsx_bytes(rows), "contacts.xlsx"))
    html = staff_client.get(f"/t/{tenant.slug}/contacts/io/import/{import_id}").get_data(as_text=True)
    assert "Lim Sophea" in html and "<h2>Rows with errors" not in html, html[html.find("field-error"):][:600]
    assert accept(staff_client, tenant, import_id).status_code == 302
    assert contact_names(tenant) == ["Chan Vuthy", "Kampot Youth Network", "Lim Sophea", "Sok Dara"]
    with tenant_scope(tenant.id):
        sophea = db.session.execute(select(Contact).where(Contact.name_latin == "Lim Sophea")).scalar_one()
        assert sophea.consent_on.isoformat() == "2026-01-05"


def test_khmer_headers_and_semicolons_are_understood(staff_client, tenant):
    content = "\ufeffឈ្មោះខ្មែរ;ឈ្មោះឡាតាំង;ភេទ;ទូរស័ព្ទ\nសុខ ដារា;Sok Dara;ស្រី;012345678\n".encode()
    import_id = import_id_from(upload(staff_client, tenant, content))
    assert accept(staff_client, tenant, import_id).status_code == 302
    with tenant_scope(tenant.id):
        contact = db.session.execute(select(Contact)).scalar_one()
        assert (contact.name_km, contact.sex) == ("សុខ ដារា", Sex.FEMALE)


def test_row_errors_are_in_khmer_for_a_khmer_reader(client, tenant):
    from core.models import Role
    from tests.helpers import login, make_member
    user = make_member(tenant, Role.STAFF, locale="km")
    login(client, user.email)
    content = csv_bytes([{"name_latin": "Sok Dara", "email": "not-an-address"}])
    import_id = import_id_from(upload(client, tenant, content))
    html = client.get(f"/t/{tenant.slug}/contacts/io/import/{import_id}").get_data(as_text=True)
    assert "ជួរទី 2៖ «not-an-address» មិនមែនជាអាសយដ្ឋានអ៊ីមែលទេ។" in html
    assert "is not an e-mail address" not in html


def test_unknown_and_village_place_codes_are_row_errors(staff_client, tenant):
    make_places()
    rows = [{"name_latin": "Sok Dara", "place_code": "123456"}, {"name_latin": "Chan Vuthy", "place_code": "07010101"},
            {"name_latin": "Lim Sophea", "place_code": COMMUNE_CODE}]
    import_id = import_id_from(upload(staff_client, tenant, csv_bytes(rows)))
    html = staff_client.get(f"/t/{tenant.slug}/contacts/io/import/{import_id}").get_data(as_text=True)
    html = html.replace("&#34;", '"')
    assert 'Line 2: no place in the gazetteer has the code "123456".' in html
    assert 'Line 3: "07010101" is a village; give the code of the commune or sangkat.' in html
    accept(staff_client, tenant, import_id)
    assert contact_names(tenant) == ["Lim Sophea"]


def test_the_registers_own_rules_mark_rows_in_the_preview(staff_client, tenant):
    rows = [{"name_latin": "Young Person", "birth_year": "2015", "consent_on": "2026-01-05"},
            {"name_latin": "Short Phone", "phone": "12"},
            {"name_latin": "Good Person"}]
    import_id = import_id_from(upload(staff_client, tenant, csv_bytes(rows)))
    html = staff_client.get(f"/t/{tenant.slug}/contacts/io/import/{import_id}").get_data(as_text=True)
    html = html.replace("&#39;", "'")
    assert "Line 2, column guardian_consent: This person is under 18" in html
    assert "Line 3, column phone: Give a phone number with at least 6 digits." in html
    accept(staff_client, tenant, import_id)
    assert contact_names(tenant) == ["Good Person"]


def test_viewer_cannot_import(client, viewer, tenant):
    from tests.helpers import login
    login(client, viewer.email)
    assert client.get(f"/t/{tenant.slug}/contacts/io/import").status_code == 403
    assert upload(client, tenant, csv_bytes(ROWS)).status_code == 403


def test_upload_page_documents_the_columns(staff_client, tenant):
    html = staff_client.get(f"/t/{tenant.slug}/contacts/io/import").get_data(as_text=True)
    assert "place_code" in html and "consent_method" in html
    example = staff_client.get(f"/t/{tenant.slug}/contacts/io/import/example.csv")
    assert example.status_code == 200 and example.data.startswith("\ufeff".encode())


def test_a_protected_rows_identity_is_shown_only_to_those_allowed(client, tenant, staff, admin_user):
    from tests.helpers import login, logout
    rows = [{"name_latin": "Secret Witness", "name_km": "សាក្សីសម្ងាត់", "protected": "yes"},
            {"name_latin": "Sok Dara"}]
    login(client, staff.email)
    import_id = import_id_from(upload(client, tenant, csv_bytes(rows)))
    html = client.get(f"/t/{tenant.slug}/contacts/io/import/{import_id}").get_data(as_text=True)
    assert "Protected person (line 2)" in html and "Sok Dara" in html
    assert "Secret Witness" not in html and "សាក្សីសម្ងាត់" not in html
    accept(client, tenant, import_id)
    with tenant_scope(tenant.id):
        witness = db.session.execute(select(Contact).where(Contact.protected.is_(True))).scalar_one()
        assert witness.name_latin == "Secret Witness"      # imported, protected from the first moment
    logout(client)
    login(client, admin_user.email)
    import_id = import_id_from(upload(client, tenant, csv_bytes(rows)))
    html = client.get(f"/t/{tenant.slug}/contacts/io/import/{import_id}").get_data(as_text=True)
    assert "Secret Witness" in html
