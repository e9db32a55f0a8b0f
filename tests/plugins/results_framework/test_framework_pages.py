"""The framework pages: an editor builds objectives -> outcomes -> indicators (every field of an
indicator) and the plan's settings through the forms; the framework page shows each indicator's code,
name in the reader's language, unit, source, rule, baseline, targets and who is responsible, in a
constant number of queries; duplicate codes and bad definitions are refused on the form (422) with
nothing saved; viewers read but cannot edit; other tenants get 404; edits are audited."""
from __future__ import annotations

import html
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEvent, Role
from core.registers.models import Project
from core.tenancy import tenant_scope
from plugins.results_framework import services
from plugins.results_framework.models import (Accumulation, Aggregation, Direction, ManualValue, Objective, Outcome,
                                              ResultIndicator, Source, Target, Unit)
from tests.helpers import login, make_member, make_tenant, statements_for
from tests.plugins.results_framework.conftest import enter, make_indicator, make_outcome


def base(tenant) -> str:
    return f"/t/{tenant.slug}/results/framework"


def indicator_form(outcome, **changes) -> dict:
    data = {"outcome_id": str(outcome.id), "code": "1.1.1", "name_en": "Districts actively disclosing",
            "name_km": "ស្រុកដែលបើកចំហព័ត៌មានយ៉ាងសកម្ម", "definition": "Answered at least one request on time.",
            "unit": "number", "direction": "higher", "aggregation": "sum", "accumulation": "per_period",
            "source": "manual", "source_code": "", "baseline_value": "", "baseline_on": "", "responsible_id": "",
            "position": ""}
    data.update(changes)
    return data


def shown(response) -> str:
    """The page's text as a reader sees it (apostrophes unescaped)."""
    return html.unescape(response.get_data(as_text=True))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_editor_builds_the_framework_through_the_pages(staff_client, tenant, staff):
    response = staff_client.post(f"{base(tenant)}/objectives/new", data={
        "code": "SO1", "title_en": "Democratic governance", "title_km": "អភិបាលកិច្ចប្រជាធិបតេយ្យ", "position": "1"})
    assert response.status_code == 302
    objective = db.session.scalar(select(Objective))
    assert (objective.code, objective.title_km, objective.position) == ("SO1", "អភិបាលកិច្ចប្រជាធិបតេយ្យ", 1)
    response = staff_client.post(f"{base(tenant)}/outcomes/new", data={
        "objective_id": str(objective.id), "code": "1.1", "title_en": "Authorities disclose information"})
    assert response.status_code == 302
    outcome = db.session.scalar(select(Outcome))
    with tenant_scope(tenant.id):
        project = Project(tenant_id=tenant.id, code="EU-A2I", title_en="Access to information")
        db.session.add(project)
        db.session.commit()
    response = staff_client.post(f"{base(tenant)}/indicators/new", data=indicator_form(
        outcome, code="1.1.2", name_en="People trained", unit="people", direction="higher", aggregation="latest",
        accumulation="cumulative", baseline_value="១២០", baseline_on="2024-01-01", disaggregations=["sex", "youth"],
        responsible_id=str(staff.id), project_ids=[str(project.id)]))
    assert response.status_code == 302
    indicator = db.session.scalar(select(ResultIndicator))
    assert response.headers["Location"].endswith(f"/indicators/{indicator.id}/edit")
    assert indicator.unit is Unit.PEOPLE and indicator.aggregation is Aggregation.LATEST
    assert indicator.accumulation is Accumulation.CUMULATIVE and indicator.direction is Direction.HIGHER
    assert indicator.baseline_value == Decimal(120) and indicator.baseline_on == date(2024, 1, 1)
    assert indicator.disaggregations == ["sex", "youth"] and indicator.responsible_id == staff.id
    assert [p.code for p in indicator.projects] == ["EU-A2I"] and indicator.source is Source.MANUAL
    staff_client.post(f"{base(tenant)}/indicators/{indicator.id}/targets", data={"period_key": "2026", "value": "300"})

    page = staff_client.get(f"{base(tenant)}/").get_data(as_text=True)
    for text in ("SO1", "Democratic governance", "1.1", "Authorities disclose information", "1.1.2", "People trained",
                 "Entered by hand", "Latest value, Cumulative since the baseline", "120", "2026: 300", staff.name,
                 "EU-A2I"):
        assert text in page, text


