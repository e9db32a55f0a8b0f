"""Text matching for search boxes. Khmer is written without spaces between words, so a word is
found as a substring of the longer phrase (LIKE '%word%'), not by splitting on spaces. Zero-width
spaces — which Khmer typists insert between words — are ignored on both sides, and Latin letters
match regardless of case. Works the same on SQLite and PostgreSQL."""
from __future__ import annotations

import unicodedata

from sqlalchemy import DDL, Index, event, func, literal_column, or_, text

ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\ufeff")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "")
    for mark in ZERO_WIDTH:
        text = text.replace(mark, "")
    return text.strip().lower()


def normalised_column(column):
    """lower(replace(column, ZWSP, '')) with the strings inline, not bound: PostgreSQL then matches
    it to a trigram index on the same expression (see plugins/a2i_requests/migrations, 0003)."""
    expression = column
    for mark in ZERO_WIDTH[:1]:   # the only one seen in practice; each replace() costs per row
        expression = func.replace(expression, literal_column(f"'{mark}'"), literal_column("''"))
    return func.lower(expression)


def trigram_indexes(table: str, *columns: str) -> list[Index]:
    """PostgreSQL trigram indexes on normalised_column(column) for `table`'s __table_args__: a
    search finds a word anywhere in the text, which no b-tree serves, so without them a rare word
    reads every row of the tenant. Migrations create the same (e.g. core_0008); SQLite searches
    without. The table also needs `needs_trigrams`."""
    return [Index(f"ix_{table}_search_{column}", text(f"lower(replace({column}, '\u200b', '')) gin_trgm_ops"),
                  postgresql_using="gin").ddl_if(dialect="postgresql") for column in columns]


def needs_trigrams(table) -> None:
    """Create PostgreSQL's pg_trgm extension (trusted: a database owner may) before `table`."""
    event.listen(table, "before_create",
                 DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))


def text_contains(column, query: str):
    """SQL condition: `column` contains `query` (see the module docstring)."""
    return normalised_column(column).contains(normalise(query), autoescape=True)


def any_contains(columns, query: str):
    """SQL condition: one of `columns` contains `query`. A protected contact's identity columns are
    encrypted at rest (core.data_key), so SQL cannot look inside them: the protected contacts whose
    decrypted values match are added by id (core.registers.contacts.protected_matching). Callers
    still decide who may find a protected person."""
    condition = or_(*(text_contains(column, query) for column in columns))
    sealed = [column for column in columns if _sealed_contact_column(column) is not None]
    if sealed:
        from core.registers.contacts import protected_matching
        table = _sealed_contact_column(sealed[0]).table
        ids = protected_matching(query, fields=[_sealed_contact_column(column).key for column in sealed])
        condition = or_(condition, table.c.id.in_(ids))
    return condition


def _sealed_contact_column(column):
    """The table column behind `column` when a protected contact keeps it sealed, else None."""
    from core.data_key import SealedString, SealedText
    element = getattr(column, "expression", column)
    if not isinstance(getattr(element, "type", None), (SealedString, SealedText)):
        return None
    table = getattr(element, "table", None)
    original = getattr(table, "element", table)        # an alias of the table: the table itself
    return element if getattr(original, "name", None) == "core_contact" else None
