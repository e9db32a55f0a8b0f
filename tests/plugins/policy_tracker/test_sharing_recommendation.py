"""A shared recommendation or status note publishes its listed fields: co-submitters are named only
when they are organisations, the outcome evidence and the author stay home."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.extensions import db
from core.models import SharedRecord
from core.registers.models import Contact, ContactKind
from core.tenancy import tenant_scope
from plugins.policy_tracker.models import CoSubmitter, Outcome
from tests.plugins.policy_tracker.coalition_helpers import (client_of, make_group, make_law, make_note,
                                                            make_recommendation, share)


def test_shared_recommendation_names_organisations_but_never_a_person(app, staff_client, tenant, other_tenant):
    make_group(tenant, other_tenant)
    law = make_law()
    rec = make_recommendation(tenant, law, partners=[other_tenant], article="Article 14",
                              outcome=Outcome.PARTLY_ADOPTED, outcome_on=date(2026, 11, 10),
                              outcome_evidence="Leaked cabinet memo 7")
    with tenant_scope(tenant.id):
        network = Contact(kind=ContactKind.ORGANISATION, name_latin="Cambodian Youth Network")
        person = Contact(kind=ContactKind.PERSON, name_latin="Private Person")
        db.session.add_all([network, person])
        db.session.flush()
        db.session.add_all([CoSubmitter(recommendation_id=rec.id, organisation_id=network.id),
                            CoSubmitter(recommendation_id=rec.id, organisation_id=person.id)])
        db.session.commit()
    share(staff_client, tenant, "policy.recommendation", rec.id)
    shared = db.session.execute(select(SharedRecord)).scalar_one()
    page = client_of(app, other_tenant, "viewer").get(f"/t/{other_tenant.slug}/groups/records/{shared.id}").text
    for shown in ["Law on Access to Information", "Article 14", "Reply within 5 working days.", "2026-03-20",
                  "Partly adopted", "2026-11-10", "Battambang Youth Network", "Cambodian Youth Network"]:
        assert shown in page, shown
    assert "Private Person" not in page and "Leaked cabinet memo" not in page
    assert "Leaked cabinet memo" not in str(shared.fields)


def test_shared_status_note_shows_law_date_text_and_source(app, staff_client, tenant, other_tenant):
    make_group(tenant, other_tenant)
    note = make_note(tenant, make_law(), "Draft 4 goes to inter-ministerial review.", date(2026, 12, 2),
                     source="Meeting with the ministry")
    share(staff_client, tenant, "policy.status_note", note.id)
    shared = db.session.execute(select(SharedRecord)).scalar_one()
    assert set(shared.fields) == {"shared_law_id", "shared_law", "noted_on", "text", "source"}
    page = client_of(app, other_tenant, "viewer").get(f"/t/{other_tenant.slug}/groups/records/{shared.id}").text
    assert "Draft 4 goes to inter-ministerial review." in page and "Meeting with the ministry" in page
    assert "2026-12-02" in page and "Law on Access to Information" in page
