"""Importing contacts from a CSV or Excel (.xlsx) file, in two steps: `preview_import` reads the
file, checks every row, marks possible duplicates and keeps the result as a ContactImport; nothing
is created until `accept_import` (the valid rows, or none). Plain services: the pages and the API
call the same functions. Row problems are stored as codes and worded in the reader's language
when shown (`row_messages`).

A module may import its own records along with the contacts (a course's participants with their
attendance, say) through three generic extensions that leave a plain contacts import unchanged:
`preview_import(..., extension=, check_rows=)` lets it read its extra columns (the header as written
is `Table.labels`) into the pending rows and add problems to them; such an import is then found only
by that module (`get_pending_import(..., extension=)`); and `accept_import(..., on_row=)` hands it
each new contact with its row, inside the same transaction."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import delete, select

from core.audit import record_event
from core.errors import DomainError
from core.extensions import db
from core.registers import matching
from core.registers.models import (AgeGroup, ConsentMethod, Contact, ContactAffiliation, ContactImport, ContactKind,
                                   OrganisationType, Place, PlaceKind, Sex)

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2_000
MAX_UNPACKED_BYTES = 40 * 1024 * 1024     # an .xlsx is a zip: refuse one that unpacks to far more
MAX_EMPTY_RUN = 1_000                      # empty rows in a row taken as the end of the data
KEEP_PENDING = timedelta(days=1)
# Rows per file. Accepting writes every contact with its audit event in one transaction (about
# 3 ms a row on SQLite and 10 ms on PostgreSQL when measured): 2,000 rows stay well inside a web
# request's time; a larger list is imported in several files.

# The file's columns, in the order an export writes them (an export re-imports).
COLUMNS = ["kind", "name_km", "name_latin", "sex", "birth_year", "age_group", "disability", "idpoor", "indigenous",
           "place_code", "phone", "email", "organisation", "role", "tags", "languages", "protected",
           "consent_scope", "consent_on", "consent_method", "guardian_consent", "organisation_type"]

# What each column holds, for the upload page (the documented header).
COLUMN_HELP = {
    "kind": _l("person or organisation (empty: person)"),
    "name_km": _l("Name in Khmer script"),
    "name_latin": _l("Name in Latin script (a name in at least one script is needed)"),
    "sex": _l("female, male, other or not_recorded"),
    "birth_year": _l("Year of birth, for example 1994"),
    "age_group": _l("When the birth year is not known: under_15, 15_17, under_18, 18_30, 31_59, 60_plus"),
    "disability": _l("yes or no (empty: not recorded)"),
    "idpoor": _l("Holds an IDPoor card: yes or no (empty: not recorded)"),
    "indigenous": _l("Member of an indigenous community: yes or no (empty: not recorded)"),
    "place_code": _l("Official code of the commune or sangkat of residence (6 digits)"),
    "phone": _l("Phone number"),
    "email": _l("E-mail address"),
    "organisation": _l("A person's organisation (added as an organisation contact when new); several separated by ;"),
    "role": _l("The person's role in that organisation; several separated by ;"),
    "tags": _l("Tags separated by commas"),
    "languages": _l("Language codes separated by commas, for example km,en"),
    "protected": _l("yes to protect the person's identity (Do No Harm)"),
    "consent_scope": _l("What the person's consent covers"),
    "consent_on": _l("Date of consent, written 2026-03-31"),
    "consent_method": _l("written, verbal, online or thumbprint"),
    "guardian_consent": _l("For a person under 18: yes when a parent or guardian consented"),
    "organisation_type": _l("For an organisation: cso, cbo, institution, development_partner, company, media, "
                            "academic or other"),
}

# Khmer header labels accepted in place of the English column names.
KHMER_HEADERS = {
    "ប្រភេទ": "kind", "ឈ្មោះខ្មែរ": "name_km", "ឈ្មោះជាអក្សរខ្មែរ": "name_km", "ឈ្មោះឡាតាំង": "name_latin",
    "ឈ្មោះជាអក្សរឡាតាំង": "name_latin", "ភេទ": "sex", "ឆ្នាំកំណើត": "birth_year", "ក្រុមអាយុ": "age_group",
    "ពិការភាព": "disability", "ប័ណ្ណក្រីក្រ": "idpoor", "ជនជាតិដើមភាគតិច": "indigenous",
    "លេខកូដឃុំ": "place_code", "លេខកូដទីកន្លែង": "place_code", "ទូរស័ព្ទ": "phone", "លេខទូរស័ព្ទ": "phone",
    "អ៊ីមែល": "email", "អង្គការ": "organisation", "តួនាទី": "role", "ស្លាក": "tags", "ភាសា": "languages",
    "ការពារ": "protected", "វិសាលភាពការយល់ព្រម": "consent_scope", "កាលបរិច្ឆេទយល់ព្រម": "consent_on",
    "វិធីយល់ព្រម": "consent_method", "ការយល់ព្រមពីអាណាព្យាបាល": "guardian_consent",
    "ប្រភេទអង្គការ": "organisation_type",
}

MAX_LENGTHS = {"name_km": 200, "name_latin": 200, "phone": 50, "email": 254, "organisation": 200, "role": 200,
               "tags": 500, "languages": 100, "consent_scope": 300}

YES = {"yes", "y", "true", "1", "x", "បាទ", "ចាស", "មាន", "ពិត"}
NO = {"no", "n", "false", "0", "ទេ", "គ្មាន", "មិនមាន", "មិនពិត"}
KIND_ALIASES = {"person": ContactKind.PERSON, "organisation": ContactKind.ORGANISATION,
                "organization": ContactKind.ORGANISATION, "បុគ្គល": ContactKind.PERSON,
                "មនុស្ស": ContactKind.PERSON, "អង្គការ": ContactKind.ORGANISATION}
SEX_ALIASES = {"f": Sex.FEMALE, "woman": Sex.FEMALE, "ស្រី": Sex.FEMALE, "m": Sex.MALE, "man": Sex.MALE,
               "ប្រុស": Sex.MALE, "": Sex.NOT_RECORDED}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
FIRST_BIRTH_YEAR = 1900

VALID_ONLY, ALL_OR_NONE = "valid_only", "all_or_none"
MODES = (VALID_ONLY, ALL_OR_NONE)


class ImportFileError(DomainError):
    """The file as a whole cannot be imported (size, format, header, number of rows)."""

    def __init__(self, message):
        super().__init__(message, "file")


# --- reading the file -----------------------------------------------------------------------------

@dataclass
class Table:
    """A file's header and its non-empty data rows, each with its line (row) number in the file.
    `columns` are the contact columns understood (None for any other); `labels` the header's cells as
    written, for a module's own columns."""
    columns: list[str | None]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)


