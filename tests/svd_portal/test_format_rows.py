"""format_rows draws long tables with the same escaping as Django's format_html_join."""

from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

from svd_portal.lib.html import format_rows

TEMPLATE = '<tr data-id="{0}"><td>{1}</td><td>{2}</td><td>{3}</td></tr>'
ROWS = [
    (1, "<script>alert('x')</script>", mark_safe("<strong>kept</strong>"), None),
    ("\"quoted\" & 'single'", "=SUM(A1)", "\u202eevil", 3.5),
    ("", "O'Brien <b>", mark_safe(""), "tab\there"),
]


def test_format_rows_escapes_exactly_as_format_html_join():
    drawn = format_rows(TEMPLATE, ROWS)
    assert isinstance(drawn, SafeString)
    assert drawn == format_html_join("", TEMPLATE, ROWS)
    assert "<script>" not in drawn and "&lt;script&gt;alert(&#x27;x&#x27;)" in drawn
    assert "<strong>kept</strong>" in drawn and "&quot;quoted&quot; &amp; &#x27;single&#x27;" in drawn
