"""Projects and grants of a tenant: plain services (no Flask) shared by the pages, the API, the demo
data and every module that lets a user pick a project (`project_choices`). Rules raise DomainError
with the field at fault; the caller commits."""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from core.errors import DomainError
from core.extensions import db
from core.registers.models import Contact, ContactKind, Currency, Project, ProjectStatus, name_in_language
from core.search import any_contains
from core.text import clean_text

MAX_CODE_LENGTH = 32
MAX_TITLE_LENGTH = 300
MAX_DESCRIPTION_LENGTH = 20000
# Numeric(16, 2): fourteen digits before the point.
MAX_BUDGET = Decimal("99999999999999.99")
EARLIEST_DAY, LATEST_DAY = date(1990, 1, 1), date(2100, 12, 31)
OPEN_STATUSES = (ProjectStatus.PLANNED, ProjectStatus.ACTIVE)
FIELDS = ("code", "title_en", "title_km", "donor_id", "starts_on", "ends_on", "budget", "currency", "status",
          "description")


def parse_budget(value) -> Decimal | None:
    """A budget from a form or the API: None when empty, else a non-negative amount with at most two
    decimals ("25,000.50" and 25000.5 alike)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        amount = Decimal(value.replace(",", "").replace(" ", "") if isinstance(value, str) else str(value))
        if not amount.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise DomainError(_l("Give the budget as a number, for example 25000 or 25000.50."), field="budget") from None
    if amount < 0:
        raise DomainError(_l("The budget cannot be negative."), field="budget")
    if amount > MAX_BUDGET:
        raise DomainError(_l("The budget is too large."), field="budget")
    if amount != amount.quantize(Decimal("0.01")):
        raise DomainError(_l("Give the budget with at most two decimals."), field="budget")
    return amount.quantize(Decimal("0.01"))


def _day(value: date | None, field: str) -> date | None:
    if value is not None and not (EARLIEST_DAY <= value <= LATEST_DAY):
        raise DomainError(_l("Give a date between 1990 and 2100."), field=field)
    return value


def donor_organisation(tenant_id: int, donor_id: int | None) -> Contact | None:
    """The tenant's organisation contact chosen as donor; DomainError for a person, an erased or
    unknown contact, or another tenant's."""
    if donor_id is None:
        return None
    donor = db.session.scalar(select(Contact).where(Contact.id == donor_id, Contact.tenant_id == tenant_id))
    if donor is None or donor.is_erased:
        raise DomainError(_l("Choose a donor from your organisation's contacts."), field="donor_id")
    if donor.kind != ContactKind.ORGANISATION:
        raise DomainError(_l("The donor must be an organisation, not a person."), field="donor_id")
    return donor


def _code_taken(tenant_id: int, code: str, project: Project | None) -> bool:
    query = select(Project.id).where(Project.tenant_id == tenant_id, func.lower(Project.code) == code.lower())
    if project is not None and project.id is not None:
        query = query.where(Project.id != project.id)
    return db.session.scalar(query.limit(1)) is not None


