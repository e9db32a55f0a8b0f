"""Demo results framework: the lead NGO's Strategic Plan 2024–2028 (four objectives, the targets of
../shared/CONTEXT.md), hand-entered values with evidence for what no module records, frozen past
periods, and the A2IWG's shared indicators with the figures each member approved. Runs after the
modules' own demo data (trylast in __init__.py) so that computed figures have records to count."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from core.extensions import db
from core.models import Membership, Role, Tenant
from core.models.sharing import WorkingGroup, WorkingGroupMember
from core.periods import parse_period
from plugins.results_framework import services
from plugins.results_framework.models import (Accumulation, Aggregation, DonorReport, GroupIndicator,
                                              IndicatorNarrative, Objective, Outcome, ResultIndicator, Source, Unit)

LEAD = "demo-lead"
BASELINE_ON = date(2023, 12, 31)
EVIDENCE = "https://meal.example.org/evidence/"

# (code, English, Khmer, [(outcome code, English, Khmer, [indicator…])]); an indicator is a dict of
# ResultIndicator fields plus "targets" {period key: value} and, for hand-entered ones, "values".
PLAN = [
    ("SO1", "Democratic governance and accountability", "អភិបាលកិច្ចប្រជាធិបតេយ្យ និងគណនេយ្យភាព", [
        ("1.1", "CBOs monitor and engage with sub-national authorities",
         "សហគមន៍មូលដ្ឋានតាមដាន និងចូលរួមជាមួយអាជ្ញាធរថ្នាក់ក្រោមជាតិ", [
             dict(code="1.1.1", name_en="CBOs monitoring and engaging with sub-national authorities",
                  name_km="សហគមន៍មូលដ្ឋានដែលតាមដាន និងចូលរួមជាមួយអាជ្ញាធរថ្នាក់ក្រោមជាតិ",
                  unit=Unit.ORGANISATIONS, aggregation=Aggregation.LATEST, source=Source.MANUAL,
                  baseline_value=12, targets={"2024": 20, "2025": 28, "2026": 36, "2027": 44, "2028": 50},
                  values={"2024": 19, "2025": 27, "2026-Q1": 29, "2026-Q2": 31, "2026-Q3": 33}),
             dict(code="1.1.2", name_en="CBOs and CSOs trained", name_km="សហគមន៍មូលដ្ឋាន និងអង្គការសង្គមស៊ីវិលដែលបានទទួលការបណ្តុះបណ្តាល",
                  unit=Unit.ORGANISATIONS, aggregation=Aggregation.SUM, accumulation=Accumulation.CUMULATIVE,
                  source=Source.COMPUTED, source_code="training.cbos_trained", baseline_value=0,
                  targets={"2026": 40, "2028": 50}),
         ]),
    ]),
    ("SO2", "Inclusive policy and law-making", "ការធ្វើគោលនយោបាយ និងច្បាប់ប្រកបដោយបរិយាប័ន្ន", [
        ("2.1", "Laws and policies shaped with CSO input", "ច្បាប់ និងគោលនយោបាយដែលមានធាតុចូលពីសង្គមស៊ីវិល", [
            dict(code="2.1.1", name_en="Access to Information law approved with CSO input",
                 name_km="ច្បាប់ស្តីពីសិទ្ធិទទួលបានព័ត៌មានត្រូវបានអនុម័តដោយមានធាតុចូលពីសង្គមស៊ីវិល",
                 unit=Unit.MILESTONE, aggregation=Aggregation.LATEST, source=Source.MANUAL, baseline_value=0,
                 targets={"2028": 1}, values={"2024": 0, "2025": 0, "2026-Q3": 0}),
            dict(code="2.1.2", name_en="Laws with CSO input submitted", name_km="ច្បាប់ដែលបានដាក់ធាតុចូលពីសង្គមស៊ីវិល",
                 unit=Unit.NUMBER, source=Source.COMPUTED, source_code="policy.laws_with_cso_input",
                 targets={"2024": 2, "2025": 2, "2026": 3, "2027": 3, "2028": 3}),
            dict(code="2.1.3", name_en="Research studies disseminated", name_km="ការសិក្សាស្រាវជ្រាវដែលបានផ្សព្វផ្សាយ",
                 unit=Unit.NUMBER, accumulation=Accumulation.CUMULATIVE, source=Source.MANUAL, baseline_value=0,
                 targets={"2026": 6, "2028": 10},
                 values={"2024-Q2": 1, "2024-Q4": 1, "2025-Q1": 1, "2025-Q3": 2, "2026-Q2": 1}),
        ]),
    ]),
    ("SO3", "Human rights, including access to information", "សិទ្ធិមនុស្ស រួមទាំងសិទ្ធិទទួលបានព័ត៌មាន", [
        ("3.1", "Public bodies disclose information on request", "ស្ថាប័នសាធារណៈផ្តល់ព័ត៌មានតាមការស្នើសុំ", [
            dict(code="3.1.1", name_en="Districts actively disclosing information",
                 name_km="ស្រុក/ខណ្ឌដែលផ្តល់ព័ត៌មានយ៉ាងសកម្ម", unit=Unit.NUMBER,
                 aggregation=Aggregation.DISTINCT, source=Source.COMPUTED, source_code="a2i.active_districts",
                 disaggregations=["province"], baseline_value=3,
                 targets={"2024": 6, "2025": 12, "2026": 18, "2027": 24, "2028": 30}),
            dict(code="3.1.2", name_en="NCDD member ministries actively disclosing information",
                 name_km="ក្រសួងសមាជិក គ.ជ.អ.ប ដែលផ្តល់ព័ត៌មានយ៉ាងសកម្ម", unit=Unit.NUMBER,
                 aggregation=Aggregation.DISTINCT, source=Source.COMPUTED,
                 source_code="a2i.active_ncdd_ministries", baseline_value=2,
                 targets={"2024": 4, "2025": 8, "2026": 12, "2027": 16, "2028": 20}),
        ]),
        ("3.2", "Citizens, CBOs and authorities know their rights and duties",
         "ពលរដ្ឋ សហគមន៍ និងអាជ្ញាធរយល់ដឹងពីសិទ្ធិ និងភារកិច្ចរបស់ខ្លួន", [
            dict(code="3.2.1", name_en="People trained", name_km="ចំនួនអ្នកបានទទួលការបណ្តុះបណ្តាល", unit=Unit.PEOPLE,
                 source=Source.COMPUTED, source_code="training.people_trained",
                 disaggregations=["sex", "youth", "disability", "idpoor", "province"],
                 targets={"2024": 80, "2025": 120, "2026": 120, "2027": 150, "2028": 150}),
            dict(code="3.2.2", name_en="Women among the people trained", name_km="ស្ត្រីក្នុងចំណោមអ្នកបានទទួលការបណ្តុះបណ្តាល",
                 unit=Unit.PERCENT, aggregation=Aggregation.LATEST, source=Source.COMPUTED,
                 source_code="training.women_share",
                 targets={str(year): 50 for year in range(2024, 2029)}),
        ]),
    ]),
    ("SO4", "Organisational capacity", "សមត្ថភាពស្ថាប័ន", [
        ("4.1", "A resilient, well-governed organisation", "ស្ថាប័នដែលមានភាពធន់ និងអភិបាលកិច្ចល្អ", [
            dict(code="4.1.1", name_en="Staff completing digital-security training",
                 name_km="បុគ្គលិកដែលបានបញ្ចប់វគ្គសុវត្ថិភាពឌីជីថល", unit=Unit.PEOPLE, source=Source.MANUAL,
                 disaggregations=["sex"], targets={"2024": 10, "2025": 12, "2026": 14},
                 values={"2024": (9, {"sex": {"female": 5, "male": 4}}), "2025": (12, {"sex": {"female": 7, "male": 5}}),
                         "2026-Q1": (3, {"sex": {"female": 2, "male": 1}}),
                         "2026-Q3": (6, {"sex": {"female": 3, "male": 3}})}),
        ]),
    ]),
]

# The A2IWG adds up the members' disclosure figures and the people they train.
GROUP_INDICATORS = [
    dict(code="A2I-D", name_en="Districts actively disclosing information (network)",
         name_km="ស្រុក/ខណ្ឌដែលផ្តល់ព័ត៌មានយ៉ាងសកម្ម (បណ្តាញ)", unit=Unit.NUMBER, aggregation=Aggregation.DISTINCT,
         source_code="a2i.active_districts", target=Decimal(30)),
    dict(code="A2I-M", name_en="NCDD member ministries actively disclosing information (network)",
         name_km="ក្រសួងសមាជិក គ.ជ.អ.ប ដែលផ្តល់ព័ត៌មានយ៉ាងសកម្ម (បណ្តាញ)", unit=Unit.NUMBER,
         aggregation=Aggregation.DISTINCT, source_code="a2i.active_ncdd_ministries", target=Decimal(20)),
]
FROZEN = ("2024", "2025", "2026-Q1", "2026-Q2", "2026-Q3")
APPROVED = {"demo-lead": ("2025", "2026"), "demo-cso": ("2025",)}


def _owner(tenant) -> int | None:
    return db.session.scalar(select(Membership.user_id).where(Membership.tenant_id == tenant.id,
                                                              Membership.role == Role.OWNER).limit(1))


def load_demo_data(tenant: Tenant) -> None:
    """Seed the framework of the lead demo tenant and the A2IWG approvals (runs inside the tenant's
    scope; does nothing when the tenant already has a framework)."""
    if tenant.slug == LEAD and db.session.scalar(select(Objective.id).where(Objective.tenant_id == tenant.id)) is None:
        _framework(tenant)
    _group_approvals(tenant)


def _framework(tenant: Tenant) -> None:
    settings = services.settings_for(tenant.id)
    settings.plan_title_en, settings.plan_title_km = "Strategic Plan 2024–2028", "ផែនការយុទ្ធសាស្ត្រ ២០២៤–២០២៨"
    settings.first_year, settings.last_year, settings.fiscal_start_month = 2024, 2028, 7
    owner = _owner(tenant)
    entered = []
    for position, (code, title_en, title_km, outcomes) in enumerate(PLAN):
        objective = Objective(tenant_id=tenant.id, code=code, title_en=title_en, title_km=title_km, position=position)
        db.session.add(objective)
        for outcome_position, (outcome_code, outcome_en, outcome_km, indicators) in enumerate(outcomes):
            outcome = Outcome(tenant_id=tenant.id, objective=objective, code=outcome_code, title_en=outcome_en,
                              title_km=outcome_km, position=outcome_position)
            db.session.add(outcome)
            for indicator_position, fields in enumerate(indicators):
                fields = dict(fields)
                targets, values = fields.pop("targets", {}), fields.pop("values", {})
                baseline = fields.pop("baseline_value", None)
                indicator = ResultIndicator(tenant_id=tenant.id, outcome=outcome, position=indicator_position,
                                            baseline_value=Decimal(baseline) if baseline is not None else None,
                                            baseline_on=BASELINE_ON if baseline is not None else None,
                                            responsible_id=owner if fields["source"] == Source.MANUAL else None,
                                            **fields)
                services.check_indicator(indicator)
                db.session.add(indicator)
                for key, value in targets.items():
                    services.set_target(indicator, key, value, settings)
                entered.append((indicator, values))
    db.session.flush()
    for indicator, values in entered:
        for key, value in values.items():
            value, breakdown = value if isinstance(value, tuple) else (value, {})
            services.enter_value(indicator, key, value, settings, breakdown=breakdown, actor_id=owner,
                                 evidence_url=f"{EVIDENCE}{indicator.code}/{key}",
                                 comment="MEAL quarterly review" if "Q" in key else "Annual review")
    db.session.flush()
    for key in FROZEN:
        services.freeze(tenant, parse_period(key), actor_id=owner,
                        comment="Quarterly MEAL review" if "Q" in key else "Annual report to partners")
    _donor_report(tenant, owner, {indicator.code: indicator for indicator, _values in entered})
    group = _convened_group(tenant)
    if group is not None:
        for fields in GROUP_INDICATORS:
            db.session.add(GroupIndicator(group_id=group.id, **fields))
    db.session.flush()


NARRATIVES = {
    "3.1.1": "Districts in Kampot and Takeo answered requests on time after the A2IWG's coaching of their "
             "one-window service offices; two districts in Siem Reap still refer requesters to the province.",
    "3.2.1": "Trainings moved to commune halls closer to villages, which brought more women and IDPoor card "
             "holders; the youth share rose with the new digital-rights module.",
    "2.1.1": "The draft A2I law is still with the Ministry of Information; the A2IWG submitted joint "
             "comments in March and met the drafting team on A2I Day (28 September).",
}


def _donor_report(tenant: Tenant, owner: int | None, by_code: dict) -> None:
    """The annual report of 2025 to a development partner, with a narrative for three indicators."""
    report = DonorReport(tenant_id=tenant.id, title="Annual results report 2025", period_key="2025",
                         created_by_id=owner,
                         narrative="2025 was the second year of the Strategic Plan 2024–2028. Disclosure by "
                                   "sub-national authorities grew where CBOs monitored them; the A2I law is "
                                   "still in draft.")
    db.session.add(report)
    report.narratives += [IndicatorNarrative(tenant_id=tenant.id, indicator_id=by_code[code].id, text=text)
                          for code, text in NARRATIVES.items()]


def _convened_group(tenant: Tenant) -> WorkingGroup | None:
    return db.session.scalar(select(WorkingGroup).where(WorkingGroup.convening_tenant_id == tenant.id,
                                                        WorkingGroup.slug == "a2iwg"))


def _group_approvals(tenant: Tenant) -> None:
    from plugins.results_framework import rollup
    periods = APPROVED.get(tenant.slug, ())
    shared = db.session.scalars(
        select(GroupIndicator).join(WorkingGroupMember, WorkingGroupMember.group_id == GroupIndicator.group_id)
        .where(WorkingGroupMember.tenant_id == tenant.id)).all()
    owner = _owner(tenant)
    for group_indicator in shared:
        for key in periods:
            rollup.approve(group_indicator, tenant, parse_period(key), actor_id=owner)
    db.session.flush()
