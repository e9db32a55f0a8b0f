"""Changes made on the framework pages, without Flask: the plan's settings, objectives, outcomes and
indicators (codes unique in the organisation), deletions that leave nothing behind, and hand-entered
values with their breakdown and evidence (a checked file kept outside the web root, a link, or both).
Each refusal is a DomainError naming the form field at fault; the rules of the framework itself
(periods, targets, values, indicator definitions) stay in services.py and are called from here."""
from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core.disaggregation import DIMENSIONS, NO, YES
from core.errors import DomainError
from core.extensions import db
from core.models import Membership
from core.periods import parse_period
from core.registers.models import Project, Sex
from core.uploads import Upload, check_upload, remove_after_commit, store, tenant_folder
from plugins.results_framework import services
from plugins.results_framework.models import (Accumulation, Aggregation, Direction, FrameworkSettings,
                                              IndicatorNarrative, ManualValue, Objective, Outcome, ResultIndicator,
                                              Source, Target, Unit)

UPLOAD_AREA = "results"
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
ZIP = (b"PK\x03\x04",)
# Evidence files: extension -> (content type, the first bytes such a file starts with).
EVIDENCE_TYPES = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP),
    "odt": ("application/vnd.oasis.opendocument.text", ZIP),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", ZIP),
    "zip": ("application/zip", ZIP),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "csv": ("text/csv", ()),
}
LIMITS = {"code": 32, "title_en": 500, "title_km": 500, "name_en": 500, "name_km": 500, "definition": 20000,
          "plan_title_en": 300, "plan_title_km": 300, "comment": 20000, "evidence_url": 1000}
# Breakdown cells typed by hand, per dimension (province is left to computed figures: 25 cells).
HAND_CELLS = {"sex": (Sex.FEMALE.value, Sex.MALE.value), "youth": (YES, NO), "disability": (YES, NO),
              "idpoor": (YES, NO)}


# --- small checks ----------------------------------------------------------------------------------

def _text(value, field: str, *, required_message=None) -> str:
    text = unicodedata.normalize("NFC", str(value or "")).strip()
    if len(text) > LIMITS[field]:
        raise DomainError(_l("Use at most %(max)d characters.", max=LIMITS[field]), field)
    if required_message is not None and not text:
        raise DomainError(required_message, field)
    return text


def _whole_number(value, field: str, message) -> int:
    text = str(value if value is not None else "").strip().translate(services.KHMER_DIGITS)
    if not text.lstrip("-").isdigit() or len(text) > 6:
        raise DomainError(message, field)
    return int(text)


def _year(value, field: str) -> int:
    return _whole_number(value, field, _l("Enter a year, for example 2026."))


def _position(value) -> int:
    if value is None or not str(value).strip():
        return 0
    return _whole_number(value, "position", _l("Enter a whole number."))


def _enum(enum_class, value, field: str):
    try:
        return enum_class(value)
    except ValueError:
        raise DomainError(_l("Choose one of the options."), field) from None


def period_key_typed(value) -> str:
    """A period key as people type it: Khmer digits and lower case accepted ("fy២០២៦-07")."""
    return str(value or "").strip().upper().translate(services.KHMER_DIGITS)


def period_label(key: str) -> str:
    """A stored period key as people read it ("Q3 2026", "FY 2026–2027 (July–June)")."""
    try:
        return parse_period(key).label
    except DomainError:
        return key


def plain_number(number: Decimal | None) -> str:
    """A stored value as a person would type it again (30.0000 -> "30", 12.5000 -> "12.5")."""
    if number is None:
        return ""
    number = Decimal(number)
    return f"{number.to_integral_value() if number == number.to_integral_value() else number.normalize():f}"


# --- the plan --------------------------------------------------------------------------------------

def plan_settings(tenant_id: int) -> tuple[FrameworkSettings, bool]:
    """The tenant's plan settings and whether they were created just now (the caller commits them,
    so a page that shows the plan writes it once, not on every visit)."""
    found = db.session.scalar(select(FrameworkSettings).where(FrameworkSettings.tenant_id == tenant_id))
    if found is not None:
        return found, False
    return services.settings_for(tenant_id), True