def not_csv_or_xlsx() -> ImportFileError:
    return ImportFileError(_("This file is neither a CSV file nor an Excel workbook (.xlsx). In your spreadsheet "
                             "choose \"Save as\" CSV UTF-8 or Excel Workbook and upload it again."))


def cell_text(value) -> str:
    """A cell as text: whole numbers without ".0", dates as ISO, booleans as true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = matching.clean_text(str(value))
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@"):
        text = text[1:]     # the quote our exports put before what a spreadsheet would take for a formula
    return text


def read_table(data: bytes) -> Table:
    """The file's rows, refusing what is too large, not CSV/XLSX or has too many rows. The content
    decides the format, not the file name: an .xlsx is a zip holding xl/workbook.xml."""
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(_("The file is larger than %(size)d MB. Split it into smaller files.",
                                size=MAX_FILE_BYTES // (1024 * 1024)))
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        lines = _xlsx_lines(data)
    else:
        lines = _csv_lines(_decode(data))
    table, empty_run = None, 0
    for line, cells in lines:
        if table is None:
            table = Table(_header(cells), labels=list(cells))
            continue
        if not any(cells):
            empty_run += 1
            if empty_run > MAX_EMPTY_RUN:   # a formatted but empty sheet may claim a million rows
                break
            continue
        empty_run = 0
        if len(table.rows) >= MAX_ROWS:
            raise ImportFileError(_("The file has more than %(n)d rows. Split it into files of at most %(n)d rows.",
                                    n=MAX_ROWS))
        table.rows.append((line, cells))
    if table is None:
        raise ImportFileError(_("The file is empty."))
    return table


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):     # Excel's "Unicode text"
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise not_csv_or_xlsx() from None
    if b"\x00" in data[:4096]:
        raise not_csv_or_xlsx()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(_("The file is not UTF-8 text. In your spreadsheet choose \"Save as CSV UTF-8\" "
                                "and upload it again.")) from None
    controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\r\n\t")
    if controls:
        raise not_csv_or_xlsx()
    return text


def _csv_lines(text: str):
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, [cell_text(cell) for cell in cells]
    except csv.Error as error:
        raise ImportFileError(_("The file could not be read as CSV: %(problem)s", problem=str(error))) from None


def _xlsx_lines(data: bytes):
    import openpyxl
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise not_csv_or_xlsx() from None
    if "xl/workbook.xml" not in names:
        raise not_csv_or_xlsx()
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportFileError(_("The file is larger than %(size)d MB. Split it into smaller files.",
                                size=MAX_FILE_BYTES // (1024 * 1024)))
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:   # openpyxl raises many kinds of error on a damaged workbook
        raise ImportFileError(_("The Excel workbook could not be read. Open it in your spreadsheet, save it "
                                "again as Excel Workbook (.xlsx) or CSV UTF-8 and upload it again.")) from None
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [cell_text(value) for value in values]
    finally:
        workbook.close()


def _header_key(label: str) -> str:
    return re.sub(r"[\s\-]+", "_", matching.clean_text(label).casefold()).strip("_")


def _header(cells: list[str]) -> list[str | None]:
    """Column names from the first row: English names (any case, spaces or underscores) or Khmer labels."""
    khmer = {matching.khmer_key(label): name for label, name in KHMER_HEADERS.items()}
    columns: list[str | None] = []
    for label in cells:
        key = _header_key(label)
        name = key if key in COLUMNS else khmer.get(matching.khmer_key(label))
        if name is not None and name in columns:
            raise ImportFileError(_("The column %(column)s appears twice in the header.", column=name))
        columns.append(name)
    if "name_km" not in columns and "name_latin" not in columns:
        raise ImportFileError(_("The first line must name the columns, with at least name_km or name_latin. "
                                "Download the example file to see the header."))
    return columns


# --- checking rows --------------------------------------------------------------------------------

def _problem(code: str, **params) -> dict:
    return {"code": code, "params": params}


def _choice(value: str, enum, aliases: dict | None = None):
    key = value.casefold().replace(" ", "_").replace("-", "_")
    if aliases and key in aliases:
        return aliases[key]
    try:
        return enum(key)
    except ValueError:
        return None


def _yes_no(value: str) -> bool | None | str:
    key = value.casefold()
    if key == "":
        return None
    if key in YES:
        return True
    if key in NO:
        return False
    return "invalid"


def check_row(cells: dict[str, str], places: dict[str, Place]) -> tuple[dict, list[dict]]:
    """One row's values (JSON-ready, as Contact columns) and its problems (codes with parameters)."""
    problems: list[dict] = []
    values: dict = {}

    for column, limit in MAX_LENGTHS.items():
        if len(cells.get(column, "")) > limit:
            problems.append(_problem("too_long", column=column, n=limit))

    kind = _choice(cells.get("kind", "") or "person", ContactKind, KIND_ALIASES)
    if kind is None:
        problems.append(_problem("choice", column="kind", value=cells["kind"], choices="person, organisation"))
        kind = ContactKind.PERSON
    values["kind"] = kind.value
    values["name_km"] = cells.get("name_km", "")
    values["name_latin"] = cells.get("name_latin", "")
    if not values["name_km"] and not values["name_latin"]:
        problems.append(_problem("missing_name"))

    for column, enum, aliases, default in (("sex", Sex, SEX_ALIASES, Sex.NOT_RECORDED),
                                           ("age_group", AgeGroup, {"": AgeGroup.NOT_RECORDED}, AgeGroup.NOT_RECORDED),
                                           ("consent_method", ConsentMethod, {"": None}, None),
                                           ("organisation_type", OrganisationType, {"": None}, None)):
        text = cells.get(column, "")
        chosen = _choice(text, enum, aliases)
        if chosen is None and text:
            problems.append(_problem("choice", column=column, value=text,
                                     choices=", ".join(member.value for member in enum)))
        chosen = default if chosen is None else chosen
        values[column] = chosen.value if chosen is not None else None

    birth_year = cells.get("birth_year", "")
    values["birth_year"] = None
    if birth_year:
        this_year = date.today().year
        if not birth_year.isdigit() or not FIRST_BIRTH_YEAR <= int(birth_year) <= this_year:
            problems.append(_problem("year", value=birth_year, first=FIRST_BIRTH_YEAR, last=this_year))
        else:
            values["birth_year"] = int(birth_year)

    for column in ("disability", "idpoor", "indigenous", "protected", "guardian_consent"):
        answer = _yes_no(cells.get(column, ""))
        if answer == "invalid":
            problems.append(_problem("yes_no", column=column, value=cells[column]))
            answer = None
        values[column] = bool(answer) if column in ("protected", "guardian_consent") else answer

    code = place_code(cells.get("place_code", ""))
    values["place_id"] = None
    if code:
        place = places.get(code)
        if place is None:
            problems.append(_problem("unknown_place", value=code))
        elif place.kind == PlaceKind.VILLAGE:
            problems.append(_problem("village_place", value=code))
        else:
            values["place_id"] = place.id
    values["place_code"] = code

    values["phone"] = cells.get("phone", "")
    email = cells.get("email", "")
    if email and not EMAIL.match(email):
        problems.append(_problem("email", value=email))
    values["email"] = email

    organisations = [name.strip() for name in cells.get("organisation", "").split(";") if name.strip()]
    roles = [role.strip() for role in cells.get("role", "").split(";")]
    if kind == ContactKind.ORGANISATION:
        organisations, roles = [], []
    elif roles and any(roles) and not organisations:
        problems.append(_problem("role_without_organisation"))
    values["affiliations"] = [[name, roles[index] if index < len(roles) else ""]
                              for index, name in enumerate(organisations)]

    values["tags"] = ", ".join(tag.strip() for tag in cells.get("tags", "").split(",") if tag.strip())
    languages = [code.strip().casefold() for code in re.split(r"[,;\s]+", cells.get("languages", "")) if code.strip()]
    wrong = [code for code in languages if not LANGUAGE_CODE.match(code)]
    if wrong:
        problems.append(_problem("language", value=wrong[0]))
    values["languages"] = ",".join(languages)

    values["consent_scope"] = cells.get("consent_scope", "")
    consent_on = cells.get("consent_on", "")
    values["consent_on"] = None
    if consent_on:
        try:
            values["consent_on"] = date.fromisoformat(consent_on[:10]).isoformat()
        except ValueError:
            problems.append(_problem("date", column="consent_on", value=consent_on))
    return values, problems


