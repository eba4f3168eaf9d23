"""CSV exports that are safe to open in a spreadsheet.

A cell that begins with = + - @ (or a tab, carriage return or NUL, which ASVS 5.0 1.2.10 adds) could run as
a formula in Excel or LibreOffice. Such cells are prefixed with a single quote. Plain numbers are left alone
so that counts stay numeric. Files are UTF-8 with a byte-order mark so Excel reads accents correctly.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0", "|", "%")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_FILENAME_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def escape_cell(value) -> str:
    """The cell as text, neutralised if a spreadsheet could read it as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float):
        return str(value)
    text = str(value).replace("\0", "")
    risky = text.startswith(FORMULA_START) and not _NUMBER.match(text)
    if risky or str(value).startswith("\0"):
        return "'" + text
    return text


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([escape_cell(h) for h in header])
    for row in rows:
        writer.writerow([escape_cell(cell) for cell in row])
    return buffer.getvalue()


def attachment(content: bytes, *, filename: str, extension: str, content_type: str) -> HttpResponse:
    """A download (CSV, PDF) under a safe file name: letters, digits, dot, dash and underscore only."""
    safe = _FILENAME_SAFE.sub("-", filename).strip("-") or "export"
    if not safe.endswith(extension):
        safe += extension
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    return response


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    """An attachment download with a safe file name; never cached (NoStoreMiddleware also applies)."""
    content = ("\ufeff" + csv_text(header, rows)).encode("utf-8")
    return attachment(content, filename=filename, extension=".csv", content_type="text/csv; charset=utf-8")