def update_plan(settings: FrameworkSettings, *, plan_title_en, plan_title_km, first_year, last_year,
                fiscal_start_month) -> FrameworkSettings:
    """Change the plan's title and years; refused while targets or values lie outside the new years."""
    title_en = _text(plan_title_en, "plan_title_en", required_message=_l("Give the plan's title."))
    title_km = _text(plan_title_km, "plan_title_km")
    first, last = _year(first_year, "first_year"), _year(last_year, "last_year")
    month = _whole_number(fiscal_start_month, "fiscal_start_month", _l("Choose a month from January to December."))
    services.check_plan_years(first, last, month)
    settings.plan_title_en, settings.plan_title_km = title_en, title_km
    settings.first_year, settings.last_year, settings.fiscal_start_month = first, last, month
    keys = set(db.session.scalars(select(Target.period_key).where(Target.tenant_id == settings.tenant_id)))
    keys |= set(db.session.scalars(select(ManualValue.period_key).where(ManualValue.tenant_id == settings.tenant_id)))
    outside = []
    for key in sorted(keys):
        try:
            services.plan_period(settings, key)
        except DomainError:
            outside.append(key)
    if outside:
        raise DomainError(_l("Targets or values are recorded for %(periods)s, outside these years: change or remove "
                             "them first.", periods=", ".join(outside[:6])), "first_year")
    return settings


# --- objectives and outcomes -----------------------------------------------------------------------

def _code(model, tenant_id: int, value, own_id: int | None, taken_message) -> str:
    code = _text(value, "code", required_message=_l("Give a code."))
    query = select(model.id).where(model.tenant_id == tenant_id, func.lower(model.code) == code.lower())
    if own_id is not None:
        query = query.where(model.id != own_id)
    if db.session.scalar(query.limit(1)) is not None:
        raise DomainError(taken_message(code), "code")
    return code


def save_objective(tenant_id: int, objective: Objective | None, *, code, title_en, title_km="",
                   position=None) -> Objective:
    """Add an objective (objective None) or change one."""
    code = _code(Objective, tenant_id, code, objective.id if objective else None,
                 lambda found: _l("Another objective already has the code “%(code)s”.", code=found))
    title_en = _text(title_en, "title_en", required_message=_l("Give the title in English."))
    title_km, position = _text(title_km, "title_km"), _position(position)
    if objective is None:
        objective = Objective(tenant_id=tenant_id)
        db.session.add(objective)
    objective.code, objective.title_en, objective.title_km, objective.position = code, title_en, title_km, position
    db.session.flush()
    return objective


def delete_objective(objective: Objective) -> None:
    if objective.outcomes:
        raise DomainError(_l("This objective still has outcomes: delete them or move them to another objective "
                             "first."))
    db.session.delete(objective)
    db.session.flush()


def get_objective(tenant_id: int, objective_id) -> Objective | None:
    return db.session.scalar(select(Objective).where(Objective.tenant_id == tenant_id,
                                                     Objective.id == _id(objective_id)))


def save_outcome(tenant_id: int, outcome: Outcome | None, *, objective_id, code, title_en, title_km="",
                 position=None) -> Outcome:
    """Add an outcome under an objective (outcome None) or change one (and maybe move it)."""
    objective = get_objective(tenant_id, objective_id)
    if objective is None:
        raise DomainError(_l("Choose an objective."), "objective_id")
    code = _code(Outcome, tenant_id, code, outcome.id if outcome else None,
                 lambda found: _l("Another outcome already has the code “%(code)s”.", code=found))
    title_en = _text(title_en, "title_en", required_message=_l("Give the title in English."))
    title_km, position = _text(title_km, "title_km"), _position(position)
    if outcome is None:
        outcome = Outcome(tenant_id=tenant_id)
        db.session.add(outcome)
    outcome.objective_id, outcome.code, outcome.title_en = objective.id, code, title_en
    outcome.title_km, outcome.position = title_km, position
    db.session.flush()
    return outcome


def delete_outcome(outcome: Outcome) -> None:
    if outcome.indicators:
        raise DomainError(_l("This outcome still has indicators: delete them or move them to another outcome "
                             "first."))
    db.session.delete(outcome)
    db.session.flush()


def get_outcome(tenant_id: int, outcome_id) -> Outcome | None:
    return db.session.scalar(select(Outcome).where(Outcome.tenant_id == tenant_id, Outcome.id == _id(outcome_id)))


def _id(value) -> int:
    """A posted or URL id as an int (0, which matches nothing, for anything else)."""
    try:
        number = int(str(value or "").strip())
    except ValueError:
        return 0
    return number if 0 < number < 2 ** 63 else 0


# --- indicators ------------------------------------------------------------------------------------

def is_member(tenant_id: int, user_id: int) -> bool:
    return db.session.scalar(select(Membership.id).where(Membership.tenant_id == tenant_id,
                                                         Membership.user_id == user_id, Membership.is_active)
                             .limit(1)) is not None