def place_code(text: str) -> str:
    """A gazetteer code as written in a file; a spreadsheet that took 070101 for a number wrote
    70101 (codes have 2, 4, 6 or 8 digits, so the lost zero is put back)."""
    return "0" + text if text.isdigit() and len(text) % 2 else text


def _known_places(codes: set[str]) -> dict[str, Place]:
    """The places the file names, by code (one query; the dict keeps them in the session's identity
    map, so the contacts register's own check of each place costs no query)."""
    if not codes:
        return {}
    return {place.code: place for place in db.session.execute(select(Place).where(Place.code.in_(codes))).scalars()}


def _register_problems(values: dict) -> list[dict]:
    """The contacts register's own rules (the same as for a contact entered on a page), applied to
    the row without saving it: a minor's guardian consent, a phone's digits, fields of the other kind…"""
    from core.registers import contacts
    probe = Contact()
    try:
        contacts.apply_fields(probe, _contact_fields(values))
        contacts.refresh_match_keys(probe)
        contacts.validate_contact(probe)
    except DomainError as error:
        return [refusal_problem(error.message, error.field)]
    return []


FIELD_COLUMNS = {"place_id": "place_code"}   # a Contact field named by the register -> the file's column


def refusal_problem(message, field: str | None) -> dict:
    """A problem holding the register's message. A lazy message is kept as its English text and
    values, so it is translated when shown, into the reader's language."""
    params = {"column": FIELD_COLUMNS.get(field or "", field or "")}
    if isinstance(message, LazyString) and len(message._args) == 1 and all(
            isinstance(value, (str, int, float)) for value in message._kwargs.values()):
        params.update(msgid=message._args[0], values=dict(message._kwargs))
    else:
        params.update(text=str(message))
    return _problem("refused", **params)


