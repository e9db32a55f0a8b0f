"""The operators' stage lists: rename, reorder, deactivate and add stages of an instrument type;
nobody else may; `flask policy seed-stages` seeds what is missing."""
from sqlalchemy import func, select

from core.extensions import db
from core.models import Role
from plugins.policy_tracker.models import InstrumentType, PolicyStage
from tests.helpers import login, make_member


def test_only_operators_edit_stage_lists(client, stages_seeded, tenant):
    login(client, make_member(tenant, Role.OWNER).email)
    assert client.get(f"/t/{tenant.slug}/policy/laws/stages/law").status_code == 403


def test_an_operator_renames_deactivates_and_adds_a_stage(client, stages_seeded, tenant):
    login(client, make_member(tenant, Role.VIEWER, email="op@example.org", is_superadmin=True).email)
    url = f"/t/{tenant.slug}/policy/laws/stages/prakas"
    html = client.get(url).get_data(as_text=True)
    assert "Drafting" in html and "National Assembly" not in html
    review = db.session.scalar(select(PolicyStage).where(PolicyStage.instrument_type == InstrumentType.PRAKAS,
                                                         PolicyStage.code == "review"))
    prefix = f"s{review.id}-"
    response = client.post(url, data={"stage_id": review.id, prefix + "name_en": "Legal review",
                                      prefix + "name_km": "ការពិនិត្យផ្នែកច្បាប់", prefix + "position": "5"})
    assert response.status_code == 302
    db.session.refresh(review)
    assert (review.name_en, review.position, review.is_active) == ("Legal review", 5, False)
    response = client.post(url, data={"add-name_en": "Published in the Royal Gazette", "add-name_km": "",
                                      "add-kind": "step"})
    assert response.status_code == 302
    assert db.session.scalar(select(PolicyStage.code).where(PolicyStage.name_en == "Published in the Royal Gazette")) \
        == "published_in_the_royal_gazette"
    assert client.get(f"/t/{tenant.slug}/policy/laws/stages/nonsense").status_code == 404


def test_seed_stages_command_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["policy", "seed-stages"])
    assert first.exit_code == 0, first.output
    count = db.session.scalar(select(func.count(PolicyStage.id)))
    assert count == 10 + 6 * 4 + 5 * 2 + 3 * 7
    again = runner.invoke(args=["policy", "seed-stages"])
    assert "already" in again.output
    assert db.session.scalar(select(func.count(PolicyStage.id))) == count
