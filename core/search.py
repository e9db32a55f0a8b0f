"""Text matching for search boxes. Khmer is written without spaces between words, so a word is
found as a substring of the longer phrase (LIKE '%word%'), not by splitting on spaces. Zero-width
spaces — which Khmer typists insert between words — are ignored on both sides, and Latin letters
match regardless of case. Works the same on SQLite and PostgreSQL."""
from __future__ import annotations

import unicodedata

from sqlalchemy import func, literal_column, or_

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


def text_contains(column, query: str):
    """SQL condition: `column` contains `query` (see the module docstring)."""
    return normalised_column(column).contains(normalise(query), autoescape=True)


def any_contains(columns, query: str):
    return or_(*(text_contains(column, query) for column in columns))