# --- duplicates -----------------------------------------------------------------------------------

def _row_keys(values: dict) -> tuple[set[str], str]:
    """The match keys find_duplicates looks up for a row: its name keys and its phone key."""
    names = {matching.name_key(values["name_km"], values["name_latin"]), matching.latin_name_key(values["name_latin"])}
    return names - {""}, matching.phone_key(values["phone"])


def _keys_in_register(rows: list[dict]) -> tuple[set[str], set[str]]:
    """Which of the rows' name and phone keys some contact of the tenant has (a few queries for the
    whole file), so that find_duplicates is asked only about rows that can have a duplicate."""
    names, phones = set(), set()
    for row in rows:
        row_names, phone = _row_keys(row["values"])
        names |= row_names
        if phone:
            phones.add(phone)
    from core.registers.duplicates import match_key_forms
    found: tuple[set[str], set[str]] = (set(), set())
    for keys, column, known in ((sorted(names), Contact.match_name, found[0]),
                                (sorted(phones), Contact.match_phone, found[1])):
        # A protected contact's column holds a keyed hash of the key: look for both.
        stored = {form: key for key in keys for form in match_key_forms(key)}
        forms = sorted(stored)
        for start in range(0, len(forms), KEYS_PER_QUERY):
            known.update(stored[form] for form in db.session.execute(select(column).distinct().where(
                column.in_(forms[start:start + KEYS_PER_QUERY]), Contact.erased_at.is_(None))).scalars())
    return found


