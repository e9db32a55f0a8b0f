"""The register pages: list with filters, private entries by editors, official ones by operators
and conveners, duplicates refused, the official history written only by operators and conveners
(a member gets a clear refusal and nothing is saved), groups following a law."""
from datetime import date

from sqlalchemy import func, select

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.policy_tracker import services
from plugins.policy_tracker.models import GroupLaw, InstrumentType, Law, PolicyStage, StageChange
from tests.helpers import login, make_member


def stage_id(code: str, kind: InstrumentType = InstrumentType.LAW) -> int:
    return db.session.scalar(select(PolicyStage.id).where(PolicyStage.instrument_type == kind,
                                                          PolicyStage.code == code))


def changes() -> int:
    return db.session.scalar(select(func.count(StageChange.id)))


def test_list_filters_by_type_stage_tag_group_and_text(client, law, group, tenant):
    with tenant_scope(tenant.id):
        prakas = services.create_law(title_en="Prakas on disclosure fees", instrument_type="prakas", tags="fees",
                                     actor=None)
        services.record_stage_change(prakas, stage_id("consultation", InstrumentType.PRAKAS), date(2025, 1, 1),
                                     actor=None)
        db.session.commit()
    db.session.add(GroupLaw(group_id=group.id, law=law))
    db.session.commit()
    login(client, make_member(tenant, Role.VIEWER).email)
    base = f"/t/{tenant.slug}/policy/laws/"

    def titles(query: str) -> set[str]:
        html = client.get(base + query).get_data(as_text=True)
        return {title for title in ("Law on Access to Information", "Prakas on disclosure fees") if title in html}

    assert titles("") == {"Law on Access to Information", "Prakas on disclosure fees"}
    assert titles("?type=prakas") == {"Prakas on disclosure fees"}
    assert titles(f"?stage={stage_id('consultation', InstrumentType.PRAKAS)}") == {"Prakas on disclosure fees"}
    assert titles("?tag=a2i") == {"Law on Access to Information"}
    assert titles(f"?group={group.id}") == {"Law on Access to Information"}
    assert titles("?q=disclosure") == {"Prakas on disclosure fees"}
    assert client.get(base + "?type=nonsense").status_code == 200


def test_an_editor_adds_a_private_entry_and_a_duplicate_is_refused(client, law, tenant, ministry):
    login(client, make_member(tenant, Role.STAFF).email)
    url = f"/t/{tenant.slug}/policy/laws/new"
    assert "Official entry" not in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"title_en": "Sub-decree on e-government", "title_km": "",
                                      "instrument_type": "sub_decree", "institution_ids": [str(ministry.id)],
                                      "tags": "digital, e-services"})
    assert response.status_code == 302
    entry = db.session.scalar(select(Law).where(Law.title_en == "Sub-decree on e-government"))
    assert entry.owner_tenant_id == tenant.id and entry.tag_list == ["digital", "e-services"]
    response = client.post(url, data={"title_en": "Law on access to information", "instrument_type": "law"})
    assert response.status_code == 422
    assert "already in the register" in response.get_data(as_text=True)


def test_a_viewer_cannot_add_entries(client, tenant, law):
    login(client, make_member(tenant, Role.VIEWER).email)
    assert client.get(f"/t/{tenant.slug}/policy/laws/new").status_code == 403


def test_a_member_cannot_record_a_stage_on_the_official_history(client, followed_law, tenant, other_tenant):
    owner_b = make_member(other_tenant, Role.OWNER, email="owner@b.example")
    login(client, owner_b.email)
    url = f"/t/{other_tenant.slug}/policy/laws/{followed_law.id}/stages/new"
    page = client.get(url)
    assert page.status_code == 403
    assert "Only instance operators and the conveners" in page.get_data(as_text=True)
    response = client.post(url, data={"stage_id": stage_id("drafting"), "occurred_on": "2020-01-01"})
    assert response.status_code == 403
    assert changes() == 0
    assert client.get(f"/t/{other_tenant.slug}/policy/laws/{followed_law.id}/edit").status_code == 403
    assert client.post(f"/t/{other_tenant.slug}/policy/laws/{followed_law.id}/edit",
                       data={"title_en": "Hijacked", "instrument_type": "law"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Law, followed_law.id).title_en == "Law on Access to Information"


def test_a_convener_records_stages_and_bad_dates_are_refused(client, followed_law, tenant):
    login(client, make_member(tenant, Role.ADMIN).email)
    url = f"/t/{tenant.slug}/policy/laws/{followed_law.id}/stages/new"
    assert "Record a stage change" in client.get(f"/t/{tenant.slug}/policy/laws/{followed_law.id}").get_data(as_text=True)
    response = client.post(url, data={"stage_id": stage_id("drafting"), "occurred_on": "2020-06-01",
                                      "source": "Press release", "note": "Started"})
    assert response.status_code == 302
    response = client.post(url, data={"stage_id": stage_id("senate"), "occurred_on": "2020-05-01"})
    assert response.status_code == 422
    assert "dates never go backwards" in response.get_data(as_text=True)
    response = client.post(url, data={"stage_id": stage_id("adopted", InstrumentType.PRAKAS), "occurred_on": "2021-05-01"})
    assert response.status_code == 422
    assert changes() == 1
    db.session.expire_all()
    assert db.session.get(Law, followed_law.id).current_stage.code == "drafting"


def test_an_operator_records_stages_without_a_group(client, law, tenant):
    operator = make_member(tenant, Role.VIEWER, email="operator@example.org", is_superadmin=True)
    login(client, operator.email)
    response = client.post(f"/t/{tenant.slug}/policy/laws/{law.id}/stages/new",
                           data={"stage_id": stage_id("drafting"), "occurred_on": "2020-06-01"})
    assert response.status_code == 302
    assert changes() == 1


def test_an_operator_adds_an_official_entry(client, stages_seeded, tenant, other_tenant):
    operator = make_member(tenant, Role.STAFF, email="operator@example.org", is_superadmin=True)
    login(client, operator.email)
    response = client.post(f"/t/{tenant.slug}/policy/laws/new", data={
        "title_en": "Royal decree on the A2I commission", "instrument_type": "royal_decree", "official": "y"})
    assert response.status_code == 302
    entry = db.session.scalar(select(Law))
    assert entry.is_official
    with tenant_scope(other_tenant.id):
        assert services.get_visible_law(entry.id) is not None


def test_conveners_choose_the_laws_their_group_follows(client, law, group, tenant, other_tenant):
    admin = make_member(tenant, Role.ADMIN)
    login(client, admin.email)
    html = client.get(f"/t/{tenant.slug}/policy/laws/{law.id}").get_data(as_text=True)
    assert "Follow this law" in html
    response = client.post(f"/t/{tenant.slug}/policy/laws/{law.id}/follow", data={"group_id": group.id})
    assert response.status_code == 302
    assert db.session.scalar(select(GroupLaw.law_id)) == law.id
    assert client.post(f"/t/{tenant.slug}/policy/laws/{law.id}/unfollow", data={"group_id": group.id}).status_code == 302
    assert db.session.scalar(select(func.count(GroupLaw.id))) == 0
    client.post("/logout")
    login(client, make_member(other_tenant, Role.OWNER, email="owner@b.example").email)
    response = client.post(f"/t/{other_tenant.slug}/policy/laws/{law.id}/follow", data={"group_id": group.id})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(GroupLaw.id))) == 0
