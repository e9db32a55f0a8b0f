"""CSV downloads that spreadsheets open safely: UTF-8 with BOM (Excel then shows Khmer correctly)
and cells that would start a formula neutralised (CSV injection)."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response, stream_with_context

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterable[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    for row in ([header], rows):
        for values in row:
            writer.writerow([safe_cell(v) for v in values])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> Response:
    """Stream rows as a CSV download (rows may be a generator over a large query)."""
    response = Response(stream_with_context(csv_lines(header, rows)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