KEYS_PER_QUERY = 500


def _mark_duplicates(rows: list[dict]) -> None:
    """Possible duplicates of existing contacts (the contacts register's rule) and of earlier lines."""
    from core.registers.duplicates import find_duplicates

    valid = [row for row in rows if not row["problems"]]
    known_names, known_phones = _keys_in_register(valid)
    by_phone: dict[tuple[str, str], int] = {}
    by_name: dict[tuple[str, str], tuple[int, int | None]] = {}
    for row in rows:
        row["duplicates"], row["duplicate_of_line"] = [], None
    for row in valid:
        values = row["values"]
        names, phone = _row_keys(values)
        if names & known_names or phone in known_phones:
            candidates = find_duplicates(name_km=values["name_km"], name_latin=values["name_latin"],
                                         phone=values["phone"], birth_year=values["birth_year"], limit=5)
            row["duplicates"] = [{"id": candidate.contact.id, "strength": candidate.strength,
                                  "reasons": [_untranslated(reason) for reason in candidate.reasons]}
                                 for candidate in candidates if candidate.contact.kind.value == values["kind"]]
        kind, name = values["kind"], matching.name_key(values["name_km"], values["name_latin"])
        earlier = by_phone.get((kind, phone)) if phone else None
        if earlier is None and (kind, name) in by_name:
            line, year = by_name[(kind, name)]
            if year is None or values["birth_year"] is None or year == values["birth_year"]:
                earlier = line
        row["duplicate_of_line"] = earlier
        if phone:
            by_phone.setdefault((kind, phone), row["line"])
        if name:
            by_name.setdefault((kind, name), (row["line"], values["birth_year"]))