def test_the_framework_shows_names_in_the_readers_language(client, tenant, outcome):
    khmer_reader = make_member(tenant, Role.VIEWER, email="reader@kampot.example", locale="km")
    make_indicator(tenant, outcome, "1.1.1", name_en="People trained", name_km="ចំនួនអ្នកបានទទួលការបណ្តុះបណ្តាល")
    login(client, khmer_reader.email)
    page = client.get(f"{base(tenant)}/").get_data(as_text=True)
    assert "ចំនួនអ្នកបានទទួលការបណ្តុះបណ្តាល" in page and "People trained" not in page


def test_a_duplicate_code_is_refused_on_the_form(staff_client, tenant, outcome):
    make_indicator(tenant, outcome, "1.1.1")
    response = staff_client.post(f"{base(tenant)}/objectives/new", data={"code": "so1", "title_en": "Again"})
    assert response.status_code == 422
    assert "Another objective already has the code “so1”." in shown(response)
    response = staff_client.post(f"{base(tenant)}/outcomes/new", data={
        "objective_id": str(outcome.objective_id), "code": "1.1", "title_en": "Again"})
    assert response.status_code == 422 and "Another outcome already has the code" in shown(response)
    response = staff_client.post(f"{base(tenant)}/indicators/new", data=indicator_form(outcome, code="1.1.1"))
    assert response.status_code == 422
    assert "Another indicator already has the code “1.1.1”." in shown(response)
    assert (count(Objective), count(Outcome), count(ResultIndicator)) == (1, 1, 1)
    # Another tenant may use the same codes.
    assert make_outcome(make_tenant("siem-reap-network")).code == "1.1"


