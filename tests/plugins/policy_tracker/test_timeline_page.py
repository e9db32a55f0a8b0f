"""The law page: the official history as an ordered timeline with dates, stage names in the
reader's language, sources and notes; versions; lead institutions; the tenant's status notes shown
apart; a "demo data" mark on seeded content."""
from datetime import date

from sqlalchemy import select

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.policy_tracker import services
from plugins.policy_tracker.models import InstrumentType, PolicyStage, StatusNote
from tests.helpers import login, make_member, statements_for


def stage(code: str) -> PolicyStage:
    return db.session.scalar(select(PolicyStage).where(PolicyStage.instrument_type == InstrumentType.LAW,
                                                       PolicyStage.code == code))


def with_history(law):
    services.record_stage_change(law, stage("drafting"), date(2019, 3, 18), source="Ministry press release",
                                 note="Drafting resumes", actor=None)
    services.record_stage_change(law, stage("public_consultation"), date(2019, 11, 26), actor=None)
    services.record_stage_change(law, stage("national_assembly"), date(2025, 6, 2), actor=None)
    db.session.commit()
    return law


def test_timeline_in_english_lists_stages_in_order(client, law, tenant):
    with_history(law)
    login(client, make_member(tenant, Role.VIEWER).email)
    html = client.get(f"/t/{tenant.slug}/policy/laws/{law.id}").get_data(as_text=True)
    timeline = html[html.index('class="timeline"'):]
    positions = [timeline.index(name) for name in ("Drafting", "Public consultation", "National Assembly")]
    assert positions == sorted(positions)
    assert "Source: Ministry press release" in html and "Drafting resumes" in html
    assert 'datetime="2019-03-18"' in html
    assert "Ministry of Information" in html


def test_timeline_in_khmer_shows_khmer_stage_names_in_order(client, law, tenant):
    with_history(law)
    login(client, make_member(tenant, Role.VIEWER, locale="km").email)
    html = client.get(f"/t/{tenant.slug}/policy/laws/{law.id}").get_data(as_text=True)
    timeline = html[html.index('class="timeline"'):]
    positions = [timeline.index(name) for name in ("ការរៀបចំសេចក្តីព្រាង", "ការពិគ្រោះយោបល់សាធារណៈ", "រដ្ឋសភា")]
    assert positions == sorted(positions)
    assert "ច្បាប់ស្តីពីការទទួលបានព័ត៌មាន" in html and "ក្រសួងព័ត៌មាន" in html


def test_status_notes_are_shown_apart_and_only_to_their_tenant(client, law, tenant, other_tenant):
    with_history(law)
    with tenant_scope(other_tenant.id):
        services.add_status_note(law, noted_on=date(2025, 7, 1), text="Their private rumour", actor=None)
        db.session.commit()
    staff = make_member(tenant, Role.STAFF)
    login(client, staff.email)
    page = client.get(f"/t/{tenant.slug}/policy/laws/{law.id}/notes/new")
    assert page.status_code == 200
    response = client.post(f"/t/{tenant.slug}/policy/laws/{law.id}/notes/new",
                           data={"noted_on": "2025-07-02", "text": "Heard at the A2IWG meeting", "source": "Minutes"})
    assert response.status_code == 302
    html = client.get(f"/t/{tenant.slug}/policy/laws/{law.id}").get_data(as_text=True)
    timeline = html[html.index('class="timeline"'):html.index('id="notes"')]
    notes = html[html.index('id="notes"'):]
    assert "Heard at the A2IWG meeting" in notes and "Heard at the A2IWG meeting" not in timeline
    assert "Their private rumour" not in html
    with tenant_scope(tenant.id):
        assert db.session.scalar(select(StatusNote.source)) == "Minutes"


def test_a_status_note_needs_text(client, law, tenant):
    login(client, make_member(tenant, Role.STAFF).email)
    response = client.post(f"/t/{tenant.slug}/policy/laws/{law.id}/notes/new", data={"noted_on": "2025-07-02"})
    assert response.status_code == 422


def test_demo_content_is_marked(client, law, tenant):
    law.is_demo = True
    db.session.commit()
    login(client, make_member(tenant, Role.VIEWER).email)
    html = client.get(f"/t/{tenant.slug}/policy/laws/{law.id}").get_data(as_text=True)
    assert "Demo data" in html and "not a verified record" in html
    assert "Demo data" in client.get(f"/t/{tenant.slug}/policy/laws/").get_data(as_text=True)


def test_detail_and_list_cost_the_same_queries_whatever_the_history(client, law, tenant):
    login(client, make_member(tenant, Role.VIEWER).email)
    detail_url, list_url = f"/t/{tenant.slug}/policy/laws/{law.id}", f"/t/{tenant.slug}/policy/laws/"
    statements_for(client, list_url)
    before = statements_for(client, detail_url), statements_for(client, list_url)
    with_history(law)
    with tenant_scope(tenant.id):
        for n in range(5):
            services.create_law(title_en=f"Watched prakas {n}", instrument_type="prakas", actor=None)
        db.session.commit()
    assert (statements_for(client, detail_url), statements_for(client, list_url)) == before