# --- preview, accept, cancel ----------------------------------------------------------------------

def parse_rows(table: Table) -> list[dict]:
    """Every data row checked: {"line", "values", "problems"} (duplicates are marked afterwards)."""
    named = [[(name, cells[index] if index < len(cells) else "") for index, name in enumerate(table.columns) if name]
             for _line, cells in table.rows]
    places = _known_places({place_code(value) for pairs in named for name, value in pairs
                            if name == "place_code" and value})
    rows = []
    for (line, _cells), pairs in zip(table.rows, named):
        values, problems = check_row(dict(pairs), places)
        if not problems:
            problems = _register_problems(values)
        rows.append({"line": line, "values": values, "problems": problems})
    return rows


RowsCheck = Callable[[Table, list[dict]], None]


def preview_import(data: bytes, *, file_name: str, user_id: int, extension: str | None = None,
                   check_rows: RowsCheck | None = None) -> ContactImport:
    """Read and check a file and keep it for review (flushes; the caller commits). Raises
    ImportFileError when the file as a whole cannot be read.

    A module importing its own records with the contacts passes `extension` (a name of its own,
    kept on every row: only get_pending_import(..., extension=) finds the import) and `check_rows`,
    called with the table and the checked rows before duplicates are marked: it may raise
    ImportFileError, add problems to a row (a row with problems is not imported) and keep what it
    reads in the row under a key of its own (the rows are JSON)."""
    table = read_table(data)
    rows = parse_rows(table)
    if check_rows is not None:
        check_rows(table, rows)
    if extension is not None:
        for row in rows:
            row["extension"] = extension
    _mark_duplicates(rows)
    pending = ContactImport(file_name=(file_name or "")[:255], rows=rows, created_by_id=user_id)
    db.session.add(pending)
    db.session.flush()
    return pending


def get_pending_import(import_id: int, user_id: int, *, extension: str | None = None) -> ContactImport | None:
    """The user's own pending import (another user's, or another tenant's, is not found). An import
    a module started with `extension` is found only with the same `extension`, and a plain contacts
    import only without one."""
    pending = db.session.execute(select(ContactImport).where(
        ContactImport.id == import_id, ContactImport.created_by_id == user_id)).scalar_one_or_none()
    if pending is None or any(row.get("extension") != extension for row in pending.rows or []):
        return None
    return pending


def is_duplicate(row: dict) -> bool:
    return bool(row.get("duplicates") or row.get("duplicate_of_line"))


@dataclass
class ImportCounts:
    rows: int = 0
    valid: int = 0
    with_errors: int = 0
    possible_duplicates: int = 0


def counts(pending: ContactImport) -> ImportCounts:
    rows = pending.rows or []
    errors = sum(1 for row in rows if row["problems"])
    duplicates = sum(1 for row in rows if not row["problems"] and is_duplicate(row))
    return ImportCounts(rows=len(rows), valid=len(rows) - errors - duplicates, with_errors=errors,
                        possible_duplicates=duplicates)


@dataclass
class ImportResult:
    imported: int = 0
    organisations_added: int = 0
    skipped_with_errors: int = 0
    skipped_duplicates: int = 0


class RowRefused(DomainError):
    """The contacts register refused a row while importing (nothing is imported)."""

    def __init__(self, line: int, message, field=None):
        super().__init__(message, field)
        self.line = line


