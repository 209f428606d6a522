"""CSV for Excel that cannot run: formula-looking cells are neutralised.

A cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return before one) is
taken as a formula by Excel and LibreOffice; a staff-typed text such as
``=HYPERLINK("http://…")`` in an export would then act when a colleague opens the file. Such
text cells get a leading apostrophe, which spreadsheets show as plain text. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value, with a text that a spreadsheet would run as a formula made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def excel_csv(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> bytes:
    """UTF-8 with BOM and CRLF (what Excel opens as Japanese text), every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