def save_indicator(tenant_id: int, indicator: ResultIndicator | None, *, module_codes: set[str], outcome_id, code,
                   name_en, name_km="", definition="", unit, direction, aggregation, accumulation, source,
                   source_code="", baseline_value="", baseline_on: date | None = None,
                   disaggregations=(), responsible_id=None, project_ids=(), position=None) -> ResultIndicator:
    """Add an indicator under an outcome (indicator None) or change one. Every field is checked before
    anything is changed; the definition's own rules are services.check_indicator's."""
    outcome = get_outcome(tenant_id, outcome_id)
    if outcome is None:
        raise DomainError(_l("Choose an outcome."), "outcome_id")
    code = _code(ResultIndicator, tenant_id, code, indicator.id if indicator else None,
                 lambda found: _l("Another indicator already has the code “%(code)s”.", code=found))
    values = {
        "outcome_id": outcome.id, "code": code,
        "name_en": _text(name_en, "name_en", required_message=_l("Give the name in English.")),
        "name_km": _text(name_km, "name_km"), "definition": _text(definition, "definition"),
        "unit": _enum(Unit, unit, "unit"), "direction": _enum(Direction, direction, "direction"),
        "aggregation": _enum(Aggregation, aggregation, "aggregation"),
        "accumulation": _enum(Accumulation, accumulation, "accumulation"),
        "source": _enum(Source, source, "source"),
        "baseline_value": services.as_number(baseline_value, "baseline_value")
        if str(baseline_value or "").strip() else None,
        "baseline_on": baseline_on, "disaggregations": [name for name in DIMENSIONS if name in set(disaggregations)],
        "position": _position(position),
    }
    unknown = set(disaggregations) - set(DIMENSIONS)
    if unknown:
        raise DomainError(_l("Unknown disaggregation: %(names)s.", names=", ".join(sorted(unknown))),
                          "disaggregations")
    # A hand-entered indicator has no module figure: a code left from an earlier choice would mislead.
    values["source_code"] = str(source_code or "").strip() if values["source"] == Source.COMPUTED else ""
    responsible = _id(responsible_id) or None
    if responsible is not None and not is_member(tenant_id, responsible):
        raise DomainError(_l("Choose a member of this organisation."), "responsible_id")
    values["responsible_id"] = responsible
    wanted = {_id(project_id) for project_id in project_ids or ()} - {0}
    projects = list(db.session.scalars(select(Project).where(Project.tenant_id == tenant_id,
                                                             Project.id.in_(wanted)))) if wanted else []
    if len(projects) != len(wanted):
        raise DomainError(_l("Choose projects of this organisation."), "project_ids")
    checked = ResultIndicator(tenant_id=tenant_id, **values)     # checked before anything is changed
    services.check_indicator(checked, module_codes)
    if indicator is None:
        indicator = checked
        db.session.add(indicator)
    else:
        for name, value in values.items():
            setattr(indicator, name, value)
    indicator.projects = sorted(projects, key=lambda project: project.code)
    db.session.flush()
    return indicator


def delete_indicator(indicator: ResultIndicator) -> None:
    """Delete an indicator with its targets, hand-entered values (and their files) and report
    narratives. Frozen snapshots keep their own copy of its code, name and values."""
    for entry in db.session.scalars(select(ManualValue).where(ManualValue.indicator_id == indicator.id)):
        if entry.evidence_file:
            remove_after_commit(evidence_path(entry))
        db.session.delete(entry)
    for narrative in db.session.scalars(select(IndicatorNarrative).where(
            IndicatorNarrative.indicator_id == indicator.id)):
        db.session.delete(narrative)
    db.session.delete(indicator)
    db.session.flush()


def get_indicator(tenant_id: int, indicator_id) -> ResultIndicator | None:
    return db.session.scalar(select(ResultIndicator).where(ResultIndicator.tenant_id == tenant_id,
                                                           ResultIndicator.id == _id(indicator_id)))


def set_target(indicator: ResultIndicator, settings: FrameworkSettings, *, period_key, value) -> Target:
    if not str(value or "").strip():
        raise DomainError(_l("Give the target."), "value")
    target = services.set_target(indicator, period_key_typed(period_key), value, settings)
    db.session.flush()
    return target


def remove_target(indicator: ResultIndicator, target_id) -> bool:
    target = next((target for target in indicator.targets if target.id == _id(target_id)), None)
    if target is None:
        return False
    indicator.targets.remove(target)
    db.session.flush()
    return True


# --- hand-entered values ---------------------------------------------------------------------------

def breakdown_cells(indicator: ResultIndicator) -> list[tuple[str, list[tuple[str, str]]]]:
    """The breakdown a person types for `indicator`: (dimension, [(cell, form field name)])."""
    return [(dimension, [(cell, f"b_{dimension}_{cell}") for cell in HAND_CELLS[dimension]])
            for dimension in indicator.disaggregations or () if dimension in HAND_CELLS]