def _clean(tenant_id: int, project: Project | None, fields: dict) -> dict:
    """Checked column values for the fields given (an update passes only what changes)."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown project fields: {sorted(unknown)}")
    values: dict = {}
    if "code" in fields:
        values["code"] = clean_text(fields["code"], "code", MAX_CODE_LENGTH, required=True)
        if _code_taken(tenant_id, values["code"], project):
            raise DomainError(_l("Another project already has the code %(code)s.", code=values["code"]),
                              field="code")
    if "title_en" in fields:
        values["title_en"] = clean_text(fields["title_en"], "title_en", MAX_TITLE_LENGTH, required=True)
    if "title_km" in fields:
        values["title_km"] = clean_text(fields["title_km"], "title_km", MAX_TITLE_LENGTH)
    if "description" in fields:
        values["description"] = clean_text(fields["description"], "description", MAX_DESCRIPTION_LENGTH, multiline=True)
    if "donor_id" in fields:
        donor = donor_organisation(tenant_id, fields["donor_id"])
        values["donor_id"] = donor.id if donor is not None else None
    for name in ("starts_on", "ends_on"):
        if name in fields:
            values[name] = _day(fields[name], name)
    starts_on = values.get("starts_on", project.starts_on if project is not None else None)
    ends_on = values.get("ends_on", project.ends_on if project is not None else None)
    if starts_on and ends_on and ends_on < starts_on:
        raise DomainError(_l("The end date must not be before the start date."), field="ends_on")
    if "budget" in fields:
        values["budget"] = parse_budget(fields["budget"])
    if "currency" in fields:
        values["currency"] = Currency(fields["currency"] or Currency.USD)
    if "status" in fields:
        values["status"] = ProjectStatus(fields["status"] or ProjectStatus.ACTIVE)
    return values


def create_project(tenant_id: int, **fields) -> Project:
    """Add a project to the tenant (flushes so it has an id; the caller commits)."""
    values = _clean(tenant_id, None, {"code": "", "title_en": "", **fields})
    project = Project(tenant_id=tenant_id, **values)
    db.session.add(project)
    db.session.flush()
    return project


def update_project(project: Project, **fields) -> Project:
    """Change the fields given, with the same rules as on creation (the caller commits)."""
    for name, value in _clean(project.tenant_id, project, fields).items():
        setattr(project, name, value)
    db.session.flush()
    return project


def delete_project(project: Project) -> None:
    db.session.delete(project)
    db.session.flush()


def get_project(project_id: int) -> Project | None:
    """One project of the current tenant (tenant scoping hides the others) with its donor."""
    return db.session.scalar(select(Project).options(joinedload(Project.donor)).where(Project.id == project_id))


def project_list_query(*, q: str | None = None, status: ProjectStatus | str | None = None,
                       donor_id: int | None = None) -> Select:
    """The projects list with its filters, donors loaded in the same statement; newest start first."""
    query = select(Project).options(joinedload(Project.donor))
    if status:
        query = query.where(Project.status == ProjectStatus(status))
    if donor_id:
        query = query.where(Project.donor_id == donor_id)
    if q and q.strip():
        query = query.where(any_contains([Project.code, Project.title_en, Project.title_km], q))
    return query


def project_choices(tenant, locale: str = "en", *, include_closed: bool = False,
                    keep_id: int | None = None) -> list[tuple[int, str]]:
    """(id, "CODE · title") of the tenant's projects for a module's select: planned and active ones
    (all with include_closed), plus `keep_id` so an edited record keeps its closed project. Columns
    only, one query."""
    tenant_id = getattr(tenant, "id", tenant)
    query = select(Project.id, Project.code, Project.title_en, Project.title_km).where(
        Project.tenant_id == tenant_id)
    if not include_closed:
        condition = Project.status.in_(OPEN_STATUSES)
        query = query.where(condition | (Project.id == keep_id) if keep_id else condition)
    rows = db.session.execute(query.order_by(Project.code)).all()
    return [(row.id, f"{row.code} · {name_in_language(row.title_en, row.title_km, locale)}") for row in rows]


def donor_choices(tenant_id: int, locale: str = "en") -> list[tuple[int, str]]:
    """The tenant's organisation contacts (development partners first) for the donor select."""
    rows = db.session.execute(select(Contact.id, Contact.name_latin, Contact.name_km, Contact.organisation_type)
                              .where(Contact.tenant_id == tenant_id, Contact.kind == ContactKind.ORGANISATION,
                                     Contact.erased_at.is_(None))).all()

    def name(row) -> str:
        return name_in_language(row.name_latin, row.name_km, locale) or row.name_km or f"#{row.id}"

    rows.sort(key=lambda row: (row.organisation_type is None or row.organisation_type.value != "development_partner",
                               name(row).casefold()))
    return [(row.id, name(row)) for row in rows]