def accept_import(pending: ContactImport, *, mode: str, import_duplicates=(), all_duplicates: bool = False,
                  on_row: Callable[[dict, Contact], None] | None = None) -> ImportResult:
    """Create the contacts of the valid rows (flushes; the caller commits once, so a failure on any
    row imports nothing). Possible duplicates are skipped unless their line is in
    `import_duplicates` (or `all_duplicates`). In ALL_OR_NONE mode a file with any row in error
    imports nothing (DomainError). A row the contacts register refuses raises RowRefused.
    `on_row(row, contact)`, when given, is called for each row's new contact (a person after its
    affiliations), in the same transaction; it may raise RowRefused too."""
    from core.registers.contacts import create_contact

    if mode not in MODES:
        raise DomainError(_("Choose what to import: the valid rows only, or all rows or nothing."), "mode")
    rows = pending.rows or []
    result = ImportResult(skipped_with_errors=sum(1 for row in rows if row["problems"]))
    if mode == ALL_OR_NONE and result.skipped_with_errors:
        raise DomainError(ngettext("Nothing was imported: %(num)d row has errors. Correct the file and upload it "
                                   "again, or import the valid rows only.",
                                   "Nothing was imported: %(num)d rows have errors. Correct the file and upload it "
                                   "again, or import the valid rows only.", result.skipped_with_errors), "mode")
    chosen = {int(line) for line in import_duplicates}
    accepted = []
    for row in rows:
        if row["problems"]:
            continue
        if is_duplicate(row) and not all_duplicates and row["line"] not in chosen:
            result.skipped_duplicates += 1
            continue
        accepted.append(row)
    # Organisations first, so that people in the same file can name them.
    accepted.sort(key=lambda row: row["values"]["kind"] != ContactKind.ORGANISATION.value)
    organisations = _existing_organisations(accepted)
    for row in accepted:
        contact = _create(row, create_contact)
        result.imported += 1
        if contact.kind == ContactKind.ORGANISATION:
            organisations.setdefault(_organisation_key(contact.name_km or contact.name_latin), contact)
            if on_row is not None:
                on_row(row, contact)
            continue
        linked = set()
        for name, role in row["values"]["affiliations"]:
            key = _organisation_key(name)
            organisation = organisations.get(key)
            if organisation is None:
                organisation = _create_organisation(name, row["line"], create_contact)
                organisations[key] = organisation
                result.organisations_added += 1
            if organisation.id not in linked:
                linked.add(organisation.id)
                db.session.add(ContactAffiliation(person_id=contact.id, organisation_id=organisation.id, role=role))
        if on_row is not None:
            on_row(row, contact)
    db.session.flush()
    record_event("contacts.import", tenant_id=pending.tenant_id, model="Contact", changes=vars(result))
    db.session.delete(pending)
    db.session.flush()
    return result


CONTACT_COLUMNS = ("kind", "name_km", "name_latin", "sex", "birth_year", "age_group", "disability", "idpoor",
                   "indigenous", "place_id", "phone", "email", "tags", "languages", "protected", "consent_scope",
                   "consent_on", "consent_method", "guardian_consent", "organisation_type")


def _contact_fields(values: dict) -> dict:
    fields = {name: values.get(name) for name in CONTACT_COLUMNS}
    fields["kind"] = ContactKind(fields["kind"])
    fields["sex"] = Sex(fields["sex"])
    fields["age_group"] = AgeGroup(fields["age_group"])
    fields["consent_method"] = ConsentMethod(fields["consent_method"]) if fields["consent_method"] else None
    fields["organisation_type"] = OrganisationType(fields["organisation_type"]) if fields["organisation_type"] else None
    fields["consent_on"] = date.fromisoformat(fields["consent_on"]) if fields["consent_on"] else None
    return fields


def _create(row: dict, create_contact) -> Contact:
    try:
        return create_contact(**_contact_fields(row["values"]))
    except DomainError as error:
        raise RowRefused(row["line"], error.message, error.field) from None


def _organisation_key(name: str) -> str:
    return matching.name_key(name, "") if re.search(r"[\u1780-\u17ff]", name) else matching.name_key("", name)


def _create_organisation(name: str, line: int, create_contact) -> Contact:
    khmer = bool(re.search(r"[\u1780-\u17ff]", name))
    try:
        return create_contact(kind=ContactKind.ORGANISATION, name_km=name if khmer else "",
                              name_latin="" if khmer else name)
    except DomainError as error:
        raise RowRefused(line, error.message, "organisation") from None


