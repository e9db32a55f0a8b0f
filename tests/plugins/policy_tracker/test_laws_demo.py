"""Demo data: five official laws and policies with plausible histories, all marked as demo data
with "(demo)" sources, loaded once per instance; each tenant gets its own status note; the demo
working group follows the A2I law once `flask demo` has created it."""
from sqlalchemy import func, select

from core.extensions import db
from core.models import WorkingGroup
from core.tenancy import tenant_scope
from plugins.policy_tracker.demo import load_demo_data
from plugins.policy_tracker.models import GroupLaw, Law, StageChange, StatusNote


def load(tenant) -> None:
    with tenant_scope(tenant.id):
        load_demo_data(tenant)
        db.session.commit()


def test_demo_seeds_five_official_laws_with_histories_once(tenant, other_tenant):
    load(tenant)
    load(other_tenant)
    laws = list(db.session.scalars(select(Law).order_by(Law.title_en)))
    assert len(laws) == 5
    assert all(law.is_official and law.is_demo and law.title_km for law in laws)
    titles = {law.title_en for law in laws}
    assert {"Draft Law on Access to Information", "Law on Cyber Security", "Law on Cybercrime",
            "Law on Personal Data Protection", "Digital Government Policy 2022–2035"} == titles
    for law in laws:
        dates = [change.occurred_on for change in law.stage_changes]
        assert len(dates) >= 3 and dates == sorted(dates)
        assert all(change.source.endswith("(demo)") for change in law.stage_changes)
        assert law.current_stage_id == law.stage_changes[-1].stage_id
        assert all(2019 <= d.year <= 2026 for d in dates)
        assert all(change.stage.instrument_type == law.instrument_type for change in law.stage_changes)
    a2i = next(law for law in laws if law.short_name == "A2I law")
    assert [link.institution.code for link in a2i.lead_institutions] == ["MOI"]
    assert db.session.scalar(select(func.count(StatusNote.id))) == 2


def test_the_demo_group_follows_the_a2i_law(app):
    result = app.test_cli_runner().invoke(args=["demo", "--password", "demo-pass-2026!"])
    assert result.exit_code == 0, result.output
    group = db.session.scalar(select(WorkingGroup).where(WorkingGroup.slug == "a2iwg"))
    followed = db.session.scalars(select(GroupLaw).where(GroupLaw.group_id == group.id)).all()
    assert "A2I law" in [link.law.short_name for link in followed]
    assert db.session.scalar(select(func.count(Law.id))) == 5
    assert db.session.scalar(select(func.count(StageChange.id))) > 15