def test_an_indicator_keeps_its_code_when_saved_again(staff_client, tenant, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1")
    response = staff_client.post(f"{base(tenant)}/indicators/{indicator.id}/edit",
                                 data=indicator_form(outcome, code="1.1.1", name_en="People trained in law"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ResultIndicator, indicator.id).name_en == "People trained in law"


def test_a_computed_indicator_needs_a_figure_one_of_the_modules_computes(staff_client, tenant, outcome):
    with tenant_scope(tenant.id):
        codes = services.module_codes(tenant)
    assert "a2i.active_districts" in codes
    page = staff_client.get(f"{base(tenant)}/indicators/new?outcome={outcome.id}").get_data(as_text=True)
    assert 'value="a2i.active_districts"' in page and str(codes["a2i.active_districts"]) in page
    response = staff_client.post(f"{base(tenant)}/indicators/new", data=indicator_form(
        outcome, source="computed", source_code="a2i.nothing"))
    assert response.status_code == 422
    assert "No module of this organisation computes “a2i.nothing”." in shown(response)
    response = staff_client.post(f"{base(tenant)}/indicators/new", data=indicator_form(outcome, source="computed"))
    assert response.status_code == 422
    assert "Choose the module figure this indicator is computed from." in shown(response)
    response = staff_client.post(f"{base(tenant)}/indicators/new", data=indicator_form(outcome, aggregation="distinct"))
    assert response.status_code == 422 and "Only a computed indicator can count distinct" in response.get_data(
        as_text=True)
    response = staff_client.post(f"{base(tenant)}/indicators/new", data=indicator_form(
        outcome, accumulation="cumulative"))
    assert response.status_code == 422 and "give the baseline date" in shown(response)
    assert count(ResultIndicator) == 0
    response = staff_client.post(f"{base(tenant)}/indicators/new", data=indicator_form(
        outcome, source="computed", source_code="a2i.active_districts", aggregation="distinct"))
    assert response.status_code == 302
    indicator = db.session.scalar(select(ResultIndicator))
    assert indicator.source is Source.COMPUTED and indicator.source_code == "a2i.active_districts"


def test_bad_indicator_fields_are_refused_on_their_field(staff_client, tenant, outcome, other_tenant):
    outsider = make_member(other_tenant, Role.STAFF, email="staff@battambang.example")
    cases = [({"name_en": ""}, "Give the name in English."),
             ({"baseline_value": "many"}, "Enter a number."),
             ({"unit": "kilograms"}, "Choose one of the options."),
             ({"responsible_id": str(outsider.id)}, "Choose a member of this organisation."),
             ({"project_ids": ["999999"]}, "Choose projects of this organisation."),
             ({"outcome_id": "999999"}, "Choose an outcome.")]
    for changes, message in cases:
        response = staff_client.post(f"{base(tenant)}/indicators/new", data=indicator_form(outcome, **changes))
        assert response.status_code == 422, changes
        assert message in shown(response), changes
    assert count(ResultIndicator) == 0


def test_the_plan_settings_are_changed_on_their_form(staff_client, tenant, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1", targets={"2028": 50})
    assert indicator.targets
    response = staff_client.post(f"{base(tenant)}/settings", data={
        "plan_title_en": "Strategic Plan 2024–2030", "plan_title_km": "ផែនការយុទ្ធសាស្ត្រ", "first_year": "២០២៤",
        "last_year": "2030", "fiscal_start_month": "10"})
    assert response.status_code == 302
    with tenant_scope(tenant.id):
        settings = services.settings_for(tenant.id)
        assert (settings.first_year, settings.last_year, settings.fiscal_start_month) == (2024, 2030, 10)
        assert settings.plan_title_km == "ផែនការយុទ្ធសាស្ត្រ"
    page = staff_client.get(f"{base(tenant)}/").get_data(as_text=True)
    assert "Strategic Plan 2024–2030, 2024–2030" in page and "Donor fiscal year from October" in page
    response = staff_client.post(f"{base(tenant)}/settings", data={
        "plan_title_en": "Plan", "first_year": "2026", "last_year": "2025", "fiscal_start_month": "7"})
    assert response.status_code == 422
    assert "The plan's last year must be the same as its first year or later" in shown(response)
    # Shrinking the plan below a target it holds is refused, nothing saved.
    response = staff_client.post(f"{base(tenant)}/settings", data={
        "plan_title_en": "Plan", "first_year": "2024", "last_year": "2027", "fiscal_start_month": "7"})
    assert response.status_code == 422
    assert "Targets or values are recorded for 2028, outside these years" in shown(response)
    db.session.expire_all()
    with tenant_scope(tenant.id):
        assert services.settings_for(tenant.id).last_year == 2030


def test_deleting_keeps_nothing_behind_and_refuses_a_non_empty_objective(staff_client, tenant, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1", targets={"2026": 10})
    enter(tenant, indicator, "2026-Q1", 4)
    response = staff_client.post(f"{base(tenant)}/objectives/{outcome.objective_id}/delete")
    assert response.status_code == 422 and "This objective still has outcomes" in shown(response)
    response = staff_client.post(f"{base(tenant)}/outcomes/{outcome.id}/delete")
    assert response.status_code == 422 and "This outcome still has indicators" in shown(response)
    assert staff_client.post(f"{base(tenant)}/indicators/{indicator.id}/delete").status_code == 302
    assert (count(ResultIndicator), count(Target), count(ManualValue)) == (0, 0, 0)
    assert staff_client.post(f"{base(tenant)}/outcomes/{outcome.id}/delete").status_code == 302
    assert staff_client.post(f"{base(tenant)}/objectives/{outcome.objective_id}/delete").status_code == 302
    assert (count(Objective), count(Outcome)) == (0, 0)


def test_viewer_reads_the_framework_but_cannot_edit_it(client, tenant, viewer, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1")
    login(client, viewer.email)
    page = client.get(f"{base(tenant)}/").get_data(as_text=True)
    assert "1.1.1" in page and "Add an objective" not in page and "Edit the indicator" not in page
    for url in ("/settings", "/objectives/new", f"/objectives/{outcome.objective_id}/edit", "/outcomes/new",
                f"/outcomes/{outcome.id}/edit", "/indicators/new", f"/indicators/{indicator.id}/edit"):
        assert client.get(base(tenant) + url).status_code == 403, url
    response = client.post(f"{base(tenant)}/objectives/new", data={"code": "SO9", "title_en": "Viewer's"})
    assert response.status_code == 403
    assert client.post(f"{base(tenant)}/indicators/{indicator.id}/delete").status_code == 403
    assert count(Objective) == 1 and count(ResultIndicator) == 1


def test_an_edit_writes_an_audit_event(staff_client, tenant, staff, outcome):
    response = staff_client.post(f"{base(tenant)}/outcomes/{outcome.id}/edit", data={
        "objective_id": str(outcome.objective_id), "code": "1.1", "title_en": "Districts disclose information"})
    assert response.status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.model == "Outcome", AuditEvent.action == "update"))
    assert event is not None and event.actor_id == staff.id and event.tenant_id == tenant.id
    assert "title_en" in event.changes


def test_another_tenant_can_neither_see_nor_edit_the_framework(client, tenant, other_tenant, outcome):
    indicator = make_indicator(tenant, outcome, "1.1.1", name_en="Kampot's secret indicator")
    outsider = make_member(other_tenant, Role.OWNER, email="owner@battambang.example")
    login(client, outsider.email)
    assert client.get(f"{base(tenant)}/").status_code == 404
    own = f"/t/{other_tenant.slug}/results/framework"
    assert "Kampot's secret indicator" not in client.get(f"{own}/").get_data(as_text=True)
    for url in (f"/objectives/{outcome.objective_id}/edit", f"/outcomes/{outcome.id}/edit",
                f"/indicators/{indicator.id}/edit", f"/indicators/{indicator.id}/values"):
        assert client.get(own + url).status_code == 404, url
    assert client.post(f"{own}/indicators/{indicator.id}/edit", data=indicator_form(
        outcome, name_en="Taken over")).status_code == 404
    assert client.post(f"{own}/indicators/{indicator.id}/delete").status_code == 404
    assert client.post(f"{own}/outcomes/new", data={"objective_id": str(outcome.objective_id), "code": "9.9",
                                                     "title_en": "Under their objective"}).status_code == 422
    db.session.expire_all()
    assert db.session.get(ResultIndicator, indicator.id).name_en == "Kampot's secret indicator"
    assert count(Outcome) == 1


def test_the_framework_page_costs_the_same_queries_however_many_rows(staff_client, tenant, staff):
    def grow(suffix: str) -> None:
        outcome = make_outcome(tenant, code=f"{suffix}.1", objective_code=f"SO{suffix}")
        with tenant_scope(tenant.id):
            project = Project(tenant_id=tenant.id, code=f"P-{suffix}", title_en="Project")
            db.session.add(project)
            db.session.commit()
        for number in range(3):
            indicator = make_indicator(tenant, outcome, f"{suffix}.1.{number}", targets={"2025": 5, "2026": 8},
                                       responsible=staff, disaggregations=["sex"])
            with tenant_scope(tenant.id):
                db.session.get(ResultIndicator, indicator.id).projects.append(db.session.get(Project, project.id))
                db.session.commit()

    grow("1")
    staff_client.get(f"{base(tenant)}/")          # the plan's settings are created on the first visit
    db.session.expire_all()                      # each measured request loads its user and tenant afresh
    small = statements_for(staff_client, f"{base(tenant)}/")
    for suffix in ("2", "3", "4"):
        grow(suffix)
    db.session.expire_all()
    large = statements_for(staff_client, f"{base(tenant)}/")
    assert large == small, (small, large)
    assert small <= 20
