"""Disaggregation of figures (sex, youth, disability, IDPoor, province): the dimensions and their
cells every module uses in core.plugins.Indicator.breakdown, their labels, and the small-cell rule
for figures shown outside the tenant that recorded them (Do No Harm: a cell of fewer than five
people can name someone)."""
from __future__ import annotations

from typing import NamedTuple

from flask_babel import lazy_gettext as _l

from core.registers.models import Sex

SMALL_CELL = 5          # fewer people than this in a cell are not shown outside the tenant

DIMENSIONS = {
    "sex": _l("Sex"),
    "youth": _l("Youth"),
    "disability": _l("Disability"),
    "idpoor": _l("IDPoor"),
    "province": _l("Province"),
}

# Cells of the yes/no dimensions; "sex" uses core.registers.models.Sex values and "province" the
# gazetteer's province codes.
YES, NO, UNKNOWN = "yes", "no", "unknown"
_CELL_LABELS = {
    "youth": {YES: _l("Youth"), NO: _l("Not youth"), UNKNOWN: _l("Age not known")},
    "disability": {YES: _l("With a disability"), NO: _l("Without a disability"), UNKNOWN: _l("Not recorded")},
    "idpoor": {YES: _l("IDPoor card holders"), NO: _l("Not IDPoor"), UNKNOWN: _l("Not recorded")},
}


def flag_cell(value: bool | None) -> str:
    """The cell of a yes/no dimension for a recorded flag (None: not recorded)."""
    return UNKNOWN if value is None else (YES if value else NO)


def dimension_label(dimension: str) -> str:
    return str(DIMENSIONS.get(dimension, dimension))


def cell_label(dimension: str, cell: str, place_names: dict[str, str] | None = None) -> str:
    """The label of a cell; provinces are named from `place_names` (code -> name) when given."""
    if dimension == "sex":
        try:
            return str(Sex(cell).label)
        except ValueError:
            return cell
    if dimension == "province":
        return (place_names or {}).get(cell, cell)
    return str(_CELL_LABELS.get(dimension, {}).get(cell, cell))


def add_breakdowns(breakdowns) -> dict:
    """The cell-by-cell sum of several breakdowns (dimension -> cell -> value)."""
    total: dict = {}
    for breakdown in breakdowns:
        for dimension, cells in (breakdown or {}).items():
            into = total.setdefault(dimension, {})
            for cell, value in cells.items():
                into[cell] = into.get(cell, 0) + value
    return total


def breakdown_of_keys(keys: dict) -> dict:
    """The breakdown of a distinct count from the attributes of the things counted."""
    total: dict = {}
    for attributes in keys.values():
        for dimension, cell in (attributes or {}).items():
            into = total.setdefault(dimension, {})
            into[cell] = into.get(cell, 0) + 1
    return total


def suppress_small_cells(breakdown: dict, threshold: int = SMALL_CELL) -> dict:
    """The breakdown to show outside the tenant: each cell of 1 to threshold-1 becomes None (shown as
    "fewer than 5"), and where a dimension would then hide exactly one cell, the next smallest cell is
    hidden too, so that no hidden cell can be worked out from the total and the others."""
    shown: dict = {}
    for dimension, cells in (breakdown or {}).items():
        hidden = {cell for cell, value in cells.items() if value and 0 < value < threshold}
        if len(hidden) == 1:
            others = sorted((value, cell) for cell, value in cells.items() if cell not in hidden and value)
            if others:
                hidden.add(others[0][1])
        shown[dimension] = {cell: (None if cell in hidden else value) for cell, value in cells.items()}
    return shown


class Cell(NamedTuple):
    label: str
    value: object            # None: a small cell, hidden outside the tenant


class Dimension(NamedTuple):
    label: str
    cells: list[Cell]


def province_names(breakdowns, locale: str) -> dict[str, str]:
    """The names of the provinces the breakdowns mention (code -> name in `locale`): one query."""
    from core.extensions import db
    from core.registers.models import Place, PlaceKind, name_in_language

    codes = {cell for breakdown in breakdowns for cell in (breakdown or {}).get("province", {})}
    if not codes:
        return {}
    rows = db.session.execute(db.select(Place.code, Place.name_en, Place.name_km).where(
        Place.code.in_(codes), Place.kind == PlaceKind.PROVINCE))
    return {row.code: name_in_language(row.name_en, row.name_km, locale) for row in rows}


def labelled(breakdown: dict, place_names: dict[str, str], *, hide_small: bool = False) -> list[Dimension]:
    """A breakdown ready to show: the usual dimensions first, each cell named and the cells in
    alphabetical order, empty dimensions left out; with `hide_small` (outside the tenant), small
    cells of people become None (suppress_small_cells)."""
    cells_by_dimension = suppress_small_cells(breakdown) if hide_small else (breakdown or {})
    order = [name for name in DIMENSIONS if name in cells_by_dimension] + \
        sorted(set(cells_by_dimension) - set(DIMENSIONS))
    return [Dimension(dimension_label(name),
                      sorted((Cell(cell_label(name, cell, place_names), value)
                              for cell, value in cells_by_dimension[name].items()), key=lambda cell: cell.label))
            for name in order if cells_by_dimension[name]]
