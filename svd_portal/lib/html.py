"""Drawing many table rows at once, escaped exactly as the templates escape."""

from __future__ import annotations

import html
from collections.abc import Iterable

from django.utils.safestring import SafeData, SafeString, mark_safe


def _escaped(value) -> str:
    # What django.utils.html.conditional_escape returns, without its lazy-string wrapper on every call (most of
    # the cost of a 200-row table): html.escape with quotes, and values already marked safe kept as they are.
    return value if isinstance(value, SafeData) else html.escape(str(value))


def format_rows(template: str, rows: Iterable[tuple]) -> SafeString:
    """django.utils.html.format_html_join("", template, rows), for long tables: every value escaped."""
    return mark_safe("".join(template.format(*map(_escaped, row)) for row in rows))  # noqa: S308 - escaped above