def read_breakdown(indicator: ResultIndicator, typed: dict[str, str], total: Decimal) -> dict:
    """The typed cells (form field name -> text) as a breakdown; empty cells are left out. A count's
    cells of one dimension cannot add up to more than the value."""
    breakdown: dict = {}
    for dimension, cells in breakdown_cells(indicator):
        found = {}
        for cell, name in cells:
            text = str(typed.get(name) or "").strip()
            if not text:
                continue
            number = services.as_number(text, name)
            if number < 0:
                raise DomainError(_l("Enter zero or more."), name)
            found[cell] = int(number) if number == number.to_integral_value() else float(number)
        if found and indicator.unit != Unit.PERCENT and sum(Decimal(str(n)) for n in found.values()) > total:
            raise DomainError(_l("The cells of “%(dimension)s” add up to more than the value.",
                                 dimension=DIMENSIONS[dimension]), cells[0][1])
        if found:
            breakdown[dimension] = found
    return breakdown


def check_evidence_url(value) -> str:
    url = _text(value, "evidence_url")
    if url and (not url.lower().startswith(("http://", "https://")) or any(ch.isspace() for ch in url)):
        raise DomainError(_l("Give a web address starting with http:// or https://."), "evidence_url")
    return url


def check_evidence_file(upload: Upload) -> tuple[str, str, str]:
    return check_upload(upload, allowed=EVIDENCE_TYPES, max_bytes=MAX_EVIDENCE_BYTES, field="evidence_file",
                        wrong_type_message=_l("Upload a PDF, Word (docx), Excel (xlsx), OpenDocument (odt, ods), "
                                              "image (jpg, png), CSV or zip file."))


def evidence_path(entry: ManualValue) -> Path:
    return tenant_folder(entry.tenant_id, UPLOAD_AREA) / entry.evidence_file


def evidence_content_type(entry: ManualValue) -> str:
    extension = entry.evidence_file.rpartition(".")[2].lower()
    return EVIDENCE_TYPES.get(extension, ("application/octet-stream", ()))[0]


def record_value(indicator: ResultIndicator, settings: FrameworkSettings, *, period_key, value, comment="",
                 evidence_url="", upload: Upload | None = None, typed_breakdown: dict | None = None,
                 actor_id: int | None = None) -> ManualValue:
    """Record (or correct) a period's hand-entered value with its evidence. Everything is checked
    before the file is stored; a refusal afterwards rolls the file back with the transaction."""
    key = period_key_typed(period_key)
    if indicator.source == Source.COMPUTED:
        services.enter_value(indicator, key, value, settings)      # refuses: the rule is the service's
    services.plan_period(settings, key, "period_key")
    if not str(value or "").strip():
        raise DomainError(_l("Give the value."), "value")
    number = services.as_number(value)
    breakdown = read_breakdown(indicator, typed_breakdown or {}, number)
    url = check_evidence_url(evidence_url)
    comment = _text(comment, "comment")
    checked = check_evidence_file(upload) if upload is not None else None
    if checked is None and not url:
        # Let the service decide (a correction keeps the evidence already given), on the file field.
        existing = db.session.scalar(select(ManualValue).where(ManualValue.indicator_id == indicator.id,
                                                               ManualValue.period_key == key))
        if existing is None or not (existing.evidence_url or existing.evidence_file):
            raise DomainError(_l("Give the evidence for this value: a file or a link."), "evidence_file")
    replaced = None
    storage_name = name = ""
    if checked is not None:
        name, extension, _content_type = checked
        storage_name = store(tenant_folder(indicator.tenant_id, UPLOAD_AREA), upload.data, extension)
        replaced = db.session.scalar(select(ManualValue.evidence_file).where(
            ManualValue.indicator_id == indicator.id, ManualValue.period_key == key))
    entry = services.enter_value(indicator, key, number, settings, breakdown=breakdown, comment=comment,
                                 evidence_url=url, evidence_file=storage_name, evidence_name=name, actor_id=actor_id)
    db.session.flush()
    if replaced:
        remove_after_commit(tenant_folder(indicator.tenant_id, UPLOAD_AREA) / replaced)
    return entry


def values_of(indicator: ResultIndicator) -> list[ManualValue]:
    """The indicator's hand-entered values, latest period first, with who entered them: one query."""
    from sqlalchemy.orm import joinedload
    return list(db.session.scalars(select(ManualValue).where(ManualValue.indicator_id == indicator.id)
                                   .options(joinedload(ManualValue.entered_by))
                                   .order_by(ManualValue.period_end.desc(), ManualValue.period_start)))


def get_value(indicator: ResultIndicator, value_id) -> ManualValue | None:
    return db.session.scalar(select(ManualValue).where(ManualValue.indicator_id == indicator.id,
                                                       ManualValue.id == _id(value_id)))


def remove_value(entry: ManualValue) -> None:
    if entry.evidence_file:
        remove_after_commit(evidence_path(entry))
    db.session.delete(entry)
    db.session.flush()
