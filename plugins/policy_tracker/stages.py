"""The stage list of each instrument type (a law passes the National Assembly, a prakas never does),
seeded once per instance and then edited by the operators (rename, reorder, deactivate, add)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core.errors import DomainError
from core.extensions import db
from plugins.policy_tracker.models import InstrumentType, PolicyStage, StageKind

# (code, English name, Khmer name)
LAW_STEPS = [
    ("drafting", "Drafting", "ការរៀបចំសេចក្តីព្រាង"),
    ("public_consultation", "Public consultation", "ការពិគ្រោះយោបល់សាធារណៈ"),
    ("inter_ministerial_review", "Inter-ministerial review", "ការពិនិត្យអន្តរក្រសួង"),
    ("council_of_ministers", "Council of Ministers", "គណៈរដ្ឋមន្ត្រី"),
    ("national_assembly", "National Assembly", "រដ្ឋសភា"),
    ("senate", "Senate", "ព្រឹទ្ធសភា"),
    ("constitutional_council", "Constitutional Council", "ក្រុមប្រឹក្សាធម្មនុញ្ញ"),
    ("promulgated", "Promulgated", "ប្រកាសឱ្យប្រើ"),
    ("in_force", "In force", "ចូលជាធរមាន"),
    ("implementation_monitoring", "Implementation monitoring", "ការតាមដានការអនុវត្ត"),
]
REGULATION_STEPS = [
    ("drafting", "Drafting", "ការរៀបចំសេចក្តីព្រាង"),
    ("consultation", "Consultation", "ការពិគ្រោះយោបល់"),
    ("review", "Review", "ការពិនិត្យ"),
    ("adopted", "Signed / adopted", "ចុះហត្ថលេខា / អនុម័ត"),
    ("in_force", "In force", "ចូលជាធរមាន"),
    ("implementation_monitoring", "Implementation monitoring", "ការតាមដានការអនុវត្ត"),
]
POLICY_STEPS = [
    ("drafting", "Drafting", "ការរៀបចំសេចក្តីព្រាង"),
    ("consultation", "Consultation", "ការពិគ្រោះយោបល់"),
    ("adopted_council", "Adopted by the Council of Ministers", "អនុម័តដោយគណៈរដ្ឋមន្ត្រី"),
    ("implementation", "Implementation", "ការអនុវត្ត"),
    ("review", "Review", "ការពិនិត្យឡើងវិញ"),
]
ENDINGS = [
    ("returned", "Returned", "បានបញ្ជូនត្រឡប់វិញ"),
    ("withdrawn", "Withdrawn", "បានដកវិញ"),
    ("superseded", "Superseded", "ត្រូវបានជំនួស"),
]

DEFAULT_STEPS: dict[InstrumentType, list[tuple[str, str, str]]] = {
    InstrumentType.LAW: LAW_STEPS,
    InstrumentType.ROYAL_DECREE: REGULATION_STEPS,
    InstrumentType.SUB_DECREE: REGULATION_STEPS,
    InstrumentType.PRAKAS: REGULATION_STEPS,
    InstrumentType.DECISION: REGULATION_STEPS,
    InstrumentType.POLICY: POLICY_STEPS,
    InstrumentType.STRATEGY: POLICY_STEPS,
}


def default_stages(instrument_type: InstrumentType) -> list[PolicyStage]:
    """New (unsaved) stages of a type: its steps, then the endings every type may end with."""
    rows = [PolicyStage(instrument_type=instrument_type, code=code, name_en=name_en, name_km=name_km,
                        position=(index + 1) * 10, kind=StageKind.STEP, is_active=True)
            for index, (code, name_en, name_km) in enumerate(DEFAULT_STEPS[instrument_type])]
    start = (len(rows) + 1) * 10 + 100
    rows += [PolicyStage(instrument_type=instrument_type, code=code, name_en=name_en, name_km=name_km,
                         position=start + index * 10, kind=StageKind.ENDING, is_active=True)
             for index, (code, name_en, name_km) in enumerate(ENDINGS)]
    return rows


def ensure_default_stages(instrument_type: InstrumentType | None = None) -> int:
    """Seed the default list of every type (or of one) that has no stages yet; a type the operators
    already edited is left as it is. Returns how many stages were added (flushed, not committed)."""
    types = [instrument_type] if instrument_type is not None else list(InstrumentType)
    seeded = set(db.session.scalars(select(PolicyStage.instrument_type).where(
        PolicyStage.instrument_type.in_(types)).distinct()))
    added = 0
    for kind in types:
        if kind in seeded:
            continue
        rows = default_stages(kind)
        db.session.add_all(rows)
        added += len(rows)
    if added:
        db.session.flush()
    return added


def stages_for(instrument_type: InstrumentType, *, active_only: bool = False) -> list[PolicyStage]:
    """The stages of a type in order (seeded first if the type has none)."""
    query = select(PolicyStage).where(PolicyStage.instrument_type == instrument_type)
    rows = list(db.session.scalars(query.order_by(PolicyStage.position, PolicyStage.id)))
    if not rows:
        ensure_default_stages(instrument_type)
        rows = list(db.session.scalars(query.order_by(PolicyStage.position, PolicyStage.id)))
    return [stage for stage in rows if stage.is_active or not active_only]


def all_stages() -> list[PolicyStage]:
    """Every stage of every type, by type and position (one query)."""
    return list(db.session.scalars(select(PolicyStage).order_by(
        PolicyStage.instrument_type, PolicyStage.position, PolicyStage.id)))


def update_stage(stage: PolicyStage, *, name_en: str, name_km: str, position: int, is_active: bool) -> PolicyStage:
    """Rename, move or (de)activate a stage (operators only: the view checks). Past changes keep it."""
    name_en = (name_en or "").strip()
    if not name_en:
        raise DomainError(_l("Give the stage a name in English."), field="name_en")
    stage.name_en, stage.name_km = name_en, (name_km or "").strip()
    stage.position, stage.is_active = position, is_active
    return stage


def add_stage(instrument_type: InstrumentType, *, name_en: str, name_km: str, kind: StageKind,
              position: int | None = None) -> PolicyStage:
    """A new stage at the end of the type's steps (or at `position`), with a code made from its name."""
    name_en = (name_en or "").strip()
    if not name_en:
        raise DomainError(_l("Give the stage a name in English."), field="name_en")
    stages_for(instrument_type)
    base = "".join(ch if ch.isalnum() else "_" for ch in name_en.lower()).strip("_")[:50] or "stage"
    codes = set(db.session.scalars(select(PolicyStage.code).where(PolicyStage.instrument_type == instrument_type)))
    code, counter = base, 2
    while code in codes:
        code, counter = f"{base}_{counter}", counter + 1
    if position is None:
        highest = db.session.scalar(select(func.max(PolicyStage.position)).where(
            PolicyStage.instrument_type == instrument_type, PolicyStage.kind == kind)) or 0
        position = highest + 10
    stage = PolicyStage(instrument_type=instrument_type, code=code, name_en=name_en, name_km=(name_km or "").strip(),
                        position=position, kind=kind, is_active=True)
    db.session.add(stage)
    db.session.flush()
    return stage


def register_cli(group) -> None:
    """`flask --app wsgi policy seed-stages`: seed the default stage lists (types already seeded are kept)."""
    import click
    from flask.cli import AppGroup

    from core.audit import set_actor

    policy = group.commands.get("policy") or AppGroup("policy", help="Policy tracker: laws and their stages.")

    @policy.command("seed-stages")
    def seed_stages() -> None:
        """Seed the default stage list of every instrument type that has none yet."""
        set_actor(None, "cli")
        added = ensure_default_stages()
        db.session.commit()
        click.echo(f"{added} stages added." if added else "Every instrument type already has its stages.")

    if "policy" not in group.commands:
        group.add_command(policy)