def _existing_organisations(rows: list[dict]) -> dict[str, Contact]:
    """The tenant's organisations that the rows name, by match key (one query)."""
    keys = {_organisation_key(name) for row in rows for name, _role in row["values"]["affiliations"]}
    keys.discard("")
    if not keys:
        return {}
    found = db.session.execute(select(Contact).where(
        Contact.kind == ContactKind.ORGANISATION, Contact.erased_at.is_(None),
        Contact.match_name.in_(keys)).order_by(Contact.id)).scalars()
    organisations: dict[str, Contact] = {}
    for organisation in found:
        organisations.setdefault(organisation.match_name, organisation)
    return organisations


def note_refused_row(pending: ContactImport, refused: RowRefused) -> None:
    """Keep the register's reason on the row, so the preview shows it and the row is no longer valid."""
    rows = [dict(row) for row in pending.rows]
    for row in rows:
        if row["line"] == refused.line:
            row["problems"] = [*row["problems"], refusal_problem(refused.message, refused.field)]
    pending.rows = rows


def cancel_import(pending: ContactImport) -> None:
    db.session.delete(pending)
    db.session.flush()


def purge_stale_imports(now: datetime) -> int:
    """Delete pending imports older than a day (they hold identities); a job runs this hourly."""
    from core.tenancy import unscoped
    with unscoped():
        result = db.session.execute(delete(ContactImport).where(ContactImport.created_at < now - KEEP_PENDING)
                                    .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount


# --- wording ---------------------------------------------------------------------------------------

def problem_text(line: int, problem: dict) -> str:
    """One problem of a row, in the current reader's language."""
    params = dict(problem.get("params") or {}, line=line)
    code = problem["code"]
    if code == "missing_name":
        return _("Line %(line)d: give a name in Khmer or in Latin script.", **params)
    if code == "too_long":
        return _("Line %(line)d: %(column)s is longer than %(n)d characters.", **params)
    if code == "choice":
        return _("Line %(line)d: %(column)s cannot be \"%(value)s\"; use one of: %(choices)s.", **params)
    if code == "year":
        return _("Line %(line)d: the birth year \"%(value)s\" is not a year between %(first)d and %(last)d.",
                 **params)
    if code == "yes_no":
        return _("Line %(line)d: %(column)s must be yes or no, not \"%(value)s\".", **params)
    if code == "unknown_place":
        return _("Line %(line)d: no place in the gazetteer has the code \"%(value)s\".", **params)
    if code == "village_place":
        return _("Line %(line)d: \"%(value)s\" is a village; give the code of the commune or sangkat.", **params)
    if code == "email":
        return _("Line %(line)d: \"%(value)s\" is not an e-mail address.", **params)
    if code == "role_without_organisation":
        return _("Line %(line)d: a role is given without an organisation.", **params)
    if code == "language":
        return _("Line %(line)d: \"%(value)s\" is not a language code such as km or en.", **params)
    if code == "date":
        return _("Line %(line)d: %(column)s \"%(value)s\" is not a date; write it as 2026-03-31.", **params)
    if code == "refused":
        reason = _(params["msgid"], **params.get("values", {})) if params.get("msgid") else params.get("text", "")
        if params.get("column"):
            return _("Line %(line)d, column %(column)s: %(problem)s", line=line, column=params["column"],
                     problem=reason)
        return _("Line %(line)d: %(problem)s", line=line, problem=reason)
    return _("Line %(line)d: this row cannot be imported.", line=line)


def _untranslated(text) -> str:
    """A lazy message's English text (translated when shown, in the reader's language), else the text."""
    if isinstance(text, LazyString) and len(text._args) == 1 and not text._kwargs:
        return text._args[0]
    return str(text)


def reasons_text(candidate: dict) -> list[str]:
    """Why a contact may be a row's duplicate, in the current reader's language."""
    return [_(reason) for reason in candidate.get("reasons", [])]


def row_messages(row: dict) -> list[str]:
    return [problem_text(row["line"], problem) for problem in row["problems"]]
